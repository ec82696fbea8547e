package dev.iotforwarder.connect.cluster;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.cmq.CmqClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The test messages: message {@code i} comes from device {@code i % 200} and has {@code Seq = i}. */
final class Envelopes {
  static final int DEVICES = 200;

  private Envelopes() {}

  static DeviceMessage message(int i) {
    int device = i % DEVICES;
    return DeviceMessage.publish("product-" + (device % 4), "device-" + device, String.valueOf(1000 + device),
        "product-" + (device % 4) + "/device-" + device + "/data", i,
        ("{\"t\":" + i + "}").getBytes(StandardCharsets.UTF_8));
  }

  static byte[] envelope(int i) {
    return EnvelopeCodec.standard().encode(message(i));
  }

  static DeviceMessage decode(byte[] envelope) {
    return EnvelopeCodec.standard().decode(envelope);
  }

  static DeviceMessage decode(String envelope) {
    return decode(envelope.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends messages {@code 0 .. count-1} to a queue, 16 per request, 32 requests at a time. */
  static void fill(CmqClient client, String queue, int count) {
    fill(client, queue, 0, count);
  }

  /** Sends messages {@code first .. end-1} to a queue, 16 per request, 32 requests at a time. */
  static void fill(CmqClient client, String queue, int first, int end) {
    List<CompletableFuture<?>> window = new ArrayList<>();
    for (int from = first; from < end; from += CmqClient.MAX_BATCH) {
      List<String> bodies = new ArrayList<>();
      for (int i = from; i < Math.min(end, from + CmqClient.MAX_BATCH); i++) {
        bodies.add(new String(envelope(i), StandardCharsets.UTF_8));
      }
      window.add(client.batchSendMessage(queue, bodies, 0));
      if (window.size() == 32) {
        window.forEach(CompletableFuture::join);
        window.clear();
      }
    }
    window.forEach(CompletableFuture::join);
  }
}
