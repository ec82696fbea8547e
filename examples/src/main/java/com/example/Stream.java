package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One destination the backend reads (a Kafka topic or a CMQ queue) and what it must hold: every
 * message of some kinds, each once, in each device's order, byte for byte as the codec wrote it.
 *
 * <p>{@link #accept} is called by one consumer thread only; the counters may be read from any thread.
 */
final class Stream {
  final String name;
  private final Fleet fleet;
  private final Set<Fleet.Kind> kinds;
  private final EnvelopeCodec codec = EnvelopeCodec.standard();
  private final long expected;
  private final BitSet[] seen;
  private final long[] lastSeq;
  private final CountDownLatch complete = new CountDownLatch(1);

  private final AtomicLong received = new AtomicLong();
  private final AtomicLong unique = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong outOfOrder = new AtomicLong();
  private final AtomicLong altered = new AtomicLong();
  private final AtomicLong unexpected = new AtomicLong();

  Stream(String name, Fleet fleet, Fleet.Kind first, Fleet.Kind... more) {
    this.name = name;
    this.fleet = fleet;
    this.kinds = EnumSet.of(first, more);
    this.expected = fleet.count(kinds.toArray(Fleet.Kind[]::new));
    this.seen = new BitSet[fleet.devices()];
    this.lastSeq = new long[fleet.devices()];
    for (int d = 0; d < seen.length; d++) {
      seen[d] = new BitSet(fleet.seqCount(d) + 1);
    }
    if (expected == 0) {
      complete.countDown();
    }
  }

  /**
   * Checks one envelope read from the destination.
   *
   * @param raw the bytes as they came out of the queue
   * @param decoded what the library's consumer side decoded from them
   */
  void accept(byte[] raw, DeviceMessage decoded) {
    received.incrementAndGet();
    int device = fleet.deviceIndex(decoded.deviceKey());
    long seq = decoded.seq();
    Fleet.Kind kind = fleet.kind(device, seq);
    if (kind == null || !kinds.contains(kind)) {
      unexpected.incrementAndGet(); // not a message of this fleet, or routed to the wrong place
      return;
    }
    DeviceMessage sent = fleet.message(device, seq);
    if (!Arrays.equals(raw, codec.encode(sent)) || !sent.equals(decoded)) {
      altered.incrementAndGet();
    }
    if (seen[device].get((int) seq)) {
      duplicates.incrementAndGet();
      return;
    }
    seen[device].set((int) seq);
    if (seq < lastSeq[device]) {
      outOfOrder.incrementAndGet();
    } else {
      lastSeq[device] = seq;
    }
    if (unique.incrementAndGet() == expected) {
      complete.countDown();
    }
  }

  /** Counts a body that the consumer could not decode at all. */
  void undecodable(long count) {
    received.addAndGet(count);
    altered.addAndGet(count);
  }

  CountDownLatch complete() {
    return complete;
  }

  long expected() {
    return expected;
  }

  long received() {
    return received.get();
  }

  long unique() {
    return unique.get();
  }

  long lost() {
    return expected - unique.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  long outOfOrder() {
    return outOfOrder.get();
  }

  long altered() {
    return altered.get();
  }

  long unexpected() {
    return unexpected.get();
  }

  /**
   * How many devices have every Status event of theirs in this stream. Call after the consumer
   * stopped.
   *
   * @return devices whose Online/Offline events are all here
   */
  int devicesWithAllStatusEvents() {
    int complete = 0;
    for (int d = 0; d < seen.length; d++) {
      boolean all = true;
      for (int seq = 1; seq <= fleet.seqCount(d) && all; seq++) {
        if (fleet.kind(d, seq).isStatus() && !seen[d].get(seq)) {
          all = false;
        }
      }
      if (all && fleet.seqCount(d) > 0) {
        complete++;
      }
    }
    return complete;
  }
}
