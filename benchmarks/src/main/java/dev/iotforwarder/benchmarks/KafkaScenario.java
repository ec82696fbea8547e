package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.testkit.LocalKafka;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Forwarder + CkafkaSink against a raw {@code KafkaProducer<byte[], byte[]>} on LocalKafka: four
 * sides (see {@link #sides()}), measured in turn in every round, throughput and client CPU per
 * message ({@link CpuMeter}).
 *
 * <p>The raw producer gets exactly the sink's producer settings ({@link
 * CkafkaSink#producerDefaults()}) and sends envelopes and keys encoded before the clock starts; its
 * callback only counts failures, which is the least a user needs. The forwarder gets the same
 * {@link DeviceMessage}s and encodes them itself. Each round uses a fresh topic created through
 * LocalKafka's ListOffsets gate, a fresh producer or sink, and one priming record before the clock
 * starts (so neither side pays for its first metadata fetch). The clock runs from the first send to
 * the end of {@code flush}; then the topic's end offsets must add up to every record.
 */
final class KafkaScenario {
  private final Settings settings;
  private final LocalKafka kafka;
  private final Admin admin;
  private final DeviceMessage[] pool;
  private final byte[][] envelopes;
  private final byte[][] keys;
  private static final ObjectWriter DATABIND = new ObjectMapper().writerFor(DatabindEnvelope.class);

  /** (a) The raw producer sending envelopes and keys encoded before the clock starts. */
  final Side raw = new Side("raw producer, pre-encoded (a)");
  /** (b) The forwarder with a CkafkaSink, default options. */
  final Side forwarder = new Side("forwarder (b)");
  /**
   * (c) Not a baseline but the floor: the raw loop that also encodes each message (envelope and key)
   * with {@code EnvelopeCodec} right before {@code send}, on the sending thread; what any forwarder
   * that encodes must at least spend.
   */
  final Side encodingRaw = new Side("raw loop encoding as it sends (c)");
  /**
   * (d) What a user writes by hand without this library: Jackson databind on {@link
   * DatabindEnvelope} through one reused {@code ObjectWriter}, the raw producer, a callback counting
   * failures.
   */
  final Side databind = new Side("databind + raw producer (d)");

  /** Every side, in the order of the first measured round (later rounds rotate it). */
  List<Side> sides() {
    return List.of(raw, encodingRaw, databind, forwarder);
  }

  KafkaScenario(Settings settings, LocalKafka kafka, DeviceMessage[] pool) {
    this.settings = settings;
    this.kafka = kafka;
    this.admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    this.pool = pool;
    this.envelopes = Workload.encode(pool);
    this.keys = new byte[pool.length][];
    for (int i = 0; i < pool.length; i++) {
      keys[i] = pool[i].deviceKey().getBytes(StandardCharsets.UTF_8);
    }
  }

  double averageEnvelopeBytes() {
    long sum = 0;
    for (byte[] e : envelopes) {
      sum += e.length;
    }
    return (double) sum / envelopes.length;
  }

  void run() throws Exception {
    int n = settings.kafkaMessages;
    System.out.printf("kafka: warm-up round (%,d messages each)%n", n);
    List<Side> order = new ArrayList<>(sides());
    for (Side side : order) {
      round(side, n);
    }
    for (int r = 1; r <= settings.kafkaRounds; r++) {
      // Rotate which side goes first, so that drift over the run favours none of them.
      Map<Side, CpuMeter.Usage> usage = new LinkedHashMap<>();
      for (Side side : order) {
        usage.put(side, round(side, n));
      }
      StringBuilder line = new StringBuilder("kafka: round " + r + ":");
      for (Side side : sides()) {
        side.add(usage.get(side));
        line.append(String.format(Locale.ROOT, " %s %s msg/s %.2f us/msg;", side.name,
            Series.rate(side.rates.last()), side.cpuPerMessage.last() / 1000));
      }
      System.out.println(line.append(" (load ").append(Machine.loadAverage()).append(')'));
      Collections.rotate(order, 1);
    }
  }

  private CpuMeter.Usage round(Side side, int n) throws Exception {
    CpuMeter.Usage u = side == forwarder ? forwarderRound(n) : rawRound(n, side);
    if (settings.threads) {
      System.out.printf("  %s %s msg/s, %s; %s%n", side.name, Series.rate(u.messages() / (u.wallNanos() / 1e9)),
          u.report(), lastRequests);
    }
    return u;
  }

  /** The last round's producer requests, read before its producer closed (diagnostics). */
  private String lastRequests = "";

  /**
   * What the producer's requests carried over its life (one round): records per request and the
   * average batch, from its JMX metrics ({@code kafka.producer:type=producer-metrics}).
   */
  private static String requests(String clientId) {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName name = new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientId);
      return String.format(Locale.ROOT, "producer: %.0f records/request, %.0f B/batch",
          (Double) server.getAttribute(name, "records-per-request-avg"),
          (Double) server.getAttribute(name, "batch-size-avg"));
    } catch (Exception | LinkageError e) {
      return "producer metrics unavailable: " + e;
    }
  }

  Map<String, Object> producerSettings() {
    Map<String, Object> p = new LinkedHashMap<>(CkafkaSink.producerDefaults());
    p.put("bootstrap.servers", kafka.bootstrapServers());
    return p;
  }

  /** One round of a raw-producer side: (a), (c) or (d). */
  private CpuMeter.Usage rawRound(int n, Side side) throws Exception {
    String topic = kafka.createUniqueTopic(side == raw ? "raw" : side == encodingRaw ? "rawenc" : "databind",
        settings.partitions);
    AtomicLong failures = new AtomicLong();
    CpuMeter.Usage usage;
    Map<String, Object> props = producerSettings();
    props.put("client.id", "bench-raw");
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, keys[0], envelopes[0])).get(30, TimeUnit.SECONDS);
      int len = envelopes.length;
      Callback counting = (md, e) -> {
        if (e != null) {
          failures.incrementAndGet();
        }
      };
      CpuMeter cpu = new CpuMeter();
      if (side == encodingRaw) {
        EnvelopeCodec codec = EnvelopeCodec.standard();
        for (int i = 0; i < n; i++) {
          DeviceMessage m = pool[i % len];
          p.send(new ProducerRecord<>(topic, m.deviceKey().getBytes(StandardCharsets.UTF_8), codec.encode(m)),
              counting);
        }
      } else if (side == databind) {
        for (int i = 0; i < n; i++) {
          DeviceMessage m = pool[i % len];
          p.send(new ProducerRecord<>(topic, m.deviceKey().getBytes(StandardCharsets.UTF_8),
              DATABIND.writeValueAsBytes(DatabindEnvelope.of(m))), counting);
        }
      } else {
        for (int i = 0; i < n; i++) {
          int k = i % len;
          p.send(new ProducerRecord<>(topic, keys[k], envelopes[k]), counting);
        }
      }
      p.flush();
      usage = cpu.stop(n);
      lastRequests = requests("bench-raw");
    }
    check(topic, n + 1, failures.get());
    return usage;
  }

  CpuMeter.Usage forwarderRound(int n) throws Exception {
    String topic = kafka.createUniqueTopic("fwd", settings.partitions);
    CkafkaSink sink = CkafkaSink.builder()
        .name("kafka")
        .bootstrapServers(kafka.bootstrapServers())
        .topic(topic)
        .build();
    CpuMeter.Usage usage;
    SinkStats stats;
    try (Forwarder f = forwarder(settings, sink)) {
      f.forward(pool[0]).get(30, TimeUnit.SECONDS);
      int len = pool.length;
      CpuMeter cpu = new CpuMeter();
      for (int i = 0; i < n; i++) {
        f.forward(pool[i % len]);
      }
      if (!f.flush(Duration.ofMinutes(5))) {
        throw new IllegalStateException("forwarder flush timed out");
      }
      usage = cpu.stop(n);
      lastRequests = requests("iot-forwarder-kafka");
      stats = f.stats().sink("kafka");
    }
    if (stats.succeeded() != n + 1) {
      throw new IllegalStateException("forwarder delivered " + stats.succeeded() + " of " + (n + 1)
          + ": " + stats);
    }
    check(topic, n + 1, stats.failed());
    return usage;
  }

  static Forwarder forwarder(Settings settings, CkafkaSink sink) {
    ForwarderBuilder b = Forwarder.builder().route(sink);
    if (settings.laneMaxInFlight > 0) {
      b.laneDefaults(LaneOptions.builder().maxInFlight(settings.laneMaxInFlight).build());
    }
    return b.build();
  }

  /** The topic holds exactly the records sent, then is deleted to keep the disk small. */
  private void check(String topic, long expected, long failures) throws Exception {
    if (failures != 0) {
      throw new IllegalStateException(failures + " sends to " + topic + " failed");
    }
    Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
    for (int p = 0; p < settings.partitions; p++) {
      spec.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    long total = admin.listOffsets(spec).all().get(30, TimeUnit.SECONDS).values().stream()
        .mapToLong(o -> o.offset()).sum();
    if (total != expected) {
      throw new IllegalStateException("topic " + topic + " holds " + total + " records, expected " + expected);
    }
    admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
  }

  void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
