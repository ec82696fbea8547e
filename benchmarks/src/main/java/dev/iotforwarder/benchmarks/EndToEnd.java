package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-to-end harness: in one JVM and one run, the forwarder against what a user would write
 * instead, on LocalKafka and LocalCmq. Prints a table and writes {@code target/e2e-result.json} (and
 * a timestamped copy). Exit status 1 if a target was missed (never in a {@code --smoke} run, which
 * only checks that everything works).
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -Xms4g -Xmx4g @benchmarks/target/benchmarks.args dev.iotforwarder.benchmarks.EndToEnd
 * </pre>
 */
public final class EndToEnd {
  private EndToEnd() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    boolean met = run(settings);
    // LocalKafka leaves a few non-daemon threads behind (yammer metrics); do not wait for them.
    System.exit(met || settings.smoke ? 0 : 1);
  }

  static boolean run(Settings s) throws Exception {
    Map<String, Object> machine = Machine.describe();
    System.out.println("iot-forwarder end-to-end benchmarks: " + Machine.oneLine(machine)
        + (s.smoke ? " [SMOKE RUN: tiny counts, figures mean nothing]" : ""));
    List<Row> rows = new ArrayList<>();
    Map<String, Object> results = new LinkedHashMap<>();

    if (s.scenarios.contains("memory")) {
      MemoryScenario m = new MemoryScenario(s);
      m.run();
      results.put("memory", m.result);
      double limit = m.boundMiB + 64;
      rows.add(new Row("Heap high-water, live (MiB)", "bound " + fmt(m.boundMiB) + " + 64",
          fmt(m.highWaterMiB), fmt(m.highWaterMiB) + " / " + fmt(limit), "<= bound + 64 MiB",
          m.highWaterMiB <= limit));
    }

    DeviceMessage[] pool = null;
    if (s.scenarios.contains("kafka") || s.scenarios.contains("latency") || s.scenarios.contains("cmq")) {
      pool = Workload.typicalPool(s.pool);
    }

    if (s.scenarios.contains("kafka") || s.scenarios.contains("latency")) {
      try (LocalKafka kafka = LocalKafka.builder()
          .brokerProperty("file.delete.delay.ms", "1000")
          .brokerProperty("log.segment.delete.delay.ms", "1000")
          .start()) {
        double maxRate = Double.NaN;
        if (s.scenarios.contains("kafka")) {
          KafkaScenario k = new KafkaScenario(s, kafka, pool);
          try {
            k.run();
          } finally {
            k.close();
          }
          maxRate = k.forwarder.rates.median();
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("averageEnvelopeBytes", k.averageEnvelopeBytes());
          r.put("producerSettings", CkafkaSinkDefaults.describe());
          r.put("cpuMeasurement", "client CPU = process CPU minus the broker's Java threads; see CpuMeter");
          for (Side side : k.sides()) {
            r.put(side.name, side.toMap());
          }
          Map<String, Object> ratios = new LinkedHashMap<>();
          rows.add(ratioRow(ratios, "Kafka msg/s: forwarder / (c)", k.encodingRaw.rates, k.forwarder.rates,
              ">= 0.95", true, 0.95));
          rows.add(ratioRow(ratios, "Kafka CPU/msg: forwarder / (c)", k.encodingRaw.cpuPerMessage,
              k.forwarder.cpuPerMessage, "<= 1.10", false, 1.10));
          rows.add(ratioRow(ratios, "Kafka msg/s: forwarder / (d) databind", k.databind.rates, k.forwarder.rates,
              ">= 1.0", true, 1.0));
          rows.add(ratioRow(ratios, "Kafka CPU/msg: forwarder / (d) databind", k.databind.cpuPerMessage,
              k.forwarder.cpuPerMessage, "< 1.0", false, 0.99999));
          rows.add(ratioRow(ratios, "Kafka msg/s: forwarder / (a) raw", k.raw.rates, k.forwarder.rates,
              "(reference)", true, Double.NaN));
          rows.add(ratioRow(ratios, "Kafka msg/s: (c) / (a) raw", k.raw.rates, k.encodingRaw.rates,
              "(reference)", true, Double.NaN));
          r.put("ratiosOfMedians", ratios);
          results.put("kafka", r);
        }
        if (s.scenarios.contains("latency")) {
          if (Double.isNaN(maxRate)) {
            KafkaScenario probe = new KafkaScenario(s, kafka, pool);
            try {
              probe.forwarderRound(s.kafkaMessages);
              CpuMeter.Usage u = probe.forwarderRound(s.kafkaMessages);
              maxRate = u.messages() / (u.wallNanos() / 1e9);
            } finally {
              probe.close();
            }
          }
          LatencyScenario l = new LatencyScenario(s, kafka, pool, maxRate);
          l.run();
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("rate", l.rate);
          r.put("raw", l.rawResult);
          r.put("forwarder", l.forwarderResult);
          results.put("latency", r);
          rows.add(new Row("Kafka latency ms p50/p99/max @" + Series.rate(l.rate) + "/s",
              latency(l.rawResult), latency(l.forwarderResult), "-", "(reported)", true));
        }
      }
    }

    if (s.scenarios.contains("cmq")) {
      CmqScenario c = new CmqScenario(s, pool);
      c.run();
      Map<String, Object> r = new LinkedHashMap<>();
      for (Side side : c.sides()) {
        r.put(side.name, side.toMap());
      }
      r.put("sinkRequestsPerSec", c.sinkRequests.values());
      r.put("batchLoopThreadsScan", c.scan);
      r.put("batchLoopThreads", c.batchThreads);
      Map<String, Object> ratios = new LinkedHashMap<>();
      rows.add(ratioRow(ratios, "CMQ msg/s: CmqSink / (a) loop", c.loop.rates, c.sink.rates, ">= 10", true, 10));
      rows.add(ratioRow(ratios, "CMQ msg/s: CmqSink / (f)", c.batchLoop.rates,
          c.sink.rates, ">= 0.9", true, 0.9));
      rows.add(ratioRow(ratios, "CMQ CPU/msg: CmqSink / (f)", c.batchLoop.cpuPerMessage, c.sink.cpuPerMessage,
          "(reported)", false, Double.NaN));
      r.put("ratiosOfMedians", ratios);
      results.put("cmq", r);
      rows.add(new Row("CMQ requests/s, median", Series.rate(c.loopRequests.median()),
          Series.rate(c.sinkRequests.median()), "-", "(reported)", true));
    }

    machine.put("loadAverageAtEnd", Machine.loadAverage());
    System.out.println();
    System.out.println("Results (" + Machine.oneLine(machine) + ", load at end " + machine.get("loadAverageAtEnd")
        + ")" + (s.smoke ? " [SMOKE RUN]" : ""));
    String fmt = "%-40s %-26s %-26s %-14s %-18s %s%n";
    System.out.printf(Locale.ROOT, fmt, "what", "baseline", "iot-forwarder", "ratio", "target", "");
    boolean allMet = true;
    for (Row row : rows) {
      allMet &= row.met;
      System.out.printf(Locale.ROOT, fmt, row.what, row.baseline, row.ours, row.ratio, row.target,
          row.met ? "met" : "MISSED");
    }

    Map<String, Object> json = new LinkedHashMap<>();
    json.put("machine", machine);
    json.put("settings", s.toMap());
    json.put("results", results);
    List<Map<String, Object>> table = new ArrayList<>();
    for (Row row : rows) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("what", row.what);
      t.put("baseline", row.baseline);
      t.put("forwarder", row.ours);
      t.put("ratio", row.ratio);
      t.put("target", row.target);
      t.put("met", row.met);
      table.add(t);
    }
    json.put("table", table);
    Path out = Machine.outputDirectory();
    Files.createDirectories(out);
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path latest = out.resolve(s.smoke ? "e2e-smoke.json" : "e2e-result.json");
    ObjectMapper mapper = new ObjectMapper();
    mapper.writerWithDefaultPrettyPrinter().writeValue(latest.toFile(), json);
    if (!s.smoke) {
      Files.copy(latest, out.resolve("e2e-result-" + stamp + ".json"));
    }
    System.out.println("Written: " + latest);
    String noCharts = Charts.unavailable();
    if (noCharts == null) {
      for (Path chart : Charts.write(mapper.readTree(latest.toFile()), latest)) {
        System.out.println("Written: " + chart);
      }
    } else {
      System.out.println("Charts skipped: " + noCharts);
    }
    return allMet;
  }

  /**
   * A row comparing the forwarder with a baseline: the ratio of the two medians over the rounds;
   * {@code higherIsBetter} for throughput, not for CPU; {@code limit} NaN for a reference row.
   */
  private static Row ratioRow(Map<String, Object> ratios, String what, Series baseline, Series ours,
      String target, boolean higherIsBetter, double limit) {
    double ratio = ours.median() / baseline.median();
    ratios.put(what, ratio);
    String b = higherIsBetter ? baseline.medianAndRange() : nanos(baseline);
    String o = higherIsBetter ? ours.medianAndRange() : nanos(ours);
    boolean met = Double.isNaN(limit) || (higherIsBetter ? ratio >= limit : ratio <= limit);
    return new Row(what, b, o, String.format(Locale.ROOT, "%.3f", ratio), target, met);
  }

  private static String nanos(Series s) {
    return String.format(Locale.ROOT, "%.0f ns (%.0f-%.0f)", s.median(), s.min(), s.max());
  }

  private static String latency(Map<String, Object> r) {
    return r.get("p50Millis") + "/" + r.get("p99Millis") + "/" + r.get("maxMillis");
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private record Row(String what, String baseline, String ours, String ratio, String target, boolean met) {}
}
