package dev.iotforwarder.ckafka;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The poison-tolerant mode of {@link DeviceMessageDeserializer}: never throws for bad bytes, but
 * yields a {@link DecodedValue} that is either the decoded message or an undecodable value with the
 * raw bytes and the precise {@link EnvelopeFormatException}, so that a record written by another
 * producer, truncated, or of another schema is skipped or parked by the consumer instead of failing
 * every {@code poll()} at its offset. Configure it by class name: {@code
 * value.deserializer=dev.iotforwarder.ckafka.DecodedValueDeserializer}; the record's partition and
 * offset, for the report, are on the {@code ConsumerRecord}.
 *
 * <p>Thread-safe. {@code null} (a tombstone) deserializes to {@code null}.
 */
public final class DecodedValueDeserializer implements Deserializer<DecodedValue> {
  private final EnvelopeCodec codec;

  /** A deserializer with {@link EnvelopeCodec#standard()} (lenient: unknown fields are ignored). */
  public DecodedValueDeserializer() {
    this(EnvelopeCodec.standard());
  }

  /**
   * A deserializer with another codec (strict mode, another size limit).
   *
   * @param codec the codec
   * @throws NullPointerException if {@code codec} is {@code null}
   */
  public DecodedValueDeserializer(EnvelopeCodec codec) {
    this.codec = Objects.requireNonNull(codec, "codec == null");
  }

  /**
   * Decodes an envelope, or wraps the bytes that are not one.
   *
   * @param topic the topic (unused)
   * @param data the record value, may be {@code null}
   * @return the decoded or undecodable value, or {@code null} for {@code null}
   */
  @Override
  public DecodedValue deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return DecodedValue.decoded(codec.decode(data));
    } catch (EnvelopeFormatException e) {
      return DecodedValue.undecodable(data, e);
    }
  }
}
