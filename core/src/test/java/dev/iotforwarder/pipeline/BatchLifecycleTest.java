package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch sink's lane with the spool, at close, and under concurrent callers. */
class BatchLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  @DisplayName("with a spool, the lane batches what the spool feeds it; a bad batch key fails that message only")
  void spoolFeedsBatches() throws Exception {
    RecordingBatchSink sink = new RecordingBatchSink("spooled",
        new BatchLimits(8, 1 << 20, Duration.ofHours(1), 2), m -> {
          if (m.seq() == 13) {
            throw new IllegalStateException("unkeyable");
          }
          return m.seq() % 2;
        });
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    try (Forwarder f = Forwarder.builder().route(sink)
        .spool(tmp.resolve("spool"), SpoolOptions.builder().fsyncNever().build()).build()) {
      for (int i = 0; i < 100; i++) {
        futures.add(f.forward(Fixtures.publish(i % 5, i)));
      }
      assertThat(f.flush(WAIT)).isTrue();
      for (int i = 0; i < 100; i++) {
        if (i == 13) {
          assertThat(Fixtures.failureOf(futures.get(i)))
              .hasMessage("sink spooled threw java.lang.IllegalStateException: unkeyable from"
                  + " batchKey() for the Publish message of p0/d3 seq 13");
        } else {
          assertThat(futures.get(i).join().status()).isEqualTo(ForwardResult.Status.DELIVERED);
        }
      }
      ForwarderStats stats = f.stats();
      assertThat(stats.sink("spooled").succeeded()).isEqualTo(99);
      assertThat(stats.sink("spooled").failed()).isEqualTo(1);
      assertThat(stats.spool().pending()).isZero();
      assertThat(stats.balanced()).isTrue();
    }
    assertThat(sink.messagesSent()).isEqualTo(99);
    for (List<DeviceMessage> batch : sink.batches()) {
      assertThat(batch).hasSizeLessThanOrEqualTo(8);
      assertThat(batch.stream().map(m -> m.seq() % 2).distinct()).hasSize(1);
    }
  }

  @Test
  @DisplayName("close with batches the sink never answers fails and dead-letters every message, and stops every thread")
  void closeWithBatchesInFlight() {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    RecordingBatchSink sink = new RecordingBatchSink("stuck", new BatchLimits(4, 1 << 20, Duration.ZERO, 2))
        .answering(b -> new CompletableFuture<>());
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq).closeTimeout(Duration.ofMillis(100))
        .build();
    for (int i = 0; i < 50; i++) {
      futures.add(f.forward(Fixtures.publish(i % 20, i)));
    }
    f.close();
    for (CompletableFuture<ForwardResult> fut : futures) {
      assertThat(fut).isDone();
      assertThatThrownBy(fut::join).hasMessageContaining("closed before sink stuck delivered");
    }
    assertThat(dlq.letters()).hasSize(50);
    assertThat(f.stats().sink("stuck").failed()).isEqualTo(50);
    assertThat(f.stats().balanced()).isTrue();
    Fixtures.await("forwarder threads to end", Duration.ofSeconds(10), () -> Thread.getAllStackTraces()
        .keySet().stream().noneMatch(t -> t.getName().startsWith("iot-forwarder-stuck")));
  }

  @Test
  @DisplayName("concurrent callers: every message delivered once, batches within limits and keys, stats balanced")
  void concurrentCallers() throws Exception {
    int threads = 4;
    int perThread = 2_000;
    ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
    RecordingBatchSink sink = new RecordingBatchSink("busy",
        new BatchLimits(16, 4_000, Duration.ofMillis(1), 3), m -> m.deviceKey().length() % 3)
        .answering(b -> {
          b.forEach(m -> seen.add(m.seq()));
          return CompletableFuture.supplyAsync(() -> BatchResult.success(b.size()));
        });
    try (Forwarder f = Forwarder.builder().route(sink)
        .laneDefaults(LaneOptions.builder().ordered(false).threads(2).build()).build()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> callers = new ArrayList<>();
      ConcurrentLinkedQueue<CompletableFuture<ForwardResult>> futures = new ConcurrentLinkedQueue<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        Thread caller = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < perThread; i++) {
            futures.add(f.forward(Fixtures.publish(base + i % 97, base + i)));
          }
        });
        caller.start();
        callers.add(caller);
      }
      start.countDown();
      for (Thread caller : callers) {
        caller.join(TimeUnit.SECONDS.toMillis(60));
      }
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(futures).hasSize(threads * perThread)
          .allMatch(fu -> fu.join().status() == ForwardResult.Status.DELIVERED);
      assertThat(seen).hasSize(threads * perThread).doesNotHaveDuplicates();
      for (List<DeviceMessage> batch : sink.batches()) {
        assertThat(batch).hasSizeBetween(1, 16);
        assertThat(batch.stream().map(m -> m.deviceKey().length() % 3).distinct()).hasSize(1);
      }
      assertThat(sink.maxOutstanding()).isLessThanOrEqualTo(3);
      assertThat(f.stats().sink("busy").succeeded()).isEqualTo(threads * perThread);
      assertThat(f.stats().balanced()).isTrue();
    }
  }
}
