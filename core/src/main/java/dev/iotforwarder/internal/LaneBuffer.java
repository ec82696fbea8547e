package dev.iotforwarder.internal;

import dev.iotforwarder.internal.shared.IntrusiveList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one lane holds, and per-device ordering: where each {@link Entry} is, and the counts the
 * buffer bound and the stats read.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>Single-threaded: every method runs under the owning lane's lock (or in a unit test on one
 *       thread). Nothing here blocks, calls out, or knows about threads.
 *   <li>Every held entry is in exactly one place, named by its state: {@link #ready} (QUEUED), its
 *       device's waiting queue (WAITING), {@link #inFlight} (SENDING), or the backoff set (BACKOFF).
 *   <li>{@code queued} counts QUEUED and WAITING entries, {@code inflight} SENDING and BACKOFF ones,
 *       {@code heldBytes} the bytes of all of them; {@code sending} counts the SENDING entries.
 *   <li>Ordering (when {@code gated}): a device with a held entry has a key in {@code active}; at most
 *       one of its entries is QUEUED, SENDING or BACKOFF, and the rest wait in that key's queue in
 *       the order they were accepted.
 *   <li>{@link #inFlight} is in send order, and all sends of one dispatch share one deadline, so
 *       the send-timeout check stops at the first entry not yet due.
 * </ul>
 */
final class LaneBuffer {
  private final int maxMessages;
  private final long maxBytes;
  private final boolean gated;
  final ReadyQueue ready;
  /** Per ordered device, its entries waiting behind the one it has ready or at the sink. */
  private final Map<String, ArrayDeque<Entry>> active = new HashMap<>();
  private final Set<Entry> backoff = Collections.newSetFromMap(new IdentityHashMap<>());
  /** The entries at the sink now, oldest send first. */
  final IntrusiveList<Entry> inFlight = new IntrusiveList<>();
  long queued;
  long inflight;
  long heldBytes;
  /** Entries at the sink now (SENDING). */
  int sending;
  /** Batches at the sink now with an entry not yet answered or timed out. */
  int batchesOut;
  private long nextSeqNo;

  LaneBuffer(int maxMessages, long maxBytes, boolean gated, ReadyQueue ready) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.gated = gated;
    this.ready = ready;
  }

  /** Whether a message of {@code bytes} fits; an empty buffer takes any one message. */
  boolean hasRoom(long bytes) {
    long held = queued + inflight;
    return held == 0 || held < maxMessages && heldBytes + bytes <= maxBytes;
  }

  /** Whether there is room for one more message of some size, for the spool's feeder. */
  boolean roomForSpool() {
    return queued + inflight < maxMessages && heldBytes < maxBytes;
  }

  /**
   * Holds a new entry: ready at once, or waiting behind its device's held entry.
   *
   * @param now {@link System#nanoTime()}, when it becomes ready
   * @return whether it is ready now (the dispatcher has work)
   */
  boolean accept(Entry e, long now) {
    queued++;
    heldBytes += e.bytes;
    e.seqNo = nextSeqNo++;
    if (gated) {
      String device = e.message.deviceKey();
      e.device = device;
      ArrayDeque<Entry> waiting = active.get(device);
      if (waiting != null) {
        e.state = Entry.WAITING;
        waiting.addLast(e);
        return false;
      }
      active.put(device, new ArrayDeque<>(2));
    }
    makeReady(e, now);
    return true;
  }

  private void makeReady(Entry e, long now) {
    e.state = Entry.QUEUED;
    e.readyNanos = now;
    ready.add(e);
  }

  /**
   * Removes the oldest entry of the given type that was never sent, for DROP_OLDEST.
   *
   * @return the removed entry (now DONE), or null if every such entry was sent already
   */
  Entry removeOldestUnsent(boolean status, long now) {
    Entry victim = ready.oldestUnsent(status);
    ArrayDeque<Entry> victimQueue = null;
    for (ArrayDeque<Entry> waiting : active.values()) {
      for (Entry e : waiting) {
        if (e.status == status) {
          if (victim == null || e.seqNo < victim.seqNo) {
            victim = e;
            victimQueue = waiting;
          }
          break;
        }
      }
    }
    if (victim == null) {
      return null;
    }
    if (victimQueue != null) {
      victimQueue.remove(victim);
    } else {
      ready.remove(victim);
      advanceDevice(victim, now);
    }
    victim.state = Entry.DONE;
    queued--;
    heldBytes -= victim.bytes;
    return victim;
  }

  /** The device's held entry is done: its next waiting entry becomes ready. */
  private void advanceDevice(Entry done, long now) {
    if (done.device == null) {
      return;
    }
    ArrayDeque<Entry> waiting = active.get(done.device);
    if (waiting == null) {
      return;
    }
    Entry next = waiting.pollFirst();
    if (next == null) {
      active.remove(done.device);
    } else {
      makeReady(next, now);
    }
  }

  /** A ready entry goes to the sink (in {@code batch}, or alone if null) with the given deadline. */
  void startSend(Entry e, long deadline, Batch batch) {
    e.state = Entry.SENDING;
    queued--;
    inflight++;
    sending++;
    e.attempts++;
    e.token++;
    e.deadline = deadline;
    e.timedOut = false;
    e.batch = batch;
    inFlight.addLast(e);
  }

  /** Whether an answer with {@code token} is to the entry's current send. */
  static boolean isCurrent(Entry e, int token) {
    return e.state == Entry.SENDING && e.token == token;
  }

  /** The entry's current send is answered (or timed out): it leaves the in-flight list. */
  void endSend(Entry e) {
    inFlight.remove(e);
    sending--;
    Batch b = e.batch;
    if (b != null) {
      e.batch = null;
      if (--b.open == 0) {
        batchesOut--;
      }
    }
  }

  /** After {@link #endSend}: the entry waits for its retry, still holding its device's turn. */
  void toBackoff(Entry e) {
    e.state = Entry.BACKOFF;
    backoff.add(e);
  }

  /**
   * The entry's backoff is over: it is ready again.
   *
   * @return false if it was no longer in backoff (the lane closed meanwhile)
   */
  boolean requeue(Entry e, long now) {
    if (e.state != Entry.BACKOFF) {
      return false;
    }
    backoff.remove(e);
    inflight--;
    queued++;
    makeReady(e, now);
    return true;
  }

  /** After {@link #endSend}: the entry is done (delivered or given up); its device's next goes. */
  void release(Entry e, long now) {
    e.state = Entry.DONE;
    inflight--;
    heldBytes -= e.bytes;
    advanceDevice(e, now);
  }

  /** Every held entry, in no particular order. */
  void forEachHeld(java.util.function.Consumer<Entry> action) {
    ready.forEach(action);
    active.values().forEach(q -> q.forEach(action));
    backoff.forEach(action);
    inFlight.forEach(action);
  }

  /** Empties the buffer for close: every held entry is DONE and added to {@code out}. */
  void removeAll(List<Entry> out) {
    ready.clear(out::add);
    active.values().forEach(out::addAll);
    active.clear();
    out.addAll(backoff);
    backoff.clear();
    inFlight.clear(out::add);
    for (Entry e : out) {
      e.state = Entry.DONE;
      e.batch = null;
    }
    queued = 0;
    inflight = 0;
    heldBytes = 0;
    sending = 0;
    batchesOut = 0;
  }
}
