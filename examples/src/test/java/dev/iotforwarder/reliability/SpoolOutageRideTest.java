package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.ckafka.CkafkaSinkBuilder;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue outage ridden out by a spool with its default options and the default retry policy, as a
 * new user turns it on: 100 devices send at 200 msg/s through one sink while its destination is
 * down for {@code reliability.spool.outageSeconds} (60 s in CI, 10 minutes with {@code -Psoak}), far
 * beyond the default policy's 10 attempts. Two destinations:
 *
 * <ul>
 *   <li>CMQ: {@link LocalCmq} answers every request of a {@link CmqSink} with HTTP 503;
 *   <li>CKafka: {@link LocalKafka} is stopped, then restarted on the same ports with the same data.
 *       The {@link CkafkaSink}'s producer keeps its defaults but, in CI, a {@code delivery.timeout.ms}
 *       of 20 s ({@code reliability.spool.kafkaDeliveryTimeoutMs}; with {@code -Psoak} the default
 *       120 s), so that the outage outlasts it: the records the producer expires come back to the
 *       lane, which re-sends them from the spool, gated per device.
 * </ul>
 *
 * <p>Checked: nothing dead-lettered, nothing lost (every message at the destination), per-device
 * order kept there (first copies; duplicates are counted), no future failed, every stats snapshot
 * (every 100 ms) balanced; for CMQ the sink probes while the queue is down (one request at a time,
 * not one per held message); at the end the sink is healthy and the spool empty.
 */
@ExtendWith(ReliabilityExtension.class)
class SpoolOutageRideTest {
  static final int DEVICES = 100;
  static final int RATE = 200;
  static final int OUTAGE_SECONDS = Integer.getInteger("reliability.spool.outageSeconds", 60);
  static final int KAFKA_DELIVERY_TIMEOUT_MS =
      Integer.getInteger("reliability.spool.kafkaDeliveryTimeoutMs", 20_000);
  static final int BEFORE_SECONDS = 3;
  static final int AFTER_SECONDS = 3;
  static final int PAYLOAD_BYTES = 100;

  @TempDir Path tmp;

  /** The destination the scenario takes down and brings back. */
  private interface Destination {
    Sink sink();

    void down();

    void up();

    /** Requests that reached it so far; -1 if it does not count them. */
    long requests();

    /** Per device, the seqs that arrived, in arrival order (copies included). */
    Map<String, List<Long>> arrived();
  }

  @Test
  @DisplayName("CMQ down for the outage, spool and retry policy at their defaults: 0 dead-lettered, 0 lost, order kept, stats balanced")
  void outageRiddenOut() throws Exception {
    CmqCredentials credentials = CmqCredentials.of(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY);
    try (LocalCmq cmq = LocalCmq.builder().credentials(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY)
            .requestLogCapacity(1_000).start();
        CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
            .credentials(credentials).build()) {
      cmq.createQueue("telemetry");
      CmqSink sink = CmqSink.builder().name("cmq").client(client).queue("telemetry").build();
      long probingSamples = ride("Spool rides out a CMQ outage", "every request answered 503 while down",
          new Destination() {
            @Override
            public Sink sink() {
              return sink;
            }

            @Override
            public void down() {
              cmq.faultRate(1.0, 20261206L, List.of(), Fault.httpStatus(503));
            }

            @Override
            public void up() {
              cmq.clearFaults();
            }

            @Override
            public long requests() {
              return cmq.requestCount();
            }

            @Override
            public Map<String, List<Long>> arrived() {
              Map<String, List<Long>> out = new HashMap<>();
              for (String body : cmq.bodies("telemetry")) {
                DeviceMessage m = EnvelopeCodec.standard()
                    .decode(body.getBytes(StandardCharsets.UTF_8));
                out.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
              }
              return out;
            }
          });
      assertThat(probingSamples).as("the sink was seen probing").isPositive();
    }
  }

