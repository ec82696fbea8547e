package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalKafkaExtension.class)
@DisplayName("LocalKafka (the shared broker)")
class LocalKafkaTest {

  @Test
  @DisplayName("delivers records to a topic created through the ListOffsets gate, all of them, per key in order")
  void roundTrip(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("round-trip", 3);
    try (KafkaProducer<String, String> producer =
        KafkaTestClients.producer(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      for (int i = 0; i < 300; i++) {
        producer.send(new ProducerRecord<>(topic, "key-" + (i % 10), String.valueOf(i)));
      }
      producer.flush();
    }
    List<ConsumerRecord<String, String>> records =
        KafkaTestClients.readAll(kafka.bootstrapServers(), topic, 3, 300);
    assertThat(records).hasSize(300);
    Map<String, Integer> last = new HashMap<>();
    for (ConsumerRecord<String, String> r : records) {
      int value = Integer.parseInt(r.value());
      assertThat(value).as("order of " + r.key()).isGreaterThan(last.getOrDefault(r.key(), -1));
      last.put(r.key(), value);
    }
  }

  @Test
  @DisplayName("the extension injects the same broker into every test")
  void shared(LocalKafka kafka) {
    assertThat(kafka.isRunning()).isTrue();
    assertThat(kafka.directory()).exists();
    assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    assertThat(kafka.saslBootstrapServers()).startsWith("127.0.0.1:").isNotEqualTo(kafka.bootstrapServers());
  }

  @Test
  @DisplayName("a CKafka-style SASL/PLAIN user with the right password can produce")
  void saslRightPassword(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("sasl", 1);
    try (KafkaProducer<String, String> producer = KafkaTestClients.producer(
        kafka.saslClientProperties(LocalKafkaExtension.SASL_USERNAME, LocalKafkaExtension.SASL_PASSWORD))) {
      RecordMetadata md = producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
      assertThat(md.offset()).isZero();
    }
  }

  @Test
  @DisplayName("a wrong password fails the send with SaslAuthenticationException")
  void saslWrongPassword(LocalKafka kafka) {
    String topic = kafka.createUniqueTopic("sasl-wrong", 1);
    try (KafkaProducer<String, String> producer = KafkaTestClients.producer(
        kafka.saslClientProperties(LocalKafkaExtension.SASL_USERNAME, "wrong"))) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  @Test
  @DisplayName("createTopic refuses an existing topic and a partition count below 1")
  void createTopicValidates(LocalKafka kafka) {
    String topic = kafka.createUniqueTopic("dup", 1);
    assertThatThrownBy(() -> kafka.createTopic(topic, 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already exists");
    assertThatThrownBy(() -> kafka.createTopic("x", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("partitions < 1: 0");
  }

  @Test
  @DisplayName("toString names the SASL users but never their passwords")
  void toStringHidesPasswords(LocalKafka kafka) {
    assertThat(kafka.toString())
        .contains(LocalKafkaExtension.SASL_USERNAME)
        .doesNotContain(LocalKafkaExtension.SASL_PASSWORD);
  }
}
