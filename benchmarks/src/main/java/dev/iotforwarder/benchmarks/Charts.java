package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.batik.svggen.SVGGeneratorContext;
import org.apache.batik.svggen.SVGGraphics2D;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.w3c.dom.Document;

/**
 * SVG charts of an {@link EndToEnd} result, written next to its JSON: throughput per round of every
 * side (Kafka, CMQ), CPU per message per thread group, and latency percentiles of the raw producer
 * and the forwarder. Drawn with XChart on Batik's {@code SVGGraphics2D}, headless; text stays text
 * in the SVG. Laying text out needs a font: on a machine without any (a bare CI image),
 * {@link #unavailable()} says why and the harness skips the charts instead of failing.
 *
 * <pre>java @benchmarks/target/benchmarks.args dev.iotforwarder.benchmarks.Charts benchmarks/target/e2e-result.json</pre>
 */
public final class Charts {
  private static final int WIDTH = 860;
  private static final int HEIGHT = 460;

  /** Client groups bottom up, the JVM's above them, the server's on top. */
  private static final List<String> GROUP_ORDER = List.of("caller (main)", "sending threads", "lane dispatcher",
      "lane completer", "forwarder, other", "producer I/O", "CmqClient HTTP", "OkHttp", CpuMeter.JVM, CpuMeter.SERVER);

  private Charts() {}

