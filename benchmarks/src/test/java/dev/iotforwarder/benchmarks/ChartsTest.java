package dev.iotforwarder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The charts are well-formed SVG with every side's name in them. Needs a font to lay text out: on a
 * machine without one the test is skipped, as the harness skips its charts there.
 */
class ChartsTest {
  private static final String RESULT = """
      {"machine": {"loadAverageAtStart": "0.50 0.40 0.30"},
       "results": {
        "kafka": {"averageEnvelopeBytes": 407,
          "raw producer, pre-encoded (a)": {"msgPerSec": [800000, 820000],
            "cpuNanosPerMsgByGroupMedian": {"caller (main)": 300, "producer I/O": 400, "GC, JIT, other JVM": 100,
              "server (broker / LocalCmq)": 900}},
          "forwarder (b)": {"msgPerSec": [600000, 610000],
            "cpuNanosPerMsgByGroupMedian": {"caller (main)": 200, "lane dispatcher": 700, "producer I/O": 400,
              "GC, JIT, other JVM": 150, "server (broker / LocalCmq)": 900}},
          "ratiosOfMedians": {"x": 0.75}},
        "cmq": {"CmqSink (b)": {"msgPerSec": [80000], "cpuNanosPerMsgByGroupMedian": {"OkHttp": 3000}}},
        "latency": {"rate": 300000,
          "raw": {"p50Millis": 4.4, "p90Millis": 6.0, "p99Millis": 9.2, "p999Millis": 11.0, "maxMillis": 12.0},
          "forwarder": {"p50Millis": 5.3, "p90Millis": 7.0, "p99Millis": 12.4, "p999Millis": 15.0, "maxMillis": 18.0}}
       }}
      """;

  @Test
  @DisplayName("every chart is an SVG document; the legends name the sides")
  void writesSvg(@TempDir Path dir) throws Exception {
    String why = Charts.unavailable();
    assumeTrue(why == null, () -> "charts cannot be drawn here: " + why);
    JsonNode result = new ObjectMapper().readTree(RESULT);
    List<Path> files = Charts.write(result, dir.resolve("e2e-result.json"));
    assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
        "e2e-result-kafka-throughput.svg", "e2e-result-kafka-cpu.svg", "e2e-result-cmq-throughput.svg",
        "e2e-result-cmq-cpu.svg", "e2e-result-latency.svg");
    DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
    // Batik writes the SVG 1.0 DOCTYPE; do not fetch its DTD.
    xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    for (Path f : files) {
      Document doc = xml.newDocumentBuilder().parse(f.toFile());
      assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
      assertThat(doc.getDocumentElement().getAttribute("width")).isEqualTo("860");
      assertThat(Files.size(f)).isGreaterThan(10_000);
    }
  }
}
