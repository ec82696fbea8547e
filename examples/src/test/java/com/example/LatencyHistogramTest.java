package com.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The latency histogram")
class LatencyHistogramTest {

  @Test
  @DisplayName("buckets tile the whole range without gaps or overlaps")
  void bucketsTile() {
    for (long v : new long[] {0, 1, 63, 64, 65, 127, 128, 1_000, 123_456, 1L << 40, Long.MAX_VALUE}) {
      int i = LatencyHistogram.index(v);
      assertThat(LatencyHistogram.lowerBound(i)).isLessThanOrEqualTo(v);
      assertThat(LatencyHistogram.upperBound(i)).isGreaterThanOrEqualTo(v);
    }
    for (int i = 0; i < 3000; i++) {
      assertThat(LatencyHistogram.lowerBound(i + 1)).isEqualTo(LatencyHistogram.upperBound(i) + 1);
    }
  }

  @Test
  @DisplayName("percentiles are within 1/64 of the exact ones, and the maximum is exact")
  void percentilesAreClose() {
    LatencyHistogram h = new LatencyHistogram();
    Random random = new Random(1);
    long[] values = new long[100_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) Math.exp(random.nextDouble() * 14); // 1 µs to 1.2 s, log-uniform
      h.record(values[i]);
    }
    Arrays.sort(values);
    for (double q : new double[] {0.5, 0.9, 0.99, 0.999}) {
      long exact = values[(int) Math.ceil(q * values.length) - 1];
      assertThat((double) h.percentileMicros(q)).isCloseTo(exact, within(exact / 64.0 + 1));
    }
    assertThat(h.maxMicros()).isEqualTo(values[values.length - 1]);
    assertThat(h.count()).isEqualTo(values.length);
  }

  @Test
  @DisplayName("an empty histogram reports zeros")
  void empty() {
    LatencyHistogram h = new LatencyHistogram();
    assertThat(h.percentileMicros(0.99)).isZero();
    assertThat(h.maxMicros()).isZero();
  }
}
