package dev.iotforwarder.internal.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Segment}'s receive times: kept as runs, read back to within a second, never later. */
class SegmentReceiveTimesTest {
  private static final long T = 1_765_000_000_000L;

  private static Segment segment() {
    return new Segment(1, Path.of("00000000000000000001.seg"));
  }

  @Test
  void exactWhenEveryRecordStartsARunOrSharesItsMillisecond() {
    Segment s = segment();
    s.addPending(100, false, T);
    s.addPending(101, false, T);
    s.addPending(102, true, T + 5_000);
    s.add(103, false, false); // done at recovery: no time
    s.addPending(104, false, T - 2_000); // earlier than the run: a run of its own
    assertThat(s.receivedMillis(100)).isEqualTo(T);
    assertThat(s.receivedMillis(101)).isEqualTo(T);
    assertThat(s.receivedMillis(102)).isEqualTo(T + 5_000);
    assertThat(s.receivedMillis(104)).isEqualTo(T - 2_000);
  }

  @Test
  void aQuickBacklogCostsOneRunPerSecond() {
    Segment s = segment();
    for (int i = 0; i < 10_000; i++) {
      s.addPending(i, false, T + i / 10); // 10,000 records in one second
    }
    assertThat(s.receivedMillis(0)).isEqualTo(T);
    assertThat(s.receivedMillis(9_999)).isEqualTo(T); // 999 ms early at most
  }

  @Test
  void anySequenceOfTimesReadsBackAtMostASecondEarlyAndNeverLate() {
    for (long seed = 1; seed <= 20; seed++) {
      Random rnd = new Random(seed);
      Segment s = segment();
      int n = 500 + rnd.nextInt(500);
      long[] truth = new long[n];
      long t = T;
      for (int i = 0; i < n; i++) {
        t += rnd.nextInt(10) == 0 ? -rnd.nextInt(5_000) : rnd.nextInt(700);
        truth[i] = t;
        s.addPending(1_000 + i, false, t);
      }
      for (int i = 0; i < n; i++) {
        long read = s.receivedMillis(1_000 + i);
        assertThat(read).as("seed %d, record %d", seed, i)
            .isLessThanOrEqualTo(truth[i]).isGreaterThan(truth[i] - Segment.RUN_MILLIS);
      }
    }
  }
}
