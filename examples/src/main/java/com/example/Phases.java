package com.example;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The phases of a demo run: by default nine tenths of the messages as fast as possible (throughput),
 * then, once those are all acknowledged, the last tenth paced at a gateway's realistic rate
 * (latency); {@code --rate N} paces the whole run, {@code --paced-rate 0} leaves only the flat-out
 * phase.
 *
 * @param messages messages in the run
 * @param paced how many of them the paced phase forwards (the last ones)
 * @param rate messages per second of the paced phase
 */
record Phases(int messages, int paced, int rate) {
  static Phases of(DemoOptions options, int messages) {
    return new Phases(messages, options.pacedMessages(), options.pacingRate());
  }

  /** How many messages the flat-out phase forwards (the first ones). */
  int flat() {
    return messages - paced;
  }

  /** The progress line's phase at the start. */
  String firstPhase() {
    return flat() > 0 ? Report.FLAT_OUT : "paced";
  }

  /** For the plan, e.g. "the first 180,000 as fast as possible (throughput), then the last 20,000 ...". */
  String describe() {
    if (paced == 0) {
      return "as fast as possible";
    }
    if (flat() == 0) {
      return String.format(Locale.ROOT, "paced at %,d msg/s", rate);
    }
    return String.format(Locale.ROOT, "%n            the first %,d as fast as possible (throughput), then the last %,d"
        + " paced at %,d msg/s (latency)", flat(), paced, rate);
  }

  private String pacedLabel() {
    return String.format(Locale.ROOT, "paced %,d/s", rate);
  }

  /** The table of each sink's phases, and what they mean. */
  void print(Report report, PrintStream out) {
    if (paced == 0) {
      report.printPhases(out, Report.FLAT_OUT, null);
    } else if (flat() == 0) {
      report.printPhases(out, pacedLabel(), null);
    } else {
      report.printPhases(out, Report.FLAT_OUT, pacedLabel());
    }
    out.println();
    if (flat() > 0) {
      out.println("flat out: the gateway forwards as fast as it can, to show throughput (msg/s); its messages"
          + " queue in\n  the sink's bounded buffer (back-pressure), so their latency is mostly time spent"
          + " waiting in line.");
    }
    if (paced > 0) {
      out.printf(Locale.ROOT, "%s: the gateway forwards %,d msg/s, as a fleet sends; latency runs from forward()%n"
          + "  to the queue's acknowledgement: what a gateway sees in service.%n", pacedLabel(), rate);
    }
  }
}
