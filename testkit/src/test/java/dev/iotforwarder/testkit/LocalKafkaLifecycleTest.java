package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("LocalKafka lifecycle (brokers of its own)")
class LocalKafkaLifecycleTest {

  private static void produce(LocalKafka kafka, String topic, int from, int to) throws Exception {
    try (KafkaProducer<String, String> producer =
        KafkaTestClients.producer(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      for (int i = from; i < to; i++) {
        producer.send(new ProducerRecord<>(topic, "k", String.valueOf(i))).get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> children(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  @DisplayName("stop() and restart() keep the ports and the data; close() deletes the directory")
  void stopRestartClose(@TempDir Path parent) throws Exception {
    LocalKafka kafka = LocalKafka.builder().directory(parent).start();
    try {
      String bootstrap = kafka.bootstrapServers();
      Path dir = kafka.directory();
      assertThat(dir.getParent()).isEqualTo(parent);
      kafka.createTopic("kept", 2);
      produce(kafka, "kept", 0, 10);

      kafka.stop();
      assertThat(kafka.isRunning()).isFalse();
      assertThatThrownBy(() -> kafka.createTopic("other", 1)).isInstanceOf(IllegalStateException.class);

      kafka.restart();
      assertThat(kafka.isRunning()).isTrue();
      assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
      produce(kafka, "kept", 10, 15);
      assertThat(KafkaTestClients.readAll(bootstrap, "kept", 2, 15)).hasSize(15)
          .extracting(r -> Integer.parseInt(r.value())).isSorted();
    } finally {
      kafka.close();
    }
    assertThat(kafka.directory()).doesNotExist();
    assertThat(children(parent)).isEmpty();
    assertThatCode(kafka::close).doesNotThrowAnyException();
    assertThatThrownBy(kafka::restart).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("a start that fails leaves no files behind and says why")
  void failedStartCleansUp(@TempDir Path parent) throws Exception {
    assertThatThrownBy(() -> LocalKafka.builder().directory(parent)
            .brokerProperty("num.io.threads", "not-a-number").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("did not start")
        .hasStackTraceContaining("num.io.threads");
    assertThat(children(parent)).isEmpty();
  }

  @Test
  @DisplayName("separate-JVM mode: the broker runs in a child JVM on the classpath the build wrote")
  void separateJvm(@TempDir Path parent) throws Exception {
    Path classpathFile = Path.of("target", "local-kafka-broker.classpath");
    assertThat(classpathFile).as("written by the testkit build (dependency:build-classpath)").exists();
    LocalKafka kafka = LocalKafka.builder().directory(parent)
        .separateJvm(Files.readString(classpathFile, StandardCharsets.UTF_8))
        .saslUser("ckafka-fork#user", "pw\"with#specials")
        .start();
    try {
      assertThat(kafka.toString()).contains("separateJvm").doesNotContain("specials");
      kafka.createTopic("forked", 1);
      produce(kafka, "forked", 0, 5);
      kafka.restart();
      produce(kafka, "forked", 5, 6);
      assertThat(KafkaTestClients.readAll(kafka.bootstrapServers(), "forked", 1, 6)).hasSize(6);
      try (KafkaProducer<String, String> producer = KafkaTestClients.producer(
          kafka.saslClientProperties("ckafka-fork#user", "pw\"with#specials"))) {
        assertThat(producer.send(new ProducerRecord<>("forked", "k", "sasl")).get(30, TimeUnit.SECONDS).offset())
            .isEqualTo(6);
      }
    } finally {
      kafka.close();
    }
    assertThat(children(parent)).isEmpty();
  }

  @Test
  @DisplayName("separate-JVM mode with a broken classpath fails the start and leaves no files behind")
  void separateJvmBrokenClasspath(@TempDir Path parent) throws Exception {
    assertThatThrownBy(() -> LocalKafka.builder().directory(parent)
            .separateJvm(parent.resolve("missing.jar").toString()).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("did not start")
        .hasStackTraceContaining("exited");
    assertThat(children(parent)).isEmpty();
  }
}
