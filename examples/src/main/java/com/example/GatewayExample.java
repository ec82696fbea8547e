package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ckafka.CkafkaSink;
import java.nio.charset.StandardCharsets;

/** The least a gateway needs: a forwarder to CKafka over SASL, forward, close. */
public final class GatewayExample {
  private GatewayExample() {}

  public static void main(String[] args) {
    forward("ckafka-abc123.ap-guangzhou.ckafka.tencentcloudmq.com:50000", "ckafka-abc123", "gateway",
        System.getenv("CKAFKA_PASSWORD"));
  }

  static void forward(String bootstrapServers, String instanceId, String user, String password) {
    CkafkaSink kafka = CkafkaSink.builder()
        .bootstrapServers(bootstrapServers)
        .sasl(instanceId, user, password)     // SASL_PLAINTEXT/PLAIN as "<instanceId>#<user>"
        .topic("device-messages")             // create it first; key = ProductName/DeviceName
        .build();
    try (Forwarder forwarder = Forwarder.builder().route(kafka).build()) {
      forwarder.forward(DeviceMessage.status("thermostat", "t-1", "144115205259838664", "Online", 1));
      byte[] payload = "{\"tempC\":21.5}".getBytes(StandardCharsets.UTF_8);
      forwarder.forward(DeviceMessage.publish("thermostat", "t-1", "144115205259838664",
          "thermostat/t-1/data", 2, payload));  // returns a CompletableFuture at once
    }                                           // close() waits for both (bounded), then closes the sink
  }
}
