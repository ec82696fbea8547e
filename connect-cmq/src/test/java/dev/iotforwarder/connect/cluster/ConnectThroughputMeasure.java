package dev.iotforwarder.connect.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The figures of {@code docs/connect.md}: messages per second each way with one worker, then two, no
 * faults, no kill. Not part of the CI build (a measurement, nothing asserted about time): run it with
 * {@code mvn -B -Pconnect-figures -pl connect-cmq -am verify} (see the pom).
 */
class ConnectThroughputMeasure {
  private static final int N = Integer.getInteger("connect.it.messages", 20_000);
  private static final Duration TIMEOUT = Duration.ofSeconds(Math.max(180, N / 100));

  @Test
  void messagesPerSecondWithOneAndTwoWorkers() throws Exception {
    try (LocalKafka kafka = LocalKafka.start(); LocalCmq cmq = LocalCmq.start();
        CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
            .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
        ConnectCluster cluster = new ConnectCluster(
            Path.of(System.getProperty("java.io.tmpdir"), "connect-measure-" + UUID.randomUUID()),
            kafka.bootstrapServers())) {
      for (int workers = 1; workers <= 2; workers++) {
        cluster.ensureWorkers(workers);
        String run = "w" + workers;
        // Source: the queue filled first, then timed from the connector's creation to the last record.
        cmq.createQueue(run + "-source-in");
        kafka.createTopic(run + "-source-out", 4);
        Envelopes.fill(client, run + "-source-in", N);
        long t0 = System.nanoTime();
        cluster.configure(run + "-source", Map.of("connector.class", "dev.iotforwarder.connect.CmqSourceConnector",
            "tasks.max", "2", "topic", run + "-source-out", "cmq.endpoint", cmq.url(),
            "cmq.secret.id", cmq.secretId(), "cmq.secret.key", cmq.secretKey(), "cmq.queues", run + "-source-in",
            "cmq.pollers.per.queue", "2", "cmq.polling.wait.ms", "1000"));
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<String, byte[]> c = Clients.consumer(kafka)) {
          c.subscribe(List.of(run + "-source-out"));
          Await.until(N + " records in Kafka", TIMEOUT, () -> {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
              seen.add(r.partition() + "@" + r.offset());
            }
            return seen.size() >= N;
          });
        }
        report("source", workers, t0);

        // Sink: the topic filled first, then timed from the connector's creation to the last body in CMQ.
        kafka.createTopic(run + "-sink-in", 4);
        cmq.createQueue(run + "-sink-out");
        try (KafkaProducer<String, byte[]> p = Clients.producer(kafka)) {
          for (int i = 0; i < N; i++) {
            p.send(new ProducerRecord<>(run + "-sink-in", Envelopes.message(i).deviceKey(), Envelopes.envelope(i)));
          }
        }
        long t1 = System.nanoTime();
        cluster.configure(run + "-sink", Map.of("connector.class", "dev.iotforwarder.connect.CmqSinkConnector",
            "tasks.max", "2", "topics", run + "-sink-in", "cmq.endpoint", cmq.url(),
            "cmq.secret.id", cmq.secretId(), "cmq.secret.key", cmq.secretKey(), "cmq.queue", run + "-sink-out"));
        Await.until(N + " bodies in CMQ", TIMEOUT, () -> cmq.storedCount(run + "-sink-out") >= N);
        report("sink", workers, t1);
        assertThat(cmq.storedCount(run + "-sink-out")).isGreaterThanOrEqualTo(N);
      }
    }
  }

  private static void report(String direction, int workers, long start) {
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("connect-measure %s, %d worker(s): %d messages in %.1f s, %.0f msg/s (from the "
        + "connector's creation)%n", direction, workers, N, seconds, N / seconds);
  }
}
