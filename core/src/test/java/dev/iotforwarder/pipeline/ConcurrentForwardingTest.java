package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.testing.FlakySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 8 threads x 100k messages of 1,000 devices through a sink that fails 30 % of sends with retriable
 * errors and 1 % with permanent ones: nothing is lost, per-device order holds, the stats balance.
 */
class ConcurrentForwardingTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = Integer.getInteger("concurrency.perThread", 100_000);
  private static final int DEVICES = 1_000;

  @Test
  void everyMessageIsDeliveredOrDeadLetteredInPerDeviceOrderAndTheStatsBalance() throws Exception {
    FlakySink sink = FlakySink.builder("flaky")
        .retriableFailureRate(0.30)
        .permanentFailureRate(0.01)
        .seed(7)
        .build();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    RetryPolicy retry = RetryPolicy.builder()
        .maxAttempts(8)
        .initialBackoff(Duration.ofNanos(10_000))
        .maxBackoff(Duration.ofMillis(1))
        .build();
    AtomicLong retriesSeen = new AtomicLong();
    List<String> imbalances = new ArrayList<>();
    AtomicInteger samples = new AtomicInteger();

    try (Forwarder forwarder = Forwarder.builder()
        .route(sink)
        .deadLetter(dlq)
        .random(new Random(1))
        .laneDefaults(LaneOptions.builder()
            .maxMessages(20_000)
            .maxInFlight(2_000)
            .threads(2)
            .blockTimeout(Duration.ofMinutes(2))
            .retryPolicy(retry)
            .build())
        .listener(new dev.iotforwarder.ForwarderListener() {
          @Override
          public void onRetry(DeviceMessage m, String s, int attempt, Throwable e, Duration b) {
            retriesSeen.incrementAndGet();
          }
        })
        .build()) {

      AtomicBoolean running = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (running.get()) {
          ForwarderStats s = forwarder.stats();
          samples.incrementAndGet();
          for (SinkStats st : s.sinks().values()) {
            if (!st.balanced()) {
              synchronized (imbalances) {
                imbalances.add(st.toString());
              }
            }
          }
          // Pacing, not waiting for a condition: a sampler that never pauses would monopolise the
          // lane lock that every snapshot takes.
          java.util.concurrent.locks.LockSupport.parkNanos(500_000);
        }
      }, "stats-sampler");
      sampler.start();

      ConcurrentLinkedQueue<CompletableFuture<ForwardResult>> futures = new ConcurrentLinkedQueue<>();
      CountDownLatch done = new CountDownLatch(THREADS);
      List<Thread> producers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        Thread p = new Thread(() -> {
          try {
            // Thread t owns the devices d with d % THREADS == t, so each device has one order.
            long[] seq = new long[DEVICES];
            for (int i = 0; i < PER_THREAD; i++) {
              int device = thread + THREADS * (i % (DEVICES / THREADS));
              futures.add(forwarder.forward(Fixtures.publish(device, seq[device]++)));
            }
          } finally {
            done.countDown();
          }
        }, "producer-" + t);
        producers.add(p);
        p.start();
      }
      assertThat(done.await(5, TimeUnit.MINUTES)).as("producers finished").isTrue();

      int delivered = 0;
      int failed = 0;
      for (CompletableFuture<ForwardResult> f : futures) {
        try {
          assertThat(f.get(2, TimeUnit.MINUTES).status()).isEqualTo(ForwardResult.Status.DELIVERED);
          delivered++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).hasMessageContaining("flaky").hasMessageContaining("dead-letter sink");
          failed++;
        }
      }
      running.set(false);
      sampler.join();

      int total = THREADS * PER_THREAD;
      assertThat(futures).hasSize(total);
      List<DeviceMessage> got = sink.delivered();
      List<DeadLetter> letters = dlq.letters();

      // Zero lost: each message delivered or dead-lettered (with a reason); never both, never neither.
      Set<String> deliveredKeys = new HashSet<>();
      for (DeviceMessage m : got) {
        deliveredKeys.add(m.deviceKey() + "#" + m.seq());
      }
      Set<String> deadKeys = new HashSet<>();
      for (DeadLetter l : letters) {
        assertThat(l.sinkName()).isEqualTo("flaky");
        assertThat(l.reason()).isNotNull();
        assertThat(l.attempts()).isBetween(1, 8);
        if (l.reason() instanceof PermanentForwardingException) {
          assertThat(l.reasonText()).contains("injected permanent failure");
        }
        deadKeys.add(l.message().deviceKey() + "#" + l.message().seq());
      }
      assertThat(deliveredKeys).hasSize(got.size()); // no duplicates from the pipeline itself
      Set<String> both = new HashSet<>(deadKeys);
      both.retainAll(deliveredKeys); // (AssertJ's doesNotContainAnyElementsOf is quadratic)
      assertThat(both).as("messages both delivered and dead-lettered").isEmpty();
      assertThat(deliveredKeys.size() + deadKeys.size()).isEqualTo(total);
      assertThat(delivered).isEqualTo(got.size());
      assertThat(failed).isEqualTo(letters.size());

      // Per-device order at the sink.
      Map<String, Long> last = new HashMap<>();
      for (DeviceMessage m : got) {
        Long prev = last.put(m.deviceKey(), m.seq());
        if (prev != null) {
          assertThat(m.seq()).as("order of %s", m.deviceKey()).isGreaterThan(prev);
        }
      }

      SinkStats stats = forwarder.stats().sink("flaky");
      assertThat(stats.balanced()).isTrue();
      assertThat(stats.received()).isEqualTo(total);
      assertThat(stats.succeeded()).isEqualTo(got.size());
      assertThat(stats.failed()).isEqualTo(letters.size());
      assertThat(stats.deadLettered()).isEqualTo(letters.size());
      assertThat(stats.inflight() + stats.queued()).isZero();
      assertThat(stats.retries()).isEqualTo(retriesSeen.get()).isGreaterThan(total / 5);
      assertThat(imbalances).as("unbalanced samples among %s", samples.get()).isEmpty();
      assertThat(samples.get()).isPositive();

      System.out.printf("concurrency test: %d messages, %d delivered, %d dead-lettered "
              + "(%d permanent, %d retries exhausted), %d retries, lost 0, %d stats samples%n",
          total, got.size(), letters.size(), sink.permanentFailures(),
          letters.size() - sink.permanentFailures(), stats.retries(), samples.get());
    }
  }
}