  @Test
  @DisplayName("CKafka's broker down for the outage, spool at its defaults: 0 dead-lettered, 0 lost, order kept, stats balanced")
  void kafkaOutageRiddenOut() throws Exception {
    try (LocalKafka kafka = LocalKafka.start()) {
      String topic = kafka.createUniqueTopic("spool-ride", 4);
      CkafkaSinkBuilder b = CkafkaSink.builder().name("ckafka")
          .bootstrapServers(kafka.bootstrapServers()).topic(topic)
          .closeTimeout(Duration.ofSeconds(10));
      if (KAFKA_DELIVERY_TIMEOUT_MS > 0) {
        b.producerProperty("delivery.timeout.ms", KAFKA_DELIVERY_TIMEOUT_MS)
            .producerProperty("request.timeout.ms", Math.min(30_000, KAFKA_DELIVERY_TIMEOUT_MS / 2));
      }
      CkafkaSink sink = b.build();
      LogCapture.scanToString(sink, kafka);
      ride("Spool rides out a CKafka outage", "broker stopped while down, restarted on the same"
          + " ports; delivery.timeout.ms " + (KAFKA_DELIVERY_TIMEOUT_MS > 0
          ? KAFKA_DELIVERY_TIMEOUT_MS + "" : "default (120000)"), new Destination() {
            @Override
            public Sink sink() {
              return sink;
            }

            @Override
            public void down() {
              kafka.stop();
            }

            @Override
            public void up() {
              kafka.restart();
            }

            @Override
            public long requests() {
              return -1;
            }

            @Override
            public Map<String, List<Long>> arrived() {
              return KafkaOutageTest.readTopic(kafka, topic);
            }
          });
    }
  }

