package dev.iotforwarder.streams;

import java.util.Objects;

/**
 * One device's current state in the presence table: online or offline, the last status event it
 * sent, and the {@code Seq} and time of the message that set this state.
 *
 * <p>Immutable. {@code online} follows the last {@code Online} or {@code Offline} event; any other
 * status event (a name this library does not know) updates {@code lastEvent}, {@code seq} and {@code
 * seenAt} but leaves {@code online} as it was (a device first seen with such an event is offline).
 *
 * @param deviceId the device id ({@code DeviceId})
 * @param productName the product ({@code ProductName})
 * @param deviceName the device's name in its product ({@code DeviceName})
 * @param online whether the last {@code Online}/{@code Offline} event was {@code Online}
 * @param lastEvent the event of the newest accepted status message
 * @param seq the {@code Seq} of the newest accepted status message
 * @param seenAt the time of the newest accepted status message, epoch milliseconds (the record's
 *     timestamp as the topology's timestamp extractor gives it: for records {@code CkafkaSink} wrote,
 *     when the gateway received the message; see {@link DevicePresenceTopology})
 */
public record DevicePresence(
    String deviceId,
    String productName,
    String deviceName,
    boolean online,
    String lastEvent,
    long seq,
    long seenAt) {

  /**
   * Validates the fields.
   *
   * @throws NullPointerException if a string field is {@code null}
   */
  public DevicePresence {
    Objects.requireNonNull(deviceId, "deviceId == null");
    Objects.requireNonNull(productName, "productName == null");
    Objects.requireNonNull(deviceName, "deviceName == null");
    Objects.requireNonNull(lastEvent, "lastEvent == null");
  }
}
