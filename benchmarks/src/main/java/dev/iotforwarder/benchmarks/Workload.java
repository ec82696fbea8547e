package dev.iotforwarder.benchmarks;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The messages every benchmark sends: Publish messages of 1,000 devices in 10 products, each with a
 * telemetry payload of about 150 bytes (or, for the large case, 12 KiB of binary, which makes an
 * envelope of about 16 KB). Deterministic: the same seed gives the same messages.
 */
public final class Workload {
  /** Devices the messages are spread over (the Kafka record key is the device). */
  public static final int DEVICES = 1_000;
  /** Payload bytes of the large case: Base64 makes 16,384 characters, an envelope of about 16.6 KB. */
  public static final int LARGE_PAYLOAD_BYTES = 12 * 1024;

  private Workload() {}

  /**
   * A typical telemetry message: about 150 bytes of JSON payload.
   *
   * @param i which message (selects device, seq and the reading)
   * @return the message
   */
  public static DeviceMessage typical(long i) {
    SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
    int device = (int) (i % DEVICES);
    String payload = String.format(Locale.ROOT,
        "{\"method\":\"report\",\"clientToken\":\"ct-%08d\",\"timestamp\":%d,\"params\":"
            + "{\"temperature\":%.2f,\"humidity\":%.1f,\"voltage\":%.3f,\"rssi\":%d}}",
        i % 100_000_000L, 1_732_500_000_000L + i, 15 + r.nextDouble() * 20, 20 + r.nextDouble() * 60,
        3.2 + r.nextDouble(), -40 - r.nextInt(60));
    return message(device, i, payload.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A large message: {@link #LARGE_PAYLOAD_BYTES} random bytes (a firmware chunk, an image).
   *
   * @param i which message
   * @return the message
   */
  public static DeviceMessage large(long i) {
    byte[] payload = new byte[LARGE_PAYLOAD_BYTES];
    SplittableRandom r = new SplittableRandom(i);
    for (int k = 0; k < payload.length; k++) {
      payload[k] = (byte) r.nextInt(256);
    }
    return message((int) (i % DEVICES), i, payload);
  }

  private static DeviceMessage message(int device, long seq, byte[] payload) {
    String product = product(device);
    String deviceName = deviceName(device);
    return DeviceMessage.publish(product, deviceName, deviceId(device),
        "$thing/up/property/" + product + "/" + deviceName, seq, payload);
  }

  static String product(int device) {
    return String.format(Locale.ROOT, "PRD%06dX", device % 10);
  }

  static String deviceName(int device) {
    return String.format(Locale.ROOT, "sensor-%04d", device);
  }

  static String deviceId(int device) {
    return Long.toString(144_115_205_259_800_000L + device);
  }

  /**
   * A pool of distinct typical messages, cycled by the end-to-end runs so that a million sends do
   * not need a million objects on the heap.
   *
   * @param size how many
   * @return the messages
   */
  public static DeviceMessage[] typicalPool(int size) {
    DeviceMessage[] pool = new DeviceMessage[size];
    for (int i = 0; i < size; i++) {
      pool[i] = typical(i);
    }
    return pool;
  }

  /**
   * The envelopes of a pool, encoded once (what a raw-producer baseline sends).
   *
   * @param pool the messages
   * @return their envelopes, index for index
   */
  public static byte[][] encode(DeviceMessage[] pool) {
    byte[][] out = new byte[pool.length][];
    EnvelopeCodec codec = EnvelopeCodec.standard();
    for (int i = 0; i < pool.length; i++) {
      out[i] = codec.encode(pool[i]);
    }
    return out;
  }
}
