package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.testing.FlakySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Each overflow policy with a sink that is stopped, then resumed. */
class OverflowPolicyTest {
  private static final int CAPACITY = 50;

  private static Forwarder forwarder(FlakySink sink, Fixtures.RecordingDeadLetters dlq,
      OverflowPolicy publish, OverflowPolicy status, Duration blockTimeout) {
    var b = Forwarder.builder()
        .route(sink)
        .closeTimeout(Duration.ofSeconds(1))
        .laneDefaults(LaneOptions.builder()
            .maxMessages(CAPACITY)
            .maxBytes(1 << 20)
            .publishOverflow(publish)
            .statusOverflow(status)
            .blockTimeout(blockTimeout)
            .build());
    if (dlq != null) {
      b.deadLetter(dlq);
    }
    return b.build();
  }

  private static void assertBounded(SinkStats s) {
    assertThat(s.queued() + s.inflight()).isLessThanOrEqualTo(CAPACITY);
    assertThat(s.queuedBytes()).isLessThanOrEqualTo(1 << 20);
    assertThat(s.balanced()).isTrue();
  }

  @Test
  @DisplayName("REJECT fails new messages at once while the lane is full, and takes them again after resume")
  void rejectFailsAtOnce() throws Exception {
    FlakySink sink = FlakySink.builder("stopped").build();
    sink.pause();
    try (Forwarder f = forwarder(sink, null, OverflowPolicy.REJECT, OverflowPolicy.REJECT, Duration.ZERO)) {
      List<CompletableFuture<ForwardResult>> accepted = new ArrayList<>();
      for (int i = 0; i < CAPACITY; i++) {
        accepted.add(f.forward(Fixtures.publish(i, 1)));
      }
      CompletableFuture<ForwardResult> extra = f.forward(Fixtures.publish(999, 1));
      assertThat(extra).isCompletedExceptionally();
      assertThatThrownBy(extra::join).hasCauseInstanceOf(BufferFullException.class)
          .hasMessageContaining("stopped").hasMessageContaining("REJECT");
      CompletableFuture<ForwardResult> status = f.forward(Fixtures.status(998, 1, StatusEvent.OFFLINE));
      assertThat(status).isCompletedExceptionally();
      SinkStats s = f.stats().sink("stopped");
      assertBounded(s);
      assertThat(s.rejected()).isEqualTo(2);
      assertThat(s.dropped()).isZero();

      sink.resume();
      CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      assertThat(f.forward(Fixtures.publish(999, 1)).get(10, TimeUnit.SECONDS).status())
          .isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(sink.delivered()).hasSize(CAPACITY + 1);
    }
  }

