package dev.iotforwarder.cmq;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Samples the used heap every millisecond on a daemon thread and keeps the highest value seen. */
final class HeapHighWater implements AutoCloseable {
  private final AtomicLong max = new AtomicLong();
  private final Thread sampler;
  private volatile boolean running = true;

  private HeapHighWater() {
    Runtime r0 = Runtime.getRuntime();
    max.set(r0.totalMemory() - r0.freeMemory());
    sampler = new Thread(() -> {
      Runtime rt = Runtime.getRuntime();
      while (running) {
        max.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
        LockSupport.parkNanos(1_000_000);
      }
    }, "heap-high-water");
    sampler.setDaemon(true);
    sampler.start();
  }

  static HeapHighWater start() {
    return new HeapHighWater();
  }

  long highWaterMiB() {
    return max.get() >> 20;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    sampler.join();
  }
}
