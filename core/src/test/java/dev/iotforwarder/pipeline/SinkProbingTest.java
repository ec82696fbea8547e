package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats.Health;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead sink is not hammered: once it fails every send, its lane sends one probe at a time, the
 * state shows in {@code stats()}, failover routes go to the backup, and the backlog flows again once
 * a probe gets through.
 */
class SinkProbingTest {
  private static final RetryPolicy FAST = RetryPolicy.builder().initialBackoff(Duration.ofMillis(1))
      .maxBackoff(Duration.ofMillis(20)).build();

  @TempDir Path tmp;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** While down, answers each send with a retriable failure 2 ms later; counts sends out at once. */
  final class DownSink implements Sink {
    final RecordingSink delivered = new RecordingSink("down");
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger mostOutstanding = new AtomicInteger();
    final AtomicLong failures = new AtomicLong();
    volatile boolean down = true;
    /** While holding, failed sends wait here unanswered; {@link #release} answers them. */
    private final java.util.Queue<CompletableFuture<Void>> held =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean holding;

    void release() {
      holding = false;
      CompletableFuture<Void> f;
      while ((f = held.poll()) != null) {
        fail(f);
      }
    }

    private void fail(CompletableFuture<Void> f) {
      outstanding.decrementAndGet();
      failures.incrementAndGet();
      f.completeExceptionally(new RetriableForwardingException("queue down"));
    }

    @Override
    public String name() {
      return "down";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      if (!down) {
        return delivered.send(message);
      }
      mostOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
      CompletableFuture<Void> f = new CompletableFuture<>();
      if (holding) {
        held.add(f);
        if (!holding) {
          release(); // raced with release(): answer it anyway
        }
      } else {
        timer.schedule(() -> fail(f), 2, TimeUnit.MILLISECONDS);
      }
      return f;
    }

    @Override
    public void close() {}
  }

  @Test
  @DisplayName("a sink failing every send gets one probe at a time; the backlog flows once it answers")
  void probesThenDrains() throws Exception {
    DownSink sink = new DownSink();
    sink.holding = true;
    List<DeviceMessage> sent = new ArrayList<>();
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    try (Forwarder f = Forwarder.builder().route(sink)
        .spool(tmp.resolve("spool"), SpoolOptions.builder().fsyncNever().build())
        .laneDefaults(LaneOptions.builder().retryPolicy(FAST).maxInFlight(32).build()).build()) {
      for (int i = 0; i < 400; i++) {
        DeviceMessage m = Fixtures.publish(i % 40, i);
        sent.add(m);
        futures.add(f.forward(m));
      }
      Fixtures.await("healthy, the lane sends a device head each, up to maxInFlight",
          Duration.ofSeconds(30), () -> sink.outstanding.get() == 32);
      assertThat(f.stats().sink("down").health()).isEqualTo(Health.HEALTHY);
      sink.release();
      Fixtures.await("the sink is probing", Duration.ofSeconds(30),
          () -> f.stats().sink("down").health() == Health.PROBING);
      Fixtures.await("the sends from before probing are answered", Duration.ofSeconds(30),
          () -> sink.outstanding.get() == 0);
      sink.mostOutstanding.set(0);
      long before = sink.failures.get();
      Fixtures.await("20 probes failed", Duration.ofSeconds(30),
          () -> sink.failures.get() >= before + 20);
      assertThat(sink.mostOutstanding.get()).as("probing: one send at a time").isEqualTo(1);
      assertThat(f.stats().sink("down").health()).isEqualTo(Health.PROBING);
      assertThat(f.stats().balanced()).isTrue();

      sink.down = false;
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(f.stats().sink("down").health()).isEqualTo(Health.HEALTHY);
      assertThat(f.stats().sink("down").succeeded()).isEqualTo(sent.size());
      assertThat(f.stats().balanced()).isTrue();
    }
    assertThat(SpoolTest.seqsByDevice(sink.delivered.received()))
        .isEqualTo(SpoolTest.seqsByDevice(sent));
  }

  @Test
  @DisplayName("a failover route sends to the backup while its primary probes, and back once it answers")
  void failoverConsultsTheState() throws Exception {
    DownSink primary = new DownSink();
    RecordingSink backup = new RecordingSink("backup");
    try (Forwarder f = Forwarder.builder().failover(MessageFilter.all(), primary, backup)
        .laneDefaults(LaneOptions.builder().retryPolicy(FAST).build()).build()) {
      int[] seq = {0};
      Fixtures.await("the primary is probing", Duration.ofSeconds(30), () -> {
        f.forward(Fixtures.publish(1, seq[0]++));
        return f.stats().sink("down").health() == Health.PROBING;
      });
      long failuresThen = primary.failures.get();
      List<CompletableFuture<ForwardResult>> later = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        later.add(f.forward(Fixtures.publish(2, i)));
      }
      CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(later).allMatch(r -> r.join().sinks().equals(List.of("backup")));
      assertThat(primary.failures.get() - failuresThen)
          .as("the primary got probes, not the 1,000 messages").isLessThan(100);

      primary.down = false;
      Fixtures.await("the primary answers again", Duration.ofSeconds(30), () -> {
        f.forward(Fixtures.publish(3, seq[0]++));
        return f.stats().sink("down").health() == Health.HEALTHY;
      });
      assertThat(f.forward(Fixtures.publish(4, 0)).get(30, TimeUnit.SECONDS).sinks())
          .containsExactly("down");
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(f.stats().balanced()).isTrue();
    }
  }
}
