package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageDeserializer;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalKafkaExtension.class)
@DisplayName("GatewayExample")
class GatewayExampleTest {

  @Test
  @DisplayName("forwards its two messages over SASL as a CKafka user; close() waits until Kafka has both")
  void forwardsOverSasl(LocalKafka kafka) {
    kafka.createTopic("device-messages", 1);

    GatewayExample.forward(kafka.saslBootstrapServers(), LocalKafkaExtension.SASL_INSTANCE_ID,
        LocalKafkaExtension.SASL_USER, LocalKafkaExtension.SASL_PASSWORD);

    List<ConsumerRecord<String, DeviceMessage>> records = new ArrayList<>();
    TopicPartition partition = new TopicPartition("device-messages", 0);
    try (KafkaConsumer<String, DeviceMessage> consumer = new KafkaConsumer<>(
        Map.of("bootstrap.servers", kafka.bootstrapServers()), new StringDeserializer(),
        new DeviceMessageDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < 2 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    assertThat(records).hasSize(2);
    assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo("thermostat/t-1"));
    DeviceMessage online = records.get(0).value();
    DeviceMessage data = records.get(1).value();
    assertThat(online).isEqualTo(DeviceMessage.status("thermostat", "t-1", "144115205259838664", "Online", 1));
    assertThat(data.topic()).isEqualTo("thermostat/t-1/data");
    assertThat(data.seq()).isEqualTo(2);
    assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"tempC\":21.5}");
  }
}
