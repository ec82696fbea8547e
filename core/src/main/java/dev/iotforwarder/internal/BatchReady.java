package dev.iotforwarder.internal;

import dev.iotforwarder.spi.BatchLimits;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.Consumer;

/**
 * The ready queue of a lane whose sink is a {@link dev.iotforwarder.spi.BatchSink}: one FIFO per
 * batch key, and the rules that cut them into batches.
 *
 * <p>A key's next batch is <em>due</em> when it is full (it reaches {@link BatchLimits#maxCount()},
 * or the room left in flight, or {@link BatchLimits#maxBytes()} of envelopes), when its oldest
 * message waited {@link BatchLimits#linger()}, or at once while the lane is urgent (a flush or close
 * is in progress). Keys take turns: {@link #poll} serves the first due key in {@link #turns} order
 * and moves it behind the others, so that batches leave in the order their first message became
 * ready and one busy key cannot starve a quiet one. With one key (the common case) every step is
 * O(1) per message; with k keys holding messages, finding a due batch scans at most k keys.
 *
 * <p>Not thread-safe: guarded by the lane's lock; only {@link Lane}'s dispatcher polls.
 */
final class BatchReady implements ReadyQueue {
  private final int maxCount;
  private final long maxBytes;
  private final long lingerNanos;
  /** The keys holding ready messages, in turn order; a key leaves when its FIFO empties. */
  private final LinkedHashMap<Object, KeyQueue> turns = new LinkedHashMap<>();

  /** One key's ready messages, oldest first, and the sum of their envelope estimates. */
  private static final class KeyQueue {
    final Object key;
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    long bytes;

    KeyQueue(Object key) {
      this.key = key;
    }
  }

  BatchReady(BatchLimits limits) {
    this.maxCount = limits.maxCount();
    this.maxBytes = limits.maxBytes();
    this.lingerNanos = limits.linger().toNanos();
  }

  @Override
  public void add(Entry e) {
    KeyQueue q = turns.get(e.batchKey);
    if (q == null) {
      q = new KeyQueue(e.batchKey);
      turns.put(e.batchKey, q);
    }
    q.entries.addLast(e);
    q.bytes += e.envelopeBytes();
  }

  /**
   * Takes the next due batch.
   *
   * @param out where the batch's entries go, in order; at least {@code maxCount} long
   * @param room the most messages the lane may still have in flight, at least 1
   * @param now {@link System#nanoTime()}
   * @param urgent whether a flush or close is in progress (nothing lingers)
   * @return the batch's size, 0 if no batch is due
   */
  int poll(Entry[] out, int room, long now, boolean urgent) {
    int limit = Math.min(maxCount, room);
    for (Iterator<KeyQueue> it = turns.values().iterator(); it.hasNext(); ) {
      KeyQueue q = it.next();
      if (!urgent && q.entries.size() < limit && q.bytes < maxBytes
          && now - q.entries.peekFirst().readyNanos < lingerNanos) {
        continue; // lingering for more
      }
      int n = 0;
      long bytes = 0;
      while (n < limit && !q.entries.isEmpty()) {
        long b = q.entries.peekFirst().envelopeBytes();
        if (n > 0 && bytes + b > maxBytes) {
          break; // a message larger than maxBytes still goes, alone
        }
        out[n++] = q.entries.pollFirst();
        bytes += b;
      }
      q.bytes -= bytes;
      it.remove();
      if (!q.entries.isEmpty()) {
        turns.put(q.key, q); // behind the other keys
      }
      return n;
    }
    return 0;
  }

  /**
   * When the next batch falls due by linger, if nothing else happens.
   *
   * @return a {@link System#nanoTime()} value, or {@code Long.MAX_VALUE} if nothing is queued
   */
  long nextDue() {
    long due = Long.MAX_VALUE;
    for (KeyQueue q : turns.values()) {
      long d = q.entries.peekFirst().readyNanos + lingerNanos;
      if (due == Long.MAX_VALUE || d - due < 0) {
        due = d;
      }
    }
    return due;
  }

  @Override
  public void remove(Entry e) {
    KeyQueue q = turns.get(e.batchKey);
    if (q != null && q.entries.remove(e)) {
      q.bytes -= e.envelopeBytes();
      if (q.entries.isEmpty()) {
        turns.remove(q.key);
      }
    }
  }

  @Override
  public Entry oldestUnsent(boolean status) {
    Entry oldest = null;
    for (KeyQueue q : turns.values()) {
      for (Entry e : q.entries) {
        if (e.status == status && e.attempts == 0) {
          if (oldest == null || e.seqNo < oldest.seqNo) {
            oldest = e;
          }
          break;
        }
      }
    }
    return oldest;
  }

  @Override
  public boolean isEmpty() {
    return turns.isEmpty();
  }

  @Override
  public void forEach(Consumer<Entry> action) {
    turns.values().forEach(q -> q.entries.forEach(action));
  }

  @Override
  public void clear(Consumer<Entry> action) {
    forEach(action);
    turns.clear();
  }
}
