package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
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
 * new user turns it on: 100 devices send at 200 msg/s through a {@link CmqSink} while {@link
 * LocalCmq} answers every request with HTTP 503 for {@code reliability.spool.outageSeconds} (60 s in
 * CI, 10 minutes with {@code -Psoak}), far beyond the default policy's 10 attempts.
 *
 * <p>Checked: nothing dead-lettered, nothing lost (every message in the queue), per-device order
 * kept in the queue, every stats snapshot (every 100 ms) balanced; the sink probes while the queue is
 * down (one request at a time, not one per held message) and is healthy again at the end.
 */
@ExtendWith(ReliabilityExtension.class)
class SpoolOutageRideTest {
  static final int DEVICES = 100;
  static final int RATE = 200;
  static final int OUTAGE_SECONDS = Integer.getInteger("reliability.spool.outageSeconds", 60);
  static final int BEFORE_SECONDS = 3;
  static final int AFTER_SECONDS = 3;
  static final int PAYLOAD_BYTES = 100;

  @TempDir Path tmp;

  @Test
  @DisplayName("the queue down for the outage, spool and retry policy at their defaults: 0 dead-lettered, 0 lost, order kept, stats balanced")
  void outageRiddenOut() throws Exception {
    long start = System.nanoTime();
    CmqCredentials credentials = CmqCredentials.of(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY);
    try (LocalCmq cmq = LocalCmq.builder().credentials(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY)
            .requestLogCapacity(1_000).start();
        CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
            .credentials(credentials).build()) {
      cmq.createQueue("telemetry");
      CmqSink sink = CmqSink.builder().name("cmq").client(client).queue("telemetry").build();
      DeadLetters dlq = new DeadLetters();
      List<DeviceMessage> sent = new ArrayList<>();
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      AtomicLong probingSamples = new AtomicLong();
      AtomicLong backAt = new AtomicLong(); // nanoTime when the queue came back; 0 before
      AtomicLong backlogAtBack = new AtomicLong();
      AtomicLong drainedAt = new AtomicLong(); // first sample after that with at most 1 s of traffic pending
      ForwarderStats end;
      long maxHeapMiB;
      try (Forwarder forwarder = Forwarder.builder().route(sink).deadLetter(dlq)
          .spool(tmp.resolve("spool"), SpoolOptions.DEFAULTS).build()) {
        LogCapture.scanToString(sink, forwarder);
        Sampler sampler = new Sampler(100, () -> {
          ForwarderStats s = forwarder.stats();
          assertThat(s.balanced()).as("stats balance: %s", s).isTrue();
          assertThat(s.spool().dropped()).as("nothing dropped: %s", s.spool()).isZero();
          if (s.sink("cmq").health() == SinkStats.Health.PROBING) {
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
        boolean down = false;
        long requestsAtStop = 0;
        for (long i = 0; ; i++) {
          long due = t0 + i * 1_000_000_000L / RATE;
          if (due - stopAt >= 0) {
            break;
          }
          Await.pace(due);
          if (!down && due - outageFrom >= 0 && due - outageTo < 0) {
            cmq.faultRate(1.0, 20261206L, List.of(), Fault.httpStatus(503));
            requestsAtStop = cmq.requestCount();
            down = true;
            System.out.printf("[spool-outage] queue down after %d messages, for %d s%n", sent.size(),
                OUTAGE_SECONDS);
          } else if (down && due - outageTo >= 0) {
            long requestsWhileDown = cmq.requestCount() - requestsAtStop;
            backlogAtBack.set(forwarder.stats().spool().pending());
            cmq.clearFaults();
            backAt.set(System.nanoTime());
            down = false;
            System.out.printf("[spool-outage] queue back; %d requests while down, %d messages sent%n",
                requestsWhileDown, sent.size());
          }
          int device = (int) (i % DEVICES);
          DeviceMessage m = i % 10 == 0 ? Devices.status(device, seq[device]++)
              : Devices.publish(device, seq[device]++, PAYLOAD_BYTES);
          sent.add(m);
          futures.add(forwarder.forward(m));
        }
        CompletableFuture.allOf(futures.stream().map(f -> f.exceptionally(e -> null))
            .toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        assertThat(forwarder.flush(Duration.ofMinutes(2))).as("flush after the outage").isTrue();
        sampler.close();
        maxHeapMiB = sampler.maxHeapMiB();
        assertThat(sampler.failures()).as("stats checks during the run").isEmpty();
        end = forwarder.stats();
      }
      long failed = futures.stream().filter(CompletableFuture::isCompletedExceptionally).count();

      Map<String, List<Long>> inQueue = new HashMap<>();
      Set<String> unique = new HashSet<>();
      List<String> bodies = cmq.bodies("telemetry");
      for (String body : bodies) {
        DeviceMessage m = EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8));
        if (unique.add(m.deviceKey() + "#" + m.seq())) {
          inQueue.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
        }
      }
      Map<String, List<Long>> expected = new HashMap<>();
      for (DeviceMessage m : sent) {
        expected.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      }
      long lost = sent.size() - unique.size();
      double drainSeconds = (drainedAt.get() - backAt.get()) / 1e9;
      String drain = String.format("backlog of %,d drained in %.1f s (%,.0f msg/s) while new traffic"
          + " continued", backlogAtBack.get(), drainSeconds, backlogAtBack.get() / drainSeconds);
      System.out.println("[spool-outage] " + drain);
      SinkStats s = end.sink("cmq");
      Figures.report(new Figures.Row("Spool rides out a CMQ outage (" + OUTAGE_SECONDS + " s)",
          sent.size(), lost, bodies.size() - unique.size(), s.retries() + " pipeline",
          dlq.letters().size(), maxHeapMiB, Duration.ofNanos(System.nanoTime() - start),
          "100 devices at " + RATE + " msg/s, spool and RetryPolicy at their defaults; every"
              + " request answered 503 while down; sink probing in " + probingSamples.get()
              + " stats samples; " + drain + "; " + failed + " futures failed; stats balanced in every sample"));

      assertThat(drainedAt.get()).as("the backlog drained while the scenario ran").isPositive();
      assertThat(dlq.letters()).as("dead-lettered").isEmpty();
      assertThat(failed).as("futures failed").isZero();
      assertThat(lost).as("lost").isZero();
      assertThat(inQueue).as("per-device order in the queue").isEqualTo(expected);
      assertThat(probingSamples.get()).as("the sink was seen probing").isPositive();
      assertThat(s.health()).isEqualTo(SinkStats.Health.HEALTHY);
      assertThat(end.spool().pending()).isZero();
      assertThat(end.balanced()).isTrue();
    }
  }

  private static long seconds(long s) {
    return TimeUnit.SECONDS.toNanos(s);
  }
}
