package dev.iotforwarder;

import static dev.iotforwarder.Envelopes.FIELD_ORDER;
import static dev.iotforwarder.Envelopes.SAMPLE_COMPACT;
import static dev.iotforwarder.Envelopes.SAMPLE_PAYLOAD_BASE64;
import static dev.iotforwarder.Envelopes.SAMPLE_PAYLOAD_TEXT;
import static dev.iotforwarder.Envelopes.SAMPLE_PRETTY;
import static dev.iotforwarder.Envelopes.SECRET_PAYLOAD;
import static dev.iotforwarder.Envelopes.sample;
import static dev.iotforwarder.Envelopes.sampleMessage;
import static dev.iotforwarder.EnvelopeFormatException.WHOLE_ENVELOPE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeCodecTest {
  private static final EnvelopeCodec CODEC = EnvelopeCodec.standard();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String utf8(byte[] bytes) {
    return new String(bytes, UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(UTF_8);
  }

  /**
   * Decodes through both entry points, asserts that both reject the envelope the same way, and
   * returns the exception of {@code decode(byte[])}.
   */
  private static EnvelopeFormatException rejection(EnvelopeCodec codec, byte[] envelope) {
    EnvelopeFormatException fromBytes =
        catchThrowableOfType(EnvelopeFormatException.class, () -> codec.decode(envelope));
    assertThat(fromBytes).as("decode(byte[]) must throw EnvelopeFormatException").isNotNull();
    EnvelopeFormatException fromStream =
        catchThrowableOfType(
            EnvelopeFormatException.class, () -> codec.decode(new ByteArrayInputStream(envelope)));
    assertThat(fromStream).as("decode(InputStream) must throw EnvelopeFormatException").isNotNull();
    assertThat(fromStream.field()).isEqualTo(fromBytes.field());
    assertThat(fromStream.getMessage()).isEqualTo(fromBytes.getMessage());
    return fromBytes;
  }

  private static EnvelopeFormatException rejection(byte[] envelope) {
    return rejection(CODEC, envelope);
  }

  private static EnvelopeFormatException rejection(String envelope) {
    return rejection(CODEC, utf8(envelope));
  }

  private static void assertRejected(String envelope, String field, String message) {
    EnvelopeFormatException e = rejection(envelope);
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).isEqualTo(message);
  }

  /** Inserts raw JSON members just before the closing brace of a compact envelope. */
  private static String appendMembers(String compactEnvelope, String members) {
    return compactEnvelope.substring(0, compactEnvelope.length() - 1) + "," + members + "}";
  }

  @Nested
  @DisplayName("the spec's sample envelope")
  class SpecSample {
    @Test
    void decodesToExactlyItsNineValues() {
      DeviceMessage m = CODEC.decode(utf8(SAMPLE_PRETTY));

      assertThat(m.msgType()).isEqualTo(MessageType.PUBLISH);
      assertThat(m.event()).isEmpty();
      assertThat(m.topic()).isEqualTo("iot-product/iot-device/update");
      assertThat(m.seq()).isEqualTo(244);
      assertThat(m.payloadLen()).isEqualTo(121);
      assertThat(m.deviceId()).isEqualTo("144115205259838664");
      assertThat(m.productName()).isEqualTo("iot-product");
      assertThat(m.deviceName()).isEqualTo("iot-device");
      assertThat(m.payload()).hasSize(121).containsExactly(utf8(SAMPLE_PAYLOAD_TEXT));
      assertThat(m).isEqualTo(sampleMessage());
    }

    @Test
    void reEncodesCompactWithTheSameFieldsInTheSameOrder() {
      byte[] encoded = CODEC.encode(CODEC.decode(utf8(SAMPLE_PRETTY)));
      assertThat(utf8(encoded)).isEqualTo(SAMPLE_COMPACT);
    }

    @Test
    void encodingTheSampleMessageGivesTheSpecsPayloadText() throws IOException {
      JsonNode tree = JSON.readTree(CODEC.encode(sampleMessage()));
      assertThat(tree.get("Payload").textValue()).isEqualTo(SAMPLE_PAYLOAD_BASE64);
      assertThat(tree.get("PayloadLen").intValue()).isEqualTo(121);
    }

    @Test
    void decodesTheSampleFromAStreamToo() {
      assertThat(CODEC.decode(new ByteArrayInputStream(utf8(SAMPLE_PRETTY))))
          .isEqualTo(sampleMessage());
    }
  }

  @Nested
  @DisplayName("encoding")
  class Encoding {
    @Test
    void isCompactByDefault() {
      DeviceMessage m = DeviceMessage.status("p", "d", "1", StatusEvent.ONLINE, 0);
      assertThat(utf8(CODEC.encode(m)))
          .isEqualTo(
              "{\"MsgType\":\"Status\",\"Event\":\"Online\",\"Topic\":\"\",\"Seq\":0,\"PayloadLen\":0,"
                  + "\"DeviceId\":\"1\",\"ProductName\":\"p\",\"DeviceName\":\"d\",\"Payload\":\"\"}");
      assertThat(CODEC.pretty()).isFalse();
    }

    @Test
    void prettyOptionIndentsOneFieldPerLineAndStillDecodesToTheSameMessage() {
      EnvelopeCodec pretty = EnvelopeCodec.builder().pretty(true).build();
      String text = utf8(pretty.encode(sampleMessage()));

      String[] lines = text.split("\n");
      assertThat(lines).hasSize(11);
      assertThat(lines[0]).isEqualTo("{");
      assertThat(lines[10]).isEqualTo("}");
      for (int i = 1; i <= 9; i++) {
        assertThat(lines[i]).startsWith("  \"" + FIELD_ORDER.get(i - 1) + "\"");
      }
      // The sample's strings hold no whitespace, so dropping all of it gives the compact form.
      assertThat(text.replaceAll("\\s", "")).isEqualTo(SAMPLE_COMPACT);
      assertThat(pretty.decode(utf8(text))).isEqualTo(sampleMessage());
      assertThat(CODEC.decode(utf8(text))).isEqualTo(sampleMessage());
    }

    @Test
    void writesNonAsciiCharactersAsUtf8NotEscapes() {
      String product = "温度计";
      String device = "Gerät-Ω";
      String topic = product + "/" + device + "/🌡/update";
      DeviceMessage publish = DeviceMessage.publish(product, device, "7", topic, 1, new byte[0]);
      DeviceMessage status = DeviceMessage.status(product, device, "7", "Überhitzung🔥", 2);

      for (DeviceMessage m : List.of(publish, status)) {
        byte[] encoded = CODEC.encode(m);
        String text = utf8(encoded);
        assertThat(text).doesNotContain("\\u");
        assertThat(text).contains("\"ProductName\":\"温度计\"", "\"DeviceName\":\"Gerät-Ω\"");
        assertThat(CODEC.decode(encoded)).isEqualTo(m);
      }
      assertThat(utf8(CODEC.encode(publish))).contains("\"Topic\":\"" + topic + "\"");
      // U+1F321 is one 4-byte UTF-8 sequence, not a \\uD83C\\uDF21 escape pair.
      assertThat(CODEC.encode(publish)).containsSequence(0xF0, 0x9F, 0x8C, 0xA1);
      assertThat(utf8(CODEC.encode(status))).contains("\"Event\":\"Überhitzung🔥\"");
    }

    @Test
    void writesALoneSurrogateAsAnEscapeSoTheOutputStaysValidUtf8AndRoundTrips() {
      // Not valid Unicode, but a Java String can hold it; it must neither break nor be lost.
      DeviceMessage m = DeviceMessage.publish("p", "d\uD83C", "1", "t\uDF21", 0, new byte[0]);
      byte[] encoded = CODEC.encode(m);
      assertThat(utf8(encoded)).contains("\"Topic\":\"t\\uDF21\"", "\"DeviceName\":\"d\\uD83C\"");
      assertThat(CODEC.decode(encoded)).isEqualTo(m);
    }

    @Test
    void escapesJsonSpecialCharactersTheStandardJacksonWay() throws IOException {
      String name = "q\"b\\s/c\u0001\u001f n\n t\t r\r b\b f\f d\u007f l\u2028";
      DeviceMessage m = DeviceMessage.publish("p", name, "1", "t", 0, new byte[0]);

      byte[] encoded = CODEC.encode(m);
      assertThat(utf8(encoded))
          .contains("\"DeviceName\":\"q\\\"b\\\\s/c\\u0001\\u001F n\\n t\\t r\\r b\\b f\\f d\u007f"
              + " l\u2028\"");
      assertThat(JSON.readTree(encoded).get("DeviceName").textValue()).isEqualTo(name);
      assertThat(CODEC.decode(encoded)).isEqualTo(m);
    }

    @Test
    void computesPayloadLenFromThePayloadBytesAndWritesStandardBase64WithoutLineBreaks()
        throws IOException {
      byte[] payload = new byte[300];
      new Random(42).nextBytes(payload);
      DeviceMessage m = DeviceMessage.publish("p", "d", "1", "t", 0, payload);

      JsonNode tree = JSON.readTree(CODEC.encode(m));
      assertThat(tree.get("PayloadLen").isInt()).isTrue();
      assertThat(tree.get("PayloadLen").intValue()).isEqualTo(300);
      assertThat(tree.get("Payload").textValue())
          .isEqualTo(Base64.getEncoder().encodeToString(payload))
          .doesNotContain("\n")
          .doesNotContain("\r");
    }

    @Test
    void writesSeqUpToLongMaxValueAsAJsonInteger() throws IOException {
      DeviceMessage m = DeviceMessage.status("p", "d", "1", "Online", Long.MAX_VALUE);
      byte[] encoded = CODEC.encode(m);
      assertThat(utf8(encoded)).contains("\"Seq\":9223372036854775807,");
      assertThat(JSON.readTree(encoded).get("Seq").longValue()).isEqualTo(Long.MAX_VALUE);
      assertThat(CODEC.decode(encoded).seq()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void encodeToAStreamWritesTheSameBytesAndLeavesTheStreamOpen() {
      TrackingOutputStream out = new TrackingOutputStream();
      CODEC.encode(sampleMessage(), out);

      assertThat(out.toByteArray()).isEqualTo(CODEC.encode(sampleMessage()));
      assertThat(out.closed).isFalse();
      assertThat(out.flushes).isPositive();

      // Still usable: a second envelope follows the first.
      DeviceMessage second = DeviceMessage.status("p", "d", "1", "Offline", 9);
      CODEC.encode(second, out);
      assertThat(utf8(out.toByteArray())).isEqualTo(SAMPLE_COMPACT + utf8(CODEC.encode(second)));
    }

    @Test
    void prettyEncodeToAStreamEqualsPrettyEncode() {
      EnvelopeCodec pretty = EnvelopeCodec.builder().pretty(true).build();
      TrackingOutputStream out = new TrackingOutputStream();
      pretty.encode(sampleMessage(), out);
      assertThat(out.toByteArray()).isEqualTo(pretty.encode(sampleMessage()));
    }

    @Test
    void aFailingStreamIsReportedAsUncheckedIoWithoutThePayload() {
      OutputStream failing =
          new OutputStream() {
            @Override
            public void write(int b) throws IOException {
              throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              throw new IOException("disk full");
            }
          };
      DeviceMessage m = DeviceMessage.publish("p", "d", "1", "t", 0, SECRET_PAYLOAD);
      assertThatThrownBy(() -> CODEC.encode(m, failing))
          .isInstanceOf(UncheckedIOException.class)
          .hasRootCauseMessage("disk full")
          .hasMessageNotContaining(Base64.getEncoder().encodeToString(SECRET_PAYLOAD).substring(0, 8));
    }

    @Test
    void encodesAndDecodesExactlyOneMebibyteOfPayload() throws IOException {
      byte[] payload = new byte[1 << 20];
      new Random(7).nextBytes(payload);
      DeviceMessage m = DeviceMessage.publish("p", "d", "1", "t", 1, payload);

      byte[] encoded = CODEC.encode(m);
      JsonNode tree = JSON.readTree(encoded);
      assertThat(tree.get("PayloadLen").intValue()).isEqualTo(1 << 20);
      assertThat(tree.get("Payload").textValue())
          .isEqualTo(Base64.getEncoder().encodeToString(payload));
      assertThat(CODEC.decode(encoded)).isEqualTo(m);
      assertThat(CODEC.decode(new ByteArrayInputStream(encoded))).isEqualTo(m);

      // The per-thread buffer that grew for the large message still encodes small ones correctly.
      assertThat(utf8(CODEC.encode(sampleMessage()))).isEqualTo(SAMPLE_COMPACT);
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            for (int i = 0; i < 300; i++) {
              byte[] payload = new byte[(i * 37 + thread) % 2000];
              new Random(i).nextBytes(payload);
              DeviceMessage m =
                  DeviceMessage.publish("p" + thread, "d", Integer.toString(i), "t", i, payload);
              assertThat(CODEC.decode(CODEC.encode(m))).isEqualTo(m);
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Nested
  @DisplayName("decoding")
  class Decoding {
    @Test
    void ignoresFieldOrderAndWhitespace() {
      String reordered =
          "\r\n\t {  \"Payload\" :\t\"" + SAMPLE_PAYLOAD_BASE64 + "\" ,\r\n"
              + "\"DeviceName\":\"iot-device\",\"ProductName\"  :  \"iot-product\",\n"
              + "  \"DeviceId\":\"144115205259838664\",\"PayloadLen\":121 , \"Seq\" : 244,"
              + "\"Topic\":\"iot-product/iot-device/update\",\"Event\":\"\",\"MsgType\":\"Publish\""
              + "\n}\n  ";
      assertThat(CODEC.decode(utf8(reordered))).isEqualTo(sampleMessage());
    }

    @Test
    void readsDeviceIdGivenAsAJsonNumberAsItsExactDigits() {
      // 144115205259838664 > 2^53: through a double it would become 144115205259838660.
      byte[] envelope = sample().with("DeviceId", "144115205259838664").bytes();
      assertThat(CODEC.decode(envelope).deviceId()).isEqualTo("144115205259838664");
      assertThat(CODEC.decode(new ByteArrayInputStream(envelope)).deviceId())
          .isEqualTo("144115205259838664");
    }

    @Test
    void readsADeviceIdNumberBeyondLongRangeAsItsExactDigits() {
      byte[] envelope = sample().with("DeviceId", "123456789012345678901234567890").bytes();
      assertThat(CODEC.decode(envelope).deviceId()).isEqualTo("123456789012345678901234567890");
    }

    @Test
    void readsSeqUpToLongMaxValue() {
      byte[] envelope = sample().with("Seq", "9223372036854775807").bytes();
      assertThat(CODEC.decode(envelope).seq()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void ignoresUnknownFieldsOfEveryKindByDefault() {
      String envelope =
          "{\"Timestamp\":1700000000123,"
              + "\"Extra\":{\"a\":[1,{\"b\":null,\"c\":[true,false]}],\"MsgType\":\"Status\"},"
              + "\"List\":[[],[{}],\"x\",1.5e3],\"Flag\":true,\"Nothing\":null,"
              + SAMPLE_COMPACT.substring(1, SAMPLE_COMPACT.length() - 1)
              + ",\"msgtype\":\"publish\",\"Trailer\":\"after the payload\"}";
      assertThat(CODEC.decode(utf8(envelope))).isEqualTo(sampleMessage());
      assertThat(CODEC.strict()).isFalse();
    }

    @Test
    void fieldNamesAreCaseSensitive() {
      String envelope = sample().without("MsgType").with("msgType", "\"Publish\"").json();
      assertRejected(envelope, "MsgType", "missing required field MsgType");
    }

    @Test
    void strictModeAcceptsTheNineFields() {
      EnvelopeCodec strict = EnvelopeCodec.builder().strict(true).build();
      assertThat(strict.decode(utf8(SAMPLE_PRETTY))).isEqualTo(sampleMessage());
    }

    @Test
    void strictModeRejectsAnUnknownFieldByName() {
      EnvelopeCodec strict = EnvelopeCodec.builder().strict(true).build();
      EnvelopeFormatException e =
          rejection(strict, utf8(appendMembers(SAMPLE_COMPACT, "\"Timestamp\":1700000000")));
      assertThat(e.field()).isEqualTo("Timestamp");
      assertThat(e.getMessage())
          .isEqualTo(
              "unknown field \"Timestamp\" (strict mode accepts only the nine envelope fields)");
    }

    @Test
    void strictModeRejectsAnUnknownNestedFieldByItsTopLevelName() {
      EnvelopeCodec strict = EnvelopeCodec.builder().strict(true).build();
      EnvelopeFormatException e =
          rejection(strict, utf8("{\"Meta\":{\"MsgType\":\"Publish\"}," + SAMPLE_COMPACT.substring(1)));
      assertThat(e.field()).isEqualTo("Meta");
      assertThat(e.getMessage()).startsWith("unknown field \"Meta\"");
    }

    @Test
    void acceptsTrailingWhitespaceAfterTheObject() {
      assertThat(CODEC.decode(utf8(SAMPLE_COMPACT + "\n"))).isEqualTo(sampleMessage());
      assertThat(CODEC.decode(new ByteArrayInputStream(utf8(SAMPLE_COMPACT + " \r\n"))))
          .isEqualTo(sampleMessage());
    }

    @Test
    void acceptsAStatusEnvelopeWithAnEmptyTopicAndAnUnknownEvent() {
      String envelope =
          sample().with("MsgType", "\"Status\"").with("Event", "\"FirmwareUpgraded\"")
              .with("Topic", "\"\"").json();
      DeviceMessage m = CODEC.decode(utf8(envelope));
      assertThat(m.isStatus()).isTrue();
      assertThat(m.event()).isEqualTo("FirmwareUpgraded");
      assertThat(m.topic()).isEmpty();
    }

    @Test
    void acceptsAnEmptyPayload() {
      String envelope = sample().with("PayloadLen", "0").with("Payload", "\"\"").json();
      assertThat(CODEC.decode(utf8(envelope)).payload()).isEmpty();
    }

    @Test
    void decodeFromAStreamLeavesTheStreamOpen() {
      TrackingInputStream in = new TrackingInputStream(utf8(SAMPLE_COMPACT));
      assertThat(CODEC.decode(in)).isEqualTo(sampleMessage());
      assertThat(in.closed).isFalse();
    }

    @Test
    void decodeFromAStreamReportsAFailingStreamAsUncheckedIo() {
      InputStream failing =
          new InputStream() {
            @Override
            public int read() throws IOException {
              throw new IOException("connection reset");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              throw new IOException("connection reset");
            }
          };
      assertThatThrownBy(() -> CODEC.decode(failing))
          .isInstanceOf(UncheckedIOException.class)
          .hasRootCauseMessage("connection reset");
    }

    @Test
    void rejectsNullInputsWithNullPointerExceptions() {
      assertThatNullPointerException()
          .isThrownBy(() -> CODEC.decode((byte[]) null))
          .withMessage("envelope == null");
      assertThatNullPointerException()
          .isThrownBy(() -> CODEC.decode((InputStream) null))
          .withMessage("in == null");
    }

    @Test
    void acceptsNestingUpToTheLimitInUnknownFields() {
      EnvelopeCodec codec = EnvelopeCodec.builder().maxNestingDepth(3).build();
      // The envelope object is level 1, so two more levels fit.
      String envelope = appendMembers(SAMPLE_COMPACT, "\"Extra\":[{\"a\":1}]");
      assertThat(codec.decode(utf8(envelope))).isEqualTo(sampleMessage());
      assertThat(CODEC.decode(utf8(appendMembers(SAMPLE_COMPACT,
          "\"Extra\":" + "[".repeat(31) + "]".repeat(31))))).isEqualTo(sampleMessage());
    }

    @Test
    void acceptsAnEnvelopeOfExactlyTheSizeLimit() {
      byte[] envelope = utf8(SAMPLE_COMPACT);
      EnvelopeCodec codec = EnvelopeCodec.builder().maxEnvelopeBytes(envelope.length).build();
      assertThat(codec.decode(envelope)).isEqualTo(sampleMessage());
      assertThat(codec.decode(new ByteArrayInputStream(envelope))).isEqualTo(sampleMessage());
    }
  }

  @Nested
  @DisplayName("rejections")
  class Rejections {
    @Test
    void missingField() {
      assertRejected(sample().without("Seq").json(), "Seq", "missing required field Seq");
    }

    @Test
    void severalMissingFieldsAreListedTogether() {
      assertRejected(
          sample().without("Topic", "DeviceId", "Payload").json(),
          "Topic",
          "missing required fields Topic, DeviceId, Payload");
    }

    @Test
    void emptyObjectListsAllNineFields() {
      assertRejected(
          "{}",
          "MsgType",
          "missing required fields MsgType, Event, Topic, Seq, PayloadLen, DeviceId, ProductName,"
              + " DeviceName, Payload");
    }

    static Stream<Arguments> wrongTypes() {
      return Stream.of(
          Arguments.of("MsgType", "1", "MsgType must be a string but was an integer"),
          Arguments.of("Event", "0", "Event must be a string but was an integer"),
          Arguments.of("Topic", "5", "Topic must be a string but was an integer"),
          Arguments.of("Topic", "[]", "Topic must be a string but was an array"),
          Arguments.of("ProductName", "1.5",
              "ProductName must be a string but was a floating-point number"),
          Arguments.of("DeviceName", "{}", "DeviceName must be a string but was an object"),
          Arguments.of("Event", "null", "Event must be a string but was null"),
          Arguments.of("Seq", "\"244\"", "Seq must be a non-negative integer but was a string"),
          Arguments.of("Seq", "244.0",
              "Seq must be a non-negative integer but was a floating-point number"),
          Arguments.of("Seq", "2.44e2",
              "Seq must be a non-negative integer but was a floating-point number"),
          Arguments.of("Seq", "true", "Seq must be a non-negative integer but was a boolean"),
          Arguments.of("PayloadLen", "\"121\"",
              "PayloadLen must be a non-negative integer but was a string"),
          Arguments.of("Payload", "null", "Payload must be a Base64 string but was null"),
          Arguments.of("Payload", "[1,2]", "Payload must be a Base64 string but was an array"),
          Arguments.of("DeviceId", "true",
              "DeviceId must be a string (or an integer number) but was a boolean"),
          Arguments.of("DeviceId", "1.44e17",
              "DeviceId must be a string (or an integer number) but was a floating-point number"),
          Arguments.of("DeviceId", "null",
              "DeviceId must be a string (or an integer number) but was null"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("wrongTypes")
    void wrongJsonType(String field, String rawValue, String message) {
      assertRejected(sample().with(field, rawValue).json(), field, message);
    }

    @Test
    void stringFieldGivenANumber() {
      assertRejected(
          sample().with("ProductName", "42").json(),
          "ProductName",
          "ProductName must be a string but was an integer");
    }

    @Test
    void seqGivenAString() {
      assertRejected(
          sample().with("Seq", "\"244\"").json(),
          "Seq",
          "Seq must be a non-negative integer but was a string");
    }

    @Test
    void seqGivenAFloat() {
      assertRejected(
          sample().with("Seq", "244.5").json(),
          "Seq",
          "Seq must be a non-negative integer but was a floating-point number");
    }

    @Test
    void payloadGivenNull() {
      assertRejected(
          sample().with("Payload", "null").json(),
          "Payload",
          "Payload must be a Base64 string but was null");
    }

    @Test
    void deviceIdGivenABoolean() {
      assertRejected(
          sample().with("DeviceId", "false").json(),
          "DeviceId",
          "DeviceId must be a string (or an integer number) but was a boolean");
    }

    @Test
    void negativeSeq() {
      assertRejected(sample().with("Seq", "-1").json(), "Seq", "Seq was -1 but must be >= 0");
    }

    @Test
    void negativePayloadLen() {
      assertRejected(
          sample().with("PayloadLen", "-121").json(),
          "PayloadLen",
          "PayloadLen was -121 but must be >= 0");
    }

    @Test
    void seqAboveLongMaxValue() {
      assertRejected(
          sample().with("Seq", "9223372036854775808").json(),
          "Seq",
          "Seq was 9223372036854775808 but must be at most 9223372036854775807");
    }

    @Test
    void seqFarBelowZeroIsReportedAsNegative() {
      assertRejected(
          sample().with("Seq", "-9223372036854775809").json(),
          "Seq",
          "Seq was -9223372036854775809 but must be >= 0");
    }

    @Test
    void deviceIdGivenANegativeNumber() {
      assertRejected(
          sample().with("DeviceId", "-144115205259838664").json(),
          "DeviceId",
          "DeviceId was the negative number -144115205259838664 but must be a device id");
    }

    @Test
    void unknownMsgTypeInTheWrongCase() {
      assertRejected(
          sample().with("MsgType", "\"publish\"").json(),
          "MsgType",
          "MsgType was \"publish\" but must be \"Publish\" or \"Status\"");
    }

    @Test
    void unknownMsgTypeIsAbbreviatedWhenLong() {
      EnvelopeFormatException e = rejection(sample().with("MsgType", "\"" + "x".repeat(1000) + "\"").json());
      assertThat(e.field()).isEqualTo("MsgType");
      assertThat(e.getMessage())
          .isEqualTo("MsgType was \"" + "x".repeat(64) + "...(1000 chars)\" but must be \"Publish\""
              + " or \"Status\"");
    }

    @Test
    void badBase64() {
      String bad = SAMPLE_PAYLOAD_BASE64.substring(0, 4) + "-" + SAMPLE_PAYLOAD_BASE64.substring(5);
      assertRejected(
          sample().with("Payload", "\"" + bad + "\"").json(),
          "Payload",
          "Payload is not valid Base64: Base64 has an illegal character '-' (0x2d) at position 4");
    }

    @Test
    void base64WithAnEscapedLineBreak() {
      // MIME style: a CRLF after every 76 characters (JSON-escaped inside the string).
      String mime = SAMPLE_PAYLOAD_BASE64.substring(0, 76) + "\\r\\n"
          + SAMPLE_PAYLOAD_BASE64.substring(76, 152) + "\\r\\n" + SAMPLE_PAYLOAD_BASE64.substring(152);
      assertRejected(
          sample().with("Payload", "\"" + mime + "\"").json(),
          "Payload",
          "Payload is not valid Base64: Base64 has an illegal character U+000D at position 76");
    }

    @Test
    void nonCanonicalBase64() {
      assertRejected(
          sample().with("PayloadLen", "1").with("Payload", "\"Zh==\"").json(),
          "Payload",
          "Payload is not valid Base64: Base64 is not canonical: the unused bits of the character"
              + " at position 1 before the padding are not zero");
    }

    @Test
    void payloadLenThatDiffersFromPayload() {
      assertRejected(
          sample().with("PayloadLen", "120").json(),
          "PayloadLen",
          "PayloadLen was 120 but Payload decodes to 121 bytes");
    }

    @Test
    void payloadLenThatCountsTheBase64TextInsteadOfTheBytes() {
      assertRejected(
          sample().with("PayloadLen", Integer.toString(SAMPLE_PAYLOAD_BASE64.length())).json(),
          "PayloadLen",
          "PayloadLen was 164 but Payload decodes to 121 bytes");
    }

    @Test
    void duplicateField() {
      assertRejected(
          appendMembers(SAMPLE_COMPACT, "\"Seq\":245"), "Seq", "Seq appears more than once");
    }

    @Test
    void duplicateFieldWithTheSameValue() {
      assertRejected(
          appendMembers(SAMPLE_COMPACT, "\"MsgType\":\"Publish\""),
          "MsgType",
          "MsgType appears more than once");
    }

    @ParameterizedTest(name = "cut after {0} bytes")
    @ValueSource(ints = {1, 5, 11, 12, 30, 70, 80, 200, 361})
    void truncatedInput(int keep) {
      byte[] whole = utf8(SAMPLE_COMPACT);
      assertThat(keep).isLessThan(whole.length);
      byte[] cut = java.util.Arrays.copyOf(whole, keep);
      EnvelopeFormatException e = rejection(cut);
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope is truncated at line 1, column ");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "hello", "{MsgType:\"Publish\"}", "{'MsgType':'Publish'}", "{\"MsgType\" \"Publish\"}",
        "{\"MsgType\":\"Publish\",}", "{\"Seq\":0244}", "{\"Seq\":NaN}", "<xml/>"})
    void notJson(String text) {
      EnvelopeFormatException e = rejection(text);
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope is not valid JSON at line 1, column ");
    }

    @Test
    void invalidUtf8() {
      byte[] bytes = utf8(SAMPLE_COMPACT);
      bytes[SAMPLE_COMPACT.indexOf("iot-device/update")] = (byte) 0xFF; // inside the Topic
      EnvelopeFormatException e = rejection(bytes);
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope is not valid JSON at line 1, column ");
    }

    @Test
    void bytesThatLookLikeUtf32ButAreNotText() {
      // Four bytes that the parser takes for UTF-32BE, followed by an impossible code point.
      byte[] bytes = {0, 0, 0, '{', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
      EnvelopeFormatException e = rejection(bytes);
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope is not valid JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\r\n\t"})
    void emptyInput(String text) {
      assertRejected(text, WHOLE_ENVELOPE, "envelope is empty");
    }

    @Test
    void jsonArrayInsteadOfObject() {
      assertRejected(
          "[" + SAMPLE_COMPACT + "]",
          WHOLE_ENVELOPE,
          "envelope must be a JSON object but starts with an array");
    }

    @Test
    void otherJsonValuesInsteadOfObject() {
      assertRejected("\"Publish\"", WHOLE_ENVELOPE,
          "envelope must be a JSON object but starts with a string");
      assertRejected("244", WHOLE_ENVELOPE,
          "envelope must be a JSON object but starts with an integer");
      assertRejected("null", WHOLE_ENVELOPE, "envelope must be a JSON object but starts with null");
    }

    @Test
    void trailingContentAfterTheObject() {
      assertRejected(
          SAMPLE_COMPACT + "{}", WHOLE_ENVELOPE, "envelope has content after its closing '}'");
      assertRejected(
          SAMPLE_COMPACT + "\n" + SAMPLE_COMPACT,
          WHOLE_ENVELOPE,
          "envelope has content after its closing '}'");
      assertRejected(
          SAMPLE_COMPACT + " 1", WHOLE_ENVELOPE, "envelope has content after its closing '}'");
    }

    @Test
    void trailingGarbageAfterTheObject() {
      EnvelopeFormatException e = rejection(SAMPLE_COMPACT + "x");
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope is not valid JSON at line 1, column ");
    }

    @Test
    void overTheSizeLimitAsBytes() {
      byte[] envelope = utf8(SAMPLE_COMPACT);
      EnvelopeCodec codec = EnvelopeCodec.builder().maxEnvelopeBytes(envelope.length - 1).build();
      assertThatExceptionOfType(EnvelopeFormatException.class)
          .isThrownBy(() -> codec.decode(envelope))
          .withMessage("envelope is " + envelope.length + " bytes, over the limit of "
              + (envelope.length - 1) + " bytes")
          .returns(WHOLE_ENVELOPE, EnvelopeFormatException::field);
    }

    @Test
    void overTheSizeLimitAsAStream() {
      byte[] envelope = utf8(SAMPLE_COMPACT);
      int limit = envelope.length - 1;
      EnvelopeCodec codec = EnvelopeCodec.builder().maxEnvelopeBytes(limit).build();
      assertThatExceptionOfType(EnvelopeFormatException.class)
          .isThrownBy(() -> codec.decode(new ByteArrayInputStream(envelope)))
          .withMessage("envelope is more than " + limit + " bytes, over the limit of " + limit
              + " bytes")
          .returns(WHOLE_ENVELOPE, EnvelopeFormatException::field);
    }

    @Test
    void overTheDefaultSizeLimitAsBytesWithoutParsing() {
      byte[] huge = new byte[EnvelopeCodec.DEFAULT_MAX_ENVELOPE_BYTES + 1];
      assertThatExceptionOfType(EnvelopeFormatException.class)
          .isThrownBy(() -> CODEC.decode(huge))
          .withMessage("envelope is 4194305 bytes, over the limit of 4194304 bytes");
    }

    @Test
    void aHugeStreamIsRejectedAfterReadingLittleMoreThanTheLimit() {
      int limit = 4096;
      EnvelopeCodec codec = EnvelopeCodec.builder().maxEnvelopeBytes(limit).build();
      for (String prefix : new String[] {"{\"Extra\":\"", "", "{\"Extra\":[", "{\"Extra\":1"}) {
        // 64 MiB of input: a codec that read it all would still end, but fail the count below.
        EndlessInputStream in = new EndlessInputStream(utf8(prefix), 64L << 20);
        assertThatExceptionOfType(EnvelopeFormatException.class)
            .as("prefix %s", prefix)
            .isThrownBy(() -> codec.decode(in))
            .withMessage("envelope is more than 4096 bytes, over the limit of 4096 bytes")
            .returns(WHOLE_ENVELOPE, EnvelopeFormatException::field);
        assertThat(in.bytesRead).as("bytes read").isLessThanOrEqualTo(limit + 16 * 1024);
      }
    }

    @Test
    void tooDeepNestingInAnUnknownField() {
      String envelope =
          appendMembers(SAMPLE_COMPACT, "\"Extra\":" + "[".repeat(32) + "]".repeat(32));
      EnvelopeFormatException e = rejection(envelope);
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope is nested deeper than the limit of 32 levels");
    }

    @Test
    void veryDeepNestingIsRejectedWithoutAStackOverflow() {
      String envelope = "{\"Extra\":" + "[{\"a\":".repeat(200_000);
      EnvelopeFormatException e = rejection(envelope);
      assertThat(e.getMessage()).startsWith("envelope is nested deeper than the limit of 32 levels");
    }

    @Test
    void nestingOverAConfiguredLimit() {
      EnvelopeCodec codec = EnvelopeCodec.builder().maxNestingDepth(3).build();
      EnvelopeFormatException e =
          rejection(codec, utf8(appendMembers(SAMPLE_COMPACT, "\"Extra\":[[[]]]")));
      assertThat(e.getMessage()).startsWith("envelope is nested deeper than the limit of 3 levels");
    }

    @Test
    void aNumberLongerThanTheReadersLimitIsRejected() {
      EnvelopeFormatException e = rejection(sample().with("Seq", "9".repeat(100)).json());
      assertThat(e.field()).isEqualTo(WHOLE_ENVELOPE);
      assertThat(e.getMessage()).startsWith("envelope exceeds a size limit of the reader");
    }

    @Test
    void publishWithANonEmptyEvent() {
      assertRejected(
          sample().with("Event", "\"Online\"").json(),
          "Event",
          "Event was \"Online\" but must be empty when MsgType is Publish");
    }

    @Test
    void publishWithAnEmptyTopic() {
      assertRejected(
          sample().with("Topic", "\"\"").json(),
          "Topic",
          "Topic is empty but MsgType Publish needs a topic");
    }

    @Test
    void statusWithAnEmptyEvent() {
      assertRejected(
          sample().with("MsgType", "\"Status\"").json(),
          "Event",
          "Event is empty but MsgType Status needs an event");
    }

    @Test
    void emptyProductName() {
      assertRejected(
          sample().with("ProductName", "\"\"").json(), "ProductName", "ProductName is empty");
    }

    @Test
    void emptyDeviceName() {
      assertRejected(
          sample().with("DeviceName", "\"\"").json(), "DeviceName", "DeviceName is empty");
    }

    static Stream<Arguments> envelopesHoldingASecretPayload() {
      String b64 = Base64.getEncoder().encodeToString(SECRET_PAYLOAD);
      String quoted = "\"" + b64 + "\"";
      String len = Integer.toString(SECRET_PAYLOAD.length);
      Envelopes.Raw secret = sample().with("PayloadLen", len).with("Payload", quoted);
      String valid = secret.json();
      return Stream.of(
          Arguments.of("unquoted payload", secret.with("Payload", b64).json()),
          Arguments.of("payload in single quotes", secret.with("Payload", "'" + b64 + "'").json()),
          Arguments.of("payload as a bare word after a letter",
              secret.with("Payload", "t" + b64).json()),
          Arguments.of("PayloadLen differs", secret.with("PayloadLen", "1").json()),
          Arguments.of("bad Base64",
              secret.with("Payload", "\"" + b64.replace('V', '-') + "\"").json()),
          Arguments.of("Base64 too short",
              secret.with("Payload", "\"" + b64.substring(1) + "\"").json()),
          Arguments.of("Payload as an object",
              secret.with("Payload", "{\"x\":" + quoted + "}").json()),
          Arguments.of("Payload as an array", secret.with("Payload", "[" + quoted + "]").json()),
          Arguments.of("duplicate Payload", appendMembers(valid, "\"Payload\":" + quoted)),
          Arguments.of("truncated inside Payload", valid.substring(0, valid.length() - 12)),
          Arguments.of("missing field", secret.without("Seq").json()),
          Arguments.of("bad MsgType", secret.with("MsgType", "\"x\"").json()),
          Arguments.of("control char in Payload",
              secret.with("Payload", "\"" + b64.substring(0, 20) + "\u0001" + b64.substring(20) + "\"")
                  .json()),
          Arguments.of("bad escape in Payload",
              secret.with("Payload", "\"" + b64.substring(0, 20) + "\\q" + b64.substring(20) + "\"")
                  .json()),
          Arguments.of("trailing content", valid + quoted),
          Arguments.of("trailing bare word", valid + b64),
          Arguments.of("unknown field holding it, nested too deep",
              appendMembers(valid, "\"Extra\":" + "[".repeat(40) + quoted + "]".repeat(40))),
          Arguments.of("array of it", "[" + quoted + "]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envelopesHoldingASecretPayload")
    void noExceptionMessageQuotesThePayload(String problem, String envelope) {
      EnvelopeFormatException e = rejection(envelope);
      String b64 = Base64.getEncoder().encodeToString(SECRET_PAYLOAD);
      List<String> texts = new ArrayList<>();
      for (Throwable t = e; t != null; t = t.getCause()) {
        texts.add(t.toString());
      }
      for (String text : texts) {
        assertThat(text).doesNotContain("TOP-SECRET").doesNotContain("MARKER");
        for (int i = 0; i + 6 <= b64.length(); i++) {
          assertThat(text).as("message of %s", problem).doesNotContain(b64.substring(i, i + 6));
        }
      }
    }

    @Test
    void strictModeRejectionOfAHugeUnknownFieldNameIsShort() {
      EnvelopeCodec strict = EnvelopeCodec.builder().strict(true).build();
      String name = "N".repeat(10_000);
      EnvelopeFormatException e =
          rejection(strict, utf8("{\"" + name + "\":1," + SAMPLE_COMPACT.substring(1)));
      assertThat(e.field()).isEqualTo(name);
      assertThat(e.getMessage()).hasSizeLessThan(200).startsWith("unknown field \"NNNN");
    }
  }

  @Nested
  @DisplayName("configuration")
  class Configuration {
    @Test
    void standardCodecHasTheDocumentedDefaults() {
      assertThat(CODEC.pretty()).isFalse();
      assertThat(CODEC.strict()).isFalse();
      assertThat(CODEC.maxEnvelopeBytes()).isEqualTo(4 * 1024 * 1024);
      assertThat(CODEC.maxNestingDepth()).isEqualTo(32);
      assertThat(CODEC).hasToString(
          "EnvelopeCodec[pretty=false, strict=false, maxEnvelopeBytes=4194304, maxNestingDepth=32]");
      assertThat(EnvelopeCodec.standard()).isSameAs(CODEC);
    }

    @Test
    void builderKeepsEverySetting() {
      EnvelopeCodec c = EnvelopeCodec.builder()
          .pretty(true).strict(true).maxEnvelopeBytes(64).maxNestingDepth(1).build();
      assertThat(c.pretty()).isTrue();
      assertThat(c.strict()).isTrue();
      assertThat(c.maxEnvelopeBytes()).isEqualTo(64);
      assertThat(c.maxNestingDepth()).isEqualTo(1);
    }

    @Test
    void builderReportsEveryInvalidSettingAtOnce() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> EnvelopeCodec.builder().maxEnvelopeBytes(63).maxNestingDepth(0).build())
          .withMessage("Invalid EnvelopeCodec configuration: maxEnvelopeBytes was 63 but must be"
              + " >= 64; maxNestingDepth was 0 but must be >= 1");
    }

    @Test
    void nestingDepthOneAllowsTheFlatEnvelopeOnly() {
      EnvelopeCodec flat = EnvelopeCodec.builder().maxNestingDepth(1).build();
      assertThat(flat.decode(utf8(SAMPLE_COMPACT))).isEqualTo(sampleMessage());
      assertThat(rejection(flat, utf8(appendMembers(SAMPLE_COMPACT, "\"Extra\":{}"))).getMessage())
          .startsWith("envelope is nested deeper than the limit of 1 levels");
    }
  }

  /** Records close() and flush() calls. */
  private static final class TrackingOutputStream extends ByteArrayOutputStream {
    boolean closed;
    int flushes;

    @Override
    public void flush() {
      flushes++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Records close() calls. */
  private static final class TrackingInputStream extends ByteArrayInputStream {
    boolean closed;

    TrackingInputStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** A prefix followed by filler bytes up to a total length, generated on the fly; counts reads. */
  private static final class EndlessInputStream extends InputStream {
    private final byte[] prefix;
    private final long total;
    private final byte filler;
    long bytesRead;

    EndlessInputStream(byte[] prefix, long total) {
      this.prefix = prefix;
      this.total = total;
      // After a string start: letters; after an array or number start: digits or spaces.
      this.filler = prefix.length == 0 ? (byte) ' ' : prefix[prefix.length - 1] == '"' ? (byte) 'a'
          : prefix[prefix.length - 1] == '[' ? (byte) ' ' : (byte) '1';
    }

    @Override
    public int read() {
      if (bytesRead >= total) {
        return -1;
      }
      byte b = bytesRead < prefix.length ? prefix[(int) bytesRead] : filler;
      bytesRead++;
      return b & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (bytesRead >= total) {
        return -1;
      }
      int n = (int) Math.min(len, total - bytesRead);
      for (int i = 0; i < n; i++) {
        b[off + i] = bytesRead + i < prefix.length ? prefix[(int) (bytesRead + i)] : filler;
      }
      bytesRead += n;
      return n;
    }
  }
}
