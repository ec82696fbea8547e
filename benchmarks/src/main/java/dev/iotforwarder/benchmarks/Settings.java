package dev.iotforwarder.benchmarks;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The harness's options; every count can be set so that CI can do a smoke run in seconds. */
final class Settings {
  static final List<String> SCENARIOS = List.of("memory", "kafka", "latency", "cmq");

  Set<String> scenarios = new LinkedHashSet<>(SCENARIOS);
  int kafkaMessages = 1_000_000;
  int kafkaRounds = 5;
  int partitions = 4;
  int pool = 4_096;
  int cmqLoopMessages = 20_000;
  int cmqSinkMessages = 200_000;
  int cmqRounds = 3;
  int memoryMessages = 1_000_000;
  long memoryMaxBytes = 64L * 1024 * 1024;
  double slowSinkRate = 100_000;
  double memoryInputRate = 400_000;
  int latencyMessages = 500_000;
  double latencyFraction = 0.5;
  boolean smoke;
  /** Experiments only: LaneOptions.maxInFlight of the forwarder's Kafka lane; 0 = the default. */
  int laneMaxInFlight;
  /** Print the CPU time of each thread group per round. */
  boolean threads;

  static String usage() {
    return String.join("\n",
        "usage: EndToEnd [options]",
        "  --only memory,kafka,latency,cmq   scenarios to run (default: all, in this order)",
        "  --kafka-messages N     messages per Kafka round (default 1000000)",
        "  --rounds N             measured Kafka rounds after the warm-up round (default 5)",
        "  --partitions N         partitions of each Kafka topic (default 4)",
        "  --pool N               distinct messages, cycled (default 4096: about 2 MB, cache-hot like a",
        "                         gateway's freshly parsed messages)",
        "  --cmq-loop-messages N  messages per round of the sequential SendMessage loop (default 20000)",
        "  --cmq-sink-messages N  messages per round through CmqSink (default 200000)",
        "  --cmq-rounds N         measured CMQ rounds after the warm-up round (default 3)",
        "  --memory-messages N    messages forwarded into the slowed sink (default 1000000)",
        "  --memory-max-bytes N   LaneOptions.maxBytes of the memory run (default 67108864)",
        "  --slow-sink-rate R     acknowledgements per second of the slowed sink (default 100000)",
        "  --latency-messages N   messages of the latency run (default 500000)",
        "  --threads              print the CPU time of each thread group per round (diagnostics)",
        "  --smoke                tiny counts: checks that everything runs, measures nothing");
  }

  static Settings parse(String[] args) {
    Settings s = new Settings();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--smoke")) {
        s.smoke = true;
        s.kafkaMessages = 5_000;
        s.kafkaRounds = 1;
        s.pool = 1_000;
        s.cmqLoopMessages = 200;
        s.cmqSinkMessages = 2_000;
        s.cmqRounds = 1;
        s.memoryMessages = 20_000;
        s.memoryMaxBytes = 1024 * 1024;
        s.slowSinkRate = 20_000;
        s.latencyMessages = 2_000;
        continue;
      }
      if (a.equals("--threads")) {
        s.threads = true;
        continue;
      }
      if (a.equals("--help") || a.equals("-h")) {
        System.out.println(usage());
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value\n" + usage());
      }
      String v = args[++i];
      switch (a) {
        case "--only" -> {
          s.scenarios = new LinkedHashSet<>();
          for (String n : v.split(",")) {
            if (!SCENARIOS.contains(n.trim())) {
              throw new IllegalArgumentException("unknown scenario " + n + "; scenarios: " + SCENARIOS);
            }
            s.scenarios.add(n.trim());
          }
        }
        case "--kafka-messages" -> s.kafkaMessages = Integer.parseInt(v);
        case "--rounds" -> s.kafkaRounds = Integer.parseInt(v);
        case "--partitions" -> s.partitions = Integer.parseInt(v);
        case "--pool" -> s.pool = Integer.parseInt(v);
        case "--cmq-loop-messages" -> s.cmqLoopMessages = Integer.parseInt(v);
        case "--cmq-sink-messages" -> s.cmqSinkMessages = Integer.parseInt(v);
        case "--cmq-rounds" -> s.cmqRounds = Integer.parseInt(v);
        case "--memory-messages" -> s.memoryMessages = Integer.parseInt(v);
        case "--memory-max-bytes" -> s.memoryMaxBytes = Long.parseLong(v);
        case "--slow-sink-rate" -> s.slowSinkRate = Double.parseDouble(v);
        case "--latency-messages" -> s.latencyMessages = Integer.parseInt(v);
        case "--lane-max-in-flight" -> s.laneMaxInFlight = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + usage());
      }
    }
    s.memoryInputRate = 4 * s.slowSinkRate;
    return s;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenarios", List.copyOf(scenarios));
    m.put("smoke", smoke);
    m.put("kafkaMessagesPerRound", kafkaMessages);
    m.put("kafkaMeasuredRounds", kafkaRounds);
    m.put("kafkaPartitions", partitions);
    m.put("distinctMessages", pool);
    m.put("cmqLoopMessagesPerRound", cmqLoopMessages);
    m.put("cmqSinkMessagesPerRound", cmqSinkMessages);
    m.put("cmqMeasuredRounds", cmqRounds);
    m.put("memoryMessages", memoryMessages);
    m.put("memoryMaxBytes", memoryMaxBytes);
    m.put("slowSinkRate", slowSinkRate);
    m.put("memoryInputRate", memoryInputRate);
    m.put("latencyMessages", latencyMessages);
    m.put("latencyFractionOfMaxRate", latencyFraction);
    m.put("laneMaxInFlight", laneMaxInFlight == 0 ? "default" : laneMaxInFlight);
    return m;
  }
}
