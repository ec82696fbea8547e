package dev.iotforwarder.internal;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchSink;
import dev.iotforwarder.spi.Sink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink's lane: the only place where a sink's messages wait, and the only flow control between
 * the callers and the sink. A bounded {@link LaneBuffer} with per-device ordering, one {@link
 * Dispatcher} thread that hands ready messages to the sink (one at a time, or in batches for a
 * {@link BatchSink}), and {@link Completer} threads that act on the sink's answers ({@link Verdict}:
 * complete, retry, fail over, dead-letter).
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>{@link #lock} guards the {@link #buffer}, the {@link #count counters}, {@link #flushing} and
 *       {@link #stopped}; {@link #closing} is written under it and volatile for reads outside. One
 *       lock, so that a stats snapshot balances. Conditions: {@link #notFull} (room freed, for BLOCK
 *       callers), {@link #work} (something may be sendable, for the dispatcher).
 *   <li>Never under the lock: calling the sink, the listeners, the dead-letter sink, a batch key or
 *       the scheduler, or completing a future. Those run after the lock is released, on the thread
 *       that decided them.
 *   <li>Threads: callers of {@code forward} (and the spool's feeder, and a completer failing over)
 *       run {@link #offer} and {@link #offerFromSpool}; the {@link Dispatcher} thread calls the sink;
 *       a sink's I/O thread only posts its answer to the {@link Completer}, whose threads decide and
 *       complete callers' futures; the scheduler thread runs {@link #expireSends} and retry timers;
 *       the closing thread runs {@link #beginFlush}, {@link #abortAll} and {@link #stopThreads},
 *       after which answers are processed on the thread that posts them.
 *   <li>{@link #health} ({@link SinkHealth}) has its own monitor, taken under the lock (completer,
 *       dispatcher) or alone (a failover route claiming a probe); it takes no other lock.
 * </ul>
 */
final class Lane {
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
  /** The most completions a completer takes at once, and single sends a dispatcher takes at once. */
  static final int CHUNK = 64;

  final String name;
  /** The name as a one-element list, for every {@code ForwardResult} this lane completes. */
  final List<String> nameAsList;
  final Sink sink;
  final LaneOptions options;
  final EngineContext context;
  /** The sink as a batch sink; null when it takes one message at a time. */
  final BatchSink batchSink;
  /** The batch sink's limits, read once; null when the sink does not batch. */
  final BatchLimits batchLimits;
  /** False when the sink retries by itself and there is no spool: the lane then never retries. */
  final boolean pipelineRetries;
  final long sendTimeoutNanos;
  final Endings endings;
  /** Healthy or probing; see {@link SinkHealth}. */
  final SinkHealth health;
  /**
   * Whether probing gates the dispatcher. False for the primary of a failover route: its backlog
   * moves to the backup under the bounded policy, and its probes are new messages its routes send
   * it ({@link SinkHealth#claimProbe}). Set before {@link #start}.
   */
  boolean gatedByHealth = true;

  final ReentrantLock lock = new ReentrantLock();
  final Condition notFull = lock.newCondition();
  final Condition work = lock.newCondition();
  final LaneBuffer buffer;
  final LaneCounters count = new LaneCounters();
  /** Flushes in progress: batches do not linger meanwhile. */
  int flushing;
  volatile boolean closing;
  boolean stopped;

  private final Completer completer = new Completer(this);
  private final List<Thread> threads = new ArrayList<>();

  Lane(String name, Sink sink, LaneOptions options, EngineContext context, NamedThreadFactory factory) {
    this.name = name;
    this.nameAsList = List.of(name);
    this.sink = sink;
    this.options = options;
    this.context = context;
    boolean sinkOrders = safe(sink::preservesOrder, false);
    // With a spool, a retriable failure is not final even for a sink that retries by itself (such a
    // sink's last word, e.g. a Kafka record expired after delivery.timeout.ms, comes after its own
    // retries): the lane re-sends it (docs/spool.md, "Outages"), and so gates per device below.
    this.pipelineRetries = !safe(sink::retriesInternally, false) || context.spooled;
    // The sink keeps order on its own only if it also retries on its own: a pipeline retry of an
    // earlier message would otherwise land after a later one.
    boolean gated = options.ordered() && !(sinkOrders && !pipelineRetries);
    this.batchSink = sink instanceof BatchSink b ? b : null;
    this.batchLimits = batchSink == null ? null : batchLimitsOf(batchSink);
    this.buffer = new LaneBuffer(options.maxMessages(), options.maxBytes(), gated,
        batchSink == null ? new ReadyQueue.Fifo() : new BatchReady(batchLimits));
    this.sendTimeoutNanos = options.sendTimeout().toNanos();
    this.endings = new Endings(name, context, pipelineRetries, this::post);
    this.health = new SinkHealth(options.retryPolicy());
    int n = 1;
    threads.add(factory.newThread("iot-forwarder-" + name + "-" + n++, new Dispatcher(this)));
    for (int i = 0; i < options.threads(); i++) {
      threads.add(factory.newThread("iot-forwarder-" + name + "-" + n++, completer));
    }
  }

  private static boolean safe(java.util.function.BooleanSupplier s, boolean fallback) {
    try {
      return s.getAsBoolean();
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  private static BatchLimits batchLimitsOf(BatchSink sink) {
    BatchLimits limits;
    try {
      limits = sink.batchLimits();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("sink " + sink.name() + " threw from batchLimits(): " + e, e);
    }
    if (limits == null) {
      throw new IllegalArgumentException("sink " + sink.name() + " returned null from batchLimits()");
    }
    return limits;
  }

  /** When a message becomes ready: only a batch's linger needs it, so a single-send lane skips it. */
  long readyClock() {
    return batchSink == null ? 0 : System.nanoTime();
  }

  void start() {
    threads.forEach(Thread::start);
  }

  // ---------------------------------------------------------------- intake (caller threads)

  /** Counts a message that no route to this sink took. */
  void countFiltered() {
    lock.lock();
    try {
      count.received++;
      count.filtered++;
    } finally {
      lock.unlock();
    }
  }

  /** Counts a message that failed before it could be offered (a route filter threw). */
  void countFailedOffer() {
    lock.lock();
    try {
      count.received++;
      count.failed++;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets the entry's batch key, outside the lock.
   *
   * @return null, or why the sink could not key the message
   */
  private ForwardingException keyOf(Entry e) {
    if (batchSink == null) {
      return null;
    }
    Throwable thrown = null;
    try {
      e.batchKey = batchSink.batchKey(e.message);
    } catch (RuntimeException | LinkageError | AssertionError ex) {
      thrown = ex;
    }
    if (e.batchKey != null) {
      return null;
    }
    return new ForwardingException("sink " + name + (thrown == null ? " returned null from"
        : " threw " + thrown + " from") + " batchKey() for the " + e.describe(), name, thrown);
  }

  /**
   * Takes a message into the buffer, applying the overflow policy. Rejections and drops are
   * reported on the calling thread.
   */
  void offer(Entry e, boolean mayBlock) {
    ForwardingException rejection = keyOf(e);
    List<Entry> victims = null;
    boolean droppedNew = false;
    lock.lock();
    try {
      // received is counted together with the outcome (queued or failed), never before a BLOCK
      // wait releases the lock, so that every snapshot balances.
      OverflowPolicy policy = options.overflow(e.message.msgType());
      long waitNanos = mayBlock && policy == OverflowPolicy.BLOCK ? options.blockTimeout().toNanos() : 0;
      while (rejection == null && !droppedNew && !closing && !buffer.hasRoom(e.bytes)) {
        if (policy == OverflowPolicy.DROP_OLDEST) {
          Entry victim = buffer.removeOldestUnsent(e.status, readyClock());
          if (victim != null) {
            count.dropped++;
            notFull.signal();
            work.signal(); // the victim's device may have a next message ready
            if (victims == null) {
              victims = new ArrayList<>(1);
            }
            victims.add(victim);
          } else {
            // Every held message of this type is with the sink already: the new one is the oldest
            // not yet sent, so it is the one dropped (to the dead-letter sink, like any other).
            droppedNew = true;
          }
        } else if (waitNanos > 0) {
          try {
            waitNanos = notFull.awaitNanos(waitNanos);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            rejection = full(e, "and the caller was interrupted while waiting for room");
          }
        } else {
          rejection = full(e, policy == OverflowPolicy.BLOCK
              ? "after waiting " + options.blockTimeout() + " for room (overflow policy BLOCK)"
              : "(overflow policy " + policy + ")");
        }
      }
      if (rejection == null && closing) {
        rejection = new ForwardingException(
            "forwarder is closing; sink " + name + " did not accept the " + e.describe(), name, null);
      }
      count.received++;
      if (rejection != null) {
        count.failed++;
        if (rejection instanceof BufferFullException) {
          count.rejected++;
        }
      } else if (droppedNew) {
        count.dropped++;
      } else if (buffer.accept(e, readyClock())) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (droppedNew) {
      context.listeners.dropped(e.message, name);
      endings.finish(e, new PermanentForwardingException(
          "sink " + name + " dropped the new " + e.describe() + ": its buffer of "
              + options.maxMessages() + " messages / " + options.maxBytes() + " bytes is full and"
              + " every " + e.message.msgType().wireName() + " message it holds was already handed to"
              + " the sink (overflow policy DROP_OLDEST)", name, null), closing, true);
    }
    if (victims != null) {
      for (Entry v : victims) {
        context.listeners.dropped(v.message, name);
        endings.finish(v, new PermanentForwardingException(
            "sink " + name + " dropped the " + v.describe() + " to make room for newer messages"
                + " (overflow policy DROP_OLDEST, buffer " + options.maxMessages() + " messages / "
                + options.maxBytes() + " bytes)", name, null), closing, true);
      }
    }
    if (rejection != null) {
      if (rejection instanceof BufferFullException) {
        context.listeners.rejected(e.message, name);
      }
      if (e.delivery.spool != null) {
        e.delivery.keep(); // a failover lane refused it: it stays in the spool
      }
      e.delivery.failed(rejection);
    }
  }

  private BufferFullException full(Entry e, String why) {
    return new BufferFullException(
        "sink " + name + " has no room for the " + e.describe() + ": its buffer holds "
            + (buffer.queued + buffer.inflight) + " messages / " + buffer.heldBytes + " bytes of at most "
            + options.maxMessages() + " / " + options.maxBytes() + " " + why, name);
  }

  // ---------------------------------------------------------------- send timeouts (scheduler)

  /** Fails sends that took longer than the send timeout. Called periodically by the scheduler. */
  void expireSends(long now) {
    List<Completion> expired = null;
    lock.lock();
    try {
      for (Entry e = buffer.inFlight.first(); e != null && e.deadline - now <= 0;
          e = buffer.inFlight.next(e)) {
        if (!e.timedOut) {
          e.timedOut = true;
          count.timeouts++;
          if (expired == null) {
            expired = new ArrayList<>();
          }
          expired.add(new Completion(this, e, e.token, SinkCalls.timeout(this, e)));
        }
      }
    } finally {
      lock.unlock();
    }
    if (expired != null) {
      expired.forEach(this::post);
    }
  }

  // ---------------------------------------------------------------- completion (lane threads 2..)
  // ---------------------------------------------------------------- flush, stats, close

  /** A flush starts: batches leave without lingering until {@link #endFlush}. Any thread. */
  void beginFlush() {
    lock.lock();
    try {
      flushing++;
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The flush begun by {@link #beginFlush} ended. */
  void endFlush() {
    lock.lock();
    try {
      flushing--;
    } finally {
      lock.unlock();
    }
  }

  /** The futures of every message this lane holds now. */
  List<CompletableFuture<?>> pending() {
    List<CompletableFuture<?>> out = new ArrayList<>();
    lock.lock();
    try {
      buffer.forEachHeld(e -> out.add(e.delivery.future));
    } finally {
      lock.unlock();
    }
    return out;
  }

  SinkStats stats() {
    lock.lock();
    try {
      return count.snapshot(name, buffer, health.probing());
    } finally {
      lock.unlock();
    }
  }

  /** Stops intake and fails (and dead-letters) everything still held. */
  List<CompletableFuture<?>> abortAll() {
    List<Entry> left = new ArrayList<>();
    lock.lock();
    try {
      closing = true;
      buffer.removeAll(left);
      count.failed += left.size();
      notFull.signalAll();
      work.signalAll();
    } finally {
      lock.unlock();
    }
    List<CompletableFuture<?>> futures = new ArrayList<>(left.size());
    for (Entry e : left) {
      endings.finish(e, new Endings.Closed(name, e), true, false);
      futures.add(e.delivery.future);
    }
    return futures;
  }

  void markClosing() {
    lock.lock();
    try {
      closing = true;
      notFull.signalAll();
      work.signalAll(); // lingering batches leave now
    } finally {
      lock.unlock();
    }
  }

  /** Stops the lane's threads, processing what they have queued, then handles answers inline. */
  void stopThreads(long timeoutNanos) {
    lock.lock();
    try {
      stopped = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    completer.stop(threads.size() - 1);
    long deadline = System.nanoTime() + timeoutNanos;
    for (Thread t : threads) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      try {
        t.join(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (t.isAlive()) {
        LOG.warn("Thread {} did not stop in time; interrupting it", t.getName());
        t.interrupt();
      }
    }
    completer.goInline();
  }

  // ---------------------------------------------------------------- spool hooks

  /** Whether the buffer has room for one more message, for the spool's feeder. */
  boolean roomForSpool() {
    lock.lock();
    try {
      return !closing && buffer.roomForSpool();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a message from the spool if the buffer has room, without the overflow policy: what does
   * not fit waits in the spool. Counts nothing and returns false when there is no room or the lane
   * is closing. A message the sink cannot key is taken and failed (on a completer, after the
   * spool's bookkeeping of this call).
   */
  boolean offerFromSpool(Entry e) {
    ForwardingException refused = keyOf(e);
    lock.lock();
    try {
      if (closing || !buffer.hasRoom(e.bytes)) {
        return false;
      }
      count.received++;
      if (refused != null) {
        count.failed++;
      } else if (buffer.accept(e, readyClock())) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (refused != null) {
      post(new SinkCalls.Refused(e, refused));
    }
    return true;
  }

  /** Hands an item to the completer: a sink's answer, a timeout, a dead-letter answer, a refusal. */
  void post(Object item) {
    completer.post(item);
  }

  @Override
  public String toString() {
    return "Lane[" + name + "]";
  }
}
