package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test messages and helpers. */
final class Messages {
  private Messages() {}

  /** A Publish message of device {@code d<device>} of product {@code p<device % 10>}, ~140 B payload. */
  static DeviceMessage telemetry(int device, long seq) {
    String payload = "{\"device\":" + device + ",\"seq\":" + seq
        + ",\"temp\":" + (20 + device % 15) + ",\"current\":" + (2500 + seq % 100)
        + ",\"warning\":" + (seq % 7 == 0 ? 1 : 0) + ",\"note\":\"telemetry sample for the kafka sink\"}";
    return DeviceMessage.publish("p" + (device % 10), "d" + device,
        String.valueOf(144115205259838664L + device), "p" + (device % 10) + "/d" + device + "/data", seq,
        payload.getBytes(StandardCharsets.UTF_8));
  }

  /** Waits at most 30 s for the future and returns its failure, or null if it succeeded. */
  static Throwable failureOf(CompletableFuture<?> f) throws InterruptedException, TimeoutException {
    try {
      f.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
