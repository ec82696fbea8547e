package dev.iotforwarder.benchmarks;

import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.SinkStats;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Heap high-water mark while messages are forwarded four times faster than the sink acknowledges,
 * against the lane's buffer bound ({@link LaneOptions#maxBytes()}).
 *
 * <p>Each message is a new object, as from a real gateway. The lane's {@code maxMessages} is set
 * high so that {@code maxBytes} is the bound that holds. A sampler thread forces a full GC every
 * 250 ms and reads the heap in use right after it: the live heap, not garbage waiting for the next
 * collection. The high-water mark is the largest such sample, for the whole JVM.
 */
final class MemoryScenario {
  private static final double MIB = 1024.0 * 1024;
  private final Settings settings;
  Map<String, Object> result;
  double highWaterMiB;
  double boundMiB;

  MemoryScenario(Settings settings) {
    this.settings = settings;
  }

  void run() throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long baseline = liveHeap(memory);
    int n = settings.memoryMessages;
    System.out.printf("memory: %,d messages offered at %s msg/s into a sink that acknowledges %s msg/s,"
        + " maxBytes %.0f MiB%n", n, Series.rate(settings.memoryInputRate),
        Series.rate(settings.slowSinkRate), settings.memoryMaxBytes / MIB);
    LaneOptions lane = LaneOptions.builder()
        .maxBytes(settings.memoryMaxBytes)
        .maxMessages(Integer.MAX_VALUE)
        .blockTimeout(Duration.ofMinutes(1))
        .build();
    AtomicLong highWater = new AtomicLong(baseline);
    AtomicLong maxHeldBytes = new AtomicLong();
    AtomicLong maxHeldMessages = new AtomicLong();
    SlowSink sink = new SlowSink(settings.slowSinkRate);
    long t0;
    long t1;
    int samples;
    try (Forwarder f = Forwarder.builder().route(sink).laneDefaults(lane).build()) {
      Sampler sampler = new Sampler(memory, () -> {
        SinkStats s = f.stats().sink("slow");
        maxHeldBytes.accumulateAndGet(s.queuedBytes(), Math::max);
        maxHeldMessages.accumulateAndGet(s.queued() + s.inflight(), Math::max);
      }, highWater);
      sampler.start();
      double interval = 1e9 / settings.memoryInputRate;
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long due = t0 + (long) (i * interval);
        long wait = due - System.nanoTime();
        if (wait > 100_000) {
          LockSupport.parkNanos(wait);
        }
        f.forward(Workload.typical(i));
      }
      if (!f.flush(Duration.ofMinutes(10))) {
        throw new IllegalStateException("memory run did not drain");
      }
      t1 = System.nanoTime();
      samples = sampler.finish();
      SinkStats s = f.stats().sink("slow");
      if (s.succeeded() != n) {
        throw new IllegalStateException("slowed sink acknowledged " + s.succeeded() + " of " + n + ": " + s);
      }
    }
    highWaterMiB = highWater.get() / MIB;
    boundMiB = settings.memoryMaxBytes / MIB;
    result = new LinkedHashMap<>();
    result.put("messages", n);
    result.put("seconds", (t1 - t0) / 1e9);
    result.put("sinkRate", settings.slowSinkRate);
    result.put("offeredRate", settings.memoryInputRate);
    result.put("achievedRate", n / ((t1 - t0) / 1e9));
    result.put("maxBytesMiB", boundMiB);
    result.put("baselineLiveHeapMiB", baseline / MIB);
    result.put("highWaterLiveHeapMiB", highWaterMiB);
    result.put("highWaterAboveBaselineMiB", (highWater.get() - baseline) / MIB);
    result.put("maxHeldEstimatedMiB", maxHeldBytes.get() / MIB);
    result.put("maxHeldMessages", maxHeldMessages.get());
    result.put("samples", samples);
    System.out.printf("memory: %s%n", result);
  }

  static long liveHeap(MemoryMXBean memory) {
    System.gc();
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Forces a full GC every 250 ms and records the live heap. */
  private static final class Sampler extends Thread {
    private final MemoryMXBean memory;
    private final Runnable alsoSample;
    private final AtomicLong highWater;
    private volatile boolean stop;
    private int samples;

    Sampler(MemoryMXBean memory, Runnable alsoSample, AtomicLong highWater) {
      super("memory-sampler");
      setDaemon(true);
      this.memory = memory;
      this.alsoSample = alsoSample;
      this.highWater = highWater;
    }

    @Override
    public void run() {
      while (!stop) {
        alsoSample.run();
        System.gc();
        highWater.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        samples++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
      }
    }

    int finish() throws InterruptedException {
      stop = true;
      join();
      return samples;
    }
  }
}