  @Test
  @DisplayName("BLOCK waits for room up to its timeout, then rejects; a resume lets blocked callers in")
  void blockWaitsThenRejects() throws Exception {
    FlakySink sink = FlakySink.builder("stopped").build();
    sink.pause();
    try (Forwarder f = forwarder(sink, null, OverflowPolicy.BLOCK, OverflowPolicy.BLOCK, Duration.ofMillis(50))) {
      for (int i = 0; i < CAPACITY; i++) {
        f.forward(Fixtures.publish(i, 1));
      }
      CompletableFuture<ForwardResult> timedOut = f.forward(Fixtures.publish(999, 1));
      assertThatThrownBy(timedOut::join).hasCauseInstanceOf(BufferFullException.class)
          .hasMessageContaining("after waiting PT0.05S");
      assertBounded(f.stats().sink("stopped"));
    }
    // A caller blocked on a full lane gets in as soon as the sink drains.
    FlakySink sink2 = FlakySink.builder("slow").build();
    sink2.pause();
    try (Forwarder f = forwarder(sink2, null, OverflowPolicy.BLOCK, OverflowPolicy.BLOCK, Duration.ofMinutes(1))) {
      for (int i = 0; i < CAPACITY; i++) {
        f.forward(Fixtures.publish(i, 1));
      }
      CompletableFuture<CompletableFuture<ForwardResult>> blocked =
          CompletableFuture.supplyAsync(() -> f.forward(Fixtures.status(999, 1, StatusEvent.ONLINE)));
      Fixtures.await("the lane to hold the caller", Duration.ofSeconds(10),
          () -> !blocked.isDone() && sink2.heldCount() > 0);
      assertThat(blocked).isNotDone();
      sink2.resume();
      assertThat(blocked.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS).status())
          .isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(sink2.delivered()).hasSize(CAPACITY + 1);
    }
  }

  @Test
  @DisplayName("DROP_OLDEST drops the oldest queued Publish to the dead-letter sink, never a Status message")
  void dropOldestNeverDropsStatus() throws Exception {
    FlakySink sink = FlakySink.builder("stopped").build();
    sink.pause();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = forwarder(sink, dlq, OverflowPolicy.DROP_OLDEST, OverflowPolicy.REJECT, Duration.ZERO)) {
      List<CompletableFuture<ForwardResult>> all = new ArrayList<>();
      List<DeviceMessage> statuses = new ArrayList<>();
      // Many devices: ordering keeps one message per device in flight, the rest queued.
      for (int i = 0; i < 500; i++) {
        DeviceMessage m = i % 10 == 0 ? Fixtures.status(i % 40, i, StatusEvent.ONLINE) : Fixtures.publish(i % 40, i);
        if (m.isStatus()) {
          statuses.add(m);
        }
        all.add(f.forward(m));
        assertBounded(f.stats().sink("stopped"));
      }
      SinkStats full = f.stats().sink("stopped");
      assertThat(full.dropped()).isPositive();
      List<DeadLetter> letters = dlq.letters();
      assertThat(letters).hasSize((int) full.dropped());
      assertThat(letters).allSatisfy(l -> {
        assertThat(l.message().isStatus()).as("a dropped message is never a Status").isFalse();
        assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class);
        assertThat(l.reasonText()).contains("DROP_OLDEST");
        assertThat(l.attempts()).isZero();
      });

      sink.resume();
      int delivered = 0;
      int droppedOrRejected = 0;
      for (CompletableFuture<ForwardResult> fut : all) {
        try {
          fut.get(10, TimeUnit.SECONDS);
          delivered++;
        } catch (ExecutionException e) {
          droppedOrRejected++;
        }
      }
      assertThat(delivered).isEqualTo(sink.delivered().size());
      SinkStats end = f.stats().sink("stopped");
      assertThat(end.failed() + end.dropped()).isEqualTo(droppedOrRejected);
      // Every Status message was either delivered or rejected to its caller, never dropped.
      List<DeviceMessage> got = sink.delivered();
      long statusRejected = statuses.stream().filter(m -> !got.contains(m)).count();
      assertThat(end.rejected()).isGreaterThanOrEqualTo(statusRejected);
      assertThat(end.balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("DROP_OLDEST with every held message already at the sink drops the new one to the dead-letter sink, never rejects it")
  void dropOldestWithEverythingInFlightDropsTheNewMessage() throws Exception {
    FlakySink sink = FlakySink.builder("holding").build();
    sink.pause();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = forwarder(sink, dlq, OverflowPolicy.DROP_OLDEST, OverflowPolicy.DROP_OLDEST, Duration.ZERO)) {
      List<CompletableFuture<ForwardResult>> held = new ArrayList<>();
      for (int device = 0; device < CAPACITY; device++) {
        held.add(f.forward(Fixtures.publish(device, 1)));
      }
      // One message per device and maxInFlight above the buffer: the sink takes all of them.
      Fixtures.await("the sink to hold the whole buffer", Duration.ofSeconds(10), () -> sink.heldCount() == CAPACITY);
      assertThat(f.stats().sink("holding").queued()).isZero();

      DeviceMessage publish = Fixtures.publish(CAPACITY, 1);
      DeviceMessage status = Fixtures.status(CAPACITY + 1, 1, StatusEvent.ONLINE);
      for (DeviceMessage m : List.of(publish, status)) {
        assertThatThrownBy(() -> f.forward(m).get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(PermanentForwardingException.class)
            .isNotInstanceOf(BufferFullException.class)
            .hasMessageContaining("dropped the new")
            .hasMessageContaining("DROP_OLDEST")
            .hasMessageContaining("dead-letter sink");
      }
      SinkStats full = f.stats().sink("holding");
      assertThat(full.dropped()).isEqualTo(2);
      assertThat(full.rejected()).isZero();
      assertThat(full.inflight()).isEqualTo(CAPACITY);
      assertBounded(full);
      assertThat(dlq.letters()).extracting(DeadLetter::message).containsExactly(publish, status);
      assertThat(dlq.letters()).allSatisfy(l -> {
        assertThat(l.attempts()).isZero();
        assertThat(l.reasonText()).contains("every", "already handed to the sink");
      });

      sink.resume();
      for (CompletableFuture<ForwardResult> fut : held) {
        assertThat(fut.get(10, TimeUnit.SECONDS).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      }
      assertThat(sink.delivered()).hasSize(CAPACITY).doesNotContain(publish, status);
      assertThat(f.stats().sink("holding").balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("a Status DROP_OLDEST policy without a dead-letter sink is refused at build()")
  void statusDropNeedsDeadLetter() {
    FlakySink sink = FlakySink.builder("s").build();
    assertThatThrownBy(() -> forwarder(sink, null, OverflowPolicy.BLOCK, OverflowPolicy.DROP_OLDEST, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never be dropped silently");
  }
}
