package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("RoutingExample (the README's routing)")
class RoutingExampleTest {

  @Test
  @DisplayName("Status to the status sink, alarms to the alarm sink, everything to Kafka")
  void routesByTypeAndTopicWithFanOut(@TempDir Path dir) throws Exception {
    RecordingSink status = new RecordingSink("status");
    RecordingSink alarms = new RecordingSink("alarms");
    RecordingSink kafka = new RecordingSink("kafka");
    DeviceMessage online = DeviceMessage.status("meter", "m-1", "144115205259838664", "Online", 1);
    DeviceMessage alarm = DeviceMessage.publish("meter", "m-1", "144115205259838664", "meter/m-1/alarm/fire", 2,
        "{}".getBytes(StandardCharsets.UTF_8));
    DeviceMessage data = DeviceMessage.publish("meter", "m-1", "144115205259838664", "meter/m-1/data", 3,
        "{}".getBytes(StandardCharsets.UTF_8));
    try (Forwarder forwarder = RoutingExample.forwarder(status, alarms, kafka, dir.resolve("dead.jsonl"))) {
      for (DeviceMessage m : new DeviceMessage[] {online, alarm, data}) {
        ForwardResult r = forwarder.forward(m).get(30, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
      }
      assertThat(forwarder.stats().sink("status").routed()).isEqualTo(1);
      assertThat(forwarder.stats().sink("kafka").routed()).isEqualTo(3);
    }
    assertThat(status.received()).containsExactly(online);
    assertThat(alarms.received()).containsExactly(alarm);
    assertThat(kafka.received()).containsExactly(online, alarm, data);
  }
}
