package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serializer} that writes a {@link DeviceMessage} as the standard JSON envelope, for
 * plain Kafka producers: {@code value.serializer=dev.iotforwarder.ckafka.DeviceMessageSerializer}.
 * The bytes are exactly those {@link CkafkaSink} sends.
 *
 * <p>Thread-safe. {@code null} serializes to {@code null} (a tombstone).
 */
public final class DeviceMessageSerializer implements Serializer<DeviceMessage> {
  private final EnvelopeCodec codec;

  /** A serializer with {@link EnvelopeCodec#standard()}; Kafka uses this constructor. */
  public DeviceMessageSerializer() {
    this(EnvelopeCodec.standard());
  }

  /**
   * A serializer with another codec (pretty printing, say).
   *
   * @param codec the codec
   * @throws NullPointerException if {@code codec} is {@code null}
   */
  public DeviceMessageSerializer(EnvelopeCodec codec) {
    this.codec = Objects.requireNonNull(codec, "codec == null");
  }

  /**
   * Encodes the message.
   *
   * @param topic the topic (unused)
   * @param message the message, may be {@code null}
   * @return the envelope's UTF-8 bytes, or {@code null} for {@code null}
   */
  @Override
  public byte[] serialize(String topic, DeviceMessage message) {
    return message == null ? null : codec.encode(message);
  }
}
