package dev.iotforwarder.internal;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A lane's messages that may be sent now (their device has nothing earlier in flight), oldest first.
 * Two kinds: {@link Fifo} for a sink that takes one message at a time, {@link BatchReady} for a
 * {@link dev.iotforwarder.spi.BatchSink}.
 *
 * <p>Not thread-safe: guarded by the lane's lock, like everything in {@link LaneBuffer}.
 */
interface ReadyQueue {

  /** Appends a ready entry. */
  void add(Entry e);

  /** Removes an entry this queue holds (an overflow victim). */
  void remove(Entry e);

  /**
   * The oldest entry of the given type never sent yet, the overflow policy's DROP_OLDEST victim.
   *
   * @return the entry, or null if there is none
   */
  Entry oldestUnsent(boolean status);

  boolean isEmpty();

  void forEach(Consumer<Entry> action);

  /** Removes every entry, handing each to {@code action}. */
  void clear(Consumer<Entry> action);

  /** One FIFO: the ready queue of a sink that takes one message at a time. */
  final class Fifo implements ReadyQueue {
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();

    @Override
    public void add(Entry e) {
      entries.addLast(e);
    }

    /** The oldest entry, removed; null if empty. */
    Entry poll() {
      return entries.pollFirst();
    }

    @Override
    public void remove(Entry e) {
      entries.remove(e);
    }

    @Override
    public Entry oldestUnsent(boolean status) {
      for (Entry e : entries) {
        if (e.status == status && e.attempts == 0) {
          return e;
        }
      }
      return null;
    }

    @Override
    public boolean isEmpty() {
      return entries.isEmpty();
    }

    @Override
    public void forEach(Consumer<Entry> action) {
      entries.forEach(action);
    }

    @Override
    public void clear(Consumer<Entry> action) {
      entries.forEach(action);
      entries.clear();
    }
  }
}
