package dev.iotforwarder.testkit.internal;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One in-memory queue of LocalCmq: messages in enqueue order, each visible from {@code visibleAt}
 * on; a receive hides a message for the visibility timeout and gives it a new receipt handle.
 * Thread-safe.
 */
public final class LocalQueue {
  private static final AtomicLong IDS = new AtomicLong(1000);
  private static final AtomicLong HANDLES = new AtomicLong();

  private final String name;
  private final long visibilityMillis;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final LinkedHashMap<String, Msg> messages = new LinkedHashMap<>();
  private final Map<String, Msg> byHandle = new HashMap<>();
  private long stored;
  private long deleted;

  /** One stored message. */
  public static final class Msg {
    /** The id. */
    public final String id;
    /** The body. */
    public final String body;
    /** Enqueue time, ms. */
    public final long enqueueMillis;
    long visibleAt;
    String handle;
    int dequeueCount;
    long firstDequeueMillis;

    Msg(String id, String body, long enqueueMillis, long visibleAt) {
      this.id = id;
      this.body = body;
      this.enqueueMillis = enqueueMillis;
      this.visibleAt = visibleAt;
    }
  }

  /** A message handed out by a receive, with the values the reply carries. */
  public record Received(String msgId, String receiptHandle, String body, long enqueueTime,
      long nextVisibleTime, long firstDequeueTime, int dequeueCount) {}

  /**
   * A queue.
   *
   * @param name its name
   * @param visibilityMillis how long a received message stays hidden
   * @param clock the clock for visibility
   */
  public LocalQueue(String name, long visibilityMillis, Clock clock) {
    this.name = name;
    this.visibilityMillis = visibilityMillis;
    this.clock = clock;
  }

  /**
   * The name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Stores messages, atomically, in order.
   *
   * @param bodies the bodies
   * @param delayMillis how long they stay invisible
   * @return their ids
   */
  public List<String> send(List<String> bodies, long delayMillis) {
    List<String> ids = new ArrayList<>(bodies.size());
    lock.lock();
    try {
      long now = clock.millis();
      for (String body : bodies) {
        String id = Long.toString(IDS.incrementAndGet());
        messages.put(id, new Msg(id, body, now, now + delayMillis));
        ids.add(id);
      }
      stored += bodies.size();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return ids;
  }

  /**
   * Receives up to {@code max} visible messages, waiting up to {@code waitMillis} for the first.
   *
   * @param max the most to return
   * @param waitMillis how long to wait for one, 0 for not at all
   * @return the messages, empty if none became visible in time
   * @throws InterruptedException if interrupted while waiting
   */
  public List<Received> receive(int max, long waitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    lock.lock();
    try {
      while (true) {
        long now = clock.millis();
        List<Received> out = new ArrayList<>(max);
        for (Msg m : messages.values()) {
          if (out.size() == max) {
            break;
          }
          if (m.visibleAt <= now) {
            if (m.handle != null) {
              byHandle.remove(m.handle);
            }
            m.handle = "h" + HANDLES.incrementAndGet() + "-" + m.id;
            byHandle.put(m.handle, m);
            m.dequeueCount++;
            if (m.firstDequeueMillis == 0) {
              m.firstDequeueMillis = now;
            }
            m.visibleAt = now + visibilityMillis;
            out.add(new Received(m.id, m.handle, m.body, m.enqueueMillis / 1000, m.visibleAt / 1000,
                m.firstDequeueMillis / 1000, m.dequeueCount));
          }
        }
        if (!out.isEmpty()) {
          return out;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return out;
        }
        changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)));
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes a received message by its current, unexpired handle.
   *
   * @param handle the receipt handle
   * @return {@code true} if deleted, {@code false} if the handle is unknown, replaced or expired
   */
  public boolean delete(String handle) {
    lock.lock();
    try {
      Msg m = byHandle.get(handle);
      if (m == null || m.visibleAt <= clock.millis()) {
        return false;
      }
      byHandle.remove(handle);
      messages.remove(m.id);
      deleted++;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The bodies of every message in the queue, visible or not, in enqueue order.
   *
   * @return a snapshot
   */
  public List<String> bodies() {
    lock.lock();
    try {
      List<String> out = new ArrayList<>(messages.size());
      for (Msg m : messages.values()) {
        out.add(m.body);
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many messages the queue holds now.
   *
   * @return the count
   */
  public int depth() {
    lock.lock();
    try {
      return messages.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many messages were ever stored.
   *
   * @return the count
   */
  public long storedCount() {
    lock.lock();
    try {
      return stored;
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many messages were deleted.
   *
   * @return the count
   */
  public long deletedCount() {
    lock.lock();
    try {
      return deleted;
    } finally {
      lock.unlock();
    }
  }

  /** Removes every message. */
  public void purge() {
    lock.lock();
    try {
      Iterator<Msg> it = messages.values().iterator();
      while (it.hasNext()) {
        it.next();
        it.remove();
      }
      byHandle.clear();
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every waiting receive, e.g. on shutdown or when the clock was moved. */
  public void wakeUp() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
