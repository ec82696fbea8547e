package dev.iotforwarder.internal;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.spi.Sink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink's lane: a bounded buffer, per-device ordering, a dispatcher thread that calls the sink,
 * and completer threads that process the sink's answers (retry, fail over, dead-letter, complete).
 *
 * <p>All state lives under one lock, so that a stats snapshot is consistent. Work outside the lock:
 * calling the sink, the listeners, the dead-letter sink, and completing futures.
 */
final class Lane {
  private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
  private static final int BATCH = 64;
  private static final Object POISON = new Object();

  final String name;
  /** The name as a one-element list, for every {@code ForwardResult} this lane completes. */
  private final List<String> nameAsList;
  final Sink sink;
  final LaneOptions options;
  private final EngineContext context;
  private final boolean gated;
  private final boolean pipelineRetries;
  private final long sendTimeoutNanos;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notFull = lock.newCondition();
  private final Condition work = lock.newCondition();
  private final ArrayDeque<Entry> ready = new ArrayDeque<>();
  private final Map<String, ArrayDeque<Entry>> active = new HashMap<>();
  private final Set<Entry> backoff = Collections.newSetFromMap(new IdentityHashMap<>());
  private Entry head;
  private Entry tail;
  private int sending;
  private long nextSeqNo;

  private long received;
  private long filtered;
  private long succeeded;
  private long failed;
  private long dropped;
  private long queued;
  private long inflight;
  private long heldBytes;
  private long retries;
  private long rejected;
  private long timeouts;
  private long deadLettered;
  private long deadLetterFailures;
  private boolean closing;
  private boolean stopped;
  private long unloggedFailures;

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
    this.gated = options.ordered() && !(sinkOrders && !pipelineRetries);
    this.sendTimeoutNanos = options.sendTimeout().toNanos();
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

  void start() {
    threads.forEach(Thread::start);
  }

  // ---------------------------------------------------------------- intake (caller threads)

  /** Counts a message that no route to this sink took. */
  void countFiltered() {
    lock.lock();
    try {
      received++;
      filtered++;
    } finally {
      lock.unlock();
    }
  }

