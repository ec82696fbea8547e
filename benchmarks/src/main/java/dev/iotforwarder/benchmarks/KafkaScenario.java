package dev.iotforwarder.benchmarks;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Forwarder + CkafkaSink against a raw {@code KafkaProducer<byte[], byte[]>} on LocalKafka.
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

  final Series raw = new Series();
  final Series forwarder = new Series();
  final Series ratios = new Series();
  /**
   * Not a baseline: the raw loop that also encodes each message (envelope and key) right before
   * {@code send}, on the sending thread. What any forwarder that encodes must at least spend; its
   * ratio to {@link #raw} is the ceiling of the forwarder's ratio on a machine whose cores are busy.
   */
  final Series encodingRaw = new Series();

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
    rawRound(n, false);
    forwarderRound(n);
    rawRound(n, true);
    for (int r = 1; r <= settings.kafkaRounds; r++) {
      // Alternate which side goes first, so that drift over the run does not favour one side; the
      // encoding loop (a reference, not a side) goes in between.
      double a;
      double b;
      double c;
      if (r % 2 == 1) {
        a = rawRound(n, false);
        c = rawRound(n, true);
        b = forwarderRound(n);
      } else {
        b = forwarderRound(n);
        c = rawRound(n, true);
        a = rawRound(n, false);
      }
      raw.add(a);
      forwarder.add(b);
      encodingRaw.add(c);
      ratios.add(b / a);
      System.out.printf("kafka: round %d: raw %s msg/s, forwarder %s msg/s, ratio %.3f;"
              + " raw loop encoding as it sends %s msg/s (%.3f of raw) (load %s)%n",
          r, Series.rate(a), Series.rate(b), b / a, Series.rate(c), c / a, Machine.loadAverage());
    }
  }

  Map<String, Object> producerSettings() {
    Map<String, Object> p = new LinkedHashMap<>(CkafkaSink.producerDefaults());
    p.put("bootstrap.servers", kafka.bootstrapServers());
    return p;
  }

  /**
   * One round of the raw producer: with pre-encoded envelopes and keys (the baseline), or ({@code
   * encode}) encoding each message's envelope and key right before its {@code send}.
   */
  double rawRound(int n, boolean encode) throws Exception {
    String topic = kafka.createUniqueTopic(encode ? "rawenc" : "raw", settings.partitions);
    AtomicLong failures = new AtomicLong();
    double rate;
    Map<String, Object> props = producerSettings();
    props.put("client.id", "bench-raw");
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, keys[0], envelopes[0])).get(30, TimeUnit.SECONDS);
      int len = envelopes.length;
      ThreadCpu cpu = new ThreadCpu();
      long t0 = System.nanoTime();
      Callback counting = (md, e) -> {
        if (e != null) {
          failures.incrementAndGet();
        }
      };
      if (encode) {
        EnvelopeCodec codec = EnvelopeCodec.standard();
        for (int i = 0; i < n; i++) {
          DeviceMessage m = pool[i % len];
          p.send(new ProducerRecord<>(topic, m.deviceKey().getBytes(StandardCharsets.UTF_8), codec.encode(m)),
              counting);
        }
      } else {
        for (int i = 0; i < n; i++) {
          int k = i % len;
          p.send(new ProducerRecord<>(topic, keys[k], envelopes[k]), counting);
        }
      }
      p.flush();
      long t1 = System.nanoTime();
      rate = n / ((t1 - t0) / 1e9);
      if (settings.threads) {
        System.out.println("  raw" + (encode ? " encoding" : "") + " " + Series.rate(rate) + " msg/s, " + cpu.report());
      }
    }
    check(topic, n + 1, failures.get());
    return rate;
  }

  double forwarderRound(int n) throws Exception {
    String topic = kafka.createUniqueTopic("fwd", settings.partitions);
    CkafkaSink sink = CkafkaSink.builder()
        .name("kafka")
        .bootstrapServers(kafka.bootstrapServers())
        .topic(topic)
        .build();
    double rate;
    SinkStats stats;
    try (Forwarder f = forwarder(settings, sink)) {
      f.forward(pool[0]).get(30, TimeUnit.SECONDS);
      int len = pool.length;
      ThreadCpu cpu = new ThreadCpu();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        f.forward(pool[i % len]);
      }
      if (!f.flush(Duration.ofMinutes(5))) {
        throw new IllegalStateException("forwarder flush timed out");
      }
      long t1 = System.nanoTime();
      rate = n / ((t1 - t0) / 1e9);
      if (settings.threads) {
        System.out.println("  forwarder " + Series.rate(rate) + " msg/s, " + cpu.report());
      }
      stats = f.stats().sink("kafka");
    }
    if (stats.succeeded() != n + 1) {
      throw new IllegalStateException("forwarder delivered " + stats.succeeded() + " of " + (n + 1)
          + ": " + stats);
    }
    check(topic, n + 1, stats.failed());
    return rate;
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
