package dev.iotforwarder;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Base64;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DeviceMessageTest {
  private static final byte[] PAYLOAD = {1, 2, 3, 4};

  private static DeviceMessage.Builder validPublish() {
    return DeviceMessage.builder()
        .msgType(MessageType.PUBLISH)
        .topic("p/d/update")
        .seq(7)
        .deviceId("144115205259838664")
        .productName("p")
        .deviceName("d")
        .payload(PAYLOAD.clone());
  }

  @Nested
  @DisplayName("validation")
  class Validation {
    @Test
    void namesEveryNullFieldAndTheNegativeSeqInOneException() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> new DeviceMessage(null, null, null, -1, null, null, null, null))
          .withMessageStartingWith("Invalid DeviceMessage: ")
          .withMessageContaining("msgType was null but is required")
          .withMessageContaining("event was null but is required")
          .withMessageContaining("topic was null but is required")
          .withMessageContaining("seq was -1 but must be >= 0")
          .withMessageContaining("deviceId was null but is required")
          .withMessageContaining("productName was null but is required")
          .withMessageContaining("deviceName was null but is required")
          .withMessageContaining("payload was null but is required");
    }

    @Test
    void rejectsNegativeSeqNamingTheValue() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().seq(Long.MIN_VALUE).build())
          .withMessage(
              "Invalid DeviceMessage: seq was " + Long.MIN_VALUE + " but must be >= 0");
    }

    @Test
    void acceptsSeqZeroAndLongMaxValue() {
      assertThat(validPublish().seq(0).build().seq()).isZero();
      assertThat(validPublish().seq(Long.MAX_VALUE).build().seq()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void rejectsEmptyProductNameAndDeviceNameTogether() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().productName("").deviceName("").build())
          .withMessage("Invalid DeviceMessage: productName is empty; deviceName is empty");
    }

    @Test
    void rejectsPublishWithNonEmptyEvent() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().event("Online").build())
          .withMessage(
              "Invalid DeviceMessage: event was \"Online\" but must be empty for a Publish message");
    }

    @Test
    void rejectsPublishWithEmptyTopic() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().topic("").build())
          .withMessage(
              "Invalid DeviceMessage: topic is empty but a Publish message needs the topic it was"
                  + " published on");
    }

    @Test
    void rejectsStatusWithEmptyEvent() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> DeviceMessage.status("p", "d", "1", "", 1))
          .withMessage(
              "Invalid DeviceMessage: event is empty but a Status message needs an event"
                  + " (e.g. \"Online\")");
    }

    @Test
    void reportsPublishRulesTogetherWithOtherProblems() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().event("Offline").topic("").seq(-5).deviceName("").build())
          .withMessageContaining("seq was -5 but must be >= 0")
          .withMessageContaining("deviceName is empty")
          .withMessageContaining("event was \"Offline\"")
          .withMessageContaining("topic is empty");
    }

    @Test
    void builderWithoutMsgTypeNamesIt() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().msgType(null).build())
          .withMessage("Invalid DeviceMessage: msgType was null but is required");
    }

    @Test
    void statusMayHaveAnEmptyTopicOrATopicAndAPayload() {
      DeviceMessage plain = DeviceMessage.status("p", "d", "1", StatusEvent.OFFLINE, 3);
      assertThat(plain.topic()).isEmpty();

      DeviceMessage withTopic =
          DeviceMessage.builder()
              .msgType(MessageType.STATUS)
              .event("Online")
              .topic("$sys/p/d")
              .deviceId("1")
              .productName("p")
              .deviceName("d")
              .payload(PAYLOAD)
              .build();
      assertThat(withTopic.topic()).isEqualTo("$sys/p/d");
      assertThat(withTopic.payload()).containsExactly(PAYLOAD);
    }
  }

  @Nested
  @DisplayName("payload immutability")
  class Payload {
    @Test
    void mutatingTheInputArrayDoesNotChangeTheMessage() {
      byte[] input = {10, 20, 30};
      DeviceMessage m = DeviceMessage.publish("p", "d", "1", "t", 0, input);
      input[0] = 99;
      assertThat(m.payload()).containsExactly(10, 20, 30);
    }

    @Test
    void mutatingTheReturnedArrayDoesNotChangeTheMessage() {
      DeviceMessage m = DeviceMessage.publish("p", "d", "1", "t", 0, new byte[] {10, 20, 30});
      byte[] out = m.payload();
      out[0] = 99;
      assertThat(m.payload()).containsExactly(10, 20, 30);
      assertThat(m.payload()).isNotSameAs(m.payload());
    }

    @Test
    void mutatingTheBuilderInputAfterBuildDoesNotChangeTheMessage() {
      byte[] input = {10, 20, 30};
      DeviceMessage m = validPublish().payload(input).build();
      input[1] = 99;
      assertThat(m.payload()).containsExactly(10, 20, 30);
    }

    @Test
    void payloadBufferIsReadOnlyAndCoversThePayload() {
      DeviceMessage m = DeviceMessage.publish("p", "d", "1", "t", 0, new byte[] {10, 20, 30});
      ByteBuffer buffer = m.payloadBuffer();

      assertThat(buffer.isReadOnly()).isTrue();
      assertThat(buffer.position()).isZero();
      assertThat(buffer.limit()).isEqualTo(3);
      assertThat(buffer.hasArray()).isFalse();
      assertThatThrownBy(() -> buffer.put(0, (byte) 99)).isInstanceOf(ReadOnlyBufferException.class);
      byte[] read = new byte[3];
      buffer.get(read);
      assertThat(read).containsExactly(10, 20, 30);
      // Consuming one view leaves the next one untouched.
      assertThat(m.payloadBuffer().remaining()).isEqualTo(3);
    }

    @Test
    void payloadLenIsTheNumberOfPayloadBytes() {
      assertThat(validPublish().payload(new byte[0]).build().payloadLen()).isZero();
      assertThat(validPublish().payload(new byte[121]).build().payloadLen()).isEqualTo(121);
    }
  }

  @Nested
  @DisplayName("equals, hashCode and toString")
  class Identity {
    @Test
    void equalPayloadBytesInDifferentArraysMakeEqualMessages() {
      DeviceMessage a = validPublish().payload(new byte[] {1, 2, 3}).build();
      DeviceMessage b = validPublish().payload(new byte[] {1, 2, 3}).build();
      assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
      assertThat(a).isNotEqualTo(validPublish().payload(new byte[] {1, 2, 4}).build());
      assertThat(a).isNotEqualTo(null).isNotEqualTo("a string");
    }

    static Stream<Arguments> oneFieldChanged() {
      // msgType cannot change alone: Publish needs an empty event and Status a non-empty one.
      return Stream.of(
          Arguments.of("event", (UnaryOperator<DeviceMessage.Builder>) b -> b.event("Offline")),
          Arguments.of("topic", (UnaryOperator<DeviceMessage.Builder>) b -> b.topic("other")),
          Arguments.of("seq", (UnaryOperator<DeviceMessage.Builder>) b -> b.seq(8)),
          Arguments.of("deviceId", (UnaryOperator<DeviceMessage.Builder>) b -> b.deviceId("2")),
          Arguments.of("productName", (UnaryOperator<DeviceMessage.Builder>) b -> b.productName("q")),
          Arguments.of("deviceName", (UnaryOperator<DeviceMessage.Builder>) b -> b.deviceName("e")),
          Arguments.of("payload", (UnaryOperator<DeviceMessage.Builder>) b -> b.payload(new byte[0])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneFieldChanged")
    void messagesThatDifferInOneFieldAreNotEqual(
        String field, UnaryOperator<DeviceMessage.Builder> change) {
      DeviceMessage base = validPublish().msgType(MessageType.STATUS).event("Online").build();
      DeviceMessage changed = change.apply(base.toBuilder()).build();
      assertThat(changed).isNotEqualTo(base);
      assertThat(base).isNotEqualTo(changed);
    }

    @Test
    void publishAndStatusMessagesAreNotEqual() {
      DeviceMessage publish = validPublish().build();
      DeviceMessage status = validPublish().msgType(MessageType.STATUS).event("Online").build();
      assertThat(publish).isNotEqualTo(status);
    }

    @Test
    void toStringShowsTheFieldsAndPayloadLengthButNeverThePayload() {
      byte[] secret = "PAYLOAD-MARKER-x7Q9".getBytes(UTF_8);
      DeviceMessage m = validPublish().payload(secret).build();

      assertThat(m.toString())
          .isEqualTo(
              "DeviceMessage[msgType=Publish, event=, topic=p/d/update, seq=7,"
                  + " deviceId=144115205259838664, productName=p, deviceName=d, payloadLen=19]")
          .doesNotContain("PAYLOAD-MARKER")
          .doesNotContain(Base64.getEncoder().encodeToString(secret).substring(0, 12))
          .doesNotContain("[80, 65"); // Arrays.toString of the bytes
    }
  }

  @Nested
  @DisplayName("factories and builders")
  class Factories {
    @Test
    void publishFactorySetsAnEmptyEventAndKeepsEveryArgument() {
      DeviceMessage m = DeviceMessage.publish("prod", "dev", "42", "prod/dev/up", 9, PAYLOAD);
      assertThat(m.msgType()).isEqualTo(MessageType.PUBLISH);
      assertThat(m.isStatus()).isFalse();
      assertThat(m.event()).isEmpty();
      assertThat(m.topic()).isEqualTo("prod/dev/up");
      assertThat(m.seq()).isEqualTo(9);
      assertThat(m.deviceId()).isEqualTo("42");
      assertThat(m.productName()).isEqualTo("prod");
      assertThat(m.deviceName()).isEqualTo("dev");
      assertThat(m.payload()).containsExactly(PAYLOAD);
      assertThat(m.deviceKey()).isEqualTo("prod/dev");
    }

    @Test
    void statusFactorySetsAnEmptyTopicAndPayload() {
      DeviceMessage m = DeviceMessage.status("prod", "dev", "42", StatusEvent.ONLINE, 5);
      assertThat(m.msgType()).isEqualTo(MessageType.STATUS);
      assertThat(m.isStatus()).isTrue();
      assertThat(m.event()).isEqualTo("Online");
      assertThat(m.topic()).isEmpty();
      assertThat(m.seq()).isEqualTo(5);
      assertThat(m.payload()).isEmpty();
      assertThat(m.payloadLen()).isZero();
    }

    @Test
    void builderDefaultsAreEmptyEventTopicAndPayloadAndSeqZero() {
      DeviceMessage m =
          DeviceMessage.builder()
              .msgType(MessageType.STATUS)
              .event("Online")
              .deviceId("1")
              .productName("p")
              .deviceName("d")
              .build();
      assertThat(m).isEqualTo(new DeviceMessage(
          MessageType.STATUS, "Online", "", 0, "1", "p", "d", new byte[0]));
    }

    @Test
    void builderDefaultEventIsEmptySoAStatusNeedsOne() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> DeviceMessage.builder()
              .msgType(MessageType.STATUS).deviceId("1").productName("p").deviceName("d").build())
          .withMessageContaining("event is empty but a Status message needs an event");
    }

    @Test
    void toBuilderReproducesTheMessage() {
      DeviceMessage m = validPublish().build();
      DeviceMessage copy = m.toBuilder().build();
      assertThat(copy).isEqualTo(m).isNotSameAs(m);
      assertThat(copy.payload()).containsExactly(m.payload());
    }

    @Test
    void toBuilderDerivesAVariantWithoutChangingTheOriginal() {
      DeviceMessage m = validPublish().build();
      DeviceMessage variant = m.toBuilder().seq(8).payload(new byte[] {9}).build();
      assertThat(variant.seq()).isEqualTo(8);
      assertThat(variant.payload()).containsExactly(9);
      assertThat(variant.topic()).isEqualTo(m.topic());
      assertThat(m.seq()).isEqualTo(7);
      assertThat(m.payload()).containsExactly(PAYLOAD);
    }
  }
  @Nested
  @DisplayName("receive time")
  class ReceiveTime {
    private static final long T = 1_765_000_000_123L;

    @Test
    void isUnsetByDefaultAndInTheFactories() {
      assertThat(validPublish().build().receivedAtMillis()).isZero();
      assertThat(validPublish().build().receivedAt()).isEmpty();
      assertThat(DeviceMessage.status("p", "d", "1", "Online", 1).receivedAtMillis()).isZero();
      assertThat(new DeviceMessage(MessageType.PUBLISH, "", "t", 1, "1", "p", "d", PAYLOAD)
          .receivedAtMillis()).isZero();
    }

    @Test
    void theBuilderSetsItAsAnInstantOrInMillisAndToBuilderKeepsIt() {
      DeviceMessage m = validPublish().receivedAt(java.time.Instant.ofEpochMilli(T)).build();
      assertThat(m.receivedAtMillis()).isEqualTo(T);
      assertThat(m.receivedAt()).contains(java.time.Instant.ofEpochMilli(T));
      assertThat(validPublish().receivedAtMillis(T).build().receivedAtMillis()).isEqualTo(T);
      assertThat(m.toBuilder().build().receivedAtMillis()).isEqualTo(T);
      assertThat(validPublish().receivedAtMillis(T).receivedAt(null).build().receivedAtMillis())
          .isZero();
    }

    @Test
    void aNegativeTimeIsRejectedWithTheFieldNamed() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().receivedAtMillis(-1).build())
          .withMessage("Invalid DeviceMessage: receivedAtMillis was -1 but must be >= 0");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> validPublish().build().withReceivedAtMillis(-5))
          .withMessageContaining("receivedAtMillis was -5");
    }

    @Test
    void withReceivedAtMillisCopiesEverythingElseAndReturnsThisWhenUnchanged() {
      DeviceMessage m = validPublish().build();
      DeviceMessage stamped = m.withReceivedAtMillis(T);
      assertThat(stamped.receivedAtMillis()).isEqualTo(T);
      assertThat(stamped.payload()).containsExactly(PAYLOAD);
      assertThat(stamped.toBuilder().receivedAtMillis(0).build()).isEqualTo(m);
      assertThat(stamped.withReceivedAtMillis(T)).isSameAs(stamped);
    }

    @Test
    void equalsAndHashCodeIgnoreIt() {
      DeviceMessage sent = validPublish().receivedAtMillis(T).build();
      DeviceMessage readBack = validPublish().build(); // an envelope carries no time
      DeviceMessage later = validPublish().receivedAtMillis(T + 60_000).build();
      assertThat(sent).isEqualTo(readBack).isEqualTo(later).hasSameHashCodeAs(readBack);
      assertThat(sent.receivedAtMillis()).isNotEqualTo(later.receivedAtMillis());
    }

    @Test
    void toStringShowsItOnlyWhenSet() {
      assertThat(validPublish().receivedAtMillis(T).build().toString())
          .endsWith(", payloadLen=4, receivedAt=2025-12-06T05:46:40.123Z]");
      assertThat(validPublish().build().toString()).endsWith(", payloadLen=4]");
    }

    @Test
    void theEnvelopeCarriesNoTime() {
      DeviceMessage m = validPublish().receivedAtMillis(T).build();
      DeviceMessage decoded = EnvelopeCodec.standard().decode(EnvelopeCodec.standard().encode(m));
      assertThat(decoded).isEqualTo(m);
      assertThat(decoded.receivedAtMillis()).isZero();
      assertThat(new String(EnvelopeCodec.standard().encode(m), UTF_8))
          .isEqualTo(new String(EnvelopeCodec.standard().encode(validPublish().build()), UTF_8));
    }
  }
}
