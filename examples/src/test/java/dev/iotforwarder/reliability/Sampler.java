package dev.iotforwarder.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples the heap in use, and runs a check (such as "the stats balance"), at a fixed period on its
 * own thread while a scenario runs. Failures of the check are collected, not thrown, and asserted
 * by the test afterwards.
 */
final class Sampler implements AutoCloseable {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private final Thread thread;
  private final AtomicLong maxHeap = new AtomicLong();
  private final AtomicLong samples = new AtomicLong();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean running = true;

  Sampler(long periodMillis, Runnable check) {
    thread = new Thread(() -> {
      while (running) {
        sample(check);
        LockSupport.parkNanos(periodMillis * 1_000_000);
      }
      sample(check);
    }, "reliability-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void sample(Runnable check) {
    maxHeap.accumulateAndGet(MEMORY.getHeapMemoryUsage().getUsed(), Math::max);
    try {
      check.run();
    } catch (AssertionError | RuntimeException e) {
      if (failures.size() < 20) {
        failures.add(e.getMessage());
      }
    }
    samples.incrementAndGet();
  }

  static long heapUsed() {
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  long maxHeapMiB() {
    return maxHeap.get() >> 20;
  }

  long samples() {
    return samples.get();
  }

  List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join(10_000);
  }
}