  /** Counts a message that failed before it could be offered (a route filter threw). */
  void countFailedOffer() {
    lock.lock();
    try {
      received++;
      failed++;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a message into the buffer, applying the overflow policy. Rejections and drops are
   * reported on the calling thread.
   */
  void offer(Entry e, boolean mayBlock) {
    List<Entry> victims = null;
    ForwardingException rejection = null;
    boolean droppedNew = false;
    lock.lock();
    try {
      // received is counted together with the outcome (queued or failed), never before a BLOCK
      // wait releases the lock, so that every snapshot balances.
      OverflowPolicy policy = options.overflow(e.message.msgType());
      long waitNanos = mayBlock && policy == OverflowPolicy.BLOCK ? options.blockTimeout().toNanos() : 0;
      while (rejection == null && !droppedNew && !closing && !hasRoom(e.bytes)) {
        if (policy == OverflowPolicy.DROP_OLDEST) {
          Entry victim = removeOldestQueued(e.status);
          if (victim != null) {
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
      received++;
      if (rejection != null) {
        failed++;
        if (rejection instanceof BufferFullException) {
          rejected++;
        }
      } else if (droppedNew) {
        dropped++;
      } else {
        accept(e);
      }
    } finally {
      lock.unlock();
    }
    if (droppedNew) {
      context.listeners.dropped(e.message, name);
      finish(e, new PermanentForwardingException(
          "sink " + name + " dropped the new " + e.describe() + ": its buffer of "
              + options.maxMessages() + " messages / " + options.maxBytes() + " bytes is full and"
              + " every " + e.message.msgType().wireName() + " message it holds was already handed to"
              + " the sink (overflow policy DROP_OLDEST)", name, null), true);
    }
    if (victims != null) {
      for (Entry v : victims) {
        context.listeners.dropped(v.message, name);
        finish(v, new PermanentForwardingException(
            "sink " + name + " dropped the " + v.describe() + " to make room for newer messages"
                + " (overflow policy DROP_OLDEST, buffer " + options.maxMessages() + " messages / "
                + options.maxBytes() + " bytes)", name, null), true);
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
            + (queued + inflight) + " messages / " + heldBytes + " bytes of at most "
            + options.maxMessages() + " / " + options.maxBytes() + " " + why, name);
  }

  private boolean hasRoom(long bytes) {
    long held = queued + inflight;
    return held == 0 || held < options.maxMessages() && heldBytes + bytes <= options.maxBytes();
  }

  private void accept(Entry e) {
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
        return;
      }
      active.put(device, new ArrayDeque<>(2));
    }
    e.state = Entry.QUEUED;
    ready.addLast(e);
    work.signal();
  }

  /** Removes the oldest queued (not yet sent) message of the given type; null if there is none. */
  private Entry removeOldestQueued(boolean status) {
    Entry victim = null;
    for (Entry e : ready) {
      if (e.status == status && e.attempts == 0) {
        victim = e;
        break;
      }
    }
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
      advanceDevice(victim);
    }
    victim.state = Entry.DONE;
    queued--;
    heldBytes -= victim.bytes;
    dropped++;
    notFull.signal();
    return victim;
  }

  /** The device's active message is done: let its next waiting message go. Under the lock. */
  private void advanceDevice(Entry done) {
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
      next.state = Entry.QUEUED;
      ready.addLast(next);
      work.signal();
    }
  }

  // ---------------------------------------------------------------- dispatch (lane thread 1)

  private void dispatchLoop() {
    Entry[] batch = new Entry[BATCH];
    int[] tokens = new int[BATCH];
    while (true) {
      int n = 0;
      lock.lock();
      try {
        while (!stopped && (ready.isEmpty() || sending >= options.maxInFlight())) {
          work.awaitUninterruptibly();
        }
        if (stopped) {
          return;
        }
        long deadline = System.nanoTime() + sendTimeoutNanos;
        while (n < BATCH && sending < options.maxInFlight() && !ready.isEmpty()) {
          Entry e = ready.pollFirst();
          e.state = Entry.SENDING;
          queued--;
          inflight++;
          sending++;
          e.attempts++;
          e.token++;
          e.deadline = deadline;
          e.timedOut = false;
          link(e);
          batch[n] = e;
          tokens[n] = e.token;
          n++;
        }
      } finally {
        lock.unlock();
      }
      for (int i = 0; i < n; i++) {
        send(batch[i], tokens[i]);
        batch[i] = null;
      }
    }
  }

  private void send(Entry e, int token) {
    CompletableFuture<Void> f;
    try {
      f = sink.send(e.message);
    } catch (ForwardingException ex) {
      post(new Completion(e, token, ex));
      return;
    } catch (RuntimeException | LinkageError | AssertionError ex) {
      post(new Completion(e, token, new RetriableForwardingException(
          "sink " + name + " threw " + ex.getClass().getName() + " from send() for the "
              + e.describe() + ": " + ex.getMessage(), name, ex)));
      return;
    }
    if (f == null) {
      post(new Completion(e, token, new RetriableForwardingException(
          "sink " + name + " returned null from send() instead of a future for the " + e.describe(),
          name, null)));
      return;
    }
    f.whenComplete(new Completion(e, token, null));
  }

  private void link(Entry e) {
    e.prev = tail;
    e.next = null;
    if (tail == null) {
      head = e;
    } else {
      tail.next = e;
    }
    tail = e;
  }

  private void unlink(Entry e) {
    if (e.prev == null) {
      head = e.next;
    } else {
      e.prev.next = e.next;
    }
    if (e.next == null) {
      tail = e.prev;
    } else {
      e.next.prev = e.prev;
    }
    e.prev = null;
    e.next = null;
  }

  /** Fails sends that took longer than the send timeout. Called periodically by the scheduler. */
  void expireSends(long now) {
    List<Completion> expired = null;
    lock.lock();
    try {
      for (Entry e = head; e != null && e.deadline - now <= 0; e = e.next) {
        if (!e.timedOut) {
          e.timedOut = true;
          timeouts++;
          if (expired == null) {
            expired = new ArrayList<>();
          }
          expired.add(new Completion(e, e.token, new RetriableForwardingException(
              "sink " + name + " did not complete send() within " + options.sendTimeout()
                  + " for the " + e.describe(), name, null)));
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

  /**
   * A sink's answer to one send of an entry (the token tells a late answer from the current one).
   * Also the callback on the sink's future, so that a send costs one object here, not two.
   */
  private final class Completion implements BiConsumer<Object, Throwable> {
    final Entry entry;
    final int token;
    /** Set before the completion is posted; the queue publishes it to the completer. */
    Throwable error;

    Completion(Entry entry, int token, Throwable error) {
      this.entry = entry;
      this.token = token;
      this.error = error;
    }

    @Override
    public void accept(Object ignored, Throwable failure) {
      error = failure;
      post(this);
    }
  }

  private record LetterDone(Entry entry, ForwardingException failure, DeadLetter letter, Throwable error) {}

  private void post(Object item) {
    completions.offer(item);
    if (inline) {
      drainInline();
    }
  }

  private synchronized void drainInline() {
    Object item;
    List<Object> batch = new ArrayList<>();
    while ((item = completions.poll()) != null) {
      if (item != POISON) {
        batch.add(item);
      }
    }
    if (!batch.isEmpty()) {
      process(batch);
    }
  }

  private void completeLoop() {
    List<Object> batch = new ArrayList<>(BATCH);
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
      batch.add(first);
      completions.drainTo(batch, BATCH - 1);
      boolean poisoned = batch.remove(POISON);
      try {
        process(batch);
      } catch (RuntimeException | Error ex) {
        LOG.error("Unexpected failure in lane {} while completing messages", name, ex);
      }
      batch.clear();
      if (poisoned) {
        return;
      }
    }
  }

  private static final int SUCCESS = 1;
  private static final int RETRY = 2;
  private static final int FAILED = 3;

  private void process(List<Object> batch) {
    int n = batch.size();
    int[] outcome = new int[n];
    lock.lock();
    try {
      for (int i = 0; i < n; i++) {
        Object item = batch.get(i);
        if (item instanceof Completion c) {
          outcome[i] = decide(c);
        } else if (item instanceof LetterDone d) {
          if (d.error == null) {
            deadLettered++;
          } else {
            deadLetterFailures++;
          }
        }
      }
    } finally {
      lock.unlock();
    }
    for (int i = 0; i < n; i++) {
      Object item = batch.get(i);
      if (item instanceof Completion c) {
        Entry e = c.entry;
        switch (outcome[i]) {
          case SUCCESS -> {
            context.listeners.delivered(
                e.message, name, e.attempts, System.nanoTime() - e.delivery.startNanos);
            e.delivery.succeeded(nameAsList);
          }
          case RETRY -> scheduleRetry(e, unwrap(c.error));
          case FAILED -> failOrFailover(e, unwrap(c.error));
          default -> { } // stale: a late answer to a send that already timed out, or after close
        }
      } else if (item instanceof LetterDone d) {
        letterDone(d);
      }
    }
  }

  /** Under the lock: what to do with a sink's answer. */
  private int decide(Completion c) {
    Entry e = c.entry;
    if (e.state != Entry.SENDING || e.token != c.token) {
      return 0;
    }
    unlink(e);
    sending--;
    work.signal();
    if (c.error == null) {
      e.state = Entry.DONE;
      inflight--;
      heldBytes -= e.bytes;
      succeeded++;
      advanceDevice(e);
      notFull.signal();
      return SUCCESS;
    }
    Throwable error = unwrap(c.error);
    if (retriable(e, error)) {
      e.state = Entry.BACKOFF;
      backoff.add(e);
      retries++;
      return RETRY;
    }
    e.state = Entry.DONE;
    inflight--;
    heldBytes -= e.bytes;
    failed++;
    advanceDevice(e);
    notFull.signal();
    return FAILED;
  }

  private boolean retriable(Entry e, Throwable error) {
    if (!pipelineRetries || closing || error instanceof PermanentForwardingException) {
      return false;
    }
    RetryPolicy policy = options.retryPolicy();
    return e.attempts < policy.maxAttempts()
        && context.clock.millis() - e.delivery.startMillis < policy.maxElapsed().toMillis();
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
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
      if (e.state != Entry.BACKOFF) {
        return;
      }
      backoff.remove(e);
      e.state = Entry.QUEUED;
      inflight--;
      queued++;
      ready.addLast(e);
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  private void failOrFailover(Entry e, Throwable error) {
    if (e.backup != null && !closing) {
      LOG.debug("Sink {} failed the {}; failing over to {}", name, e.describe(), e.backup.name, error);
      context.listeners.failed(e.message, name, e.attempts, error);
      e.backup.offer(new Entry(e.message, e.delivery, e.bytes, null), false);
      return;
    }
    finish(e, error, false);
  }

  /** The message ended without delivery: tell the listeners, dead-letter it, fail its future. */
  private void finish(Entry e, Throwable error, boolean wasDropped) {
    if (keptInSpool(e, error, wasDropped)) {
      return;
    }
    ForwardingException failure = describeFailure(e, error, wasDropped);
    if (!wasDropped) {
      context.listeners.failed(e.message, name, e.attempts, error);
    }
    DeadLetter letter = new DeadLetter(e.message, name, error, e.attempts, context.clock.instant());
    CompletableFuture<Void> stored = context.deadLetter(letter);
    if (stored == null) {
      logFailure(failure);
      e.delivery.failed(failure);
      return;
    }
    stored.whenComplete((v, dlqError) -> post(new LetterDone(e, failure, letter, dlqError)));
  }

  private void letterDone(LetterDone d) {
    ForwardingException reported;
    if (d.error == null) {
      context.listeners.deadLettered(d.letter);
      reported = rebuild(d.failure, d.failure.getMessage() + "; the message is in dead-letter sink "
          + context.deadLetterName());
    } else {
      Throwable dlqError = unwrap(d.error);
      LOG.error("Dead-letter sink {} failed to store the {} that sink {} could not deliver",
          context.deadLetterName(), d.entry.describe(), name, dlqError);
      reported = rebuild(d.failure, d.failure.getMessage() + "; and dead-letter sink "
          + context.deadLetterName() + " failed to store it: " + dlqError);
      reported.addSuppressed(dlqError);
      d.entry.delivery.keep(); // with a spool: neither delivered nor dead-lettered, so it stays
    }
    d.entry.delivery.failed(reported);
  }

  private static ForwardingException rebuild(ForwardingException f, String message) {
    if (f instanceof PermanentForwardingException) {
      return new PermanentForwardingException(message, f.sinkName(), f.getCause());
    }
    if (f instanceof RetriableForwardingException) {
      return new RetriableForwardingException(message, f.sinkName(), f.getCause());
    }
    return new ForwardingException(message, f.sinkName(), f.getCause());
  }

  private ForwardingException describeFailure(Entry e, Throwable error, boolean wasDropped) {
    if (wasDropped) {
      return (ForwardingException) error;
    }
    String attempts = e.attempts + " attempt" + (e.attempts == 1 ? "" : "s");
    String cause = error == null ? "" : ": " + error.getMessage();
    if (error instanceof PermanentForwardingException) {
      return new PermanentForwardingException(
          "sink " + name + " failed permanently to deliver the " + e.describe() + " after " + attempts
              + cause, name, error);
    }
    if (closing) {
      return new ForwardingException(
          "the forwarder closed before sink " + name + " delivered the " + e.describe() + " ("
              + attempts + ")" + cause, name, error);
    }
    String why = pipelineRetries ? "gave up after " + attempts : "failed (the sink retries by itself)";
    return new RetriableForwardingException(
        "sink " + name + " " + why + " to deliver the " + e.describe() + cause, name, error);
  }

  private void logFailure(ForwardingException failure) {
    long n;
    synchronized (this) {
      n = unloggedFailures++;
    }
    if (n % 1000 == 0) {
      LOG.warn("{} (no dead-letter sink configured; {} such failures so far in this lane)",
          failure.getMessage(), n + 1);
    }
  }

  // ---------------------------------------------------------------- flush, stats, close

  /** The futures of every message this lane holds now. */
  List<CompletableFuture<?>> pending() {
    List<CompletableFuture<?>> out = new ArrayList<>();
    lock.lock();
    try {
      ready.forEach(e -> out.add(e.delivery.future));
      active.values().forEach(q -> q.forEach(e -> out.add(e.delivery.future)));
      backoff.forEach(e -> out.add(e.delivery.future));
      for (Entry e = head; e != null; e = e.next) {
        out.add(e.delivery.future);
      }
    } finally {
      lock.unlock();
    }
    return out;
  }

  SinkStats stats() {
    lock.lock();
    try {
      return new SinkStats(name, received, filtered, succeeded, failed, dropped, inflight, queued,
          heldBytes, retries, rejected, timeouts, deadLettered, deadLetterFailures);
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
      left.addAll(ready);
      active.values().forEach(left::addAll);
      left.addAll(backoff);
      for (Entry e = head; e != null; e = e.next) {
        left.add(e);
      }
      ready.clear();
      active.clear();
      backoff.clear();
      head = null;
      tail = null;
      for (Entry e : left) {
        if (e.state == Entry.QUEUED || e.state == Entry.WAITING) {
          queued--;
        } else {
          inflight--;
        }
        heldBytes -= e.bytes;
        failed++;
        e.state = Entry.DONE;
        e.prev = null;
        e.next = null;
      }
      sending = 0;
      notFull.signalAll();
      work.signalAll();
    } finally {
      lock.unlock();
    }
    List<CompletableFuture<?>> futures = new ArrayList<>(left.size());
    for (Entry e : left) {
      finish(e, new ForwardingException(
          "the forwarder closed before sink " + name + " delivered the " + e.describe(), name, null),
          false);
      futures.add(e.delivery.future);
    }
    return futures;
  }

  void markClosing() {
    lock.lock();
    try {
      closing = true;
      notFull.signalAll();
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
      return !closing && queued + inflight < options.maxMessages() && heldBytes < options.maxBytes();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a message from the spool if the buffer has room, without the overflow policy: what does
   * not fit waits in the spool. Counts nothing and returns false when there is no room or the lane
   * is closing.
   */
  boolean offerFromSpool(Entry e) {
    lock.lock();
    try {
      if (closing || !hasRoom(e.bytes)) {
        return false;
      }
      received++;
      accept(e);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * With a spool, a message this lane gives up on only because the forwarder is closing stays in the
   * spool for the next start: its future fails saying so, and it is neither dead-lettered nor
   * reported to the listeners as failed.
   */
  private boolean keptInSpool(Entry e, Throwable error, boolean wasDropped) {
    if (!closing || wasDropped || e.delivery.spool == null
        || error instanceof PermanentForwardingException) {
      return false;
    }
    e.delivery.keep();
    e.delivery.failed(new ForwardingException("the forwarder closed before sink " + name
        + " delivered the " + e.describe() + "; it stays in the spool and is sent on the next start",
        name, error));
    return true;
  }

  @Override
  public String toString() {
    return "Lane[" + name + "]";
  }
}
