package dev.iotforwarder.bench;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.Submission;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.spi.Sink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Measures what the durable spool costs: messages per second through a forwarder into a sink that
 * acknowledges at once, without a spool and with each fsync policy, for a pipelined producer (1 and 4
 * threads, up to 20,000 messages outstanding each) and for a producer that waits for each message's
 * accepted stage before the next (the latency a gateway sees before it may acknowledge its device).
 * Prints a Markdown table. Not a test; run it from the repository root with (see {@code
 * docs/performance.md})
 *
 * <pre>
 * mvn -q -pl core test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * java -cp core/target/classes:core/target/test-classes:$(cat core/target/test.classpath) \
 *     dev.iotforwarder.bench.SpoolThroughput 200000 core/target/spool-bench
 * </pre>
 *
 * <p>Arguments: messages per pipelined run (default 200,000), spool directory parent (default
 * {@code core/target/spool-bench}). Each figure is the median of 3 runs after one warm-up run.
 */
public final class SpoolThroughput {
  private static final int PAYLOAD = 200;
  private static final int DEVICES = 1000;
  private static final int OUTSTANDING = 20_000;

  private SpoolThroughput() {}

  /** A sink that acknowledges every message at once. */
  static final class NullSink implements Sink {
    @Override
    public String name() {
      return "null";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
  }

  enum Config {
    NO_SPOOL("no spool"),
    NEVER("spool, fsync never"),
    INTERVAL("spool, fsync every 100 ms"),
    EVERY_WRITE("spool, fsync every write");

    final String label;

    Config(String label) {
      this.label = label;
    }
  }

  static DeviceMessage message(long i) {
    byte[] payload = new byte[PAYLOAD];
    Arrays.fill(payload, (byte) ('a' + i % 26));
    int d = (int) (i % DEVICES);
    return DeviceMessage.publish("bench", "dev-" + d, Integer.toString(d), "bench/dev-" + d + "/data",
        i, payload);
  }

  static Forwarder forwarder(Config c, Path dir) {
    ForwarderBuilder b = Forwarder.builder().route(new NullSink());
    SpoolOptions.Builder o = SpoolOptions.builder().maxDiskBytes(4L * 1024 * 1024 * 1024);
    return switch (c) {
      case NO_SPOOL -> b.build();
      case NEVER -> b.spool(dir, o.fsyncNever().build()).build();
      case INTERVAL -> b.spool(dir, o.fsyncEvery(Duration.ofMillis(100)).build()).build();
      case EVERY_WRITE -> b.spool(dir, o.fsyncEveryWrite().build()).build();
    };
  }

  /** Messages per second with {@code threads} pipelined producers. */
  static double pipelined(Config c, Path dir, int threads, int messages) throws Exception {
    try (Forwarder f = forwarder(c, dir)) {
      int per = messages / threads;
      List<Thread> producers = new ArrayList<>();
      List<Throwable> errors = new ArrayList<>();
      long start = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        long base = (long) t * per;
        producers.add(new Thread(() -> {
          Semaphore window = new Semaphore(OUTSTANDING);
          try {
            for (long i = base; i < base + per; i++) {
              window.acquire();
              f.forward(message(i)).whenComplete((r, e) -> {
                if (e != null) {
                  synchronized (errors) {
                    errors.add(e);
                  }
                }
                window.release();
              });
            }
            window.acquire(OUTSTANDING);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
      }
      producers.forEach(Thread::start);
      for (Thread p : producers) {
        p.join();
      }
      long nanos = System.nanoTime() - start;
      if (!errors.isEmpty()) {
        throw new IllegalStateException(errors.size() + " failures, first: " + errors.get(0));
      }
      return per * threads / (nanos / 1e9);
    }
  }

  /** Messages per second, and mean microseconds to accepted, waiting for each accepted stage. */
  static double[] acknowledged(Config c, Path dir, int messages) throws Exception {
    try (Forwarder f = forwarder(c, dir)) {
      long start = System.nanoTime();
      for (long i = 0; i < messages; i++) {
        Submission s = f.submit(message(i));
        s.accepted().get(30, TimeUnit.SECONDS);
      }
      long nanos = System.nanoTime() - start;
      f.flush(Duration.ofSeconds(60));
      return new double[] {messages / (nanos / 1e9), nanos / 1e3 / messages};
    }
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static void clean(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    Path root = Path.of(args.length > 1 ? args[1] : "core/target/spool-bench").toAbsolutePath();
    Files.createDirectories(root);
    System.out.printf(Locale.ROOT, "spool dir %s, %d messages of %d payload bytes, %d cores, %s %s%n",
        root, messages, PAYLOAD, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"), System.getProperty("java.version"));
    System.out.println();
    System.out.println("| configuration | pipelined, 1 thread (msg/s) | pipelined, 4 threads (msg/s)"
        + " | one at a time, waiting for accepted (msg/s) | mean time to accepted (µs) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (Config c : Config.values()) {
      Path dir = root.resolve(c.name().toLowerCase(Locale.ROOT));
      int ackMessages = c == Config.EVERY_WRITE ? 2_000 : 20_000;
      double[] one = new double[3];
      double[] four = new double[3];
      double[] ack = new double[3];
      double[] latency = new double[3];
      for (int run = -1; run < 3; run++) {
        clean(dir);
        double p1 = pipelined(c, dir, 1, messages);
        clean(dir);
        double p4 = pipelined(c, dir, 4, messages);
        clean(dir);
        double[] a = acknowledged(c, dir, ackMessages);
        if (run >= 0) {
          one[run] = p1;
          four[run] = p4;
          ack[run] = a[0];
          latency[run] = a[1];
        }
      }
      clean(dir);
      System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.1f |%n", c.label,
          median(one), median(four), median(ack), median(latency));
    }
  }
}
