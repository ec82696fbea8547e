package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageDeserializer;
import dev.iotforwarder.ckafka.DeviceMessageSerializer;
import dev.iotforwarder.testkit.LocalKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two application instances share the work, one in a child JVM that is killed mid-stream (SIGKILL);
 * the survivor takes over. Input: 1,000 devices over 8 partitions, three sessions each, 10 % of the
 * messages sent twice (the copy later, with its original time), and for a quarter of the devices a
 * session's Offline sent after the next session's Online. At the end the presence table equals the
 * truth computed from what was sent, and the deduplicated output holds every message exactly once as
 * a read_committed consumer sees it.
 */
class PresenceFailoverTest {
  private static final int DEVICES = 1000;
  private static final int PARTITIONS = 8;
  private static final int PRODUCTS = 5;
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static LocalKafka kafka;

  @TempDir Path work;

  @BeforeAll
  static void startBroker() {
    kafka = LocalKafka.builder()
        // The killed instance's open transaction is aborted after its timeout: check often.
        .brokerProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
        .start();
    kafka.createTopic(BackendInstance.INPUT, PARTITIONS);
    kafka.createTopic(BackendInstance.DEDUPED, PARTITIONS);
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void theSurvivorTakesOverAndTheResultEqualsTheTruth() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("PresenceFailoverTest seed: " + seed);
    Random random = new Random(seed);
    long base = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();
    List<ProducerRecord<String, DeviceMessage>> sends = plan(random, base);
    Map<String, ProducerRecord<String, DeviceMessage>> truth = truth(sends);
    Set<String> expectedOnce = new HashSet<>();
    sends.forEach(r -> expectedOnce.add(id(r.value())));

    Path childLog = work.resolve("child.log");
    Process child = startChild(work.resolve("state-child"), childLog);
    KafkaStreams survivor = BackendInstance.create(kafka.bootstrapServers(),
        work.resolve("state-survivor").toString(), "localhost:7001");
    try (KafkaProducer<String, DeviceMessage> producer = producer();
        KafkaConsumer<String, DeviceMessage> once = readCommitted()) {
      survivor.start();
      await("both instances hold partitions (child log: " + childLog + ")", () -> bothHoldPartitions(survivor));

      List<String> seen = new ArrayList<>();
      int half = sends.size() / 2;
      sends.subList(0, half).forEach(producer::send);
      producer.flush();
      await("a quarter of the output before the kill", () -> poll(once, seen) >= expectedOnce.size() / 4);
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(seen.size()).as("killed mid-stream").isLessThan(expectedOnce.size());

      sends.subList(half, sends.size()).forEach(producer::send);
      producer.flush();
      await("every message in the deduplicated output", () -> poll(once, seen) >= expectedOnce.size());
      PresenceQueries queries = new PresenceQueries(survivor);
      await("the presence table equals the truth", () -> matches(queries, truth));

      drainToCommittedEnd(once, seen);
      assertThat(seen).hasSize(expectedOnce.size());
      assertThat(new HashSet<>(seen)).isEqualTo(expectedOnce);
      assertThat(queries.onlineCounts()).isEqualTo(onlineCounts(truth));
      assertThat(queries.hostOfDevice(truth.keySet().iterator().next())).contains(new HostInfo("localhost", 7001));
    } finally {
      child.destroyForcibly();
      survivor.close(Duration.ofSeconds(30));
    }
  }

  /** Three sessions per device, duplicates and reconnect reorders, devices interleaved at random. */
  private static List<ProducerRecord<String, DeviceMessage>> plan(Random random, long base) {
    List<List<ProducerRecord<String, DeviceMessage>>> perDevice = new ArrayList<>();
    for (int i = 0; i < DEVICES; i++) {
      String product = "p" + (i % PRODUCTS);
      String deviceId = Long.toString(9_000_000_000_000_000L + i);
      String key = product + "/d" + i;
      long seq = random.nextInt(100);
      List<ProducerRecord<String, DeviceMessage>> mine = new ArrayList<>();
      for (int session = 0; session < 3; session++) {
        long t = base + session * 60_000L + i;
        mine.add(record(key, DeviceMessage.status(product, "d" + i, deviceId, "Online", seq++), t));
        if (session < 2 || i % 3 != 0) {
          mine.add(record(key, DeviceMessage.status(product, "d" + i, deviceId, "Offline", seq++), t + 30_000));
        }
      }
      if (i % 4 == 0) { // session 1's Offline arrives after session 2's Online (another gateway)
        ProducerRecord<String, DeviceMessage> offline = mine.remove(3);
        mine.add(4, offline); // [On0, Off0, On1, On2, Off1, (Off2)]
      }
      perDevice.add(mine);
    }
    List<ProducerRecord<String, DeviceMessage>> sends = new ArrayList<>();
    int[] next = new int[DEVICES];
    List<Integer> open = new ArrayList<>();
    for (int i = 0; i < DEVICES; i++) {
      open.add(i);
    }
    while (!open.isEmpty()) {
      int pick = random.nextInt(open.size());
      int device = open.get(pick);
      sends.add(perDevice.get(device).get(next[device]++));
      if (next[device] == perDevice.get(device).size()) {
        open.set(pick, open.get(open.size() - 1));
        open.remove(open.size() - 1);
      }
    }
    int originals = sends.size();
    for (int n = 0; n < originals; n++) {
      if (random.nextInt(10) == 0) {
        int later = n + 1 + random.nextInt(sends.size() - n);
        sends.add(later, sends.get(n));
      }
    }
    return sends;
  }

