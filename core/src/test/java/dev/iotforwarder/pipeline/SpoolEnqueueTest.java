package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.spi.DeadLetterSink;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Forwarder.enqueue}: the hand-off that keeps nothing per message once it is accepted. The
 * backlog's memory is proven in a forked JVM by the reliability suite ({@code BacklogMemoryTest});
 * these check the bookkeeping that makes it possible: a record whose delivery the spool let go is
 * still delivered exactly to the lanes still to take it, in order, and counted once.
 */
class SpoolEnqueueTest {
  private static final int MESSAGES = 3000;
  private static final int DEVICES = 60;
  private static final int LANE_MESSAGES = 50;

  @TempDir Path tmp;

  private static SpoolOptions spool() {
    return SpoolOptions.builder().segmentBytes(16 * 1024).fsyncEvery(Duration.ofMillis(10)).build();
  }

  private static DeviceMessage message(int i) {
    int device = i % DEVICES;
    return i % 10 == 0
        ? Fixtures.status(device, i, StatusEvent.ONLINE) : Fixtures.publish(device, i);
  }

  /** Counts what the listeners see. */
  private static final class Seen implements ForwarderListener {
    final AtomicLong delivered = new AtomicLong();
    final List<String> failedSinks = new CopyOnWriteArrayList<>();
    final List<DeadLetter> deadLettered = new CopyOnWriteArrayList<>();

    @Override
    public void onDelivered(DeviceMessage m, String sink, int attempts, Duration latency) {
      delivered.incrementAndGet();
    }

    @Override
    public void onFailed(DeviceMessage m, String sink, int attempts, Throwable error) {
      failedSinks.add(sink);
    }

    @Override
    public void onDeadLettered(DeadLetter letter) {
      deadLettered.add(letter);
    }
  }

  @Test
  @DisplayName("one sink down, one up: both get every enqueued message once, in device order; nothing counted replayed")
  void aBacklogBehindOneSinkDrainsToEachSinkOnce() throws Exception {
    FlakySink down = FlakySink.builder("down").build();
    RecordingSink up = new RecordingSink("up");
    Seen seen = new Seen();
    down.pause();
    List<DeviceMessage> sent = new ArrayList<>();
    try (Forwarder f = Forwarder.builder().route(down).route(up).listener(seen)
        .spool(tmp.resolve("spool"), spool())
        .laneDefaults(LaneOptions.builder().maxMessages(LANE_MESSAGES).build())
        .build()) {
      List<CompletableFuture<Void>> accepted = new ArrayList<>();
      for (int i = 0; i < MESSAGES; i++) {
        DeviceMessage m = message(i);
        sent.add(m);
        accepted.add(f.enqueue(m));
      }
      for (CompletableFuture<Void> a : accepted) {
        a.get(30, TimeUnit.SECONDS);
      }
      // The up lane finishes every record while the down lane holds its first 50 at most: the
      // spool lets those deliveries go, and makes new ones when the down lane reads the records.
      Fixtures.await("the healthy sink has every message", Duration.ofSeconds(30),
          () -> up.count() == MESSAGES);
      assertThat(f.stats().spool().pending()).isEqualTo(MESSAGES);
      assertThat(f.stats().balanced()).isTrue();

      down.resume();
      assertThat(f.flush(Duration.ofSeconds(60))).as("flushed: %s", f.stats()).isTrue();
      ForwarderStats after = f.stats();
      assertThat(after.spool().completed()).isEqualTo(MESSAGES);
      assertThat(after.spool().pending()).isZero();
      assertThat(after.spool().replayed()).as("nothing of this run counts as replayed").isZero();
      assertThat(after.sink("down").succeeded()).isEqualTo(MESSAGES);
      assertThat(after.sink("up").succeeded()).isEqualTo(MESSAGES);
      assertThat(after.balanced()).isTrue();
    }
    assertThat(down.delivered()).hasSize(MESSAGES).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(up.received()).hasSize(MESSAGES);
    assertThat(SpoolTest.seqsByDevice(down.delivered())).isEqualTo(SpoolTest.seqsByDevice(sent));
    assertThat(SpoolTest.seqsByDevice(up.received())).isEqualTo(SpoolTest.seqsByDevice(sent));
    assertThat(seen.delivered.get()).as("listeners saw each delivery").isEqualTo(2L * MESSAGES);
  }

