package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageSerializer;
import dev.iotforwarder.testkit.LocalKafka;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two application instances in one JVM (separate {@code KafkaStreams}, state directories and
 * {@code application.server}s), each with a {@link PresenceHttpServer}: either instance answers every
 * query for the whole application, a key the other instance holds through {@link PresenceHttpClient}.
 */
class ClusterPresenceQueriesTest {
  private static final String INPUT = "status";
  private static final int PARTITIONS = 4;
  private static final int DEVICES = 40;
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static LocalKafka kafka;

  @TempDir Path work;
  private final List<Instance> instances = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = LocalKafka.start();
    kafka.createTopic(INPUT, PARTITIONS);
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @AfterEach
  void stopInstances() {
    instances.forEach(Instance::close);
  }

  @Test
  void eitherInstanceAnswersForTheWholeApplication() {
    Instance a = new Instance("a");
    Instance b = new Instance("b");
    instances.add(a);
    instances.add(b);
    a.streams.start();
    b.streams.start();

    // Devices 0..39: lamps (even) and meters (odd); all come online, then every fourth goes offline.
    Map<String, DevicePresence> truth = new TreeMap<>();
    try (KafkaProducer<String, DeviceMessage> producer = producer()) {
      long t = System.currentTimeMillis() - 60_000;
      for (int i = 0; i < DEVICES; i++) {
        send(producer, truth, i, "Online", 1, t);
      }
      for (int i = 0; i < DEVICES; i += 4) {
        send(producer, truth, i, "Offline", 2, t + 1000);
      }
    }
    Map<String, Long> counts = Map.of("lamp", 10L, "meter", 20L);
    await("both instances hold partitions and each answers the whole truth",
        () -> answersTheTruth(a, truth, counts) && answersTheTruth(b, truth, counts));

    // A device that b holds: a's own stores do not have it, a's cluster queries fetch it from b.
    String onB = truth.keySet().stream()
        .filter(id -> b.self.equals(a.local.hostOfDevice(id).orElseThrow())).findFirst().orElseThrow();
    assertThat(a.local.device(onB)).isEmpty();
    a.fetched.clear();
    assertThat(a.cluster.device(onB)).contains(truth.get(onB));
    assertThat(a.fetched).containsExactly(b.self);
    String onA = truth.keySet().stream()
        .filter(id -> a.self.equals(a.local.hostOfDevice(id).orElseThrow())).findFirst().orElseThrow();
    a.fetched.clear();
    assertThat(a.cluster.device(onA)).contains(truth.get(onA));
    assertThat(a.fetched).as("a device a holds is read locally").isEmpty();

    // Scatter-gather: each instance holds part of the devices and counts; the gathered answer is all.
    assertThat(a.local.onlineDevices("meter")).hasSizeLessThan(20);
    assertThat(a.cluster.onlineDevices("meter")).hasSize(20).isSortedAccordingTo(
        (x, y) -> x.deviceId().compareTo(y.deviceId()));
    assertThat(a.cluster.onlineDevices("nothing")).isEmpty();
    assertThat(b.cluster.onlineCount("meter")).contains(20L);
    assertThat(b.cluster.onlineCount("nothing")).isEmpty();
    a.fetched.clear();
    assertThat(a.cluster.onlineCounts()).isEqualTo(counts);
    assertThat(a.fetched).containsExactly(b.self);
  }

  private static boolean answersTheTruth(Instance i, Map<String, DevicePresence> truth, Map<String, Long> counts) {
    try {
      if (i.streams.state() != KafkaStreams.State.RUNNING || !bothHoldBothStores(i.streams)) {
        return false;
      }
      List<DevicePresence> online = new ArrayList<>(i.cluster.onlineDevices("lamp"));
      online.addAll(i.cluster.onlineDevices("meter"));
      return online.size() == 30 && online.stream().allMatch(p -> p.equals(truth.get(p.deviceId())))
          && i.cluster.onlineCounts().equals(counts)
          && truth.values().stream().allMatch(p -> i.cluster.device(p.deviceId()).equals(Optional.of(p)));
    } catch (InvalidStateStoreException rebalancing) {
      return false;
    }
  }

  /** Each instance actively holds a part of each store (every partition holds meters and lamps). */
  private static boolean bothHoldBothStores(KafkaStreams streams) {
    var clients = streams.metadataForAllStreamsClients();
    return clients.size() == 2 && clients.stream().allMatch(c -> c.stateStoreNames().containsAll(
        List.of(DevicePresenceTopology.PRESENCE_STORE, DevicePresenceTopology.ONLINE_COUNTS_STORE)));
  }

  private static void send(KafkaProducer<String, DeviceMessage> producer, Map<String, DevicePresence> truth,
      int i, String event, long seq, long time) {
    String product = i % 2 == 0 ? "lamp" : "meter";
    String deviceId = "device-" + i;
    producer.send(new ProducerRecord<>(INPUT, null, time, product + "/d" + i,
        DeviceMessage.status(product, "d" + i, deviceId, event, seq)));
    truth.put(deviceId, new DevicePresence(deviceId, product, "d" + i, event.equals("Online"), event, seq, time));
  }

  private static KafkaProducer<String, DeviceMessage> producer() {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return new KafkaProducer<>(p, new StringSerializer(), new DeviceMessageSerializer());
  }

  /** Re-checks a condition until it holds, failing after {@link #WAIT}. */
  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out after " + WAIT + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // a re-check interval, not a wait for time
    }
  }

  /** One application instance: its streams, its HTTP endpoint, and its queries. */
  private final class Instance implements AutoCloseable {
    final PresenceHttpServer server;
    final HostInfo self;
    final KafkaStreams streams;
    final PresenceQueries local;
    final ClusterPresenceQueries cluster;
    final List<HostInfo> fetched = new CopyOnWriteArrayList<>();

    Instance(String name) {
      // The endpoint binds first (port 0) so that application.server can name its port; it serves
      // the local queries once they exist.
      Deferred deferred = new Deferred();
      server = PresenceHttpServer.start(deferred, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      self = new HostInfo(server.address().getAddress().getHostAddress(), server.address().getPort());
      StreamsBuilder builder = new StreamsBuilder();
      DevicePresenceTopology.addTo(builder,
          builder.stream(INPUT, Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage())),
          NewerRule.withReorderWindow(Duration.ofSeconds(10)));
      Properties p = new Properties();
      p.put(StreamsConfig.APPLICATION_ID_CONFIG, "cluster-queries");
      p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      p.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("state-" + name).toString());
      p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
      p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
      streams = new KafkaStreams(builder.build(), p);
      local = new PresenceQueries(streams);
      deferred.target = local;
      PresenceHttpClient http = PresenceHttpClient.create(Duration.ofSeconds(5));
      cluster = new ClusterPresenceQueries(streams, self, host -> {
        fetched.add(host);
        return http.at(host);
      });
    }

    @Override
    public void close() {
      server.close();
      streams.close(Duration.ofSeconds(30));
    }
  }

  /** A lookup whose target is set after the endpoint starts. */
  private static final class Deferred implements PresenceLookup {
    volatile PresenceLookup target;

    @Override
    public Optional<DevicePresence> device(String deviceId) {
      return target.device(deviceId);
    }

    @Override
    public List<DevicePresence> onlineDevices(String productName) {
      return target.onlineDevices(productName);
    }

    @Override
    public Optional<Long> onlineCount(String productName) {
      return target.onlineCount(productName);
    }

    @Override
    public Map<String, Long> onlineCounts() {
      return target.onlineCounts();
    }
  }
}