  private static ProducerRecord<String, DeviceMessage> record(String key, DeviceMessage m, long time) {
    return new ProducerRecord<>(BackendInstance.INPUT, null, time, key, m);
  }

  /** Each device's newest message: the one with the latest time. */
  private static Map<String, ProducerRecord<String, DeviceMessage>> truth(
      List<ProducerRecord<String, DeviceMessage>> sends) {
    Map<String, ProducerRecord<String, DeviceMessage>> newest = new HashMap<>();
    for (ProducerRecord<String, DeviceMessage> r : sends) {
      newest.merge(r.value().deviceId(), r, (a, b) -> a.timestamp() >= b.timestamp() ? a : b);
    }
    return newest;
  }

  private static Map<String, Long> onlineCounts(Map<String, ProducerRecord<String, DeviceMessage>> truth) {
    Map<String, Long> counts = new TreeMap<>();
    for (int p = 0; p < PRODUCTS; p++) {
      counts.put("p" + p, 0L);
    }
    truth.values().stream().filter(r -> r.value().event().equals("Online"))
        .forEach(r -> counts.merge(r.value().productName(), 1L, Long::sum));
    return counts;
  }

  private static boolean matches(PresenceQueries q, Map<String, ProducerRecord<String, DeviceMessage>> truth) {
    try {
      for (ProducerRecord<String, DeviceMessage> r : truth.values()) {
        DevicePresence p = q.device(r.value().deviceId()).orElse(null);
        if (p == null || p.seq() != r.value().seq() || p.seenAt() != r.timestamp()
            || p.online() != r.value().event().equals("Online")) {
          return false;
        }
      }
      return q.onlineCounts().equals(onlineCounts(truth));
    } catch (InvalidStateStoreException rebalancing) {
      return false;
    }
  }

  private static boolean bothHoldPartitions(KafkaStreams survivor) {
    if (survivor.state() != KafkaStreams.State.RUNNING) {
      return false;
    }
    var clients = survivor.metadataForAllStreamsClients();
    return clients.size() == 2 && clients.stream().noneMatch(c -> c.topicPartitions().isEmpty());
  }

  private static String id(DeviceMessage m) {
    return m.deviceId() + ":" + m.seq();
  }

  private static int poll(KafkaConsumer<String, DeviceMessage> consumer, List<String> seen) {
    for (ConsumerRecord<String, DeviceMessage> r : consumer.poll(Duration.ofMillis(200))) {
      seen.add(id(r.value()));
    }
    return seen.size();
  }

  private static void drainToCommittedEnd(KafkaConsumer<String, DeviceMessage> consumer, List<String> seen) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    await("the output read to its last committed offset",
        () -> {
          poll(consumer, seen);
          return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
        });
  }

  /** Re-checks a condition until it holds, failing after {@link #WAIT}. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out after " + WAIT + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a re-check interval, not a wait for time
    }
  }

  private static Process startChild(Path stateDir, Path log) throws IOException {
    Files.createDirectories(stateDir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), BackendInstanceMain.class.getName(),
        kafka.bootstrapServers(), stateDir.toString(), "localhost:7002")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static KafkaProducer<String, DeviceMessage> producer() {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new StringSerializer(), new DeviceMessageSerializer());
  }

  private static KafkaConsumer<String, DeviceMessage> readCommitted() {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, DeviceMessage> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new DeviceMessageDeserializer());
    List<TopicPartition> all = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) {
      all.add(new TopicPartition(BackendInstance.DEDUPED, i));
    }
    c.assign(all);
    c.seekToBeginning(all);
    return c;
  }
}