  @Test
  @DisplayName("a flush that began while a lane held a delivery the spool then let go still returns true")
  void aFlushWaitingOnALetGoDeliveryEnds() throws Exception {
    FlakySink down = FlakySink.builder("down").build();
    FlakySink upHeld = FlakySink.builder("up").build();
    down.pause();
    upHeld.pause();
    CountDownLatch flushing = new CountDownLatch(1);
    Sink up = new Sink() {
      @Override
      public String name() {
        return "up";
      }

      @Override
      public CompletableFuture<Void> send(DeviceMessage m) {
        return upHeld.send(m);
      }

      @Override
      public CompletableFuture<Void> flush() {
        flushing.countDown(); // Pipeline.flush has collected what the lanes hold
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public void close() {}
    };
    try (Forwarder f = Forwarder.builder().route(down).route(up)
        .spool(tmp.resolve("spool"), spool())
        .lane("down", LaneOptions.builder().maxMessages(10).build())
        .lane("up", LaneOptions.builder().maxMessages(50).build())
        .build()) {
      for (int i = 0; i < 100; i++) {
        f.enqueue(message(i)).get(10, TimeUnit.SECONDS);
      }
      // Messages 10 to 49: held by up only (down is behind), so their deliveries are let go
      // when up finishes them, while down takes them later with new ones.
      Fixtures.await("up holds 50, down 10", Duration.ofSeconds(10),
          () -> upHeld.heldCount() == 50 && down.heldCount() == 10);
      CompletableFuture<Boolean> flushed =
          CompletableFuture.supplyAsync(() -> f.flush(Duration.ofSeconds(20)));
      assertThat(flushing.await(10, TimeUnit.SECONDS)).isTrue();
      upHeld.resume();
      Fixtures.await("up has everything", Duration.ofSeconds(10),
          () -> upHeld.delivered().size() == 100);
      down.resume();
      assertThat(flushed.get(30, TimeUnit.SECONDS)).as("flushed: %s", f.stats()).isTrue();
      assertThat(f.stats().spool().pending()).isZero();
    }
    assertThat(down.delivered()).hasSize(100);
  }

  @Test
  @DisplayName("enqueued and left at close: no future left pending; the next start replays each record once")
  void leftAtCloseIsReplayedOnceForTwoSinks() throws Exception {
    Path dir = tmp.resolve("spool");
    FlakySink down = FlakySink.builder("down").build();
    down.pause();
    List<DeviceMessage> sent = new ArrayList<>();
    Forwarder first = Forwarder.builder().route(down).route(new RecordingSink("up"))
        .spool(dir, spool()).closeTimeout(Duration.ofMillis(200))
        .laneDefaults(LaneOptions.builder().maxMessages(LANE_MESSAGES).build()).build();
    for (int i = 0; i < 500; i++) {
      sent.add(message(i));
      first.enqueue(sent.get(i)).get(10, TimeUnit.SECONDS);
    }
    first.close();
    assertThat(first.stats().spool().pending()).isEqualTo(500);

    FlakySink down2 = FlakySink.builder("down").build();
    RecordingSink up2 = new RecordingSink("up");
    try (Forwarder second = Forwarder.builder().route(down2).route(up2).spool(dir, spool())
        .laneDefaults(LaneOptions.builder().maxMessages(LANE_MESSAGES).build()).build()) {
      assertThat(second.flush(Duration.ofSeconds(30))).as("flushed: %s", second.stats()).isTrue();
      ForwarderStats s = second.stats();
      assertThat(s.spool().recovered()).isEqualTo(500);
      assertThat(s.spool().replayed()).as("one per record, not one per sink").isEqualTo(500);
      assertThat(s.spool().pending()).isZero();
      assertThat(s.balanced()).isTrue();
    }
    assertThat(SpoolTest.seqsByDevice(down2.delivered())).isEqualTo(SpoolTest.seqsByDevice(sent));
  }

  @Test
  @DisplayName("a route filter that throws for one sink: that sink's failure goes to the listeners and the dead-letter sink")
  void aThrowingRouteFilterIsReportedNotSilent() throws Exception {
    MessageFilter throwing = m -> {
      throw new IllegalStateException("filter bug");
    };
    Seen seen = new Seen();
    RecordingSink letters = new RecordingSink("letters");
    RecordingSink up = new RecordingSink("up");
    RecordingSink broken = new RecordingSink("broken");
    try (Forwarder f = Forwarder.builder().route(up).route(throwing, broken).listener(seen)
        .deadLetter(DeadLetterSink.of(letters)).spool(tmp.resolve("spool"), spool()).build()) {
      f.enqueue(Fixtures.publish(1, 1)).get(10, TimeUnit.SECONDS);
      assertThat(f.flush(Duration.ofSeconds(10))).isTrue();
      Fixtures.await("the letter is stored", Duration.ofSeconds(10), () -> letters.count() == 1);
      assertThat(up.count()).isEqualTo(1);
      assertThat(seen.failedSinks).containsExactly("broken");
      Fixtures.await("the listener saw the letter", Duration.ofSeconds(10),
          () -> seen.deadLettered.size() == 1);
      assertThat(seen.deadLettered.get(0).sinkName()).isEqualTo("broken");
      assertThat(f.stats().sink("broken").failed()).isEqualTo(1);
      assertThat(f.stats().balanced()).isTrue();

      // Every route threw: nothing was accepted, and the caller is told.
      try (Forwarder g = Forwarder.builder().route(throwing, new RecordingSink("only")).build()) {
        assertThat(Fixtures.failureOf(g.enqueue(Fixtures.publish(1, 2))))
            .isInstanceOf(ForwardingException.class).hasMessageContaining("filter bug");
      }
    }
  }

  @Test
  @DisplayName("without a spool: accepted once in the lanes; filtered at once; refused after close")
  void withoutASpool() throws Exception {
    RecordingSink sink = new RecordingSink("queue");
    Forwarder f = Forwarder.builder().route(MessageFilter.statusOnly(), sink).build();
    f.enqueue(Fixtures.status(1, 1, StatusEvent.ONLINE)).get(5, TimeUnit.SECONDS);
    assertThat(f.enqueue(Fixtures.publish(1, 2))).as("filtered").isCompleted();
    assertThat(f.flush(Duration.ofSeconds(5))).isTrue();
    assertThat(sink.count()).isEqualTo(1);
    f.close();
    assertThat(Fixtures.failureOf(f.enqueue(Fixtures.status(1, 3, StatusEvent.ONLINE))))
        .isInstanceOf(ForwardingException.class).hasMessageContaining("closed");
  }
}
