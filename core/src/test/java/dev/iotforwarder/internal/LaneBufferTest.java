package dev.iotforwarder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The lane's buffer and per-device ordering, on one thread, without a lane. */
class LaneBufferTest {

  static Entry entry(int device, long seq) {
    DeviceMessage m = DeviceMessage.publish("p", "d" + device, String.valueOf(device),
        "p/d" + device + "/t", seq, new byte[10]);
    return new Entry(m, new Delivery(m, 1, 0, 0), Pipeline.estimateBytes(m), null);
  }

  static DeviceMessage status(int device, long seq) {
    return DeviceMessage.status("p", "d" + device, String.valueOf(device), "Online", seq);
  }

  /** An ordered buffer with room for everything, holding {@code entries}. */
  private static LaneBuffer ordered(Entry... entries) {
    LaneBuffer b = new LaneBuffer(100, 1 << 20, true, new ReadyQueue.Fifo());
    for (Entry e : entries) {
      b.accept(e, 0);
    }
    return b;
  }

  private static ReadyQueue.Fifo fifo(LaneBuffer b) {
    return (ReadyQueue.Fifo) b.ready;
  }

  @Test
  @DisplayName("an ordered buffer holds a device's later messages back until its earlier one is done")
  void perDeviceOrder() {
    LaneBuffer b = new LaneBuffer(100, 1 << 20, true, new ReadyQueue.Fifo());
    Entry a1 = entry(1, 1);
    Entry a2 = entry(1, 2);
    Entry c1 = entry(2, 1);
    assertThat(b.accept(a1, 0)).isTrue();
    assertThat(b.accept(a2, 0)).isFalse();
    assertThat(b.accept(c1, 0)).isTrue();
    assertThat(a2.state).isEqualTo(Entry.WAITING);
    assertThat(fifo(b).poll()).isSameAs(a1);
    b.startSend(a1, 0, null);
    assertThat(fifo(b).poll()).isSameAs(c1);
    assertThat(fifo(b).poll()).isNull();
    b.endSend(a1);
    b.toBackoff(a1); // a retry keeps its device's turn
    assertThat(b.ready.isEmpty()).isTrue();
    assertThat(b.requeue(a1, 0)).isTrue();
    assertThat(fifo(b).poll()).isSameAs(a1);
    b.startSend(a1, 0, null);
    b.endSend(a1);
    b.release(a1, 0);
    assertThat(a2.state).isEqualTo(Entry.QUEUED);
    assertThat(fifo(b).poll()).isSameAs(a2);
  }

  @Test
  @DisplayName("an unordered buffer makes every message ready at once")
  void unordered() {
    LaneBuffer b = new LaneBuffer(100, 1 << 20, false, new ReadyQueue.Fifo());
    assertThat(b.accept(entry(1, 1), 0)).isTrue();
    assertThat(b.accept(entry(1, 2), 0)).isTrue();
  }

  @Test
  @DisplayName("counts follow every move, and the bounds count messages and bytes")
  void countsAndBounds() {
    Entry e = entry(1, 1);
    LaneBuffer b = new LaneBuffer(2, 2 * e.bytes, true, new ReadyQueue.Fifo());
    assertThat(b.hasRoom(10 * e.bytes)).as("an empty buffer takes any one message").isTrue();
    b.accept(e, 0);
    assertThat(b.hasRoom(e.bytes)).isTrue();
    assertThat(b.hasRoom(e.bytes + 1)).isFalse();
    assertThat(b.roomForSpool()).isTrue();
    b.accept(entry(2, 1), 0);
    assertThat(b.hasRoom(1)).isFalse();
    assertThat(b.roomForSpool()).isFalse();
    assertThat(b.queued).isEqualTo(2);
    fifo(b).poll();
    b.startSend(e, 7, null);
    assertThat(e.attempts).isEqualTo(1);
    assertThat(e.token).isEqualTo(1);
    assertThat(b.inFlight.first()).isSameAs(e);
    assertThat(new long[] {b.queued, b.inflight, b.sending}).containsExactly(1, 1, 1);
    assertThat(LaneBuffer.isCurrent(e, 1)).isTrue();
    assertThat(LaneBuffer.isCurrent(e, 0)).isFalse();
    b.endSend(e);
    b.toBackoff(e);
    assertThat(new long[] {b.queued, b.inflight, b.sending}).containsExactly(1, 1, 0);
    assertThat(b.inFlight.isEmpty()).isTrue();
    b.requeue(e, 0);
    assertThat(new long[] {b.queued, b.inflight}).containsExactly(2, 0);
    fifo(b).poll();
    b.startSend(e, 7, null);
    b.endSend(e);
    b.release(e, 0);
    assertThat(e.state).isEqualTo(Entry.DONE);
    assertThat(new long[] {b.queued, b.inflight, b.heldBytes}).containsExactly(1, 0, e.bytes);
    assertThat(b.requeue(e, 0)).as("a done entry is not requeued").isFalse();
  }

