package com.example;

import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.SinkStats;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The end of a run: the summary table per sink and the checks that decide the exit status. */
final class Report {
  /** The label of a phase that forwards as fast as it can. */
  static final String FLAT_OUT = "flat out";

  private final Fleet fleet;
  private final ForwarderStats stats;
  private final Metrics metrics;
  private final Map<String, List<Stream>> streamsBySink;
  private final List<Stream> statusStreams;
  private final long startNanos;

  Report(Fleet fleet, ForwarderStats stats, Metrics metrics, Map<String, List<Stream>> streamsBySink,
      List<Stream> statusStreams, long startNanos) {
    this.fleet = fleet;
    this.stats = stats;
    this.metrics = metrics;
    this.streamsBySink = streamsBySink;
    this.statusStreams = statusStreams;
    this.startNanos = startNanos;
  }

  /**
   * Prints one row per sink: {@code sent}, {@code delivered}, {@code retried} and {@code
   * dead-lettered} are the forwarder's own counters; {@code lost} and {@code duplicates} are what the
   * backend read back.
   */
  void printTable(PrintStream out) {
    String header = String.format(Locale.ROOT, "%-10s %9s %9s %7s %13s %5s %10s",
        "sink", "sent", "delivered", "retried", "dead-lettered", "lost", "duplicates");
    out.println(header);
    out.println("-".repeat(header.length()));
    for (Map.Entry<String, List<Stream>> e : streamsBySink.entrySet()) {
      String sink = e.getKey();
      SinkStats s = stats.sink(sink);
      long lost = 0;
      long duplicates = 0;
      for (Stream stream : e.getValue()) {
        lost += stream.lost();
        duplicates += stream.duplicates();
      }
      out.println(String.format(Locale.ROOT, "%-10s %,9d %,9d %,7d %,13d %,5d %,10d",
          sink, s.received() - s.filtered(), s.succeeded(), s.retries(), s.deadLettered(), lost, duplicates));
    }
  }

  /**
   * Prints one row per sink and phase: deliveries per second of a flat-out phase (from its first
   * {@code forward()} to the acknowledgement of its last message) and the latency from {@code
   * forward()} to the acknowledgement of the messages forwarded in that phase.
   *
   * @param first the first phase's label, e.g. {@code "flat out"}
   * @param second the second phase's label, e.g. {@code "paced 2,000/s"}, or null for a run of one
   */
  void printPhases(PrintStream out, String first, String second) {
    String header = String.format(Locale.ROOT, "%-10s %-20s %9s %8s %7s %7s %7s",
        "sink", "phase", "delivered", "msg/s", "p50 ms", "p99 ms", "max ms");
    out.println(header);
    out.println("-".repeat(header.length()));
    for (String sink : streamsBySink.keySet()) {
      phaseRow(out, sink, first, metrics.first(sink), startNanos);
      if (second != null) {
        phaseRow(out, sink, second, metrics.second(sink), metrics.secondPhaseStartNanos());
      }
    }
  }

  private static void phaseRow(PrintStream out, String sink, String label, Metrics.Phase p, long startNanos) {
    boolean flatOut = label.equals(FLAT_OUT);
    long last = p.lastDelivered.get();
    double seconds = last == Long.MIN_VALUE ? 0 : (last - startNanos) / 1e9;
    long delivered = p.delivered.sum();
    LatencyHistogram h = p.latency;
    // A paced phase's rate is the gateway's pace, not the sink's: shown only for the flat-out phase.
    String rate = !flatOut ? "-" : String.format(Locale.ROOT, "%,.0f", seconds > 0 ? delivered / seconds : 0.0);
    out.println(String.format(Locale.ROOT, "%-10s %-20s %,9d %8s %7s %7s %7s", sink, label, delivered,
        rate, millis(h.percentileMicros(0.50)),
        millis(h.percentileMicros(0.99)), millis(h.maxMicros())));
  }

  /** Milliseconds: one decimal below 10 ms, none above (the histogram is exact to about 1.6 %). */
  private static String millis(long micros) {
    return String.format(Locale.ROOT, micros < 10_000 ? "%.1f" : "%.0f", micros / 1000.0);
  }

  /**
   * Prints the checks.
   *
   * @param failedForwards futures of {@code forward()} that failed
   * @param outageProblem what went wrong with the planned Kafka outage, or null
   * @return whether every check passed
   */
  boolean printChecks(PrintStream out, long failedForwards, String outageProblem) {
    List<Stream> all = new ArrayList<>();
    streamsBySink.values().forEach(all::addAll);
    long expected = 0;
    long unique = 0;
    long received = 0;
    long outOfOrder = 0;
    long altered = 0;
    long unexpected = 0;
    for (Stream s : all) {
      expected += s.expected();
      unique += s.unique();
      received += s.received();
      outOfOrder += s.outOfOrder();
      altered += s.altered();
      unexpected += s.unexpected();
    }
    int devices = 0;
    for (int d = 0; d < fleet.devices(); d++) {
      if (fleet.seqCount(d) > 0) {
        devices++;
      }
    }
    int statusComplete = Integer.MAX_VALUE;
    for (Stream s : statusStreams) {
      statusComplete = Math.min(statusComplete, s.devicesWithAllStatusEvents());
    }

    out.println("Checks, on what the backend read back (Kafka: " + Demo.STATUS_TOPIC + ", " + Demo.TELEMETRY_TOPIC
        + "; CMQ: " + Demo.STATUS_QUEUE + ", " + Demo.ALARM_QUEUE + "):");
    boolean ok = check(out, "nothing lost", unique == expected, String.format(Locale.ROOT,
        "%,d of %,d envelopes read back from %d destinations; %,d forward() failed",
        unique, expected, all.size(), failedForwards));
    ok &= check(out, "per-device order", outOfOrder == 0, String.format(Locale.ROOT,
        "%,d envelopes arrived after a later one of their device", outOfOrder));
    ok &= check(out, "envelopes byte-exact", altered == 0, String.format(Locale.ROOT,
        "%,d read (duplicates included), %,d differ from what the codec wrote", received, altered));
    ok &= check(out, "Status events complete", statusComplete == devices, String.format(Locale.ROOT,
        "%,d of %,d devices have every Online and Offline, in Kafka and in CMQ", statusComplete, devices));
    ok &= check(out, "routing", unexpected == 0, String.format(Locale.ROOT,
        "%,d envelopes where their route does not lead", unexpected));
    ok &= check(out, "forwarder counters", stats.balanced(),
        "received = filtered + succeeded + failed + dropped + inflight + queued");
    if (outageProblem != null) {
      ok &= check(out, "Kafka outage", false, outageProblem);
    }
    return ok;
  }

  static boolean check(PrintStream out, String what, boolean passed, String detail) {
    out.printf(Locale.ROOT, "  %-22s %-4s %s%n", what, passed ? "ok" : "FAIL", detail);
    return passed;
  }
}
