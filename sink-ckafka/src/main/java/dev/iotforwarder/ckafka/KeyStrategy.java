package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Chooses the Kafka record key of a message. The key picks the partition, and Kafka keeps order only
 * within a partition, so a key that is the same for all of one device's messages keeps that device's
 * messages in order.
 *
 * <p>Implementations must be thread-safe and fast: the sink calls them on every send.
 */
@FunctionalInterface
public interface KeyStrategy {

  /**
   * The key of one message.
   *
   * @param message the message
   * @return the key bytes; {@code null} means no key, so the producer spreads such messages over
   *     partitions and their order is lost
   */
  byte[] key(DeviceMessage message);

  /**
   * The default: {@code ProductName/DeviceName} ({@link DeviceMessage#deviceKey()}) in UTF-8.
   *
   * @return the strategy
   */
  static KeyStrategy deviceKey() {
    return m -> m.deviceKey().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The device id ({@code DeviceId}) in UTF-8, e.g. {@code 144115205259838664}.
   *
   * @return the strategy
   */
  static KeyStrategy deviceId() {
    return m -> m.deviceId().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A key computed as a string and encoded in UTF-8. A function that returns {@code null} gives a
   * record without a key.
   *
   * @param key the function, e.g. {@code m -> m.productName()}
   * @return the strategy
   * @throws NullPointerException if {@code key} is {@code null}
   */
  static KeyStrategy of(Function<DeviceMessage, String> key) {
    Objects.requireNonNull(key, "key == null");
    return m -> {
      String k = key.apply(m);
      return k == null ? null : k.getBytes(StandardCharsets.UTF_8);
    };
  }
}
