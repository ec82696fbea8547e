package dev.iotforwarder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dead-letters replay}, run as a process on a file that {@code FileDeadLetterSink} wrote,
 * with one line that is no message, into a real Kafka broker and a local CMQ.
 */
@ExtendWith(LocalKafkaExtension.class)
class ReplayTest {
  private static final String BAD_LINE = "{\"MsgType\":\"Publish\",\"this is\":\"not an envelope\"}";

  @TempDir Path tmp;

  @Test
  void replaysIntoKafkaAndWritesTheLineThatFailedToANewFile(LocalKafka kafka) throws Exception {
    List<DeviceMessage> messages = Spools.messages(20);
    Path file = deadLettersWithOneBadLine(messages);
    byte[] input = Files.readAllBytes(file);
    String topic = kafka.createUniqueTopic("replay", 1);
    Path failed = tmp.resolve("failed.jsonl");

    Cli.Run run = Cli.run("dead-letters", "replay", file.toString(), "--kafka-bootstrap",
        kafka.bootstrapServers(), "--kafka-topic", topic, "--failed", failed.toString());

    assertThat(run.exit()).as(run.toString()).isEqualTo(Main.PROBLEMS);
    assertThat(run.out()).as("stdout").isEmpty();
    assertThat(run.err())
        .contains("line 11 failed: not a message envelope")
        .contains("replay: 21 lines read, 20 delivered, 1 failed")
        .contains("replay summary: 21 lines, 20 delivered, 1 failed; the failed lines are in "
            + failed);
    assertThat(Files.readAllLines(failed)).containsExactly(BAD_LINE);
    assertThat(Files.readAllBytes(file)).as("the input is unchanged").isEqualTo(input);
    assertThat(readTopic(kafka.bootstrapServers(), topic, messages.size()))
        .containsExactlyElementsOf(messages);
  }

  @Test
  void replaysIntoCmqWithCredentialsFromTheEnvironment() throws Exception {
    List<DeviceMessage> messages = Spools.messages(15);
    Path file = deadLettersWithOneBadLine(messages);
    byte[] input = Files.readAllBytes(file);
    try (LocalCmq cmq = LocalCmq.start().createQueue("replayed")) {
      Map<String, String> env = Map.of("IOTFWD_CMQ_SECRET_ID", cmq.secretId(),
          "IOTFWD_CMQ_SECRET_KEY", cmq.secretKey());

      Cli.Run run = Cli.run(env, "dead-letters", "replay", file.toString(), "--cmq-endpoint",
          cmq.url(), "--cmq-queue", "replayed");

      assertThat(run.exit()).as(run.toString()).isEqualTo(Main.PROBLEMS);
      assertThat(run.err()).contains("replay summary: 16 lines, 15 delivered, 1 failed")
          .doesNotContain(cmq.secretKey());
      Path failed;
      try (var s = Files.list(tmp)) {
        failed = s.filter(p -> p.getFileName().toString().startsWith("dead.jsonl.failed-"))
            .findFirst().orElseThrow();
      }
      assertThat(Files.readAllLines(failed)).containsExactly(BAD_LINE);
      assertThat(Files.readAllBytes(file)).isEqualTo(input);
      List<DeviceMessage> received = cmq.bodies("replayed").stream()
          .map(b -> EnvelopeCodec.standard().decode(b.getBytes(StandardCharsets.UTF_8)))
          .toList();
      assertThat(received).containsExactlyInAnyOrderElementsOf(messages);
      assertThat(cmq.signatureFailures()).isZero();
    }
  }

  @Test
  void withoutCredentialsInTheEnvironmentNothingIsSent() throws Exception {
    Path file = deadLettersWithOneBadLine(Spools.messages(2));
    try (LocalCmq cmq = LocalCmq.start().createQueue("q")) {
      Cli.Run run = Cli.run("dead-letters", "replay", file.toString(), "--cmq-endpoint",
          cmq.url(), "--cmq-queue", "q");

      assertThat(run.exit()).as(run.toString()).isEqualTo(Main.UNUSABLE);
      assertThat(run.err()).contains("IOTFWD_CMQ_SECRET_ID").contains("IOTFWD_CMQ_SECRET_KEY");
      assertThat(cmq.requestCount()).isZero();
    }
    Cli.Run both = Cli.run("dead-letters", "replay", file.toString(), "--cmq-endpoint", "http://x",
        "--cmq-queue", "q", "--kafka-bootstrap", "x:1", "--kafka-topic", "t");
    assertThat(both.exit()).as(both.toString()).isEqualTo(Main.USAGE);
  }

  private Path deadLettersWithOneBadLine(List<DeviceMessage> messages) throws Exception {
    Path file = tmp.resolve("dead.jsonl");
    int half = Math.min(10, messages.size() / 2);
    Spools.deadLetterFile(file, messages.subList(0, half));
    Files.writeString(file, BAD_LINE + "\n", StandardOpenOption.APPEND);
    Path rest = tmp.resolve("rest.jsonl");
    Spools.deadLetterFile(rest, messages.subList(half, messages.size()));
    Files.write(file, Files.readAllBytes(rest), StandardOpenOption.APPEND);
    Files.delete(rest);
    return file;
  }

  private static List<DeviceMessage> readTopic(String bootstrap, String topic, int expected) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put("enable.auto.commit", false);
    props.put("auto.offset.reset", "earliest");
    List<DeviceMessage> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(EnvelopeCodec.standard().decode(r.value()));
        }
      }
    }
    return out;
  }
}
