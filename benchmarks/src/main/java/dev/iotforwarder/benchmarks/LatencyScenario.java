package dev.iotforwarder.benchmarks;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Latency from {@code forward()} to the sink's acknowledgement (the completion of the forward
 * future, which follows the Kafka ack) at a fixed fraction of the measured maximum rate, with the raw
 * producer at the same rate for reference. Sends are paced by schedule: each message has a due time,
 * and its latency counts from that due time, so a stalled sender cannot hide its own delay
 * (no coordinated omission). The first fifth of each run is a warm-up: sent at the same rate, not
 * counted.
 */
final class LatencyScenario {
  private final Settings settings;
  private final LocalKafka kafka;
  private final DeviceMessage[] pool;
  final double rate;

  Map<String, Object> rawResult;
  Map<String, Object> forwarderResult;

  LatencyScenario(Settings settings, LocalKafka kafka, DeviceMessage[] pool, double maxRate) {
    this.settings = settings;
    this.kafka = kafka;
    this.pool = pool;
    this.rate = maxRate * settings.latencyFraction;
  }

  void run() throws Exception {
    System.out.printf("latency: %,d messages at %s msg/s%n", settings.latencyMessages, Series.rate(rate));
    rawResult = summarize(raw(settings.latencyMessages));
    forwarderResult = summarize(forwarder(settings.latencyMessages));
    System.out.printf("latency: raw %s%nlatency: forwarder %s%n", rawResult, forwarderResult);
  }

  private long[] raw(int n) throws Exception {
    String topic = kafka.createUniqueTopic("lat-raw", settings.partitions);
    byte[][] envelopes = Workload.encode(pool);
    Map<String, Object> props = new LinkedHashMap<>(CkafkaSink.producerDefaults());
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("client.id", "bench-latency-raw");
    long[] latencies = new long[n];
    CountDownLatch done = new CountDownLatch(n);
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(topic, envelopes[0])).get(30, TimeUnit.SECONDS);
      pace(n, (i, due) -> {
        int k = i % pool.length;
        byte[] key = pool[k].deviceKey().getBytes(StandardCharsets.UTF_8);
        p.send(new ProducerRecord<>(topic, key, envelopes[k]), (md, e) -> {
          latencies[i] = e == null ? System.nanoTime() - due : -1;
          done.countDown();
        });
      });
      done.await(5, TimeUnit.MINUTES);
    }
    return latencies;
  }

  private long[] forwarder(int n) throws Exception {
    String topic = kafka.createUniqueTopic("lat-fwd", settings.partitions);
    CkafkaSink sink = CkafkaSink.builder().name("kafka").bootstrapServers(kafka.bootstrapServers())
        .topic(topic).build();
    long[] latencies = new long[n];
    CountDownLatch done = new CountDownLatch(n);
    try (Forwarder f = KafkaScenario.forwarder(settings, sink)) {
      f.forward(pool[0]).get(30, TimeUnit.SECONDS);
      pace(n, (i, due) -> f.forward(pool[i % pool.length]).whenComplete((r, e) -> {
        latencies[i] = e == null ? System.nanoTime() - due : -1;
        done.countDown();
      }));
      done.await(5, TimeUnit.MINUTES);
      f.flush(Duration.ofMinutes(1));
    }
    return latencies;
  }

  private interface Send {
    void send(int i, long dueNanos) throws Exception;
  }

  /** Sends message i at start + i / rate, catching up in a burst after each sleep. */
  private void pace(int n, Send send) throws Exception {
    double interval = 1e9 / rate;
    long start = System.nanoTime() + 1_000_000;
    int i = 0;
    while (i < n) {
      long now = System.nanoTime();
      while (i < n) {
        long due = start + (long) (i * interval);
        if (due > now) {
          break;
        }
        send.send(i, due);
        i++;
      }
      if (i < n) {
        long wait = start + (long) (i * interval) - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
    }
  }

  private static String deciles(long[] latencies) {
    StringBuilder sb = new StringBuilder("p99 by tenth:");
    int n = latencies.length;
    for (int d = 0; d < 10; d++) {
      long[] part = java.util.Arrays.copyOfRange(latencies, d * n / 10, (d + 1) * n / 10);
      java.util.Arrays.sort(part);
      sb.append(' ').append(millis(percentile(part, 0.99)));
    }
    return sb.toString();
  }

  /** The first fifth of a run warms up the fresh producer and topic; it is sent but not counted. */
  static final double WARM_UP_FRACTION = 0.2;

  private static Map<String, Object> summarize(long[] all) {
    if (Boolean.getBoolean("bench.deciles")) {
      System.out.println(deciles(all));
    }
    long[] latencies = Arrays.copyOfRange(all, (int) (all.length * WARM_UP_FRACTION), all.length);
    long failed = Arrays.stream(latencies).filter(l -> l < 0).count();
    long[] ok = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", ok.length);
    m.put("warmUpNotCounted", all.length - latencies.length);
    m.put("failed", failed);
    m.put("p50Millis", millis(percentile(ok, 0.50)));
    m.put("p90Millis", millis(percentile(ok, 0.90)));
    m.put("p99Millis", millis(percentile(ok, 0.99)));
    m.put("p999Millis", millis(percentile(ok, 0.999)));
    m.put("maxMillis", millis(ok.length == 0 ? 0 : ok[ok.length - 1]));
    return m;
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1e3) / 1e3;
  }
}
