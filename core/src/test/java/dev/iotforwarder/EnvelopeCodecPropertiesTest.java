package dev.iotforwarder;

import static dev.iotforwarder.Envelopes.FIELD_ORDER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the envelope codec over random messages: random payloads (empty up to 1 MiB),
 * names, topics and events full of non-ASCII and JSON-special characters, any {@code Seq} from 0
 * to {@link Long#MAX_VALUE} and device ids beyond 2^53.
 */
class EnvelopeCodecPropertiesTest {
  private static final EnvelopeCodec CODEC = EnvelopeCodec.standard();
  private static final EnvelopeCodec PRETTY = EnvelopeCodec.builder().pretty(true).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger TWO_POW_53 = BigInteger.TWO.pow(53);

  @Property(tries = 200)
  void decodeInvertsEncode(@ForAll("messages") DeviceMessage m) {
    byte[] encoded = CODEC.encode(m);
    assertThat(CODEC.decode(encoded)).isEqualTo(m);
    assertThat(CODEC.decode(new ByteArrayInputStream(encoded))).isEqualTo(m);

    // The generators must really reach the cases this property is about.
    int len = m.payloadLen();
    Statistics.label("payload")
        .collect(len == 0 ? "empty" : len == 1 << 20 ? "1 MiB" : len <= 300 ? "small" : "medium");
    Statistics.label("deviceId over 2^53")
        .collect(m.deviceId().matches("[0-9]+")
            && new BigInteger(m.deviceId()).compareTo(TWO_POW_53) > 0);
    Statistics.label("seq")
        .collect(m.seq() == 0 ? "0" : m.seq() == Long.MAX_VALUE ? "Long.MAX_VALUE"
            : m.seq() > 1L << 53 ? "over 2^53" : "other");
    Statistics.label("supplementary character")
        .collect((m.topic() + m.event() + m.productName() + m.deviceName()).codePoints()
            .anyMatch(Character::isSupplementaryCodePoint));
    Statistics.label("JSON-special character")
        .collect((m.topic() + m.event() + m.productName() + m.deviceName()).chars()
            .anyMatch(c -> c == '"' || c == '\\' || c < 0x20));
    Statistics.label("payload").coverage(c -> {
      c.check("empty").count(n -> n > 0);
      c.check("1 MiB").count(n -> n > 0);
      c.check("small").count(n -> n > 0);
      c.check("medium").count(n -> n > 0);
    });
    Statistics.label("seq").coverage(c -> {
      c.check("over 2^53").percentage(p -> p > 10);
      c.check("other").percentage(p -> p > 10);
    });
    Statistics.label("deviceId over 2^53").coverage(c -> c.check(true).percentage(p -> p > 20));
    Statistics.label("supplementary character").coverage(c -> c.check(true).percentage(p -> p > 20));
    Statistics.label("JSON-special character").coverage(c -> c.check(true).percentage(p -> p > 20));
  }

  @Property(tries = 200)
  void encodedEnvelopeHasTheNineFieldsInSpecOrderWithTheirJsonTypes(
      @ForAll("messages") DeviceMessage m) throws IOException {
    JsonNode tree = JSON.readTree(CODEC.encode(m));

    List<String> names = new ArrayList<>();
    tree.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyElementsOf(FIELD_ORDER);

    assertThat(tree.get("MsgType").isTextual()).isTrue();
    assertThat(tree.get("MsgType").textValue()).isEqualTo(m.msgType().wireName());
    assertThat(tree.get("Event").isTextual()).isTrue();
    assertThat(tree.get("Event").textValue()).isEqualTo(m.event());
    assertThat(tree.get("Topic").isTextual()).isTrue();
    assertThat(tree.get("Topic").textValue()).isEqualTo(m.topic());
    assertThat(tree.get("Seq").isIntegralNumber()).isTrue();
    assertThat(tree.get("Seq").canConvertToLong()).isTrue();
    assertThat(tree.get("Seq").longValue()).isEqualTo(m.seq());
    assertThat(tree.get("PayloadLen").isIntegralNumber()).isTrue();
    assertThat(tree.get("PayloadLen").longValue()).isEqualTo(m.payloadLen());
    assertThat(tree.get("DeviceId").isTextual()).isTrue();
    assertThat(tree.get("DeviceId").textValue()).isEqualTo(m.deviceId());
    assertThat(tree.get("ProductName").isTextual()).isTrue();
    assertThat(tree.get("ProductName").textValue()).isEqualTo(m.productName());
    assertThat(tree.get("DeviceName").isTextual()).isTrue();
    assertThat(tree.get("DeviceName").textValue()).isEqualTo(m.deviceName());
    assertThat(tree.get("Payload").isTextual()).isTrue();
    assertThat(tree.get("Payload").textValue())
        .isEqualTo(Base64.getEncoder().encodeToString(m.payload()));
  }

  @Property(tries = 200)
  void compactOutputIsValidUtf8WithoutWhitespaceAndEscapesOnlyControlCharacters(
      @ForAll("messages") DeviceMessage m) throws IOException {
    byte[] encoded = CODEC.encode(m);

    UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(encoded));

    assertThat(firstFormattingProblem(encoded)).isNull();
  }

  /**
   * Scans compact JSON: no whitespace outside strings, no raw control byte inside them, only the
   * short escapes, and backslash-u escapes only for control characters (non-ASCII must be UTF-8).
   * Plain loops rather than one assertion per byte: envelopes here reach 1.4 MB.
   *
   * @return a description of the first problem, or {@code null}
   */
  private static String firstFormattingProblem(byte[] json) {
    boolean inString = false;
    for (int i = 0; i < json.length; i++) {
      int b = json[i] & 0xFF;
      if (!inString) {
        if (b == '"') {
          inString = true;
        } else if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
          return "whitespace 0x" + Integer.toHexString(b) + " outside strings at byte " + i;
        }
      } else if (b == '"') {
        inString = false;
      } else if (b < 0x20) {
        return "raw control byte 0x" + Integer.toHexString(b) + " inside a string at byte " + i;
      } else if (b == '\\') {
        int next = json[++i];
        if (next == 'u') {
          int escaped = Integer.parseInt(new String(json, i + 1, 4, UTF_8), 16);
          if (escaped >= 0x20) {
            return "\\u escape of U+" + Integer.toHexString(escaped) + " at byte " + (i - 1)
                + ": only control characters are escaped, the rest is written as UTF-8";
          }
          i += 4;
        } else if ("\"\\nrtbf".indexOf(next) < 0) {
          return "unexpected escape \\" + (char) next + " at byte " + (i - 1);
        }
      }
    }
    return inString ? "unterminated string" : null;
  }

  @Property(tries = 200)
  void prettyOutputRoundTripsAndHoldsTheSameJsonAsCompact(@ForAll("messages") DeviceMessage m)
      throws IOException {
    byte[] pretty = PRETTY.encode(m);
    byte[] compact = CODEC.encode(m);

    assertThat(pretty.length).isGreaterThan(compact.length);
    assertThat(CODEC.decode(pretty)).isEqualTo(m);
    assertThat(PRETTY.decode(compact)).isEqualTo(m);
    JsonNode prettyTree = JSON.readTree(pretty);
    assertThat(prettyTree).isEqualTo(JSON.readTree(compact));
    List<String> names = new ArrayList<>();
    prettyTree.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactlyElementsOf(FIELD_ORDER);
  }

  @Property(tries = 100)
  void encodeToAStreamEqualsEncode(@ForAll("messages") DeviceMessage m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CODEC.encode(m, out);
    assertThat(out.toByteArray()).isEqualTo(CODEC.encode(m));
  }

  @Property(tries = 500)
  void aCorruptedEnvelopeDecodesOrFailsWithEnvelopeFormatExceptionOnly(
      @ForAll("smallMessages") DeviceMessage m,
      @ForAll @IntRange(min = 0, max = 10_000) int position,
      @ForAll byte replacement,
      @ForAll boolean truncate) {
    byte[] encoded = CODEC.encode(m);
    int at = position % encoded.length;
    byte[] corrupted;
    if (truncate) {
      corrupted = java.util.Arrays.copyOf(encoded, at);
    } else {
      corrupted = encoded.clone();
      corrupted[at] = replacement;
    }
    assertThatNoException().isThrownBy(() -> {
      try {
        CODEC.decode(corrupted);
      } catch (EnvelopeFormatException expected) {
        // a precise rejection is fine
      }
      try {
        CODEC.decode(new ByteArrayInputStream(corrupted));
      } catch (EnvelopeFormatException expected) {
        // a precise rejection is fine
      }
    });
  }

  // ---- generators ----

  @Provide
  Arbitrary<DeviceMessage> messages() {
    return messages(payloads());
  }

  @Provide
  Arbitrary<DeviceMessage> smallMessages() {
    return messages(sizedRandomBytes(Arbitraries.integers().between(0, 64)));
  }

  /** One flat combination; a Publish message gets no event and a topic that is not empty. */
  private static Arbitrary<DeviceMessage> messages(Arbitrary<byte[]> payloads) {
    return Combinators.combine(
            Arbitraries.of(MessageType.class), text(1), text(0), seqs(), deviceIds(), text(1),
            text(1), payloads)
        .as(
            (type, event, topic, seq, deviceId, product, device, payload) ->
                type == MessageType.PUBLISH
                    ? new DeviceMessage(type, "", topic.isEmpty() ? event : topic, seq, deviceId,
                        product, device, payload)
                    : new DeviceMessage(type, event, topic, seq, deviceId, product, device, payload));
  }

  /**
   * Seq over its whole range. jqwik's own longs are mostly small (94% under 2^53, measured), so
   * they are mixed with uniform values over [0, Long.MAX_VALUE] and the boundaries.
   */
  private static Arbitrary<Long> seqs() {
    return Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.longs().between(0, Long.MAX_VALUE)),
            Tuple.of(3, Arbitraries.randomValue(random -> random.nextLong() >>> 1)),
            Tuple.of(1, Arbitraries.of(
                0L, 1L, (1L << 53) - 1, 1L << 53, (1L << 53) + 1, Long.MAX_VALUE - 1,
                Long.MAX_VALUE)))
        .withoutEdgeCases();
  }

  /**
   * Digit strings (small, beyond 2^53, beyond Long) and, rarely, any text. Without jqwik's edge
   * cases: mixed into a combination of this size they crowd out the weights below (measured: 4%
   * instead of about 55% over 2^53), and the coverage check in {@link #decodeInvertsEncode} fails.
   */
  private static Arbitrary<String> deviceIds() {
    return Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(10)),
            Tuple.of(5, Arbitraries.bigIntegers()
                .between(TWO_POW_53.add(BigInteger.ONE), BigInteger.TEN.pow(30))
                .map(BigInteger::toString)),
            Tuple.of(1, text(0)))
        .withoutEdgeCases();
  }

  /**
   * Strings built from ASCII, JSON-special characters (quotes, backslashes, control characters),
   * non-ASCII BMP characters and supplementary characters (surrogate pairs, such as emoji). Never a
   * lone surrogate.
   */
  private static Arbitrary<String> text(int minLength) {
    Arbitrary<String> unit =
        Arbitraries.frequencyOf(
            Tuple.of(10, Arbitraries.chars().range(' ', '~').map(String::valueOf)),
            Tuple.of(3, Arbitraries.of("\"", "\\", "/", "\\u", "\n", "\r", "\t", "\b", "\f",
                "\u0000", "\u001f", "\u007f", "\u2028", "\u2029", "\ufeff", "\ufffd")),
            Tuple.of(2, Arbitraries.chars().range('\u0000', '\u001f').map(String::valueOf)),
            Tuple.of(3, Arbitraries.chars().range('\u0080', '\ud7ff').map(String::valueOf)),
            Tuple.of(1, Arbitraries.chars().range('\ue000', '\uffff').map(String::valueOf)),
            Tuple.of(3, Arbitraries.integers().between(0x10000, 0x10FFFF)
                .map(cp -> new String(Character.toChars(cp)))),
            Tuple.of(1, Arbitraries.of("🌡", "🔥", "👍🏽", "👨‍👩‍👧", "温度计", "Gerät", "Ω")));
    return unit.list().ofMinSize(minLength).ofMaxSize(24).map(parts -> String.join("", parts));
  }

  /**
   * Payload sizes: empty, small, medium and exactly 1 MiB, weighted explicitly (jqwik's own edge
   * cases are off: they made 40% of the payloads empty); the bytes come from a seed.
   */
  private static Arbitrary<byte[]> payloads() {
    return sizedRandomBytes(
            Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(0)),
                Tuple.of(20, Arbitraries.integers().between(1, 300)),
                Tuple.of(4, Arbitraries.integers().between(301, 64 * 1024)),
                Tuple.of(2, Arbitraries.just(1 << 20))))
        .withoutEdgeCases();
  }

  private static Arbitrary<byte[]> sizedRandomBytes(Arbitrary<Integer> sizes) {
    return Combinators.combine(sizes, Arbitraries.longs())
        .as(
            (size, seed) -> {
              byte[] bytes = new byte[size];
              new SplittableRandom(seed).nextBytes(bytes);
              return bytes;
            });
  }
}
