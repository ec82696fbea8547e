package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool's retry rule: with a spool, a retriable failure does not dead-letter however many
 * attempts fail, unless the host set a maximum age; without one, and on a failover route, the bounded
 * {@link RetryPolicy} decides as before.
 */
class SpoolRetryRuleTest {
  private static final int MESSAGES = 200;
  private static final int DEVICES = 10;
  /**
   * Exhausted after exactly 2 sends: any dead letter in the spooled cases would come from it. The
   * time budget is far out of reach, so that attempts alone end it: with 50 ms, a loaded machine
   * let the budget run out after the first send and the bounded cases saw 1 failure, not 2.
   */
  private static final RetryPolicy SHORT = RetryPolicy.builder().maxAttempts(2)
      .maxElapsed(Duration.ofMinutes(5)).initialBackoff(Duration.ofMillis(1))
      .maxBackoff(Duration.ofMillis(2)).build();

  @TempDir Path tmp;

  /** Fails every send with a retriable error while down; counts the failures. */
  static final class SwitchSink implements Sink {
    final RecordingSink delivered = new RecordingSink("switch");
    final AtomicLong failures = new AtomicLong();
    volatile boolean down = true;

    @Override
    public String name() {
      return "switch";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      if (down) {
        failures.incrementAndGet();
        return CompletableFuture.failedFuture(new RetriableForwardingException("queue down"));
      }
      return delivered.send(message);
    }

    @Override
    public void close() {}
  }

  private static List<DeviceMessage> messages() {
    List<DeviceMessage> sent = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      sent.add(Fixtures.publish(i % DEVICES, i));
    }
    return sent;
  }

  @Test
  @DisplayName("with a spool, failures far beyond the policy's attempts dead-letter nothing; all is delivered in order")
  void spoolRidesOutTheOutage() throws Exception {
    SwitchSink sink = new SwitchSink();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    List<DeviceMessage> sent = messages();
    try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq)
        .spool(tmp.resolve("spool"), SpoolOptions.DEFAULTS)
        .laneDefaults(LaneOptions.builder().retryPolicy(SHORT).build()).build()) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      sent.forEach(m -> futures.add(f.forward(m)));
      // The sink soon probes (one send at a time, at least 1 ms apart): 500 failures take 0.5 s or
      // more, 10 times the policy's 50 ms, and the head messages failed far more than 2 times.
      Fixtures.await("the sink failed many sends", Duration.ofSeconds(60),
          () -> sink.failures.get() >= 500);
      ForwarderStats during = f.stats();
      assertThat(during.sink("switch").failed()).isZero();
      assertThat(during.spool().pending()).isEqualTo(MESSAGES);
      assertThat(during.balanced()).isTrue();
      assertThat(dlq.letters()).isEmpty();
      assertThat(futures).noneMatch(CompletableFuture::isDone);

      sink.down = false;
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      ForwarderStats after = f.stats();
      assertThat(after.sink("switch").succeeded()).isEqualTo(MESSAGES);
      assertThat(after.spool().pending()).isZero();
      assertThat(after.balanced()).isTrue();
    }
    assertThat(dlq.letters()).isEmpty();
    assertThat(SpoolTest.seqsByDevice(sink.delivered.received()))
        .isEqualTo(SpoolTest.seqsByDevice(sent));
  }

  @Test
  @DisplayName("with a spool and a maximum age, a message still failing after it is dead-lettered")
  void maxAgeDeadLetters() throws Exception {
    SwitchSink sink = new SwitchSink();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq)
        .spool(tmp.resolve("spool"), SpoolOptions.builder().maxAge(Duration.ofMillis(300)).build())
        .laneDefaults(LaneOptions.builder().retryPolicy(SHORT).build()).build()) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      Instant before = Instant.now();
      messages().forEach(m -> futures.add(f.forward(m)));
      for (CompletableFuture<ForwardResult> future : futures) {
        assertThat(Fixtures.failureOf(future)).hasMessageContaining("queue down");
      }
      assertThat(dlq.letters()).hasSize(MESSAGES);
      // Not after the policy's 2 attempts or 50 ms: only once 300 ms old.
      assertThat(dlq.letters())
          .allMatch(l -> Duration.between(before, l.time()).toMillis() >= 299);
      assertThat(f.stats().spool().pending()).isZero();
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("without a spool the bounded policy dead-letters; with one, a failover route still fails over")
  void boundedWithoutSpoolOrWithFailover() throws Exception {
    SwitchSink sink = new SwitchSink();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq)
        .laneDefaults(LaneOptions.builder().retryPolicy(SHORT).build()).build()) {
      Fixtures.failureOf(f.forward(Fixtures.publish(1, 1)));
      assertThat(dlq.letters()).singleElement()
          .satisfies(l -> assertThat(l.attempts()).isEqualTo(SHORT.maxAttempts()));
    }

    SwitchSink primary = new SwitchSink();
    RecordingSink backup = new RecordingSink("backup");
    try (Forwarder f = Forwarder.builder().failover(MessageFilter.all(), primary, backup)
        .deadLetter(dlq).spool(tmp.resolve("spool"), SpoolOptions.DEFAULTS)
        .laneDefaults(LaneOptions.builder().retryPolicy(SHORT).build()).build()) {
      ForwardResult r = f.forward(Fixtures.publish(2, 2)).get(30, TimeUnit.SECONDS);
      assertThat(r.sinks()).containsExactly("backup");
      assertThat(primary.failures.get()).isEqualTo(SHORT.maxAttempts());
    }
    assertThat(dlq.letters()).hasSize(1);
  }
}
