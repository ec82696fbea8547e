package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void backoffGrowsExponentiallyIsCappedAndJittered() {
    RetryPolicy p = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofSeconds(1)).multiplier(2).jitter(0.5).build();
    Random r = new Random(3);
    Set<Long> seen = new HashSet<>();
    for (int retry = 1; retry <= 8; retry++) {
      long base = Math.min(100L << (retry - 1), 1000L) * 1_000_000L;
      for (int i = 0; i < 50; i++) {
        long b = p.backoffNanos(retry, r);
        assertThat(b).isBetween(base / 2, base);
        seen.add(b);
      }
    }
    assertThat(seen.size()).as("jitter spreads the waits").isGreaterThan(300);
    RetryPolicy noJitter = p.toBuilder().jitter(0).build();
    assertThat(noJitter.backoffNanos(3, r)).isEqualTo(400_000_000L);
    assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
  }
}