  /**
   * Renders the charts of a result file next to it.
   *
   * @param args the JSON file written by {@link EndToEnd}
   * @throws Exception if it cannot be read or a chart cannot be written
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: Charts e2e-result.json");
      System.exit(2);
    }
    Path json = Path.of(args[0]);
    String why = unavailable();
    if (why != null) {
      System.err.println("charts skipped: " + why);
      System.exit(1);
    }
    write(new ObjectMapper().readTree(json.toFile()), json).forEach(p -> System.out.println("Written: " + p));
  }

  /**
   * Why charts cannot be drawn here, or {@code null} if they can.
   *
   * @return e.g. {@code "no fonts: ..."}
   */
  static String unavailable() {
    System.setProperty("java.awt.headless", "true");
    try {
      Graphics2D g = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB).createGraphics();
      try {
        int width = g.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 12)).stringWidth("msg/s");
        return width > 0 ? null : "no fonts: text measures 0 pixels wide";
      } finally {
        g.dispose();
      }
    } catch (Throwable e) { // the JDK throws Errors, not only exceptions, when no font is installed
      return "no fonts (" + e + ")";
    }
  }

  /**
   * Writes every chart the result has data for, as {@code <json name>-<chart>.svg} beside it.
   *
   * @param result the harness's JSON
   * @param json where it was written
   * @return the files written
   * @throws Exception if a file cannot be written
   */
  static List<Path> write(JsonNode result, Path json) throws Exception {
    String base = json.getFileName().toString().replaceFirst("\\.json$", "");
    Path dir = json.toAbsolutePath().getParent();
    Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
    JsonNode results = result.path("results");
    String load = " (load " + result.path("machine").path("loadAverageAtStart").asText() + ")";
    if (results.has("kafka")) {
      charts.put("kafka-throughput", throughput("Kafka: msg/s per round" + load, results.path("kafka")));
      charts.put("kafka-cpu", cpu("Kafka: CPU per message by thread group, median of rounds" + load,
          results.path("kafka")));
    }
    if (results.has("cmq")) {
      charts.put("cmq-throughput", throughput("CMQ: msg/s per round" + load, results.path("cmq")));
      charts.put("cmq-cpu", cpu("CMQ: CPU per message by thread group, median of rounds" + load,
          results.path("cmq")));
    }
    if (results.has("latency")) {
      charts.put("latency", latency(results.path("latency"), load));
    }
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, Chart<?, ?>> e : charts.entrySet()) {
      Path file = dir.resolve(base + "-" + e.getKey() + ".svg");
      svg(e.getValue(), file);
      written.add(file);
    }
    return written;
  }

  /** The sides of a scenario: the fields of its result that have a {@code msgPerSec} array. */
  private static Map<String, JsonNode> sides(JsonNode scenario) {
    Map<String, JsonNode> sides = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = scenario.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().has("msgPerSec")) {
        sides.put(e.getKey(), e.getValue());
      }
    }
    return sides;
  }

  private static CategoryChart throughput(String title, JsonNode scenario) {
    CategoryChart chart = base(title, "round", "msg/s");
    for (Map.Entry<String, JsonNode> side : sides(scenario).entrySet()) {
      List<String> rounds = new ArrayList<>();
      List<Number> rates = new ArrayList<>();
      for (JsonNode v : side.getValue().path("msgPerSec")) {
        rounds.add(Integer.toString(rounds.size() + 1));
        rates.add(v.asDouble());
      }
      chart.addSeries(side.getKey(), rounds, rates);
    }
    return chart;
  }

  private static CategoryChart cpu(String title, JsonNode scenario) {
    CategoryChart chart = base(title, null, "CPU microseconds per message");
    chart.getStyler().setStacked(true);
    // Up to ten groups: a column beside the bars instead of a row that would not fit.
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    chart.getStyler().setYAxisDecimalPattern("#,##0.0");
    Map<String, JsonNode> sides = sides(scenario);
    List<String> names = new ArrayList<>();
    Set<String> groups = new LinkedHashSet<>();
    for (Map.Entry<String, JsonNode> side : sides.entrySet()) {
      names.add(side.getKey().replaceAll(".*\\((\\w)\\)$", "($1)"));
      side.getValue().path("cpuNanosPerMsgByGroupMedian").fieldNames().forEachRemaining(groups::add);
    }
    List<String> ordered = new ArrayList<>(GROUP_ORDER);
    ordered.retainAll(groups);
    groups.removeAll(ordered);
    ordered.addAll(groups);
    for (String group : ordered) {
      List<Number> values = new ArrayList<>();
      for (JsonNode side : sides.values()) {
        values.add(side.path("cpuNanosPerMsgByGroupMedian").path(group).asDouble(0) / 1000);
      }
      chart.addSeries(group, names, values);
    }
    return chart;
  }

  private static CategoryChart latency(JsonNode latency, String load) {
    String rate = Series.rate(latency.path("rate").asDouble());
    CategoryChart chart = base("Kafka latency at " + rate + " msg/s, due time to ack" + load, "percentile",
        "milliseconds");
    chart.getStyler().setYAxisDecimalPattern("#,##0.0");
    List<String> names = List.of("p50", "p90", "p99", "p99.9", "max");
    List<String> keys = List.of("p50Millis", "p90Millis", "p99Millis", "p999Millis", "maxMillis");
    for (String side : List.of("raw", "forwarder")) {
      List<Number> values = new ArrayList<>();
      for (String k : keys) {
        values.add(latency.path(side).path(k).asDouble());
      }
      chart.addSeries(side.equals("raw") ? "raw producer" : "forwarder", names, values);
    }
    return chart;
  }

  private static CategoryChart base(String title, String xTitle, String yTitle) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle(xTitle == null ? "" : xTitle).yAxisTitle(yTitle).build();
    Styler s = chart.getStyler();
    s.setLegendPosition(Styler.LegendPosition.OutsideS);
    s.setLegendLayout(Styler.LegendLayout.Horizontal);
    s.setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setYAxisDecimalPattern("#,###");
    chart.getStyler().setXAxisTitleVisible(xTitle != null);
    return chart;
  }

  /** Draws a chart on Batik's SVG Graphics2D and writes the SVG document. */
  private static void svg(Chart<?, ?> chart, Path file) throws Exception {
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().getDOMImplementation()
        .createDocument("http://www.w3.org/2000/svg", "svg", null);
    SVGGeneratorContext context = SVGGeneratorContext.createDefault(doc);
    context.setPrecision(2); // XChart draws text as outlines: two decimals keep the files small
    context.setComment("iot-forwarder benchmarks: XChart on Batik SVGGraphics2D");
    SVGGraphics2D g = new SVGGraphics2D(context, false);
    g.setSVGCanvasSize(new Dimension(chart.getWidth(), chart.getHeight()));
    chart.paint(g, chart.getWidth(), chart.getHeight());
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      g.stream(w, true);
    }
    g.dispose();
  }
}