  /**
   * The scenario: paced load, the destination down and back, then the checks common to both.
   *
   * @return the stats samples that saw the sink probing
   */
  private long ride(String scenario, String how, Destination dest) throws Exception {
    long start = System.nanoTime();
    String name = dest.sink().name();
    DeadLetters dlq = new DeadLetters();
    List<DeviceMessage> sent = new ArrayList<>();
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    AtomicLong probingSamples = new AtomicLong();
    AtomicLong backAt = new AtomicLong(); // nanoTime when the destination came back; 0 before
    AtomicLong backlogAtBack = new AtomicLong();
    AtomicLong drainedAt = new AtomicLong(); // first sample after that with at most 1 s of traffic pending
    long[] requestsWhileDown = {-1};
    ForwarderStats end;
    long maxHeapMiB;
    try (Forwarder forwarder = Forwarder.builder().route(dest.sink()).deadLetter(dlq)
        .spool(tmp.resolve("spool"), SpoolOptions.DEFAULTS).build()) {
      LogCapture.scanToString(dest.sink(), forwarder);
      Sampler sampler = new Sampler(100, () -> {
        ForwarderStats s = forwarder.stats();
        assertThat(s.balanced()).as("stats balance: %s", s).isTrue();
        assertThat(s.spool().dropped()).as("nothing dropped: %s", s.spool()).isZero();
        if (s.sink(name).health() == SinkStats.Health.PROBING) {
          probingSamples.incrementAndGet();
        }
        if (backAt.get() != 0 && drainedAt.get() == 0 && s.spool().pending() <= RATE) {
          drainedAt.set(System.nanoTime());
        }
      });
      long[] seq = new long[DEVICES];
      long t0 = System.nanoTime();
      long outageFrom = t0 + seconds(BEFORE_SECONDS);
      long outageTo = outageFrom + seconds(OUTAGE_SECONDS);
      long stopAt = outageTo + seconds(AFTER_SECONDS);
      // Taking the destination down and up runs beside the load (a broker restart takes seconds).
      CompletableFuture<Void> outage = CompletableFuture.runAsync(() -> {
        Await.pace(outageFrom);
        long requestsAtStop = dest.requests();
        dest.down();
        System.out.printf("[spool-outage] %s down for %d s%n", name, OUTAGE_SECONDS);
        Await.pace(outageTo);
        requestsWhileDown[0] = requestsAtStop < 0 ? -1 : dest.requests() - requestsAtStop;
        backlogAtBack.set(forwarder.stats().spool().pending());
        dest.up();
        backAt.set(System.nanoTime());
        System.out.printf("[spool-outage] %s back after %.1f s; %d requests while down%n", name,
            (System.nanoTime() - outageFrom) / 1e9, requestsWhileDown[0]);
      });
      for (long i = 0; ; i++) {
        long due = t0 + i * 1_000_000_000L / RATE;
        if (due - stopAt >= 0) {
          break;
        }
        Await.pace(due);
        int device = (int) (i % DEVICES);
        DeviceMessage m = i % 10 == 0 ? Devices.status(device, seq[device]++)
            : Devices.publish(device, seq[device]++, PAYLOAD_BYTES);
        sent.add(m);
        futures.add(forwarder.forward(m));
      }
      outage.get(5, TimeUnit.MINUTES);
      CompletableFuture.allOf(futures.stream().map(f -> f.exceptionally(e -> null))
          .toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
      assertThat(forwarder.flush(Duration.ofMinutes(2))).as("flush after the outage").isTrue();
      sampler.close();
      maxHeapMiB = sampler.maxHeapMiB();
      assertThat(sampler.failures()).as("stats checks during the run").isEmpty();
      end = forwarder.stats();
    }
    long failed = futures.stream().filter(CompletableFuture::isCompletedExceptionally).count();

    Map<String, List<Long>> firstCopies = new HashMap<>();
    long arrivedCount = 0;
    for (Map.Entry<String, List<Long>> e : dest.arrived().entrySet()) {
      Set<Long> seen = new HashSet<>();
      for (long s : e.getValue()) {
        arrivedCount++;
        if (seen.add(s)) {
          firstCopies.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(s);
        }
      }
    }
    long unique = firstCopies.values().stream().mapToLong(List::size).sum();
    Map<String, List<Long>> expected = new HashMap<>();
    for (DeviceMessage m : sent) {
      expected.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
    }
    long lost = sent.size() - unique;
    double drainSeconds = (drainedAt.get() - backAt.get()) / 1e9;
    String drain = String.format("backlog of %,d drained in %.1f s (%,.0f msg/s) while new traffic"
        + " continued", backlogAtBack.get(), drainSeconds, backlogAtBack.get() / drainSeconds);
    System.out.println("[spool-outage] " + drain);
    SinkStats s = end.sink(name);
    String figures = DEVICES + " devices at " + RATE + " msg/s, spool and RetryPolicy at their"
        + " defaults; " + how + "; " + (requestsWhileDown[0] < 0 ? ""
        : requestsWhileDown[0] + " requests while down; ") + "sink probing in "
        + probingSamples.get() + " stats samples; " + drain + "; " + failed
        + " futures failed; stats balanced in every sample";
    Figures.report(new Figures.Row(scenario + " (" + OUTAGE_SECONDS + " s)", sent.size(), lost,
        arrivedCount - unique, s.retries() + " pipeline", dlq.letters().size(), maxHeapMiB,
        Duration.ofNanos(System.nanoTime() - start), figures));

    assertThat(drainedAt.get()).as("the backlog drained while the scenario ran").isPositive();
    assertThat(dlq.letters()).as("dead-lettered").isEmpty();
    assertThat(failed).as("futures failed").isZero();
    assertThat(lost).as("lost").isZero();
    assertThat(firstCopies).as("per-device order at the destination").isEqualTo(expected);
    assertThat(s.health()).isEqualTo(SinkStats.Health.HEALTHY);
    assertThat(end.spool().pending()).isZero();
    assertThat(end.balanced()).isTrue();
    return probingSamples.get();
  }

  private static long seconds(long s) {
    return TimeUnit.SECONDS.toNanos(s);
  }
}
