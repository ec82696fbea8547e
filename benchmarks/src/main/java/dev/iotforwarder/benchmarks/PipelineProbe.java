package dev.iotforwarder.benchmarks;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.micrometer.DeliveryTimer;
import dev.iotforwarder.micrometer.ForwarderMetrics;
import dev.iotforwarder.spi.Sink;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Diagnostics, not a target: the forwarder's own cost per message, without a broker. A single
 * thread forwards messages into a sink that (a) completes every send at once, or (b) completes sends
 * on its own thread in batches, as the Kafka producer's I/O thread does; each sink also encodes the
 * envelope as the real sinks do. Prints msg/s and the whole process's CPU time per message.
 *
 * <pre>java @benchmarks/target/benchmarks.args dev.iotforwarder.benchmarks.PipelineProbe [messages] [rounds]</pre>
 */
public final class PipelineProbe {
  private static final String METRICS = System.getProperty("probe.metrics", "off");
  /**
   * With {@code -Dprobe.stamped=true} every message already carries a receive time, as when the host
   * sets it: {@code forward()} then makes no stamped copy. Against the default (no receive time, so
   * each message is copied with the forwarder's clock) it measures the stamp's cost.
   */
  private static final boolean STAMPED = Boolean.getBoolean("probe.stamped");
  private static final MeterRegistry REGISTRY = new SimpleMeterRegistry();

  private PipelineProbe() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    DeviceMessage[] pool = Workload.typicalPool(4_096);
    if (STAMPED) {
      for (int i = 0; i < pool.length; i++) {
        pool[i] = pool[i].withReceivedAtMillis(System.currentTimeMillis());
      }
    }
    System.out.println("pipeline probe: " + Machine.oneLine(Machine.describe()));
    System.out.println("receive time set by the host (-Dprobe.stamped): " + STAMPED);
    LaneOptions lane = LaneOptions.builder().maxInFlight(100_000).build();
    // Long-lived forwarders, so that their threads (and what they allocated) outlive each round.
    System.out.println("metrics (-Dprobe.metrics=off|binder|timer): " + METRICS);
    try (Forwarder inline = instrumented("inline", Forwarder.builder().route(new InlineSink()));
        Forwarder async = instrumented("async", Forwarder.builder().route(new AsyncSink()));
        Forwarder async100k = instrumented("async100k",
            Forwarder.builder().route(new AsyncSink()).laneDefaults(lane))) {
      for (int r = 0; r <= rounds; r++) {
        String tag = r == 0 ? "warm-up" : "round " + r;
        report(tag, "direct encode only   ", n, () -> {
          EnvelopeCodec codec = EnvelopeCodec.standard();
          long sum = 0;
          for (int i = 0; i < n; i++) {
            sum += codec.encode(pool[i % pool.length]).length;
          }
          if (sum == 42) {
            System.out.println();
          }
        });
        report(tag, "forward, inline sink ", n, () -> forward(pool, n, inline));
        report(tag, "forward, async sink  ", n, () -> forward(pool, n, async));
        report(tag, "forward, async, 100k ", n, () -> forward(pool, n, async100k));
      }
    }
  }

  /**
   * Builds a forwarder; with {@code -Dprobe.metrics=binder} its meters are bound to a registry that
   * nobody scrapes, with {@code timer} a {@link DeliveryTimer} listener records every delivery too.
   */
  private static Forwarder instrumented(String name, ForwarderBuilder b) {
    DeliveryTimer timer = METRICS.equals("timer") ? DeliveryTimer.create() : null;
    if (timer != null) {
      b.listener(timer);
    }
    Forwarder f = b.build();
    if (!METRICS.equals("off")) {
      ForwarderMetrics.Builder m = ForwarderMetrics.builder(f).name(name);
      if (timer != null) {
        m.deliveryTimer(timer);
      }
      m.build().bindTo(REGISTRY);
    }
    return f;
  }

  private static void forward(DeviceMessage[] pool, int n, Forwarder f) {
    for (int i = 0; i < n; i++) {
      f.forward(pool[i % pool.length]);
    }
    if (!f.flush(Duration.ofMinutes(5))) {
      throw new IllegalStateException("flush timed out");
    }
  }

  private static void report(String tag, String what, int n, Runnable run) {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long cs0 = contextSwitches();
    long alloc0 = allocated();
    long t0 = System.nanoTime();
    run.run();
    long t1 = System.nanoTime();
    long cpu1 = os.getProcessCpuTime();
    long cs1 = contextSwitches();
    long alloc1 = allocated();
    System.out.printf(Locale.ROOT,
        "%-8s %s %,10.0f msg/s  %,7.0f ns CPU/msg  %.2f cores  %.3f switches/msg  %,6.0f B/msg  (load %s)%n",
        tag, what, n / ((t1 - t0) / 1e9), (cpu1 - cpu0) / (double) n, (cpu1 - cpu0) / (double) (t1 - t0),
        (cs1 - cs0) / (double) n, (alloc1 - alloc0) / (double) n, Machine.loadAverage());
  }

  /** Bytes allocated so far by the threads alive now (threads that ended are not counted). */
  static long allocated() {
    com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long a : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
      sum += Math.max(0, a);
    }
    return sum;
  }

  /** Voluntary context switches of every thread of this process (Linux), or 0. */
  static long contextSwitches() {
    long sum = 0;
    try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) tasks::iterator) {
        try {
          for (String line : java.nio.file.Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (java.io.IOException | RuntimeException gone) {
          // the thread ended
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return sum;
  }

  /** Encodes and completes at once. */
  static final class InlineSink implements Sink {
    private final EnvelopeCodec codec = EnvelopeCodec.standard();
    volatile long bytes;

    @Override
    public String name() {
      return "inline";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      bytes += codec.encode(message).length;
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean retriesInternally() {
      return true;
    }

    @Override
    public boolean preservesOrder() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Encodes, then completes on its own thread in batches, like a Kafka producer's I/O thread. */
  static final class AsyncSink implements Sink {
    private final EnvelopeCodec codec = EnvelopeCodec.standard();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> pending = new ConcurrentLinkedQueue<>();
    private final Thread io = new Thread(this::loop, "probe-io");
    private volatile boolean closed;
    volatile long bytes;

    AsyncSink() {
      io.setDaemon(true);
      io.start();
    }

    @Override
    public String name() {
      return "async";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      bytes += codec.encode(message).length;
      CompletableFuture<Void> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }

    private void loop() {
      List<CompletableFuture<Void>> batch = new ArrayList<>();
      while (!closed) {
        CompletableFuture<Void> f;
        while (batch.size() < 512 && (f = pending.poll()) != null) {
          batch.add(f);
        }
        if (batch.isEmpty()) {
          LockSupport.parkNanos(100_000);
          continue;
        }
        batch.forEach(x -> x.complete(null));
        batch.clear();
      }
    }

    @Override
    public boolean retriesInternally() {
      return true;
    }

    @Override
    public boolean preservesOrder() {
      return true;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
