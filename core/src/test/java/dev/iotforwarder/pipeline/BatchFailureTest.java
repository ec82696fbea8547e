package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A {@link dev.iotforwarder.spi.BatchSink}'s answers at the lane: one outcome per message, retries
 * of the failed ones only, whole-batch failures, send timeouts, batches in flight, per-device order
 * and balanced stats.
 */
class BatchFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final RetryPolicy FAST = RetryPolicy.builder().maxAttempts(3)
      .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2)).build();

  private static Forwarder forwarder(RecordingBatchSink sink, Fixtures.RecordingDeadLetters dlq,
      LaneOptions.Builder options) {
    return Forwarder.builder().route(sink).deadLetter(dlq).closeTimeout(WAIT)
        .laneDefaults(options.build()).build();
  }

  private static LaneOptions.Builder fast() {
    return LaneOptions.builder().retryPolicy(FAST).sendTimeout(Duration.ofMillis(300));
  }

  private static long sends(RecordingBatchSink sink, long seq) {
    return sink.batches().stream().flatMap(List::stream).filter(m -> m.seq() == seq).count();
  }

  @Test
  @DisplayName("each message gets its own outcome; only the failed ones are retried")
  void partialFailure() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    // seq 1 fails once (retriable), seq 2 always fails permanently, seq 3 always fails retriably.
    RecordingBatchSink sink = new RecordingBatchSink("partial",
        new BatchLimits(4, 1 << 20, Duration.ofHours(1), 4));
    Map<Long, Integer> seen = new HashMap<>();
    sink.answering(batch -> {
      Throwable[] out = new Throwable[batch.size()];
      for (int i = 0; i < out.length; i++) {
        long seq = batch.get(i).seq();
        int n;
        synchronized (seen) {
          n = seen.merge(seq, 1, Integer::sum);
        }
        if (seq == 1 && n == 1 || seq == 3) {
          out[i] = new RetriableForwardingException("busy " + seq);
        } else if (seq == 2) {
          out[i] = new PermanentForwardingException("bad " + seq);
        }
      }
      return CompletableFuture.completedFuture(BatchResult.of(out));
    });
    try (Forwarder f = forwarder(sink, dlq, fast())) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        futures.add(f.forward(BatchLaneTest.message(i, i, 10)));
      }
      assertThat(futures.get(0).get(30, TimeUnit.SECONDS).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(futures.get(1).join().status()).isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(Fixtures.failureOf(futures.get(2))).isInstanceOf(PermanentForwardingException.class)
          .hasMessageContaining("sink partial failed permanently").hasMessageContaining("after 1 attempt:")
          .hasMessageContaining("bad 2");
      assertThat(Fixtures.failureOf(futures.get(3))).isInstanceOf(RetriableForwardingException.class)
          .hasMessageContaining("sink partial gave up after 3 attempts").hasMessageContaining("busy 3");
      assertThat(sink.sizes().get(0)).isEqualTo(4);
      assertThat(sends(sink, 0)).isEqualTo(1);
      assertThat(sends(sink, 1)).isEqualTo(2);
      assertThat(sends(sink, 2)).isEqualTo(1);
      assertThat(sends(sink, 3)).isEqualTo(3);
      SinkStats s = f.stats().sink("partial");
      assertThat(s.succeeded()).isEqualTo(2);
      assertThat(s.failed()).isEqualTo(2);
      assertThat(s.retries()).isEqualTo(3);
      assertThat(s.balanced()).isTrue();
      assertThat(dlq.letters()).extracting(l -> l.message().seq()).containsExactlyInAnyOrder(2L, 3L);
    }
  }

  /** Whole-batch failures: every message of the batch fails with the same cause. */
  private void wholeBatchFails(String name,
      Function<List<DeviceMessage>, CompletableFuture<BatchResult>> answer,
      Class<? extends ForwardingException> type, int attempts, String... texts) throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    RecordingBatchSink sink = new RecordingBatchSink(name, new BatchLimits(3, 1 << 20, Duration.ofHours(1), 1))
        .answering(answer);
    try (Forwarder f = forwarder(sink, dlq, fast())) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        futures.add(f.forward(BatchLaneTest.message(i, i, 10)));
      }
      for (CompletableFuture<ForwardResult> fu : futures) {
        Throwable error = Fixtures.failureOf(fu);
        assertThat(error).isInstanceOf(type).hasMessageContaining("sink " + name);
        for (String text : texts) {
          assertThat(error).hasMessageContaining(text);
        }
        assertThat(((ForwardingException) error).sinkName()).isEqualTo(name);
      }
      assertThat(sink.sizes()).hasSize(attempts).allMatch(n -> n == 3);
      assertThat(dlq.letters()).hasSize(3).allMatch(l -> l.attempts() == attempts);
      assertThat(f.stats().sink(name).failed()).isEqualTo(3);
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("a failed future fails every message of the batch, retriably")
  void failedFuture() throws Exception {
    wholeBatchFails("failing", b -> CompletableFuture.failedFuture(new java.io.IOException("reset")),
        RetriableForwardingException.class, 3, "gave up after 3 attempts", "reset");
  }

  @Test
  @DisplayName("a PermanentForwardingException fails every message of the batch at once")
  void permanentFuture() throws Exception {
    wholeBatchFails("strict", b -> CompletableFuture.failedFuture(
        new PermanentForwardingException("no such queue")), PermanentForwardingException.class, 1,
        "failed permanently", "no such queue");
  }

  @Test
  @DisplayName("a sendBatch that throws fails every message of the batch, naming the sink")
  void throwing() throws Exception {
    wholeBatchFails("thrower", b -> {
      throw new IllegalStateException("boom");
    }, RetriableForwardingException.class, 3,
        "thrower threw java.lang.IllegalStateException from sendBatch() for a batch of 3", "boom");
  }

  @Test
  @DisplayName("a sendBatch that returns null fails every message of the batch, naming the sink")
  void returnsNull() throws Exception {
    wholeBatchFails("nuller", b -> null, RetriableForwardingException.class, 3,
        "sink nuller returned null from sendBatch() instead of a future for a batch of 3");
  }

  @Test
  @DisplayName("a null result or one of the wrong size fails every message of the batch")
  void wrongResults() throws Exception {
    wholeBatchFails("empty", b -> CompletableFuture.completedFuture(null),
        RetriableForwardingException.class, 3, "completed sendBatch() with a null result for a batch of 3");
    wholeBatchFails("short", b -> CompletableFuture.completedFuture(BatchResult.success(2)),
        RetriableForwardingException.class, 3, "answered a batch of 3 messages with 2 outcomes");
  }

  @Test
  @DisplayName("a batch the sink never answers times out per message and frees its slot")
  void sendTimeout() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    List<CompletableFuture<BatchResult>> abandoned = new ArrayList<>();
    RecordingBatchSink sink = new RecordingBatchSink("blackhole",
        new BatchLimits(2, 1 << 20, Duration.ZERO, 1)).answering(b -> {
          CompletableFuture<BatchResult> never = new CompletableFuture<>();
          synchronized (abandoned) {
            abandoned.add(never);
          }
          return never;
        });
    try (Forwarder f = forwarder(sink, dlq, fast().sendTimeout(Duration.ofMillis(200)))) {
      CompletableFuture<ForwardResult> a = f.forward(BatchLaneTest.message(1, 1, 10));
      CompletableFuture<ForwardResult> b = f.forward(BatchLaneTest.message(2, 2, 10));
      assertThat(Fixtures.failureOf(a)).hasMessageContaining("sink blackhole did not complete sendBatch() within PT0.2S");
      assertThat(Fixtures.failureOf(b)).hasMessageContaining("sink blackhole did not complete sendBatch() within PT0.2S");
      SinkStats s = f.stats().sink("blackhole");
      assertThat(s.timeouts()).isEqualTo(6);
      assertThat(s.failed()).isEqualTo(2);
      assertThat(s.balanced()).isTrue();
      // A late answer to a batch whose sends timed out changes nothing.
      synchronized (abandoned) {
        abandoned.forEach(x -> x.complete(BatchResult.success(2)));
        abandoned.clear();
      }
      assertThat(f.stats().sink("blackhole").succeeded()).isZero();
    }
  }

  @Test
  @DisplayName("at most maxInFlight batches are outstanding at once")
  void maxBatchesInFlight() throws Exception {
    ExecutorService io = Executors.newFixedThreadPool(4, r -> new Thread(r, "sink-io"));
    RecordingBatchSink sink = new RecordingBatchSink("bounded", new BatchLimits(3, 1 << 20, Duration.ZERO, 2))
        .answering(b -> CompletableFuture.supplyAsync(() -> {
          Thread.yield();
          return BatchResult.success(b.size());
        }, io));
    try (Forwarder f = forwarder(sink, new Fixtures.RecordingDeadLetters(), fast())) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        futures.add(f.forward(BatchLaneTest.message(i, i, 10)));
      }
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(futures).allMatch(fu -> fu.join().status() == ForwardResult.Status.DELIVERED);
      assertThat(sink.maxOutstanding()).isBetween(1, 2);
      assertThat(sink.messagesSent()).isEqualTo(600);
      assertThat(sink.sizes()).allMatch(n -> n >= 1 && n <= 3);
    } finally {
      io.shutdownNow();
    }
  }

  @Test
  @DisplayName("callers' futures complete on the lane's threads, never on the batch sink's I/O thread")
  void neverOnTheSinksThread() throws Exception {
    ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, "sink-io"));
    CompletableFuture<Void> gate = new CompletableFuture<>();
    RecordingBatchSink sink = new RecordingBatchSink("async", new BatchLimits(4, 1 << 20, Duration.ZERO, 1))
        .answering(b -> CompletableFuture.supplyAsync(() -> {
          gate.join(); // answers only once the test waits on the caller's future
          return BatchResult.success(b.size());
        }, io));
    try (Forwarder f = forwarder(sink, new Fixtures.RecordingDeadLetters(), fast())) {
      CompletableFuture<String> thread = f.forward(BatchLaneTest.message(1, 1, 10))
          .thenApply(r -> Thread.currentThread().getName());
      gate.complete(null);
      assertThat(thread.get(10, TimeUnit.SECONDS)).startsWith("iot-forwarder-async-");
    } finally {
      io.shutdownNow();
    }
  }

  @Test
  @DisplayName("a batch key that throws or is null fails the offer, naming the sink")
  void badBatchKey() throws Exception {
    RecordingBatchSink sink = new RecordingBatchSink("keyless", new BatchLimits(4, 1 << 20, Duration.ZERO, 1),
        m -> {
          if (m.seq() == 1) {
            throw new IllegalArgumentException("no key");
          }
          return m.seq() == 2 ? null : "k";
        });
    try (Forwarder f = forwarder(sink, new Fixtures.RecordingDeadLetters(), fast())) {
      assertThat(Fixtures.failureOf(f.forward(BatchLaneTest.message(1, 1, 10))))
          .isInstanceOf(ForwardingException.class)
          .hasMessage("sink keyless threw java.lang.IllegalArgumentException: no key from batchKey()"
              + " for the Publish message of p/d1 seq 1");
      assertThat(Fixtures.failureOf(f.forward(BatchLaneTest.message(2, 2, 10))))
          .hasMessage("sink keyless returned null from batchKey() for the Publish message of p/d2 seq 2");
      assertThat(f.forward(BatchLaneTest.message(3, 3, 10)).get(30, TimeUnit.SECONDS).status())
          .isEqualTo(ForwardResult.Status.DELIVERED);
      SinkStats s = f.stats().sink("keyless");
      assertThat(s.failed()).isEqualTo(2);
      assertThat(s.balanced()).isTrue();
      assertThat(sink.messagesSent()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("per-device order holds with batches and random per-message failures (seeded)")
  void orderWithFailures() throws Exception {
    long seed = Long.getLong("iotforwarder.test.seed", 20261206L);
    System.out.println("BatchFailureTest.orderWithFailures seed=" + seed);
    Random random = new Random(seed);
    ExecutorService io = Executors.newFixedThreadPool(2, r -> new Thread(r, "sink-io"));
    Map<String, List<Long>> delivered = new HashMap<>();
    RecordingBatchSink sink = new RecordingBatchSink("ordered",
        new BatchLimits(8, 1 << 20, Duration.ofMillis(1), 3), m -> m.deviceKey().hashCode() % 2)
        .answering(batch -> {
          Throwable[] out = new Throwable[batch.size()];
          synchronized (random) {
            for (int i = 0; i < out.length; i++) {
              if (random.nextInt(4) == 0) {
                out[i] = new RetriableForwardingException("flaky");
              }
            }
          }
          synchronized (delivered) {
            for (int i = 0; i < out.length; i++) {
              if (out[i] == null) {
                delivered.computeIfAbsent(batch.get(i).deviceKey(), k -> new ArrayList<>())
                    .add(batch.get(i).seq());
              }
            }
          }
          return CompletableFuture.supplyAsync(() -> BatchResult.of(out), io);
        });
    RetryPolicy patient = RetryPolicy.builder().maxAttempts(1000).initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofMillis(2)).maxElapsed(Duration.ofMinutes(5)).build();
    try (Forwarder f = forwarder(sink, new Fixtures.RecordingDeadLetters(),
        LaneOptions.builder().retryPolicy(patient).threads(2))) {
      int devices = 7;
      int perDevice = 60;
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      for (int s = 0; s < perDevice; s++) {
        for (int d = 0; d < devices; d++) {
          futures.add(f.forward(Fixtures.publish(d, s)));
        }
      }
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(futures).allMatch(fu -> fu.join().status() == ForwardResult.Status.DELIVERED);
      List<Long> expected = java.util.stream.LongStream.range(0, perDevice).boxed().toList();
      synchronized (delivered) {
        assertThat(delivered).hasSize(devices);
        delivered.forEach((device, seqs) -> assertThat(seqs).as("seed %d, device %s", seed, device)
            .isEqualTo(expected));
      }
      SinkStats s = f.stats().sink("ordered");
      assertThat(s.succeeded()).isEqualTo((long) devices * perDevice);
      assertThat(s.balanced()).isTrue();
      for (List<DeviceMessage> batch : sink.batches()) {
        assertThat(batch.stream().map(DeviceMessage::deviceKey).distinct().count())
            .as("one message per device in a batch of an ordered lane").isEqualTo(batch.size());
      }
    } finally {
      io.shutdownNow();
    }
  }

  @Test
  @DisplayName("a sink's batchLimits() that throws is refused when the forwarder is built")
  void badLimits() {
    RecordingBatchSink sink = new RecordingBatchSink("limitless", null);
    assertThatThrownBy(() -> Forwarder.builder().route(sink).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sink limitless returned null from batchLimits()");
  }
}
