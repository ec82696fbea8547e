package dev.iotforwarder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.spi.BatchLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How a batch sink's ready messages are cut into batches, with time given explicitly: no thread, no
 * clock, so that no timing can change the outcome.
 */
class BatchReadyTest {
  private static final long MS = 1_000_000;

  private static Entry entry(long seq, int payload, Object key) {
    DeviceMessage m = DeviceMessage.publish("p", "d" + seq, String.valueOf(seq), "p/d/t", seq,
        new byte[payload]);
    Entry e = new Entry(m, new Delivery(m, 1, 0, 0), Pipeline.estimateBytes(m), null);
    e.batchKey = key;
    e.seqNo = seq;
    return e;
  }

  private static Entry add(BatchReady q, long seq, long readyAt, Object key) {
    return add(q, seq, 10, readyAt, key);
  }

  private static Entry add(BatchReady q, long seq, int payload, long readyAt, Object key) {
    Entry e = entry(seq, payload, key);
    e.readyNanos = readyAt;
    q.add(e);
    return e;
  }

  /** The seqs of the next due batch, empty if none is due. */
  private static List<Long> poll(BatchReady q, int room, long now, boolean urgent) {
    Entry[] out = new Entry[64];
    int n = q.poll(out, room, now, urgent);
    return Arrays.stream(out, 0, n).map(e -> e.message.seq()).toList();
  }

  /** Batches that only a full count, full bytes or urgency sends. */
  private static BatchReady hourLinger(int maxCount) {
    return new BatchReady(new BatchLimits(maxCount, 1 << 20, Duration.ofHours(1), 1));
  }

  @Test
  @DisplayName("a key's batch is due when it reaches maxCount, or the room left in flight")
  void countAndRoom() {
    BatchReady q = hourLinger(3);
    add(q, 1, 0, "k");
    add(q, 2, 0, "k");
    assertThat(poll(q, 100, 0, false)).isEmpty();
    add(q, 3, 0, "k");
    add(q, 4, 0, "k");
    assertThat(poll(q, 100, 0, false)).containsExactly(1L, 2L, 3L);
    assertThat(poll(q, 100, 0, false)).isEmpty();
    assertThat(poll(q, 1, 0, false)).as("one message of room makes a batch of one full").containsExactly(4L);
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  @DisplayName("a batch holds at most maxBytes of envelopes; a larger message goes alone")
  void bytes() {
    Entry probe = entry(0, 3000, "k");
    long two = 2 * probe.envelopeBytes();
    BatchReady q = new BatchReady(new BatchLimits(100, two, Duration.ofHours(1), 1));
    add(q, 1, 3000, 0, "k");
    add(q, 2, 3000, 0, "k");
    assertThat(poll(q, 100, 0, false)).as("exactly maxBytes is full").containsExactly(1L, 2L);
    add(q, 3, 3000, 0, "k");
    add(q, 4, 30_000, 0, "k");
    add(q, 5, 3000, 0, "k");
    assertThat(poll(q, 100, 0, false)).containsExactly(3L);
    assertThat(poll(q, 100, 0, false)).containsExactly(4L);
    assertThat(poll(q, 100, 0, false)).isEmpty();
    assertThat(poll(q, 100, 0, true)).containsExactly(5L);
  }

  @Test
  @DisplayName("a batch that is not full is due once its oldest message waited linger, or at once when urgent")
  void linger() {
    BatchReady q = new BatchReady(new BatchLimits(16, 1 << 20, Duration.ofMillis(5), 1));
    assertThat(q.nextDue()).isEqualTo(Long.MAX_VALUE);
    add(q, 1, 10 * MS, "k");
    add(q, 2, 12 * MS, "k");
    assertThat(q.nextDue()).isEqualTo(15 * MS);
    assertThat(poll(q, 100, 14 * MS, false)).isEmpty();
    assertThat(poll(q, 100, 14 * MS, true)).containsExactly(1L, 2L);
    add(q, 3, 20 * MS, "k");
    assertThat(poll(q, 100, 25 * MS - 1, false)).isEmpty();
    assertThat(poll(q, 100, 25 * MS, false)).containsExactly(3L);
  }

  @Test
  @DisplayName("zero linger sends whatever is ready")
  void zeroLinger() {
    BatchReady q = new BatchReady(new BatchLimits(16, 1 << 20, Duration.ZERO, 1));
    add(q, 1, 0, "k");
    assertThat(poll(q, 100, 0, false)).containsExactly(1L);
  }

  @Test
  @DisplayName("keys never share a batch, and take turns: a served key goes behind the others")
  void keysTakeTurns() {
    BatchReady q = new BatchReady(new BatchLimits(2, 1 << 20, Duration.ZERO, 1));
    for (long s = 1; s <= 6; s++) {
      add(q, s, 0, s <= 4 ? "a" : "b");
    }
    List<List<Long>> batches = new ArrayList<>();
    for (List<Long> b = poll(q, 100, 0, false); !b.isEmpty(); b = poll(q, 100, 0, false)) {
      batches.add(b);
    }
    assertThat(batches).containsExactly(List.of(1L, 2L), List.of(5L, 6L), List.of(3L, 4L));
  }

  @Test
  @DisplayName("a lingering key does not hold back a full one behind it")
  void fullKeyPassesLingeringKey() {
    BatchReady q = hourLinger(2);
    add(q, 1, 0, "a");
    add(q, 2, 0, "b");
    add(q, 3, 0, "b");
    assertThat(poll(q, 100, 0, false)).containsExactly(2L, 3L);
    assertThat(poll(q, 100, 0, false)).isEmpty();
  }

  @Test
  @DisplayName("DROP_OLDEST's victim is the oldest unsent entry of the type across keys; removal keeps the rest")
  void oldestAndRemove() {
    BatchReady q = hourLinger(16);
    Entry a = add(q, 5, 0, "a");
    Entry b = add(q, 3, 0, "b");
    b.attempts = 1; // a retry: sent before, never a victim
    Entry c = add(q, 4, 0, "b");
    assertThat(q.oldestUnsent(false)).isSameAs(c);
    assertThat(q.oldestUnsent(true)).isNull();
    q.remove(c);
    assertThat(q.oldestUnsent(false)).isSameAs(a);
    q.remove(a);
    List<Entry> left = new ArrayList<>();
    q.forEach(left::add);
    assertThat(left).containsExactly(b);
    q.clear(e -> { });
    assertThat(q.isEmpty()).isTrue();
  }
}
