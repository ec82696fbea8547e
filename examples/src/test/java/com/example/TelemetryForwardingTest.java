package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.ckafka.DeviceMessageDeserializer;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalKafkaExtension.class)
class TelemetryForwardingTest {
  @Test
  void forwardsToKafka(LocalKafka kafka) {
    String topic = kafka.createUniqueTopic("telemetry", 4);
    DeviceMessage message = DeviceMessage.publish("meter", "m-1", "144115205259838664",
        "meter/m-1/data", 1, "{\"kWh\":3.2}".getBytes(StandardCharsets.UTF_8));
    try (Forwarder forwarder = Forwarder.builder()
        .route(CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build())
        .build()) {
      forwarder.forward(message).join();
    }
    List<DeviceMessage> read = new ArrayList<>();
    try (KafkaConsumer<String, DeviceMessage> consumer = new KafkaConsumer<>(Map.of(
        "bootstrap.servers", kafka.bootstrapServers(),
        "group.id", "telemetry-test",              // subscribe() needs a group
        "auto.offset.reset", "earliest"),          // and must read what was written before it joined
        new StringDeserializer(), new DeviceMessageDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (read.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
      }
    }
    assertThat(read).containsExactly(message);
  }
}
