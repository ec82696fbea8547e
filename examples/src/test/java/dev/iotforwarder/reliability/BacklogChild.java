package dev.iotforwarder.reliability;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.spi.DeadLetterSink;
import dev.iotforwarder.spi.Sink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link BacklogMemoryTest}: builds a backlog on disk while its only sink is down,
 * then brings the sink back and drains it, all in this one process, and prints what it saw.
 *
 * <p>First, the normal rate: with the sink up, an eighth as many messages are handed off flat out
 * and flushed. Then the backlog.
 *
 * <p>Arguments: spool directory, messages, devices, payload bytes, the spool's disk bound, the
 * lane's {@code maxBytes} (0: the default), and the hand-off, {@code enqueue} or {@code forward}
 * (the latter keeps a completion future per message, to show what {@code enqueue} saves). Output
 * lines: {@code NORMAL} after the first part, {@code BACKLOG} once the backlog is on disk, {@code
 * RESULT} at the end (key=value pairs; counts are of the backlog).
 * Exit status 0 when every message was delivered once, per device in order, with 0 dead-lettered
 * and the stats balanced; 1 otherwise; an {@link OutOfMemoryError} ends the JVM (the parent starts
 * it with {@code -XX:+ExitOnOutOfMemoryError}).
 */
final class BacklogChild {
  private BacklogChild() {}

  /** An in-process sink that fails every send while down, and checks per-device order. */
  static final class GatedSink implements Sink {
    volatile boolean up;
    final ConcurrentHashMap<String, Long> lastSeq = new ConcurrentHashMap<>();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong outOfOrder = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    @Override
    public String name() {
      return "queue";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage m) {
      if (!up) {
        refused.incrementAndGet();
        return CompletableFuture.failedFuture(
            new RetriableForwardingException("the queue is down", "queue", null));
      }
      lastSeq.compute(m.deviceKey(), (k, last) -> {
        if (last == null ? m.seq() != 0 : m.seq() != last + 1) {
          if (last != null && m.seq() <= last) {
            duplicates.incrementAndGet();
            return last;
          }
          outOfOrder.incrementAndGet();
        }
        delivered.incrementAndGet();
        return m.seq();
      });
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long messages = Long.parseLong(args[1]);
    int devices = Integer.parseInt(args[2]);
    int payload = Integer.parseInt(args[3]);
    long maxDisk = Long.parseLong(args[4]);
    long laneBytes = Long.parseLong(args[5]);
    boolean enqueue = args[6].equals("enqueue");

    GatedSink sink = new GatedSink();
    AtomicLong letters = new AtomicLong();
    DeadLetterSink dlq = new DeadLetterSink() {
      @Override
      public String name() {
        return "counting";
      }

      @Override
      public CompletableFuture<Void> send(dev.iotforwarder.DeadLetter letter) {
        letters.incrementAndGet();
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public void close() {}
    };
    LaneOptions.Builder lane = LaneOptions.builder()
        // the probe wait capped at 1 s instead of 10 s, so the drain starts within 1 s of "up"
        .retryPolicy(RetryPolicy.builder().maxBackoff(Duration.ofSeconds(1)).build());
    if (laneBytes > 0) {
      lane.maxBytes(laneBytes);
    }
    AtomicLong accepted = new AtomicLong();
    AtomicLong refusedAtIntake = new AtomicLong();
    boolean ok;
    try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq).laneDefaults(lane.build())
        .spool(dir, SpoolOptions.builder().maxDiskBytes(maxDisk).build()).build()) {
      Sampler sampler = new Sampler(250, () -> {
        if (!f.stats().balanced()) {
          throw new AssertionError("unbalanced: " + f.stats());
        }
      });
      // The normal rate first: the same forwarder and sink, the sink up, an eighth of the backlog
      // handed off flat out and flushed (the drain is compared with it).
      long warm = messages / 8;
      sink.up = true;
      long w0 = System.nanoTime();
      handOff(f, enqueue, 0, warm, devices, payload, accepted, refusedAtIntake);
      boolean warmFlushed = f.flush(Duration.ofMinutes(10));
      long warmNanos = System.nanoTime() - w0;
      System.out.printf("NORMAL messages=%d flushed=%s seconds=%.1f rate=%.0f%n", warm,
          warmFlushed, warmNanos / 1e9, warm / (warmNanos / 1e9));
      sink.up = false;
      long t0 = System.nanoTime();
      handOff(f, enqueue, warm, warm + messages, devices, payload, accepted, refusedAtIntake);
      long enqueueNanos = System.nanoTime() - t0;
      Await.until("every message accepted", Duration.ofMinutes(5),
          () -> accepted.get() + refusedAtIntake.get() >= warm + messages);
      ForwarderStats backlog = f.stats();
      System.gc();
      long heapAfterGc = Sampler.heapUsed();
      System.out.printf("BACKLOG pending=%d diskBytes=%d heapAfterGcBytes=%d enqueueSeconds=%.1f"
              + " refusedAtIntake=%d%n", backlog.spool().pending(), backlog.spool().diskBytes(),
          heapAfterGc, enqueueNanos / 1e9, refusedAtIntake.get());
      System.out.flush();

      sink.up = true;
      long d0 = System.nanoTime();
      boolean flushed = f.flush(Duration.ofMinutes(30));
      long drainNanos = System.nanoTime() - d0;
      ForwarderStats end = f.stats();
      sampler.close();
      SinkStats s = end.sink("queue");
      ok = warmFlushed && flushed && refusedAtIntake.get() == 0
          && sink.delivered.get() == warm + messages && sink.outOfOrder.get() == 0
          && letters.get() == 0 && end.balanced() && end.spool().pending() == 0
          && s.succeeded() == warm + messages && sampler.failures().isEmpty();
      System.out.printf("RESULT ok=%s flushed=%s delivered=%d duplicates=%d outOfOrder=%d"
              + " deadLettered=%d balanced=%s pending=%d succeeded=%d failed=%d drainSeconds=%.1f"
              + " drainRate=%.0f refusedWhileDown=%d"
              + " maxHeapMiB=%d samplerFailures=%s%n",
          ok, flushed, sink.delivered.get() - warm, sink.duplicates.get(), sink.outOfOrder.get(),
          letters.get(), end.balanced(), end.spool().pending(), s.succeeded() - warm, s.failed(),
          drainNanos / 1e9, messages / (drainNanos / 1e9), sink.refused.get(),
          sampler.maxHeapMiB(), sampler.failures());
      System.out.flush();
    }
    System.exit(ok ? 0 : 1);
  }

  /** Hands off messages {@code from} to {@code to} (exclusive), counting the accepted stages. */
  private static void handOff(Forwarder f, boolean enqueue, long from, long to, int devices,
      int payload, AtomicLong accepted, AtomicLong refused) {
    for (long i = from; i < to; i++) {
      DeviceMessage m = Devices.publish((int) (i % devices), i / devices, payload);
      if (enqueue) {
        f.enqueue(m).whenComplete((v, e) -> (e == null ? accepted : refused).incrementAndGet());
      } else {
        f.forward(m); // the future completes only when delivered; the spool holds it meanwhile
        accepted.incrementAndGet();
      }
    }
  }
}
