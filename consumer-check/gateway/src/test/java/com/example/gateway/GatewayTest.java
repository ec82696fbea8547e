package com.example.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.streams.DeviceSerdes;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gateway against a real in-process Kafka broker and a CMQ endpoint, from published jars only. */
@ExtendWith(LocalKafkaExtension.class)
class GatewayTest {
  @Test
  void forwardsToKafkaAndCmq(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("device-messages", 1);
    DeviceMessage online = DeviceMessage.status("thermostat", "t-1", "144115205259838664", "Online", 1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (LocalCmq cmq = LocalCmq.start().createQueue("device-status");
         Gateway gateway = new Gateway(kafka.bootstrapServers(), topic, cmq.url(), cmq.secretId(),
             cmq.secretKey(), "device-status", registry)) {
      gateway.forward(online).join();
      assertFalse(registry.getMeters().isEmpty(), "the forwarder's meters are bound");
      assertEquals(1, cmq.bodies("device-status").size(), "the Status message reached the CMQ queue");
    }
    assertEquals(List.of(online), readAll(kafka, topic, 1));
  }

  private static List<DeviceMessage> readAll(LocalKafka kafka, String topic, int expected) {
    List<DeviceMessage> read = new ArrayList<>();
    Map<String, Object> config = Map.of("bootstrap.servers", kafka.bootstrapServers(),
        "group.id", "consumer-check", "auto.offset.reset", "earliest");
    try (Deserializer<DeviceMessage> values = DeviceSerdes.deviceMessage().deserializer();
         KafkaConsumer<String, DeviceMessage> consumer =
             new KafkaConsumer<>(config, new StringDeserializer(), values)) {
      consumer.subscribe(List.of(topic));
      Instant deadline = Instant.now().plusSeconds(60);
      while (read.size() < expected && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, DeviceMessage> r : consumer.poll(Duration.ofMillis(200))) {
          read.add(r.value());
        }
      }
    }
    assertTrue(read.size() >= expected, "read " + read.size() + " of " + expected + " within 60 s");
    return read;
  }
}
