package dev.iotforwarder.benchmarks;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.spi.Sink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A sink that acknowledges at a fixed rate, whatever the input rate: the stand-in for a queue that
 * is slower than the devices. Holds nothing but the futures of the sends it was given.
 */
final class SlowSink implements Sink {
  private final double perSecond;
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
  private final Thread acker;
  private volatile boolean closed;

  SlowSink(double perSecond) {
    this.perSecond = perSecond;
    this.acker = new Thread(this::ackLoop, "slow-sink-acker");
    acker.setDaemon(true);
    acker.start();
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

  private void ackLoop() {
    long start = System.nanoTime();
    long acked = 0;
    while (!closed) {
      long allowed = (long) ((System.nanoTime() - start) * perSecond / 1e9);
      CompletableFuture<Void> f;
      while (acked < allowed && (f = pending.poll()) != null) {
        f.complete(null);
        acked++;
      }
      if (acked < allowed) {
        // Nothing pending: do not bank the idle time as credit for a later burst.
        start = System.nanoTime() - (long) (acked * 1e9 / perSecond);
      }
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
    }
  }

  @Override
  public void close() {
    closed = true;
    CompletableFuture<Void> f;
    while ((f = pending.poll()) != null) {
      f.completeExceptionally(new IllegalStateException("closed"));
    }
  }
}
