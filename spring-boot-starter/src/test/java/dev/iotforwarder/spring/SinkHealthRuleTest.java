package dev.iotforwarder.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.SinkStats;
import dev.iotforwarder.testing.RecordingSink;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The health indicator's rule for one sink: its lane's state and the sink's own word. */
@DisplayName("ForwarderHealthIndicator.sinkHealthy")
class SinkHealthRuleTest {
  private static SinkStats stats(SinkStats.Health health) {
    return new SinkStats("s", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, health);
  }

  @Test
  @DisplayName("a lane that probes its sink makes the sink DOWN, although the sink says it is healthy")
  void probingIsDown() {
    RecordingSink sink = new RecordingSink("s");
    assertThat(ForwarderHealthIndicator.sinkHealthy(sink, stats(SinkStats.Health.HEALTHY))).isTrue();
    assertThat(ForwarderHealthIndicator.sinkHealthy(sink, stats(SinkStats.Health.PROBING))).isFalse();
    assertThat(ForwarderHealthIndicator.sinkHealthy(null, stats(SinkStats.Health.HEALTHY))).isTrue();
  }
}
