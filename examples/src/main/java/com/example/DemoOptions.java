package com.example;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo's command-line options. {@link #parse(String...)} reads {@code --name value} and {@code
 * --name=value}, checks every value and reports every problem at once in a {@link UsageException}.
 *
 * @param devices how many simulated devices (spread over three products)
 * @param messages how many messages the fleet sends in total (Status and Publish)
 * @param rate messages per second the gateway forwards; 0 runs two phases: as fast as possible
 *     (throughput), then a paced phase at {@code pacedRate} (latency)
 * @param pacedRate messages per second of the paced phase of a run with {@code rate} 0: the last
 *     tenth of the messages, at a gateway's realistic rate; 0 skips that phase
 * @param cmqFaultRate the share of CMQ send requests that LocalCmq fails with a retriable fault
 * @param kafkaOutageSeconds how long the Kafka broker is down, stopped a third of the way in; 0 for
 *     no outage
 * @param verbose whether the library's own log lines are shown
 * @param help whether to print the usage and exit
 * @param seed the seed of the simulation (the same seed gives the same messages)
 */
public record DemoOptions(
    int devices,
    int messages,
    int rate,
    int pacedRate,
    double cmqFaultRate,
    int kafkaOutageSeconds,
    boolean verbose,
    boolean help,
    long seed) {

  /**
   * The defaults: 1,000 devices, 200,000 messages (nine tenths at full speed, then the last tenth
   * paced at 2,000 msg/s), no faults, no outage.
   */
  public static final DemoOptions DEFAULTS =
      new DemoOptions(1_000, 200_000, 0, 2_000, 0.0, 0, false, false, 20261126L);

  /**
   * How many messages the paced phase forwards: all of them at {@code --rate N}, the last tenth at
   * {@code --paced-rate} otherwise, none with {@code --paced-rate 0}.
   *
   * @return a count, at most {@link #messages()}
   */
  public int pacedMessages() {
    return rate > 0 ? messages : pacedRate > 0 ? Math.max(1, messages / 10) : 0;
  }

  /**
   * The rate of the paced phase.
   *
   * @return messages per second, or 0 if the run has no paced phase
   */
  public int pacingRate() {
    return rate > 0 ? rate : pacedRate;
  }

  /** The usage text printed by {@code --help}. */
  public static final String USAGE = """
      Usage: demo [options]

      Simulates a fleet of IoT devices behind a gateway, forwards every message through one
      iot-forwarder Forwarder into an in-process Kafka broker (LocalKafka) and CMQ endpoint (LocalCmq),
      reads everything back like a backend would, and checks that nothing was lost, reordered or
      altered. Exits with 0 only if every check passes.

      Options:
        --devices N               simulated devices, spread over 3 products   (default 1000)
        --messages N              messages in total, at least 2               (default 200000)
        --rate N                  messages per second for the whole run; 0 = two phases: nine
                                  tenths as fast as possible (throughput), then the last tenth
                                  paced at --paced-rate (the latency a gateway sees) (default 0)
        --paced-rate N            messages per second of that paced phase; 0 = no paced phase
                                                                              (default 2000)
        --cmq-fault-rate F        share of CMQ send requests that fail with a retriable fault
                                  (throttling, internal error, HTTP 503, dropped connection), 0 to 0.9
                                                                              (default 0)
        --kafka-outage-seconds S  stop the Kafka broker a third of the way in and restart it
                                  S seconds later, 0 to 90                    (default 0)
        --seed N                  seed of the simulation                      (default 20261126)
        --verbose                 show the library's log lines (DEBUG) and Kafka's warnings
        --help                    show this help

      Exit status: 0 all checks passed; 1 a check failed (lost, reordered or altered messages);
      2 bad options.
      """;

  /** A problem with the options: the message says what is wrong; the exit status is 2. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /**
   * Parses the command line.
   *
   * @param args the arguments
   * @return the options, with defaults for those not given
   * @throws UsageException listing every unknown option and bad value
   */
  public static DemoOptions parse(String... args) throws UsageException {
    int devices = DEFAULTS.devices;
    int messages = DEFAULTS.messages;
    int rate = DEFAULTS.rate;
    int pacedRate = DEFAULTS.pacedRate;
    double faultRate = DEFAULTS.cmqFaultRate;
    int outage = DEFAULTS.kafkaOutageSeconds;
    boolean verbose = false;
    boolean help = false;
    long seed = DEFAULTS.seed;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.isBlank()) {
        continue; // an empty -Ddemo.args expands to nothing worth complaining about
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "--help", "-h" -> help = true;
        case "--verbose", "-v" -> verbose = true;
        case "--devices", "--messages", "--rate", "--paced-rate", "--cmq-fault-rate", "--kafka-outage-seconds", "--seed" -> {
          if (value == null) {
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
              problems.add(name + " needs a value");
              continue;
            }
            value = args[++i];
          }
          switch (name) {
            case "--devices" -> devices = intValue(name, value, 1, 1_000_000, problems, devices);
            case "--messages" -> messages = intValue(name, value, 2, 50_000_000, problems, messages);
            case "--rate" -> rate = intValue(name, value, 0, 10_000_000, problems, rate);
            case "--paced-rate" -> pacedRate = intValue(name, value, 0, 10_000_000, problems, pacedRate);
            case "--kafka-outage-seconds" -> outage = intValue(name, value, 0, 90, problems, outage);
            case "--cmq-fault-rate" -> faultRate = fraction(name, value, problems, faultRate);
            default -> seed = longValue(name, value, problems, seed);
          }
        }
        default -> problems.add("unknown option " + arg);
      }
    }
    if (!problems.isEmpty()) {
      throw new UsageException(String.join("; ", problems));
    }
    return new DemoOptions(devices, messages, rate, pacedRate, faultRate, outage, verbose, help, seed);
  }

  private static int intValue(String name, String value, int min, int max, List<String> problems, int fallback) {
    try {
      long v = Long.parseLong(value.replace("_", "").replace(",", ""));
      if (v < min || v > max) {
        problems.add(name + " was " + value + " but must be between " + min + " and " + max);
        return fallback;
      }
      return (int) v;
    } catch (NumberFormatException e) {
      problems.add(name + " was \"" + value + "\" but must be a whole number");
      return fallback;
    }
  }

  private static long longValue(String name, String value, List<String> problems, long fallback) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      problems.add(name + " was \"" + value + "\" but must be a whole number");
      return fallback;
    }
  }

  private static double fraction(String name, String value, List<String> problems, double fallback) {
    try {
      double v = Double.parseDouble(value);
      if (!(v >= 0 && v <= 0.9)) {
        problems.add(name + " was " + value + " but must be between 0 and 0.9");
        return fallback;
      }
      return v;
    } catch (NumberFormatException e) {
      problems.add(name + " was \"" + value + "\" but must be a number such as 0.2");
      return fallback;
    }
  }
}
