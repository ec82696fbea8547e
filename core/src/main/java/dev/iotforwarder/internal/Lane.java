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
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink's lane: the only place where a sink's messages wait. A bounded {@link LaneBuffer} with
 * per-device ordering, one dispatcher thread that hands ready messages to the sink (one at a time,
 * or in batches for a {@link BatchSink}), and completer threads that act on the sink's answers
 * ({@link Verdict}: complete, retry, fail over, dead-letter).
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>{@link #lock} guards the {@link LaneBuffer}, the stats counters, {@code flushing} and {@code
 *       stopped}; {@code closing} is written under it and volatile for reads outside. One lock, so
 *       that a stats snapshot balances.
 *   <li>Never under the lock: calling the sink, the listeners, the dead-letter sink, a batch key, the
 *       scheduler, or completing a future. Those run after the lock is released, on the thread that
 *       decided them.
 *   <li>Threads: callers of {@code forward} (and the spool's feeder) run {@link #offer} and {@link
 *       #offerFromSpool}; the dispatcher ({@code iot-forwarder-<sink>-1}) runs {@link #dispatchLoop}
 *       and calls the sink; a sink's I/O thread only posts its answer ({@link Completion}, {@link
 *       Batch}) to {@link #completions}; the completers ({@code -2} and up) run {@link #process},
 *       which decides under the lock and then completes callers' futures. The scheduler thread runs
 *       {@link #expireSends} and retry timers ({@link #requeue}); the closing thread runs {@link
 *       #abortAll} and {@link #stopThreads}, after which answers are processed inline.
 * </ul>
 */
final class Lane {
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
  /** The most completions a completer takes at once, and single sends a dispatcher takes at once. */
  private static final int CHUNK = 64;
  private static final Object POISON = new Object();

  final String name;
  /** The name as a one-element list, for every {@code ForwardResult} this lane completes. */
  private final List<String> nameAsList;
  final Sink sink;
  final LaneOptions options;
  private final EngineContext context;
  /** The sink as a batch sink; null when it takes one message at a time. */
  private final BatchSink batchSink;
  private final BatchLimits batchLimits;
  private final boolean pipelineRetries;
  private final long sendTimeoutNanos;
  private final Endings endings;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition work = lock.newCondition();
  private final LaneBuffer buffer;
  private final LaneCounters count = new LaneCounters();
  /** Flushes in progress: batches do not linger meanwhile. */
  private int flushing;
  private volatile boolean closing;
  private boolean stopped;

  private final LinkedTransferQueue<Object> completions = new LinkedTransferQueue<>();
  private volatile boolean inline;
  private final List<Thread> threads = new ArrayList<>();

  Lane(String name, Sink sink, LaneOptions options, EngineContext context, NamedThreadFactory factory) {
    this.name = name;
    this.nameAsList = List.of(name);
    this.sink = sink;
    this.options = options;
    this.context = context;
    boolean sinkOrders = safe(sink::preservesOrder, false);
    this.pipelineRetries = !safe(sink::retriesInternally, false);
    // The sink keeps order on its own only if it also retries on its own: a pipeline retry of an
    // earlier message would otherwise land after a later one.
    boolean gated = options.ordered() && !(sinkOrders && !pipelineRetries);
    this.batchSink = sink instanceof BatchSink b ? b : null;
    this.batchLimits = batchSink == null ? null : batchLimitsOf(batchSink);
    this.buffer = new LaneBuffer(options.maxMessages(), options.maxBytes(), gated,
        batchSink == null ? new ReadyQueue.Fifo() : new BatchReady(batchLimits));
    this.sendTimeoutNanos = options.sendTimeout().toNanos();
    this.endings = new Endings(name, context, pipelineRetries, this::post);
    int n = 1;
    threads.add(factory.newThread("iot-forwarder-" + name + "-" + n++, this::dispatchLoop));
    for (int i = 0; i < options.threads(); i++) {
      threads.add(factory.newThread("iot-forwarder-" + name + "-" + n++, this::completeLoop));
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
          Entry victim = buffer.removeOldestUnsent(e.status, System.nanoTime());
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
      } else if (buffer.accept(e, System.nanoTime())) {
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

  // ---------------------------------------------------------------- dispatch (lane thread 1)

  private void dispatchLoop() {
    int most = batchSink == null ? CHUNK : batchLimits.maxCount();
    Entry[] taken = new Entry[most];
    int[] tokens = new int[most];
    while (true) {
      int n;
      Batch batch = null;
      lock.lock();
      try {
        n = awaitSendable(taken);
        if (n < 0) {
          return;
        }
        long deadline = System.nanoTime() + sendTimeoutNanos;
        if (batchSink != null) {
          batch = new Batch(this, java.util.Arrays.copyOf(taken, n), new int[n]);
          buffer.batchesOut++;
        }
        for (int i = 0; i < n; i++) {
          buffer.startSend(taken[i], deadline, batch);
          tokens[i] = taken[i].token;
        }
        if (batch != null) {
          System.arraycopy(tokens, 0, batch.tokens, 0, n);
        }
      } finally {
        lock.unlock();
      }
      if (batch != null) {
        SinkCalls.sendBatch(this, batchSink, batch);
        java.util.Arrays.fill(taken, 0, n, null);
        continue;
      }
      for (int i = 0; i < n; i++) {
        SinkCalls.send(this, taken[i], tokens[i]);
        taken[i] = null;
      }
    }
  }

  /**
   * Under the lock: waits until something may be sent and takes it into {@code taken}: up to {@link
   * #CHUNK} single sends, or one due batch.
   *
   * @return how many entries were taken, or -1 once the lane stopped
   */
  private int awaitSendable(Entry[] taken) {
    while (!stopped) {
      int room = options.maxInFlight() - buffer.sending;
      long waitNanos = -1; // until signalled
      if (room > 0 && !buffer.ready.isEmpty()) {
        if (buffer.ready instanceof ReadyQueue.Fifo fifo) {
          int n = 0;
          while (n < taken.length && n < room && !fifo.isEmpty()) {
            taken[n++] = fifo.poll();
          }
          return n;
        }
        if (buffer.batchesOut < batchLimits.maxInFlight()) {
          BatchReady batches = (BatchReady) buffer.ready;
          long now = System.nanoTime();
          int n = batches.poll(taken, room, now, flushing > 0 || closing);
          if (n > 0) {
            return n;
          }
          waitNanos = Math.max(1, batches.nextDue() - now); // the oldest batch is lingering
        }
      }
      if (waitNanos < 0) {
        work.awaitUninterruptibly();
      } else {
        try {
          work.awaitNanos(waitNanos);
        } catch (InterruptedException ignored) {
          // only stopped ends the dispatcher
        }
      }
    }
    return -1;
  }

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

  /** Hands an item to a completer: a sink's answer, a timeout, a dead-letter answer, a refusal. */
  void post(Object item) {
    completions.offer(item);
    if (inline) {
      drainInline();
    }
  }

  private synchronized void drainInline() {
    Object item;
    List<Object> chunk = new ArrayList<>();
    while ((item = completions.poll()) != null) {
      if (item != POISON) {
        chunk.add(item);
      }
    }
    if (!chunk.isEmpty()) {
      process(chunk);
    }
  }

  private void completeLoop() {
    List<Object> chunk = new ArrayList<>(CHUNK);
    while (true) {
      Object first;
      try {
        first = completions.take();
      } catch (InterruptedException e) {
        continue; // only POISON ends this loop
      }
      if (first == POISON) {
        return;
      }
      chunk.add(first);
      completions.drainTo(chunk, CHUNK - 1);
      boolean poisoned = chunk.remove(POISON);
      try {
        process(chunk);
      } catch (RuntimeException | Error ex) {
        LOG.error("Unexpected failure in lane {} while completing messages", name, ex);
      }
      chunk.clear();
      if (poisoned) {
        return;
      }
    }
  }

  /** Decides every item under the lock, then acts on the verdicts outside it. */
  private void process(List<Object> chunk) {
    lock.lock();
    try {
      for (Object item : chunk) {
        if (item instanceof Completion c) {
          c.verdict = decide(c.entry, c.token, Verdict.unwrap(c.error));
        } else if (item instanceof Batch b) {
          b.errors = b.outcomes(name);
          b.verdicts = new Verdict[b.entries.length];
          for (int i = 0; i < b.entries.length; i++) {
            b.errors[i] = b.errors[i] == null ? null : Verdict.unwrap(b.errors[i]);
            b.verdicts[i] = decide(b.entries[i], b.tokens[i], b.errors[i]);
          }
        } else if (item instanceof Endings.LetterDone d) {
          if (d.error() == null) {
            count.deadLettered++;
          } else {
            count.deadLetterFailures++;
          }
        }
      }
    } finally {
      lock.unlock();
    }
    for (Object item : chunk) {
      if (item instanceof Completion c) {
        act(c.entry, c.verdict, Verdict.unwrap(c.error));
      } else if (item instanceof Batch b) {
        for (int i = 0; i < b.entries.length; i++) {
          act(b.entries[i], b.verdicts[i], b.errors[i]);
        }
      } else if (item instanceof Endings.LetterDone d) {
        endings.letterDone(d);
      } else if (item instanceof SinkCalls.Refused r) {
        r.entry().delivery.failed(r.error());
      }
    }
  }

  /** Under the lock: the verdict on an answer to send {@code token} of {@code e}, and its state. */
  private Verdict decide(Entry e, int token, Throwable error) {
    boolean current = LaneBuffer.isCurrent(e, token);
    Verdict v = Verdict.of(current, error, e.attempts,
        current ? context.clock.millis() - e.delivery.startMillis : 0, options.retryPolicy(),
        pipelineRetries, closing, e.backup != null);
    if (v == Verdict.STALE) {
      return v; // a late answer to a send that already timed out, or after close
    }
    buffer.endSend(e);
    work.signal();
    if (v == Verdict.RETRY) {
      buffer.toBackoff(e);
      count.retries++;
      return v;
    }
    buffer.release(e, System.nanoTime());
    if (v == Verdict.DONE) {
      count.succeeded++;
    } else {
      count.failed++;
    }
    notFull.signal();
    return v;
  }

  /** Outside the lock: completes, schedules the retry, fails over or dead-letters. */
  private void act(Entry e, Verdict v, Throwable error) {
    switch (v) {
      case DONE -> {
        context.listeners.delivered(
            e.message, name, e.attempts, System.nanoTime() - e.delivery.startNanos);
        e.delivery.succeeded(nameAsList);
      }
      case RETRY -> scheduleRetry(e, error);
      case FAIL_OVER -> {
        LOG.debug("Sink {} failed the {}; failing over to {}", name, e.describe(), e.backup.name, error);
        context.listeners.failed(e.message, name, e.attempts, error);
        e.backup.offer(new Entry(e.message, e.delivery, e.bytes, null), false);
      }
      case DEAD_LETTER -> endings.finish(e, error, closing, false);
      case STALE -> { }
    }
  }

  private void scheduleRetry(Entry e, Throwable error) {
    long backoffNanos = context.backoffNanos(options.retryPolicy(), e.attempts);
    context.listeners.retry(e.message, name, e.attempts, error, backoffNanos);
    try {
      context.scheduler.schedule(() -> requeue(e), backoffNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      requeue(e); // the forwarder is closing: the close sweep will fail it
    }
  }

  private void requeue(Entry e) {
    lock.lock();
    try {
      if (buffer.requeue(e, System.nanoTime())) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

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
      return count.snapshot(name, buffer);
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
      endings.finish(e, new ForwardingException(
          "the forwarder closed before sink " + name + " delivered the " + e.describe(), name, null),
          true, false);
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
    for (int i = 1; i < threads.size(); i++) {
      completions.offer(POISON);
    }
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
    inline = true;
    drainInline();
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
      } else if (buffer.accept(e, System.nanoTime())) {
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

  @Override
  public String toString() {
    return "Lane[" + name + "]";
  }
}
