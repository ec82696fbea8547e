package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A Kafka {@link Deserializer} that reads the JSON envelope into a {@link DeviceMessage}, for the
 * backend that consumes the topic: {@code
 * value.deserializer=dev.iotforwarder.ckafka.DeviceMessageDeserializer}.
 *
 * <p>Thread-safe. {@code null} (a tombstone) deserializes to {@code null}. An envelope that cannot be
 * decoded throws a {@link SerializationException} whose cause is the codec's {@link
 * EnvelopeFormatException} naming the field and the problem; the consumer's {@code poll()} then throws
 * a {@code RecordDeserializationException} with the partition and offset, and fails at that offset on
 * every poll until the consumer seeks past it. Where a topic may hold records that are not envelopes,
 * use {@link DecodedValueDeserializer} instead: it yields a {@link DecodedValue} to skip or park.
 */
public final class DeviceMessageDeserializer implements Deserializer<DeviceMessage> {
  private final EnvelopeCodec codec;

  /** A deserializer with {@link EnvelopeCodec#standard()} (lenient: unknown fields are ignored). */
  public DeviceMessageDeserializer() {
    this(EnvelopeCodec.standard());
  }

  /**
   * A deserializer with another codec (strict mode, another size limit).
   *
   * @param codec the codec
   * @throws NullPointerException if {@code codec} is {@code null}
   */
  public DeviceMessageDeserializer(EnvelopeCodec codec) {
    this.codec = Objects.requireNonNull(codec, "codec == null");
  }

  /**
   * Decodes an envelope.
   *
   * @param topic the topic, used in the error message
   * @param data the record value, may be {@code null}
   * @return the message, or {@code null} for {@code null}
   * @throws SerializationException if the bytes are not a valid envelope
   */
  @Override
  public DeviceMessage deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return codec.decode(data);
    } catch (EnvelopeFormatException e) {
      throw new SerializationException(
          "Record value on topic " + topic + " is not a valid device-message envelope: " + e.getMessage(), e);
    }
  }
}
