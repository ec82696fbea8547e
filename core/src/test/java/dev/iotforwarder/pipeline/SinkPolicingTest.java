package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.spi.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Custom sinks that break the contract get an error naming them; nothing hangs or is lost. */
class SinkPolicingTest {

  /** A sink whose send is any function, for breaking the contract on purpose. */
  static Sink sink(String name, Function<DeviceMessage, CompletableFuture<Void>> send) {
    return new Sink() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public CompletableFuture<Void> send(DeviceMessage message) {
        return send.apply(message);
      }

      @Override
      public void close() {}
    };
  }

  private static Forwarder forwarder(Sink sink, Fixtures.RecordingDeadLetters dlq) {
    return Forwarder.builder()
        .route(sink)
        .deadLetter(dlq)
        .closeTimeout(Duration.ofSeconds(2))
        .laneDefaults(LaneOptions.builder()
            .sendTimeout(Duration.ofMillis(200))
            .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(1))
                .maxBackoff(Duration.ofMillis(5)).build())
            .build())
        .build();
  }

  @Test
  @DisplayName("a sink that throws from send() is named in the error, retried, then dead-lettered")
  void throwingSink() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = forwarder(sink("thrower", m -> {
      throw new IllegalStateException("boom");
    }), dlq)) {
      Throwable error = Fixtures.failureOf(f.forward(Fixtures.publish(1, 1)));
      assertThat(error).isInstanceOf(RetriableForwardingException.class)
          .hasMessageContaining("thrower").hasMessageContaining("gave up after 3 attempts")
          .hasMessageContaining("IllegalStateException").hasMessageContaining("dead-letter sink");
      assertThat(((ForwardingException) error).sinkName()).isEqualTo("thrower");
      DeadLetter letter = dlq.letters().get(0);
      assertThat(letter.attempts()).isEqualTo(3);
      assertThat(letter.reasonText()).contains("thrower threw java.lang.IllegalStateException from send()");
      assertThat(f.stats().sink("thrower").retries()).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("a sink that returns null from send() is named in the error and dead-lettered")
  void nullReturningSink() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = forwarder(sink("nuller", m -> null), dlq)) {
      Throwable error = Fixtures.failureOf(f.forward(Fixtures.publish(1, 1)));
      assertThat(error).hasMessageContaining("sink nuller returned null from send()");
      assertThat(dlq.letters()).hasSize(1);
    }
  }

  @Test
  @DisplayName("a sink that never completes times out per send, is named, and the message is dead-lettered")
  void neverCompletingSink() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    List<CompletableFuture<Void>> abandoned = new ArrayList<>();
    try (Forwarder f = forwarder(sink("blackhole", m -> {
      CompletableFuture<Void> never = new CompletableFuture<>();
      synchronized (abandoned) {
        abandoned.add(never);
      }
      return never;
    }), dlq)) {
      Throwable error = Fixtures.failureOf(f.forward(Fixtures.publish(1, 1)));
      assertThat(error).hasMessageContaining("sink blackhole did not complete send() within PT0.2S");
      SinkStats s = f.stats().sink("blackhole");
      assertThat(s.timeouts()).isEqualTo(3);
      assertThat(s.failed()).isEqualTo(1);
      assertThat(s.balanced()).isTrue();
      assertThat(dlq.letters()).hasSize(1);
      // A late answer to a send that already timed out changes nothing.
      synchronized (abandoned) {
        abandoned.forEach(a -> a.complete(null));
      }
      assertThat(f.stats().sink("blackhole").succeeded()).isZero();
    }
  }

  @Test
  @DisplayName("a sink's permanent error is not retried")
  void permanentIsNotRetried() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = forwarder(sink("strict", m -> CompletableFuture.failedFuture(
        new dev.iotforwarder.PermanentForwardingException("queue missing", "strict", null))), dlq)) {
      Throwable error = Fixtures.failureOf(f.forward(Fixtures.publish(1, 1)));
      assertThat(error).isInstanceOf(dev.iotforwarder.PermanentForwardingException.class)
          .hasMessageContaining("failed permanently").hasMessageContaining("after 1 attempt:")
          .hasMessageContaining("queue missing");
      assertThat(f.stats().sink("strict").retries()).isZero();
    }
  }

  @Test
  @DisplayName("futures complete on the forwarder's threads, not on the sink's I/O thread")
  void futuresNeverCompleteOnTheSinksThread() throws Exception {
    var io = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "sink-io"));
    // The sink answers only once the continuation below is attached: otherwise the forward could
    // be complete already, and thenApply would run on this thread (a race, not the engine's thread).
    var attached = new java.util.concurrent.CountDownLatch(1);
    try (Forwarder f = Forwarder.builder()
        .route(sink("async", m -> CompletableFuture.runAsync(() -> {
          try {
            attached.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, io)))
        .build()) {
      CompletableFuture<String> thread = f.forward(Fixtures.publish(1, 1))
          .thenApply(r -> Thread.currentThread().getName());
      attached.countDown();
      assertThat(thread.get(10, TimeUnit.SECONDS)).startsWith("iot-forwarder-async-");
    } finally {
      io.shutdownNow();
    }
  }

  @Test
  @DisplayName("close() with messages in flight completes every future and stops every thread")
  void closeWithMessagesInFlight() throws Exception {
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    dev.iotforwarder.testing.FlakySink stuck = dev.iotforwarder.testing.FlakySink.builder("stuck").build();
    stuck.pause();
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    Forwarder f = Forwarder.builder()
        .route(stuck)
        .deadLetter(dlq)
        .closeTimeout(Duration.ofMillis(100))
        .build();
    for (int i = 0; i < 200; i++) {
      futures.add(f.forward(Fixtures.publish(i % 20, i)));
    }
    f.close();
    for (CompletableFuture<ForwardResult> fut : futures) {
      assertThat(fut).isDone();
      assertThatThrownBy(fut::join).hasMessageContaining("closed before sink stuck delivered");
    }
    assertThat(dlq.letters()).hasSize(200);
    assertThat(f.stats().sink("stuck").failed()).isEqualTo(200);
    assertThat(f.stats().balanced()).isTrue();
    assertThat(f.forward(Fixtures.publish(1, 1))).isCompletedExceptionally();
    assertThatThrownBy(() -> f.forward(Fixtures.publish(1, 1)).join())
        .hasMessageContaining("forwarder is closed");
    Fixtures.await("forwarder threads to end", Duration.ofSeconds(10), () -> Thread.getAllStackTraces()
        .keySet().stream().noneMatch(t -> t.getName().startsWith("iot-forwarder-stuck")
            || t.getName().equals("iot-forwarder-scheduler")));
    f.close(); // idempotent
  }
}
