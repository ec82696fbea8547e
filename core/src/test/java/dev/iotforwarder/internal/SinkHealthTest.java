package dev.iotforwarder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The healthy / probing state machine, driven by hand: no threads, a clock passed in. */
class SinkHealthTest {
  private static final long MS = 1_000_000L;
  private static final RetryPolicy POLICY = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
      .multiplier(2).maxBackoff(Duration.ofMillis(1000)).build();

  private static SinkHealth probingAt(long now) {
    SinkHealth h = new SinkHealth(POLICY);
    for (int i = 0; i < SinkHealth.FAILURES_TO_PROBE; i++) {
      assertThat(h.probing()).isFalse();
      h.answered(true, now);
    }
    assertThat(h.probing()).isTrue();
    return h;
  }

  @Test
  @DisplayName("healthy until enough retriable failures in a row; any other answer resets the count")
  void becomesProbing() {
    SinkHealth h = new SinkHealth(POLICY);
    for (int i = 0; i < SinkHealth.FAILURES_TO_PROBE - 1; i++) {
      assertThat(h.answered(true, 0)).isFalse();
    }
    assertThat(h.answered(false, 0)).as("a success or a permanent error resets").isFalse();
    for (int i = 0; i < SinkHealth.FAILURES_TO_PROBE - 1; i++) {
      h.answered(true, 0);
    }
    assertThat(h.probing()).isFalse();
    assertThat(h.sendable(64, 3, 0)).isEqualTo(64);
    assertThat(h.answered(true, 0)).as("the change is reported").isTrue();
    assertThat(h.probing()).isTrue();
  }

  @Test
  @DisplayName("probing: one send at a time, after a wait that doubles up to the cap")
  void probesOneAtATimeWithCappedBackoff() {
    long t = 0;
    SinkHealth h = probingAt(t);
    assertThat(h.sendable(64, 0, t)).as("not before the first wait").isZero();
    assertThat(h.nanosToProbe(t)).isEqualTo(100 * MS);
    t += 100 * MS;
    assertThat(h.sendable(64, 2, t)).as("not while earlier sends are out").isZero();
    assertThat(h.sendable(64, 0, t)).isEqualTo(1);
    h.probeSent();
    assertThat(h.sendable(64, 0, t + 10_000 * MS)).as("not while the probe is out").isZero();
    assertThat(h.nanosToProbe(t)).isEqualTo(-1);
    long[] expectedWaits = {200, 400, 800, 1000, 1000, 1000};
    for (long wait : expectedWaits) {
      h.answered(true, t);
      assertThat(h.probing()).isTrue();
      assertThat(h.nanosToProbe(t)).isEqualTo(wait * MS);
      assertThat(h.sendable(64, 0, t + wait * MS - 1)).isZero();
      t += wait * MS;
      assertThat(h.sendable(64, 0, t)).isEqualTo(1);
      h.probeSent();
    }
    assertThat(h.answered(false, t)).as("the probe got through").isTrue();
    assertThat(h.probing()).isFalse();
    assertThat(h.sendable(64, 5, t)).isEqualTo(64);
  }

  @Test
  @DisplayName("a send from before probing that fails does not count as a probe")
  void stragglersDoNotAdvanceTheBackoff() {
    SinkHealth h = probingAt(0);
    assertThat(h.answered(true, 50 * MS)).isFalse();
    assertThat(h.nanosToProbe(50 * MS)).as("still the first wait").isEqualTo(50 * MS);
  }

  @Test
  @DisplayName("a failover route claims one probe per wait")
  void claims() {
    SinkHealth h = new SinkHealth(POLICY);
    assertThat(h.claimProbe(0)).as("healthy: nothing to claim").isFalse();
    h = probingAt(0);
    assertThat(h.claimProbe(99 * MS)).isFalse();
    assertThat(h.claimProbe(100 * MS)).isTrue();
    assertThat(h.claimProbe(101 * MS)).as("the next one a wait later").isFalse();
    assertThat(h.claimProbe(300 * MS)).isTrue();
    h.answered(false, 301 * MS);
    assertThat(h.probing()).isFalse();
  }
}
