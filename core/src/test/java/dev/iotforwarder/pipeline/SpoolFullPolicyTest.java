package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.Submission;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.testing.FlakySink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new message meets when the spool's disk bound is reached, per full policy. */
class SpoolFullPolicyTest {
  private static final long MAX_DISK = 4096;

  @TempDir Path tmp;

  private final FlakySink sink = FlakySink.builder("queue").build();
  private final Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();

  private Forwarder forwarder(OverflowPolicy policy, Duration blockTimeout) {
    sink.pause();
    return Forwarder.builder().route(sink).deadLetter(dlq)
        .spool(tmp.resolve("spool"), SpoolOptions.builder()
            .segmentBytes(1024).maxDiskBytes(MAX_DISK).fullPolicy(policy).blockTimeout(blockTimeout)
            .build())
        .laneDefaults(LaneOptions.builder().maxMessages(1).build())
        .build();
  }

  /** The outcome of one submit: accepted, or the reason it was not. */
  record Outcome(DeviceMessage message, Submission stages, Throwable refusal) {
    boolean accepted() {
      return refusal == null;
    }
  }

  private static Outcome submit(Forwarder f, DeviceMessage m) {
    Submission s = f.submit(m);
    try {
      s.accepted().get(30, TimeUnit.SECONDS);
      return new Outcome(m, s, null);
    } catch (ExecutionException e) {
      return new Outcome(m, s, e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Throwable failureOf(CompletableFuture<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** After the queue comes back: every accepted, undropped message arrives, per device in order. */
  private void resumeAndCheck(Forwarder f, List<Outcome> outcomes) throws Exception {
    sink.resume();
    assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
    List<DeviceMessage> expected = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o.accepted() && failureOf(o.stages().completion()) == null) {
        expected.add(o.message());
      }
    }
    assertThat(sink.delivered()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(SpoolTest.seqsByDevice(sink.delivered())).isEqualTo(SpoolTest.seqsByDevice(expected));
    SpoolStats s = f.stats().spool();
    assertThat(s.pending()).isZero();
    assertThat(f.stats().balanced()).isTrue();
  }

  @Test
  @DisplayName("REJECT: a message that does not fit fails at once; the disk bound holds")
  void reject() throws Exception {
    try (Forwarder f = forwarder(OverflowPolicy.REJECT, Duration.ZERO)) {
      List<Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        outcomes.add(submit(f, Fixtures.publish(i % 3, i)));
      }
      List<Outcome> refused = outcomes.stream().filter(o -> !o.accepted()).toList();
      assertThat(refused).isNotEmpty();
      for (Outcome o : refused) {
        assertThat(o.refusal()).isInstanceOf(BufferFullException.class)
            .hasMessageContaining("the spool has no room").hasMessageContaining("(full policy REJECT)");
        assertThat(failureOf(o.stages().completion())).isSameAs(o.refusal());
      }
      SpoolStats s = f.stats().spool();
      assertThat(s.rejected()).isEqualTo(refused.size());
      assertThat(s.diskBytes()).isLessThanOrEqualTo(MAX_DISK);
      assertThat(s.spooled()).isEqualTo(100 - refused.size());
      assertThat(f.stats().balanced()).isTrue();
      resumeAndCheck(f, outcomes);
    }
    assertThat(dlq.letters()).isEmpty();
  }

  @Test
  @DisplayName("BLOCK: forward() waits at most blockTimeout for room, then rejects")
  void blockThenReject() throws Exception {
    try (Forwarder f = forwarder(OverflowPolicy.BLOCK, Duration.ofMillis(20))) {
      List<Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        outcomes.add(submit(f, Fixtures.publish(i % 3, i)));
      }
      List<Outcome> refused = outcomes.stream().filter(o -> !o.accepted()).toList();
      assertThat(refused).isNotEmpty();
      assertThat(refused.get(0).refusal()).isInstanceOf(BufferFullException.class)
          .hasMessageContaining("after waiting PT0.02S for room (full policy BLOCK)");
      assertThat(f.stats().spool().diskBytes()).isLessThanOrEqualTo(MAX_DISK);
      resumeAndCheck(f, outcomes);
    }
  }

  @Test
  @DisplayName("BLOCK: a blocked forward() goes on once the sink acknowledges and a segment is freed")
  void blockedCallerContinuesWhenRoomIsFreed() throws Exception {
    try (Forwarder f = forwarder(OverflowPolicy.BLOCK, Duration.ofSeconds(60))) {
      int total = 80;
      AtomicInteger returned = new AtomicInteger();
      AtomicReference<Thread> thread = new AtomicReference<>();
      List<Outcome> outcomes = new ArrayList<>();
      CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
        thread.set(Thread.currentThread());
        for (int i = 0; i < total; i++) {
          Outcome o = submit(f, Fixtures.publish(i % 3, i));
          synchronized (outcomes) {
            outcomes.add(o);
          }
          returned.incrementAndGet();
        }
      });
      // The producer fills the spool and then waits for room: every message it wrote has
      // returned, and it is parked in a timed wait (the only one before a message is written).
      Fixtures.await("the spool is full and the producer waits", Duration.ofSeconds(30), () -> {
        Thread t = thread.get();
        return t != null && returned.get() == f.stats().spool().spooled()
            && t.getState() == Thread.State.TIMED_WAITING && returned.get() < total;
      });
      assertThat(f.stats().spool().diskBytes()).isLessThanOrEqualTo(MAX_DISK);
      assertThat(producer).isNotDone();
      sink.resume();
      producer.get(60, TimeUnit.SECONDS);
      assertThat(outcomes).hasSize(total).allMatch(Outcome::accepted);
      assertThat(f.stats().spool().rejected()).isZero();
      resumeAndCheck(f, outcomes);
    }
  }

  @Test
  @DisplayName("DROP_OLDEST: the oldest Publish-only segments are dropped to the dead-letter sink; Status never")
  void dropOldestPublishNeverStatus() throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    try (Forwarder f = forwarder(OverflowPolicy.DROP_OLDEST, Duration.ZERO)) {
      for (int i = 0; i < 300; i++) {
        int device = i % 4;
        outcomes.add(submit(f, i % 40 == 0
            ? Fixtures.status(device, i, StatusEvent.OFFLINE) : Fixtures.publish(device, i)));
      }
      SpoolStats during = f.stats().spool();
      assertThat(during.dropped()).isPositive();
      assertThat(during.diskBytes()).isLessThanOrEqualTo(MAX_DISK);
      resumeAndCheck(f, outcomes);
      assertThat(f.stats().spool().dropped()).isEqualTo(during.dropped());
    }
    List<DeadLetter> letters = dlq.letters();
    assertThat(letters).hasSize((int) outcomes.stream()
        .filter(o -> o.accepted() && failureOf(o.stages().completion()) != null).count());
    for (DeadLetter l : letters) {
      assertThat(l.message().isStatus()).as("a Status message was dropped").isFalse();
      assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class)
          .hasMessageContaining("full policy DROP_OLDEST");
      assertThat(l.sinkName()).isEqualTo("queue");
    }
    for (Outcome o : outcomes) {
      if (o.message().isStatus()) {
        // accepted and delivered, or refused up front: never dropped
        Throwable end = o.accepted() ? failureOf(o.stages().completion()) : o.refusal();
        assertThat(end == null || end instanceof BufferFullException)
            .as("Status %s ended with %s", o.message().seq(), end).isTrue();
      }
    }
    assertThat(letters).isNotEmpty();
  }

  @Test
  @DisplayName("DROP_OLDEST with nothing but Status messages: they are rejected, never dropped")
  void statusOnlyIsRejectedNotDropped() throws Exception {
    try (Forwarder f = forwarder(OverflowPolicy.DROP_OLDEST, Duration.ZERO)) {
      List<Outcome> outcomes = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        outcomes.add(submit(f, Fixtures.status(i % 2, i, i % 2 == 0 ? StatusEvent.ONLINE : StatusEvent.OFFLINE)));
      }
      assertThat(outcomes).anyMatch(o -> !o.accepted());
      for (Outcome o : outcomes) {
        if (!o.accepted()) {
          assertThat(o.refusal()).isInstanceOf(BufferFullException.class)
              .hasMessageContaining("Status messages are never dropped");
        }
      }
      assertThat(f.stats().spool().dropped()).isZero();
      resumeAndCheck(f, outcomes);
    }
    assertThat(dlq.letters()).isEmpty();
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
