package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The stats read naturally when printed: one line per sink, the routed count first. */
@DisplayName("SinkStats and ForwarderStats text")
class StatsTextTest {
  private static final SinkStats KAFKA = new SinkStats("kafka", 10, 2, 7, 1, 0, 0, 0, 0, 3, 0, 0, 1, 0,
      SinkStats.Health.HEALTHY);
  private static final SinkStats CMQ = new SinkStats("cmq", 10, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      SinkStats.Health.PROBING);

  @Test
  @DisplayName("routed() is what the sink's routes took: received minus filtered")
  void routedExcludesFiltered() {
    assertThat(KAFKA.routed()).isEqualTo(8);
    assertThat(KAFKA.balanced()).isTrue();
  }

  @Test
  @DisplayName("SinkStats.toString() is one line that leads with routed, received and filtered")
  void sinkLine() {
    assertThat(KAFKA.toString())
        .startsWith("kafka: routed 8 of 10 received (2 filtered): 7 succeeded, 1 failed")
        .contains("3 retries", "1 dead-lettered")
        .endsWith("; healthy")
        .doesNotContain("\n");
    assertThat(CMQ.toString()).endsWith("; probing");
  }

  @Test
  @DisplayName("ForwarderStats.toString() puts each sink on its own line")
  void forwarderLines() {
    Map<String, SinkStats> sinks = new LinkedHashMap<>();
    sinks.put("kafka", KAFKA);
    sinks.put("cmq", CMQ);
    String text = new ForwarderStats(10, 0, 0, sinks, SpoolStats.DISABLED).toString();
    assertThat(text.split("\n")).containsExactly(
        "forwarded 10, filtered 0, listener errors 0", "  " + KAFKA, "  " + CMQ);
  }
}