  @Test
  @DisplayName("DROP_OLDEST takes the oldest unsent message of the type, waiting or ready")
  void oldestUnsent() {
    Entry a1 = entry(1, 1);
    Entry a2 = entry(1, 2);
    Entry c1 = entry(2, 1);
    DeviceMessage sm = status(3, 1);
    Entry s1 = new Entry(sm, new Delivery(sm, 1, 0, 0), 100, null);
    LaneBuffer b = ordered(a1, a2, c1, s1);
    fifo(b).poll();
    b.startSend(a1, 0, null); // sent: never a victim
    assertThat(b.removeOldestUnsent(false, 0)).isSameAs(a2); // waiting, older than c1
    assertThat(b.removeOldestUnsent(false, 0)).isSameAs(c1);
    assertThat(b.removeOldestUnsent(false, 0)).isNull();
    assertThat(b.removeOldestUnsent(true, 0)).isSameAs(s1);
    assertThat(b.queued).isZero();
    assertThat(b.inflight).isEqualTo(1);
  }

  @Test
  @DisplayName("a batch's slot frees once each of its entries is answered or timed out")
  void batchSlot() {
    LaneBuffer b = new LaneBuffer(100, 1 << 20, false, new ReadyQueue.Fifo());
    Entry x = entry(1, 1);
    Entry y = entry(2, 1);
    b.accept(x, 0);
    b.accept(y, 0);
    fifo(b).poll();
    fifo(b).poll();
    Batch batch = new Batch(null, new Entry[] {x, y}, new int[2]);
    b.batchesOut++;
    b.startSend(x, 0, batch);
    b.startSend(y, 0, batch);
    b.endSend(x);
    assertThat(b.batchesOut).isEqualTo(1);
    b.endSend(y);
    assertThat(b.batchesOut).isZero();
    assertThat(x.batch).isNull();
  }

  @Test
  @DisplayName("close takes every held entry, wherever it is, and zeroes the counts")
  void removeAll() {
    Entry a1 = entry(1, 1);
    Entry a2 = entry(1, 2);
    Entry c1 = entry(2, 1);
    Entry d1 = entry(3, 1);
    LaneBuffer b = ordered(a1, a2, c1, d1);
    fifo(b).poll();
    b.startSend(a1, 0, null);
    fifo(b).poll();
    b.startSend(c1, 0, null);
    b.endSend(c1);
    b.toBackoff(c1);
    List<Entry> held = new ArrayList<>();
    b.forEachHeld(held::add);
    assertThat(held).containsExactlyInAnyOrder(a1, a2, c1, d1);
    List<Entry> out = new ArrayList<>();
    b.removeAll(out);
    assertThat(out).containsExactlyInAnyOrder(a1, a2, c1, d1).allMatch(e -> e.state == Entry.DONE);
    assertThat(new long[] {b.queued, b.inflight, b.heldBytes, b.sending}).containsOnly(0);
    assertThat(b.inFlight.isEmpty()).isTrue();
  }
}
