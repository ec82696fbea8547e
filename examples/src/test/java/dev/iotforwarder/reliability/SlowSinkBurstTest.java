package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.spi.Sink;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A slow sink (it completes {@value #SINK_RATE} sends a second) under a burst of ten times that rate
 * for {@code reliability.slow.burstSeconds}. The lane's buffer is bounded in messages and in bytes;
 * the bytes bound (1 MiB, about 1,150 of these messages) is the tighter one.
 *
 * <p>Checked in every stats snapshot (every 20 ms): held messages and bytes within the bounds, and
 * the counters balance; once, at the peak, the heap retained after a full GC grew by less than twice
 * the byte bound plus 8 MiB. With {@link OverflowPolicy#BLOCK}, callers that find the buffer full
 * wait (never longer than the block timeout) and nothing is rejected or lost; with {@link
 * OverflowPolicy#REJECT} for Publish and BLOCK for Status, a Publish call that finds the buffer full
 * gets a future that is already failed with a {@link BufferFullException} (it never waits), Status
 * calls are never rejected, and everything accepted is delivered.
 */
@ExtendWith(ReliabilityExtension.class)
class SlowSinkBurstTest {
  static final int SINK_RATE = 1_000;
  static final int BURST_RATE = 10 * SINK_RATE;
  static final int BURST_SECONDS = Integer.getInteger("reliability.slow.burstSeconds", 4);
  static final int MAX_MESSAGES = 2_000;
  static final long MAX_BYTES = 1 << 20;
  static final Duration BLOCK_TIMEOUT = Duration.ofSeconds(30);
  static final int PAYLOAD = 512;

  /** Completes the sends it gets, oldest first, at a fixed rate. */
  static final class SlowSink implements Sink {
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "reliability-slow-sink");
      t.setDaemon(true);
      return t;
    });
    final AtomicLong completed = new AtomicLong();

    SlowSink() {
      worker.scheduleAtFixedRate(() -> {
        for (int i = 0; i < SINK_RATE / 100; i++) {
          CompletableFuture<Void> f = pending.poll();
          if (f == null) {
            return;
          }
          completed.incrementAndGet();
          f.complete(null);
        }
      }, 10, 10, TimeUnit.MILLISECONDS);
    }

    @Override
    public String name() {
      return "slow";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }

    @Override
    public void close() {
      worker.shutdownNow();
      CompletableFuture<Void> f;
      while ((f = pending.poll()) != null) {
        f.completeExceptionally(new PermanentForwardingException("slow sink closed", "slow", null));
      }
    }
  }

  private record Outcome(long offered, long delivered, long rejected, long otherFailures, long fullAtCall,
      long blockedAndAccepted, long rejectedNotAtOnce, long statusRejected, long maxCallNanos, long maxHeld,
      long maxBytes, long retainedGrowth, long maxHeapMiB, long rejectedByListener, SinkStats stats) {}

  private Outcome burst(OverflowPolicy publish, OverflowPolicy status) throws Exception {
    SlowSink sink = new SlowSink();
    AtomicLong rejectedByListener = new AtomicLong();
    LaneOptions lane = LaneOptions.builder().maxMessages(MAX_MESSAGES).maxBytes(MAX_BYTES)
        .publishOverflow(publish).statusOverflow(status).blockTimeout(BLOCK_TIMEOUT).build();
    Forwarder forwarder = Forwarder.builder().route(sink).laneDefaults(lane)
        .listener(new ForwarderListener() {
          @Override
          public void onRejected(DeviceMessage message, String sinkName) {
            rejectedByListener.incrementAndGet();
          }
        }).build();
    AtomicLong maxHeld = new AtomicLong();
    AtomicLong maxBytes = new AtomicLong();
    Sampler sampler = new Sampler(20, () -> {
      SinkStats s = forwarder.stats().sink("slow");
      maxHeld.accumulateAndGet(s.queued() + s.inflight(), Math::max);
      maxBytes.accumulateAndGet(s.queuedBytes(), Math::max);
      assertThat(s.balanced()).as("stats balance: %s", s).isTrue();
      assertThat(s.queued() + s.inflight()).as("held messages: %s", s).isLessThanOrEqualTo(MAX_MESSAGES);
      assertThat(s.queuedBytes()).as("held bytes: %s", s).isLessThanOrEqualTo(MAX_BYTES);
    });
    System.gc();
    long baseline = retainedHeap();

    AtomicLong offered = new AtomicLong();
    AtomicLong delivered = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong other = new AtomicLong();
    AtomicLong fullAtCall = new AtomicLong();
    AtomicLong blockedAndAccepted = new AtomicLong();
    AtomicLong rejectedNotAtOnce = new AtomicLong();
    AtomicLong statusRejected = new AtomicLong();
    AtomicLong maxCall = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(BURST_SECONDS);
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int first = t * 500;
      Thread caller = new Thread(() -> {
        long tick = TimeUnit.MILLISECONDS.toNanos(10);
        long next = System.nanoTime();
        long seq = 0;
        int device = first;
        while (System.nanoTime() < end) {
          for (int i = 0; i < BURST_RATE / 100 / 2; i++) {
            device = device == first + 499 ? first : device + 1;
            DeviceMessage m = seq % 10 == 9 ? Devices.status(device, seq) : Devices.publish(device, seq, PAYLOAD);
            seq++;
            SinkStats before = forwarder.stats().sink("slow");
            boolean full = before.queued() + before.inflight() >= MAX_MESSAGES
                || before.queuedBytes() + 160 + PAYLOAD * 4 / 3 + 60 > MAX_BYTES;
            long t0 = System.nanoTime();
            CompletableFuture<ForwardResult> f = forwarder.forward(m);
            long took = System.nanoTime() - t0;
            boolean doneAtOnce = f.isDone();
            maxCall.accumulateAndGet(took, Math::max);
            offered.incrementAndGet();
            if (full) {
              fullAtCall.incrementAndGet();
            }
            if (full && !doneAtOnce && forwarder.stats().sink("slow").succeeded() > before.succeeded()) {
              blockedAndAccepted.incrementAndGet();
            }
            f.whenComplete((r, e) -> {
              if (e == null) {
                delivered.incrementAndGet();
              } else if (e instanceof BufferFullException) {
                rejected.incrementAndGet();
                if (!doneAtOnce) {
                  rejectedNotAtOnce.incrementAndGet();
                }
                if (m.isStatus()) {
                  statusRejected.incrementAndGet();
                }
              } else {
                other.incrementAndGet();
              }
            });
          }
          next += tick;
          Await.pace(Math.max(next, System.nanoTime() - TimeUnit.SECONDS.toNanos(1)));
        }
      }, "reliability-burst-" + t);
      callers.add(caller);
      caller.start();
    }
    Await.until("the buffer filled", Duration.ofSeconds(BURST_SECONDS + 10L), () -> maxHeld.get() > 0
        && (maxBytes.get() > MAX_BYTES - 2_000 || maxHeld.get() == MAX_MESSAGES));
    System.gc();
    long peak = retainedHeap();
    for (Thread c : callers) {
      c.join(BLOCK_TIMEOUT.toMillis() + TimeUnit.SECONDS.toMillis(BURST_SECONDS + 30L));
    }
    assertThat(forwarder.flush(Duration.ofSeconds(60))).as("the lane drains").isTrue();
    Await.until("every future completed", Duration.ofSeconds(30),
        () -> delivered.get() + rejected.get() + other.get() == offered.get());
    sampler.close();
    SinkStats stats = forwarder.stats().sink("slow");
    forwarder.close();
    assertThat(sampler.failures()).as("every snapshot within bounds and balanced").isEmpty();
    return new Outcome(offered.get(), delivered.get(), rejected.get(), other.get(), fullAtCall.get(),
        blockedAndAccepted.get(), rejectedNotAtOnce.get(), statusRejected.get(), maxCall.get(), maxHeld.get(),
        maxBytes.get(), peak - baseline, sampler.maxHeapMiB(), rejectedByListener.get(), stats);
  }

  private static long retainedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void report(String policy, Outcome o, long startNanos) {
    System.out.printf("[slow-sink] %s: %s%n", policy, o);
    Figures.report(new Figures.Row("Slow sink, burst 10x (" + policy + ")", o.offered, o.offered - o.delivered - o.rejected,
        0, "0", 0, o.maxHeapMiB, Duration.ofNanos(System.nanoTime() - startNanos),
        o.delivered + " delivered, " + o.rejected + " rejected at once; " + o.fullAtCall + " calls found the buffer full"
            + "; held at most " + o.maxHeld + " msgs / " + o.maxBytes + " B (bounds " + MAX_MESSAGES + " / " + MAX_BYTES
            + "); heap retained at the peak +" + (o.retainedGrowth >> 10) + " KiB; longest forward() "
            + o.maxCallNanos / 1_000_000 + " ms"));
  }

  @Test
  @DisplayName("BLOCK: a burst of 10x the sink's rate stays within the buffer's bounds; callers wait for room (never beyond the block timeout) and nothing is rejected or lost")
  void blockWaitsForRoom() throws Exception {
    long start = System.nanoTime();
    Outcome o = burst(OverflowPolicy.BLOCK, OverflowPolicy.BLOCK);
    report("BLOCK", o, start);
    assertThat(o.rejected + o.otherFailures).as("nothing rejected or failed").isZero();
    assertThat(o.delivered).isEqualTo(o.offered);
    assertThat(o.fullAtCall).as("calls that found the buffer full").isPositive();
    assertThat(o.blockedAndAccepted).as("calls that found the buffer full, waited, and were accepted once the sink made room")
        .isPositive();
    assertThat(o.maxCallNanos).as("no call waited longer than the block timeout").isLessThan(BLOCK_TIMEOUT.toNanos());
    assertThat(o.offered).as("the callers were held back to about the sink's rate, far below the 10x they tried")
        .isLessThan((long) BURST_RATE * BURST_SECONDS / 2);
    assertBounded(o);
  }

  @Test
  @DisplayName("REJECT for Publish, BLOCK for Status: Publish calls that find the buffer full fail at once, Status calls wait, everything accepted is delivered, within the bounds")
  void rejectFailsAtOnce() throws Exception {
    long start = System.nanoTime();
    Outcome o = burst(OverflowPolicy.REJECT, OverflowPolicy.BLOCK);
    report("REJECT Publish, BLOCK Status", o, start);
    assertThat(o.rejected).as("Publish messages rejected while the buffer was full").isPositive();
    assertThat(o.rejectedNotAtOnce).as("rejections not already failed when forward() returned").isZero();
    assertThat(o.statusRejected).as("Status messages rejected").isZero();
    assertThat(o.otherFailures).isZero();
    assertThat(o.delivered + o.rejected).as("every message delivered or rejected to its caller").isEqualTo(o.offered);
    assertThat(o.stats.rejected()).isEqualTo(o.rejected).isEqualTo(o.rejectedByListener);
    assertThat(o.stats.succeeded()).isEqualTo(o.delivered);
    assertBounded(o);
  }

  private static void assertBounded(Outcome o) {
    assertThat(o.maxHeld).isLessThanOrEqualTo(MAX_MESSAGES);
    assertThat(o.maxBytes).as("the byte bound was reached and held").isLessThanOrEqualTo(MAX_BYTES)
        .isGreaterThan(MAX_BYTES - 2_000);
    assertThat(o.retainedGrowth).as("heap retained at the peak, after a full GC, over the baseline")
        .isLessThan(2 * MAX_BYTES + (8 << 20));
    assertThat(o.stats.balanced()).isTrue();
    assertThat(o.stats.queued() + o.stats.inflight()).isZero();
  }
}
