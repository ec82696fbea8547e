package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeFormatException;
import java.util.Objects;
import java.util.Optional;

/**
 * A record value as {@link DecodedValueDeserializer} yields it: either a decoded {@link
 * DeviceMessage}, or an undecodable value carrying the raw bytes and the codec's precise {@link
 * EnvelopeFormatException}. The consumer decides what to do with an undecodable one (skip it, park it
 * on a dead-letter topic with {@link #raw()}) and moves on; it never stalls the partition, which a
 * deserializer that throws inside {@code poll()} does.
 *
 * <pre>{@code
 * for (ConsumerRecord<String, DecodedValue> r : consumer.poll(timeout)) {
 *   if (r.value().isDecoded()) {
 *     handle(r.value().message());
 *   } else {
 *     park(r.topic(), r.partition(), r.offset(), r.value().raw(), r.value().error());
 *   }
 * }
 * }</pre>
 *
 * <p>Immutable: {@link #raw()} returns a copy.
 */
public final class DecodedValue {
  private final DeviceMessage message;
  private final byte[] raw;
  private final EnvelopeFormatException error;

  private DecodedValue(DeviceMessage message, byte[] raw, EnvelopeFormatException error) {
    this.message = message;
    this.raw = raw;
    this.error = error;
  }

  /**
   * A decoded value.
   *
   * @param message the message
   * @return the value
   * @throws NullPointerException if {@code message} is {@code null}
   */
  public static DecodedValue decoded(DeviceMessage message) {
    return new DecodedValue(Objects.requireNonNull(message, "message == null"), null, null);
  }

  /**
   * An undecodable value.
   *
   * @param raw the record's bytes (copied)
   * @param error why they are not an envelope
   * @return the value
   * @throws NullPointerException if an argument is {@code null}
   */
  public static DecodedValue undecodable(byte[] raw, EnvelopeFormatException error) {
    return new DecodedValue(null, Objects.requireNonNull(raw, "raw == null").clone(),
        Objects.requireNonNull(error, "error == null"));
  }

  /**
   * Whether the bytes were a valid envelope.
   *
   * @return {@code true} if {@link #message()} holds the message
   */
  public boolean isDecoded() {
    return message != null;
  }

  /**
   * The decoded message.
   *
   * @return the message
   * @throws IllegalStateException if the value is undecodable; the exception's cause is {@link #error()}
   */
  public DeviceMessage message() {
    if (message == null) {
      throw new IllegalStateException("record value is not a valid envelope: " + error.getMessage(), error);
    }
    return message;
  }

  /**
   * The decoded message, if there is one.
   *
   * @return the message, or empty if the value is undecodable
   */
  public Optional<DeviceMessage> messageIfDecoded() {
    return Optional.ofNullable(message);
  }

  /**
   * The raw record bytes of an undecodable value, for parking; empty for a decoded one.
   *
   * @return a copy of the bytes
   */
  public byte[] raw() {
    return raw == null ? new byte[0] : raw.clone();
  }

  /**
   * Why the value is undecodable: the field at fault ({@link EnvelopeFormatException#field()}) and the
   * problem.
   *
   * @return the error, or empty for a decoded value
   */
  public Optional<EnvelopeFormatException> error() {
    return Optional.ofNullable(error);
  }

  @Override
  public String toString() {
    return message != null ? "DecodedValue[" + message + "]"
        : "DecodedValue[undecodable, " + raw.length + " bytes, " + error.getMessage() + "]";
  }
}
