package dev.iotforwarder.connect.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.testkit.CmqFault;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The connectors on a real Connect cluster in distributed mode: two worker JVMs against a real
 * broker, loading the connectors from the packaged plugin, driven over their REST API; a worker
 * killed (SIGKILL) mid-stream each way. {@code -Dconnect.it.messages} sets the message count (20,000
 * in CI, more in the soak profile).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectClusterIT {
  private static final int N = Integer.getInteger("connect.it.messages", 20_000);
  private static final Duration DELIVERY = Duration.ofSeconds(Math.max(120, N / 200));
  private static final String SOURCE_CLASS = "dev.iotforwarder.connect.CmqSourceConnector";
  private static final String SINK_CLASS = "dev.iotforwarder.connect.CmqSinkConnector";

  private static LocalKafka kafka;
  private static LocalCmq cmq;
  private static CmqClient client;
  private static ConnectCluster cluster;
  private static Admin admin;

  @BeforeAll
  static void startCluster() {
    kafka = LocalKafka.start();
    cmq = LocalCmq.start();
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    cluster = new ConnectCluster(Path.of(System.getProperty("java.io.tmpdir"), "connect-it-" + UUID.randomUUID()),
        kafka.bootstrapServers());
    cluster.ensureWorkers(2);
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    if (cluster != null) {
      cluster.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (client != null) {
      client.close();
    }
    if (cmq != null) {
      cmq.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  @Order(1)
  void thePluginIsLoadedFromThePluginPathAndABadConfigurationNamesEveryBadKey() {
    cluster.ensureWorkers(2);
    ConnectRest rest = cluster.rest();
    JsonNode plugins = rest.get(cluster.url(), "connector-plugins").body();
    List<String> classes = new ArrayList<>();
    plugins.forEach(p -> classes.add(p.path("class").asText() + " " + p.path("version").asText()));
    assertThat(classes).anyMatch(c -> c.startsWith(SOURCE_CLASS + " ") && !c.endsWith("unknown"))
        .anyMatch(c -> c.startsWith(SINK_CLASS + " ") && !c.endsWith("unknown"));

    ConnectRest.Reply bad = rest.put(cluster.url(), "connectors/misconfigured/config", ConnectRest.map(
        "connector.class", SINK_CLASS, "topics", "anything",
        "cmq.endpoint", "ftp://cmq.example", "cmq.batch.size", "99", "cmq.queue", "q", "cmq.topic", "t",
        "cmq.topic.tags", "colour"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text()).contains("cmq.endpoint", "cmq.batch.size", "cmq.secret.id", "cmq.secret.key",
        "cmq.queue", "cmq.topic", "cmq.topic.tags");
    assertThat(rest.get(cluster.url(), "connectors/misconfigured").status()).isEqualTo(404);

    // The REST API's validation masks the password.
    String secret = "validate-secret-" + UUID.randomUUID();
    ConnectRest.Reply validated = rest.put(cluster.url(),
        "connector-plugins/CmqSourceConnector/config/validate", ConnectRest.map(
            "connector.class", SOURCE_CLASS, "cmq.endpoint", cmq.url(), "cmq.secret.id", "AKIDx",
            "cmq.secret.key", secret, "cmq.queues", "q", "topic", "t"));
    assertThat(validated.status()).isEqualTo(200);
    assertThat(validated.text()).doesNotContain(secret).contains("[hidden]");
  }

  @Test
  @Order(2)
  void sourceDeliversEveryMessageOnceAWorkerIsKilledMidStream() throws Exception {
    cluster.ensureWorkers(2);
    String queue = "source-in";
    String topic = "cmq-source-out";
    cmq.createQueue(queue, Duration.ofSeconds(10));
    kafka.createTopic(topic, 4);
    // Half at the start, half just before the kill: the kill is mid-stream however fast the cluster is.
    Envelopes.fill(client, queue, 0, N / 2);
    assertThat(cmq.depth(queue)).isEqualTo(N / 2);

    long started = System.nanoTime();
    cluster.configure("cmq-source", source(queue, topic, cmq.secretKey()));
    cluster.awaitState("cmq-source", "RUNNING", 2);
    // Lifecycle over REST: pause and resume.
    assertThat(cluster.rest().put(cluster.url(), "connectors/cmq-source/pause", null).status()).isEqualTo(202);
    cluster.awaitState("cmq-source", "PAUSED", 2);
    assertThat(cluster.rest().put(cluster.url(), "connectors/cmq-source/resume", null).status()).isEqualTo(202);
    cluster.awaitState("cmq-source", "RUNNING", 2);

    Map<Long, Integer> seen = new HashMap<>();
    long records = 0;
    boolean killed = false;
    try (KafkaConsumer<String, byte[]> consumer = Clients.consumer(kafka)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + DELIVERY.toNanos();
      while (seen.size() < N) {
        assertThat(System.nanoTime()).as("all %d messages in Kafka in time; have %d", N, seen.size())
            .isLessThan(deadline);
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          DeviceMessage m = Envelopes.decode(r.value());
          assertThat(r.key()).isEqualTo(m.productName() + "/" + m.deviceName());
          assertThat(m).isEqualTo(Envelopes.message((int) m.seq()));
          seen.merge(m.seq(), 1, Integer::sum);
          records++;
        }
        if (!killed && seen.size() >= N / 4) {
          Envelopes.fill(client, queue, N / 2, N);
          cluster.workerOfTask0("cmq-source").kill();
          killed = true;
        }
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Await.until("CMQ queue " + queue + " empty", Duration.ofSeconds(60), () -> cmq.depth(queue) == 0,
        () -> "; depth " + cmq.depth(queue));
    System.out.printf("connect-it source: %d messages, %d records, %d duplicates, %.1f s with a worker killed "
        + "(%.0f msg/s)%n", N, records, records - N, seconds, N / seconds);
    assertThat(killed).isTrue();

    assertThat(cluster.rest().delete(cluster.url(), "connectors/cmq-source").status()).isEqualTo(204);
    Await.until("cmq-source deleted", Duration.ofSeconds(30),
        () -> cluster.rest().get(cluster.url(), "connectors/cmq-source").status() == 404);
  }

  @Test
  @Order(3)
  void sinkStoresEveryRecordWithRetriableFaultsAndAWorkerKilledMidStream() throws Exception {
    cluster.ensureWorkers(2);
    String topic = "cmq-sink-in";
    String queue = "sink-out";
    kafka.createTopic(topic, 4);
    cmq.createQueue(queue);
    // Half at the start, half just before the kill: the kill is mid-stream however fast the cluster is.
    Map<TopicPartition, Map<Long, Long>> seqAt = new HashMap<>();
    produce(topic, 0, N / 2, seqAt);

    cmq.faultRate(0.2, 20261206L, List.of("BatchSendMessage"),
        CmqFault.error(6000), CmqFault.error(4420), CmqFault.httpStatus(503));
    long started = System.nanoTime();
    cluster.configure("cmq-sink", ConnectRest.map(
        "connector.class", SINK_CLASS, "tasks.max", "2", "topics", topic,
        "cmq.endpoint", cmq.url(), "cmq.secret.id", cmq.secretId(), "cmq.secret.key", cmq.secretKey(),
        "cmq.queue", queue, "cmq.retry.backoff.ms", "100"));

    boolean killed = false;
    int checks = 0;
    long committedChecked = 0;
    long deadline = System.nanoTime() + DELIVERY.toNanos();
    Set<Long> stored = new HashSet<>();
    while (stored.size() < N) {
      assertThat(System.nanoTime()).as("all %d records in CMQ in time; have %d", N, stored.size())
          .isLessThan(deadline);
      // Offsets first, then what CMQ holds (which only grows): every committed record must be in it.
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("connect-cmq-sink").partitionsToOffsetAndMetadata().get();
      stored = seqs(cmq.bodies(queue));
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
        Map<Long, Long> seqs = seqAt.get(e.getKey());
        committedChecked = Math.max(committedChecked, e.getValue().offset());
        for (long offset = 0; offset < e.getValue().offset(); offset++) {
          if (!stored.contains(seqs.get(offset))) {
            throw new AssertionError("record " + e.getKey() + "@" + offset + " (Seq " + seqs.get(offset)
                + ") is committed, but CMQ does not hold it");
          }
        }
      }
      checks++;
      if (!killed && stored.size() >= N / 4) {
        produce(topic, N / 2, N, seqAt);
        cluster.awaitState("cmq-sink", "RUNNING", 2);
        cluster.workerOfTask0("cmq-sink").kill();
        killed = true;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    cmq.clearFaults();
    int bodies = cmq.bodies(queue).size();
    System.out.printf("connect-it sink: %d records, %d stored in CMQ, %d duplicates, %d offset checks, %d faults, "
        + "%.1f s with a worker killed (%.0f msg/s)%n", N, bodies, bodies - N, checks, cmq.faultsInjected(),
        seconds, N / seconds);
    assertThat(killed).isTrue();
    assertThat(committedChecked).as("some committed offset was checked against CMQ").isPositive();
    assertThat(cmq.faultsInjected()).isPositive();
    assertThat(cluster.rest().delete(cluster.url(), "connectors/cmq-sink").status()).isEqualTo(204);
  }

  @Test
  @Order(4)
  void badInputGoesAsideAndAWrongSecretFailsTheTaskWithoutBeingLogged() throws Exception {
    cluster.ensureWorkers(1); // the survivor of the sink test is enough here
    // Sink: a record that is not an envelope goes to the dead-letter queue; the others to CMQ.
    String in = "bad-sink-in";
    kafka.createTopic(in, 1);
    cmq.createQueue("bad-sink-out");
    try (KafkaProducer<String, byte[]> p = Clients.producer(kafka)) {
      p.send(new ProducerRecord<>(in, "a", Envelopes.envelope(1))).get();
      p.send(new ProducerRecord<>(in, "b", "not an envelope".getBytes(StandardCharsets.UTF_8))).get();
      p.send(new ProducerRecord<>(in, "c", Envelopes.envelope(3))).get();
    }
    cluster.configure("bad-sink", ConnectRest.map(
        "connector.class", SINK_CLASS, "tasks.max", "1", "topics", in,
        "cmq.endpoint", cmq.url(), "cmq.secret.id", cmq.secretId(), "cmq.secret.key", cmq.secretKey(),
        "cmq.queue", "bad-sink-out", "errors.tolerance", "all",
        "errors.deadletterqueue.topic.name", "bad-sink-dlq",
        "errors.deadletterqueue.topic.replication.factor", "1",
        "errors.deadletterqueue.context.headers.enable", "true"));
    Await.until("2 good records in CMQ", Duration.ofSeconds(60), () -> cmq.bodies("bad-sink-out").size() == 2);
    List<ConsumerRecord<String, byte[]>> dlq = consume("bad-sink-dlq", 1);
    assertThat(new String(dlq.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("not an envelope");
    assertThat(header(dlq.get(0), "__connect.errors.exception.message")).isNotEmpty();
    assertThat(seqs(cmq.bodies("bad-sink-out"))).containsExactlyInAnyOrder(1L, 3L);

    // Source: a body that is not an envelope goes to the undecodable topic and leaves CMQ.
    cmq.createQueue("bad-source-in");
    kafka.createTopic("bad-source-out", 1);
    kafka.createTopic("bad-source-undecodable", 1);
    client.batchSendMessage("bad-source-in", List.of(new String(Envelopes.envelope(7), StandardCharsets.UTF_8),
        "{\"MsgType\":\"Publish\"}"), 0).join();
    Map<String, String> source = source("bad-source-in", "bad-source-out", cmq.secretKey());
    source.put("cmq.undecodable", "topic");
    source.put("cmq.undecodable.topic", "bad-source-undecodable");
    cluster.configure("bad-source", source);
    assertThat(Envelopes.decode(consume("bad-source-out", 1).get(0).value()).seq()).isEqualTo(7);
    ConsumerRecord<String, byte[]> undecodable = consume("bad-source-undecodable", 1).get(0);
    assertThat(new String(undecodable.value(), StandardCharsets.UTF_8)).isEqualTo("{\"MsgType\":\"Publish\"}");
    assertThat(header(undecodable, "cmq.error")).isNotEmpty();
    Await.until("bad-source-in empty", Duration.ofSeconds(30), () -> cmq.depth("bad-source-in") == 0);

    // A wrong secret: the task fails with CMQ's authentication error; the secret is in no log.
    String wrong = "wrong-secret-" + UUID.randomUUID();
    cmq.createQueue("wrong-secret-in");
    cluster.configure("wrong-secret", source("wrong-secret-in", "bad-source-out", wrong));
    Await.until("wrong-secret's task FAILED", Duration.ofSeconds(60),
        () -> "FAILED".equals(cluster.status("wrong-secret").path("tasks").path(0).path("state").asText()),
        () -> "; status " + cluster.status("wrong-secret"));
    String trace = cluster.status("wrong-secret").path("tasks").path(0).path("trace").asText();
    assertThat(trace).contains("4100").contains("wrong-secret-in").doesNotContain(wrong);
    assertThat(cluster.logs()).contains("wrong-secret").doesNotContain(wrong);
  }

  private static Map<String, String> source(String queue, String topic, String secretKey) {
    return ConnectRest.map(
        "connector.class", SOURCE_CLASS, "tasks.max", "2", "topic", topic,
        "cmq.endpoint", cmq.url(), "cmq.secret.id", cmq.secretId(), "cmq.secret.key", secretKey,
        "cmq.queues", queue, "cmq.pollers.per.queue", "2", "cmq.polling.wait.ms", "1000");
  }

  /** Produces messages {@code from .. to-1}, noting where each went. */
  private static void produce(String topic, int from, int to, Map<TopicPartition, Map<Long, Long>> seqAt)
      throws Exception {
    List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, byte[]> p = Clients.producer(kafka)) {
      for (int i = from; i < to; i++) {
        DeviceMessage m = Envelopes.message(i);
        sent.add(p.send(new ProducerRecord<>(topic, m.deviceKey(), Envelopes.envelope(i))));
      }
      for (int i = from; i < to; i++) {
        RecordMetadata md = sent.get(i - from).get();
        seqAt.computeIfAbsent(new TopicPartition(topic, md.partition()), tp -> new HashMap<>())
            .put(md.offset(), (long) i);
      }
    }
  }

  private static Set<Long> seqs(List<String> bodies) {
    Set<Long> seqs = new HashSet<>();
    for (String b : bodies) {
      seqs.add(Envelopes.decode(b).seq());
    }
    return seqs;
  }

  private static List<ConsumerRecord<String, byte[]>> consume(String topic, int count) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = Clients.consumer(kafka)) {
      c.subscribe(List.of(topic));
      Await.until(count + " record(s) in " + topic, Duration.ofSeconds(60), () -> {
        c.poll(Duration.ofMillis(100)).forEach(out::add);
        return out.size() >= count;
      });
    }
    return out;
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
  }
}
