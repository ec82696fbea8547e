package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.testkit.LocalKafka;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka outage: 1,000 devices send at a steady rate through a {@link CkafkaSink} (SASL/PLAIN, as
 * CKafka is reached over the public network) while {@link LocalKafka} stops for {@code
 * reliability.kafka.outageSeconds} and restarts on the same ports with the same data.
 *
 * <p>The lane is configured as a gateway would: its buffer holds a few seconds of traffic, Publish
 * messages use {@link OverflowPolicy#DROP_OLDEST} (the dropped ones go to the dead-letter sink) and
 * Status messages {@link OverflowPolicy#BLOCK} for longer than the outage. Publish messages are sent
 * by three threads, Status messages by a fourth (as a broker's connection-event thread would); a
 * device whose Status call is blocked is skipped by the Publish threads, so that each device's
 * messages are forwarded in seq order.
 *
 * <p>Checked: zero lost (every message is in Kafka or, for dropped Publish messages only, in the
 * dead-letter sink with the reason, never both); per-device order in Kafka; every Status delivered;
 * the buffer fills during the outage and then Publish messages are dropped (oldest first, never one
 * already sent) while a Status caller blocks until the broker is back; nothing is rejected; the stats
 * balance in every snapshot taken every 50 ms and never exceed the buffer.
 */
@ExtendWith(ReliabilityExtension.class)
class KafkaOutageTest {
  static final int DEVICES = 1_000;
  static final int RATE = Integer.getInteger("reliability.kafka.rate", 1_000);
  static final int OUTAGE_SECONDS = Integer.getInteger("reliability.kafka.outageSeconds", 30);
  static final int BEFORE_SECONDS = 3;
  static final int AFTER_SECONDS = 5;
  static final int BUFFER = Math.max(2_000, RATE * 4);
  // Generous, so that the message count is the bound that fills: a held message counts its estimated
  // envelope plus about 320 bytes of heap bookkeeping (about 680 bytes with a 100-byte payload).
  static final long BUFFER_BYTES = BUFFER * 1024L;
  static final int PUBLISH_THREADS = 3;
  static final int PAYLOAD_BYTES = 100;
  static final String SINK = "ckafka";

  private record Sent(int device, long seq, boolean status) {
    String key() {
      return Devices.key(device) + "#" + seq;
    }
  }

  private record Call(long start, long end) {}

  private final ReentrantLock[] deviceLocks = new ReentrantLock[DEVICES];
  private final long[] nextSeq = new long[DEVICES];
  private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Sent> deliveredMsgs = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
  /** Every message's outcome, by key: "delivered ..." or the failure; to explain a loss. */
  private final Map<String, String> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Call> statusCalls = new ConcurrentLinkedQueue<>();
  private final AtomicLong completed = new AtomicLong();
  private volatile boolean running = true;

  @Test
  @DisplayName("Kafka stops and restarts under steady load from 1,000 devices: nothing lost, order kept, Status never dropped, overflow as configured, stats balanced")
  void kafkaOutage() throws Exception {
    for (int d = 0; d < DEVICES; d++) {
      deviceLocks[d] = new ReentrantLock();
    }
    long setupStart = System.nanoTime();
    try (LocalKafka kafka = LocalKafka.builder().saslUser(Secrets.SASL_USERNAME, Secrets.SASL_PASSWORD).start()) {
      String topic = kafka.createUniqueTopic("telemetry", 4);
      DeadLetters dlq = new DeadLetters();
      CkafkaSink sink = CkafkaSink.builder().name(SINK)
          .bootstrapServers(kafka.saslBootstrapServers())
          .sasl(Secrets.SASL_INSTANCE_ID, Secrets.SASL_USER, Secrets.SASL_PASSWORD)
          .topic(topic)
          .closeTimeout(Duration.ofSeconds(10))
          .build();
      LogCapture.scanToString(sink, kafka);
      LaneOptions lane = LaneOptions.builder()
          .maxMessages(BUFFER).maxBytes(BUFFER_BYTES)
          .publishOverflow(OverflowPolicy.DROP_OLDEST)
          .statusOverflow(OverflowPolicy.BLOCK)
          .blockTimeout(Duration.ofSeconds(OUTAGE_SECONDS + 120L))
          .build();
      Forwarder forwarder = Forwarder.builder().route(sink).lane(SINK, lane).deadLetter(dlq).build();
      LogCapture.scanToString(forwarder, lane);

      AtomicLong maxHeld = new AtomicLong();
      AtomicLong fullSamples = new AtomicLong();
      long[] restartBegan = {Long.MAX_VALUE};
      Sampler sampler = new Sampler(50, () -> {
        SinkStats s = forwarder.stats().sink(SINK);
        long held = s.queued() + s.inflight();
        maxHeld.accumulateAndGet(held, Math::max);
        if (held >= BUFFER) {
          fullSamples.incrementAndGet();
        }
        assertThat(s.balanced()).as("stats balance: %s", s).isTrue();
        assertThat(held).as("held messages within the buffer: %s", s).isLessThanOrEqualTo(BUFFER);
        assertThat(s.queuedBytes()).as("held bytes within the buffer: %s", s).isLessThanOrEqualTo(BUFFER_BYTES);
      });

      List<Thread> generators = new ArrayList<>();
      int publishRate = RATE * 9 / 10;
      for (int t = 0; t < PUBLISH_THREADS; t++) {
        int first = t * DEVICES / PUBLISH_THREADS;
        generators.add(generator("reliability-publish-" + t, publishRate / PUBLISH_THREADS, first,
            (d, seq) -> Devices.publish(d, seq, PAYLOAD_BYTES), forwarder, false));
      }
      generators.add(generator("reliability-status", RATE - publishRate, 0, Devices::status, forwarder, true));
      long testStart = System.nanoTime();
      System.out.printf("[kafka-outage] broker, topic and forwarder ready in %.1f s%n", (testStart - setupStart) / 1e9);
      generators.forEach(Thread::start);

      Await.pace(testStart + seconds(BEFORE_SECONDS));
      long stoppedAt = System.nanoTime();
      kafka.stop();
      System.out.printf("[kafka-outage] broker stopped after %d messages; outage of %d s%n", sent.size(), OUTAGE_SECONDS);
      Await.pace(stoppedAt + seconds(OUTAGE_SECONDS));
      restartBegan[0] = System.nanoTime();
      long sentAtRestart = sent.size();
      kafka.restart();
      long restarted = System.nanoTime();
      System.out.printf("[kafka-outage] broker back after %.1f s (restart took %.1f s); %d messages sent meanwhile%n",
          (restarted - stoppedAt) / 1e9, (restarted - restartBegan[0]) / 1e9, sentAtRestart);
      Await.pace(restarted + seconds(AFTER_SECONDS));
      running = false;
      for (Thread g : generators) {
        g.join(Duration.ofSeconds(OUTAGE_SECONDS + 180L).toMillis());
        assertThat(g.isAlive()).as("generator %s ended", g.getName()).isFalse();
      }
      assertThat(forwarder.flush(Duration.ofMinutes(3))).as("flush after the outage").isTrue();
      Await.until("every future completed", Duration.ofSeconds(60), () -> completed.get() == sent.size());
      sampler.close();
      SinkStats stats = forwarder.stats().sink(SINK);
      long producerRetries = producerMetric("iot-forwarder-" + SINK, "record-retry-total");
      forwarder.close();

      Map<String, List<Long>> inKafka = readTopic(kafka, topic);
      Duration took = Duration.ofNanos(System.nanoTime() - setupStart);

      // ------------------------------------------------------------------ accounting
      Set<String> kafkaKeys = new HashSet<>();
      long duplicates = 0;
      for (Map.Entry<String, List<Long>> e : inKafka.entrySet()) {
        for (long seq : e.getValue()) {
          if (!kafkaKeys.add(e.getKey() + "#" + seq)) {
            duplicates++;
          }
        }
      }
      List<DeadLetter> letters = dlq.letters();
      Set<String> dlqKeys = new HashSet<>();
      for (DeadLetter l : letters) {
        if (!dlqKeys.add(l.message().deviceKey() + "#" + l.message().seq())) {
          System.out.println("[kafka-outage] dead-lettered twice: " + l);
        }
        if (!l.reasonText().contains("DROP_OLDEST")) {
          System.out.println("[kafka-outage] dead letter not from DROP_OLDEST: " + l);
        }
      }
      List<String> lost = new ArrayList<>();
      List<String> both = new ArrayList<>();
      long statusSent = 0;
      for (Sent s : sent) {
        boolean k = kafkaKeys.contains(s.key());
        boolean d = dlqKeys.contains(s.key());
        if (!k && !d) {
          lost.add(s.key());
        }
        if (k && d) {
          both.add(s.key());
        }
        if (s.status) {
          statusSent++;
          assertThat(k).as("Status message %s is in Kafka", s.key()).isTrue();
        }
      }
      List<String> deliveredButMissing = deliveredMsgs.stream().map(Sent::key).filter(k -> !kafkaKeys.contains(k)).toList();

      if (!lost.isEmpty()) {
        System.out.printf("[kafka-outage] %d lost; the first of them:%n", lost.size());
        lost.stream().limit(20).forEach(k -> System.out.printf("[kafka-outage]   %s: %s; in Kafka for its device: %s%n",
            k, outcomes.get(k), inKafka.get(k.substring(0, k.indexOf('#')))));
      }
      long droppedNew = letters.stream().filter(l -> l.reasonText().contains("dropped the new")).count();
      long maxHeapMiB = sampler.maxHeapMiB();
      Figures.report(new Figures.Row("Kafka outage (" + OUTAGE_SECONDS + " s)", sent.size(), lost.size(), duplicates,
          "0 pipeline, " + producerRetries + " producer", letters.size(), maxHeapMiB, took,
          DEVICES + " devices at " + RATE + " msg/s; " + statusSent + " Status, all delivered; buffer " + BUFFER
              + " full in " + fullSamples.get() + " of " + sampler.samples() + " stats samples (all balanced); "
              + stats.dropped() + " Publish dropped oldest-first to the DLQ (" + droppedNew
              + " of them new messages, every held one being at the sink already); 0 rejected"));

      assertThat(sampler.failures()).as("every stats snapshot balanced and within the buffer").isEmpty();
      assertThat(lost).as("messages neither in Kafka nor dead-lettered").isEmpty();
      assertThat(deliveredButMissing).as("futures completed as delivered but the record is not in Kafka").isEmpty();
      assertThat(both).as("dropped messages never reached Kafka").isEmpty();
      assertThat(duplicates).as("the idempotent producer wrote no duplicates").isZero();
      for (Map.Entry<String, List<Long>> e : inKafka.entrySet()) {
        List<Long> seqs = e.getValue();
        for (int i = 1; i < seqs.size(); i++) {
          if (seqs.get(i) <= seqs.get(i - 1)) {
            throw new AssertionError("order of " + e.getKey() + " broken in Kafka: " + seqs);
          }
        }
      }

      // ------------------------------------------------------------------ overflow as configured
      assertThat(maxHeld.get()).as("the buffer filled during the outage").isEqualTo(BUFFER);
      assertThat(stats.dropped()).as("Publish messages were dropped while the buffer was full").isPositive();
      assertThat(letters.size()).as("one dead letter per dropped message").isEqualTo(stats.dropped());
      for (DeadLetter l : letters) {
        assertThat(l.message().isStatus()).as("only Publish messages are dropped").isFalse();
        assertThat(l.attempts()).as("dropped before any send").isZero();
        assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class);
        assertThat(l.reasonText()).contains("DROP_OLDEST");
      }
      assertThat(failures.size()).as("the only failed futures are the dropped messages").isEqualTo(letters.size());
      assertThat(failures.stream().filter(f -> !String.valueOf(f.getMessage()).contains("DROP_OLDEST")).toList())
          .as("failures other than drops").isEmpty();
      assertThat(stats.rejected()).as("nothing was rejected: Status blocked, Publish dropped oldest").isZero();
      assertThat(statusCalls).as("a Status forward() began during the outage and returned only after the restart began")
          .anySatisfy(c -> assertThat(c.start > stoppedAt && c.start < restartBegan[0] && c.end > restartBegan[0]).isTrue());

      // ------------------------------------------------------------------ the final stats
      assertThat(stats.received()).isEqualTo(sent.size());
      assertThat(stats.succeeded()).isEqualTo(kafkaKeys.size());
      assertThat(stats.failed()).isZero();
      assertThat(stats.inflight() + stats.queued()).isZero();
      assertThat(stats.balanced()).isTrue();
    }
  }

  private interface MessageMaker {
    DeviceMessage make(int device, long seq);
  }

  /** A thread that forwards {@code perSecond} messages a second, device after device. */
  private Thread generator(String name, int perSecond, int firstDevice, MessageMaker maker, Forwarder forwarder,
      boolean status) {
    Thread t = new Thread(() -> {
      long tick = Duration.ofMillis(10).toNanos();
      double perTick = perSecond / 100.0;
      double owed = 0;
      int cursor = firstDevice;
      long next = System.nanoTime();
      while (running) {
        owed += perTick;
        while (owed >= 1 && running) {
          int d = cursor;
          cursor = (cursor + 1) % DEVICES;
          ReentrantLock lock = deviceLocks[d];
          if (status) {
            lock.lock();
          } else if (!lock.tryLock()) {
            continue; // the device's Status call is blocked: a gateway would not publish for it either
          }
          try {
            long seq = nextSeq[d]++;
            Sent s = new Sent(d, seq, status);
            sent.add(s);
            long start = System.nanoTime();
            CompletableFuture<ForwardResult> f = forwarder.forward(maker.make(d, seq));
            if (status) {
              statusCalls.add(new Call(start, System.nanoTime()));
            }
            f.whenComplete((r, e) -> {
              if (e == null) {
                deliveredMsgs.add(s);
                outcomes.put(s.key(), "delivered " + r);
              } else {
                outcomes.put(s.key(), "failed " + e);
                LogCapture.scan("forward failure", e);
                failures.add(e);
              }
              completed.incrementAndGet();
            });
          } finally {
            lock.unlock();
          }
          owed--;
        }
        next = Math.max(next + tick, System.nanoTime() - Duration.ofSeconds(1).toNanos());
        Await.pace(next);
      }
    }, name);
    t.setDaemon(true);
    return t;
  }

  private static long seconds(int s) {
    return Duration.ofSeconds(s).toNanos();
  }

  private static long producerMetric(String clientId, String attribute) {
    try {
      Object v = ManagementFactory.getPlatformMBeanServer().getAttribute(
          new ObjectName("kafka.producer:type=producer-metrics,client-id=" + clientId), attribute);
      return v instanceof Number n ? Math.round(n.doubleValue()) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  /**
   * Every record of the topic, decoded: per device, the seqs in partition order. Also used by
   * {@link SpoolOutageRideTest}.
   */
  static Map<String, List<Long>> readTopic(LocalKafka kafka, String topic) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("enable.auto.commit", "false");
    props.put("max.poll.records", "5000");
    Map<String, List<Long>> out = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read the topic to its end " + end);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          DeviceMessage m = EnvelopeCodec.standard().decode(r.value());
          out.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
        }
      }
    }
    return out;
  }
}
