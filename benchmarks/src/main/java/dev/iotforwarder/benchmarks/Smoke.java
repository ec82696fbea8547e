package dev.iotforwarder.benchmarks;

/**
 * The CI smoke run: every JMH benchmark once, briefly, in this JVM, then the end-to-end harness with
 * tiny counts. It checks that the benchmarks still run and that every scenario delivers what it
 * sends (the harness fails otherwise); its figures mean nothing and no target is checked. Takes
 * seconds once the module is built (by {@code mvn -B verify}).
 *
 * <pre>java @benchmarks/target/benchmarks.args dev.iotforwarder.benchmarks.Smoke</pre>
 */
public final class Smoke {
  private Smoke() {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    CodecBenchmarks.run(new String[] {"-f", "0", "-wi", "0", "-i", "1", "-r", "100ms", "-foe", "true"},
        "jmh-smoke");
    EndToEnd.run(Settings.parse(new String[] {"--smoke"}));
    System.out.printf("Smoke run passed in %.1f s%n", (System.nanoTime() - start) / 1e9);
    // LocalKafka leaves a few non-daemon threads behind (yammer metrics); do not wait for them.
    System.exit(0);
  }
}
