package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The median over runs: reads the JSON files of several {@link EndToEnd} runs and prints every ratio
 * of their {@code ratiosOfMedians} per run and the median over the runs, with each run's loads.
 *
 * <pre>java @benchmarks/target/benchmarks.args dev.iotforwarder.benchmarks.Runs benchmarks/target/e2e-result-*.json</pre>
 */
public final class Runs {
  private Runs() {}

  /**
   * Prints the table.
   *
   * @param args the result files
   * @throws Exception if a file cannot be read
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: Runs e2e-result-1.json e2e-result-2.json ...");
      System.exit(2);
    }
    ObjectMapper json = new ObjectMapper();
    Map<String, Series> ratios = new LinkedHashMap<>();
    Map<String, List<String>> perRun = new LinkedHashMap<>();
    for (String a : args) {
      JsonNode root = json.readTree(new File(a));
      JsonNode m = root.path("machine");
      System.out.printf("%s: load %s -> %s%n", a, m.path("loadAverageAtStart").asText(),
          m.path("loadAverageAtEnd").asText());
      for (String scenario : List.of("kafka", "cmq")) {
        Iterator<Map.Entry<String, JsonNode>> it =
            root.path("results").path(scenario).path("ratiosOfMedians").fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          ratios.computeIfAbsent(e.getKey(), k -> new Series()).add(e.getValue().asDouble());
          perRun.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
              .add(String.format(Locale.ROOT, "%.3f", e.getValue().asDouble()));
        }
      }
    }
    System.out.printf("%-45s %-30s %s%n", "ratio", "per run", "median");
    ratios.forEach((k, s) -> System.out.printf(Locale.ROOT, "%-45s %-30s %.3f%n", k,
        String.join(", ", perRun.get(k)), s.median()));
  }
}
