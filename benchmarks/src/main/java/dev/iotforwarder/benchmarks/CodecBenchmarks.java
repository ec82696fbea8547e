package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks of this module and prints the codec-vs-databind ratios.
 *
 * <p>Takes JMH's own command-line options (for example {@code -prof gc}, {@code -f 3}, a benchmark
 * regex). Without {@code -rff} the full JMH results go to {@code target/jmh-result.json}; the ratios
 * go to stdout and {@code target/jmh-ratios.json}.
 */
public final class CodecBenchmarks {
  private CodecBenchmarks() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, "jmh") ? 0 : 1);
  }

  /**
   * Runs JMH; true if every codec target was met.
   *
   * @param prefix names the output files: {@code <prefix>-result.json}, {@code <prefix>-ratios.json}
   */
  static boolean run(String[] args, String prefix) throws Exception {
    Map<String, Object> machine = Machine.describe();
    CommandLineOptions cli = new CommandLineOptions(args);
    Path out = Machine.outputDirectory();
    Files.createDirectories(out);
    ChainedOptionsBuilder options = new OptionsBuilder().parent(cli);
    if (!cli.getResult().hasValue()) {
      options.result(out.resolve(prefix + "-result.json").toString());
      if (!cli.getResultFormat().hasValue()) {
        options.resultFormat(ResultFormatType.JSON);
      }
    }
    if (cli.getIncludes().isEmpty()) {
      options.include(CodecBenchmarks.class.getPackageName() + "\\..*Benchmark\\..*");
    }
    Collection<RunResult> results = new Runner(options.build()).run();

    Map<String, Double> score = new LinkedHashMap<>();
    Map<String, Double> alloc = new LinkedHashMap<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      String key = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1)
          + "/" + r.getParams().getParam("size");
      score.put(key, r.getPrimaryResult().getScore());
      for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
        if (e.getKey().endsWith("gc.alloc.rate.norm")) {
          alloc.put(key, e.getValue().getScore());
        }
      }
    }

    System.out.println();
    System.out.println("Codec vs databind (" + Machine.oneLine(machine) + ", load now "
        + Machine.loadAverage() + ")");
    System.out.printf(Locale.ROOT, "%-8s %-8s %14s %14s %7s %7s %12s %12s%n", "op", "size",
        "codec ops/s", "databind ops/s", "ratio", "target", "codec B/op", "databind B/op");
    boolean allMet = true;
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String op : List.of("encode", "decode")) {
      double target = op.equals("encode") ? 2.0 : 1.5;
      for (String size : List.of("typical", "16k")) {
        String c = "EnvelopeCodecBenchmark." + op + "Codec/" + size;
        String d = "EnvelopeCodecBenchmark." + op + "Databind/" + size;
        if (!score.containsKey(c) || !score.containsKey(d)) {
          continue;
        }
        double ratio = score.get(c) / score.get(d);
        boolean met = ratio >= target;
        allMet &= met;
        System.out.printf(Locale.ROOT, "%-8s %-8s %,14.0f %,14.0f %6.2fx %6.1fx %12s %12s %s%n", op, size,
            score.get(c), score.get(d), ratio, target, bytes(alloc.get(c)), bytes(alloc.get(d)),
            met ? "met" : "MISSED");
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("op", op);
        row.put("size", size);
        row.put("codecOpsPerSec", score.get(c));
        row.put("databindOpsPerSec", score.get(d));
        row.put("ratio", ratio);
        row.put("target", target);
        row.put("met", met);
        row.put("codecBytesPerOp", alloc.get(c));
        row.put("databindBytesPerOp", alloc.get(d));
        rows.add(row);
      }
    }
    for (String k : score.keySet()) {
      if (k.startsWith("PayloadCodecBenchmark.")) {
        System.out.printf(Locale.ROOT, "%-40s %,14.0f ops/s %12s B/op%n", k, score.get(k), bytes(alloc.get(k)));
      }
    }
    machine.put("loadAverageAtEnd", Machine.loadAverage());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("machine", machine);
    json.put("jmhArgs", List.of(args));
    json.put("ratios", rows);
    json.put("scores", score);
    json.put("bytesPerOp", alloc);
    Path file = out.resolve(prefix + "-ratios.json");
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    System.out.println("Written: " + file);
    return allMet;
  }

  private static String bytes(Double b) {
    return b == null ? "-" : String.format(Locale.ROOT, "%,.0f", b);
  }
}
