package dev.iotforwarder.reliability;

import dev.iotforwarder.DeviceMessage;
import java.util.concurrent.ThreadLocalRandom;

/** Messages of simulated devices: {@code product/dev-N}, payloads of telemetry-like size. */
final class Devices {
  static final String PRODUCT = "SmartMeter";

  private Devices() {}

  static String name(int device) {
    return "dev-" + device;
  }

  static String key(int device) {
    return PRODUCT + "/" + name(device);
  }

  static String deviceId(int device) {
    return Long.toString(144115205259838664L + device);
  }

  static DeviceMessage publish(int device, long seq, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    ThreadLocalRandom.current().nextBytes(payload);
    return DeviceMessage.publish(PRODUCT, name(device), deviceId(device), PRODUCT + "/" + name(device) + "/data",
        seq, payload);
  }

  static DeviceMessage status(int device, long seq) {
    return DeviceMessage.status(PRODUCT, name(device), deviceId(device), seq % 2 == 0 ? "Online" : "Offline", seq);
  }
}
