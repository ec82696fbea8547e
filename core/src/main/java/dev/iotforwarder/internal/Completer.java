package dev.iotforwarder.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lane's completers: the one hop back from a sink. Every answer (a {@link Completion}, a {@link
 * Batch}, a dead-letter sink's {@link Endings.LetterDone}, a {@link SinkCalls.Refused}) is posted
 * once to {@link #completions}; a completer thread ({@code iot-forwarder-<sink>-2} and up) takes a
 * chunk, decides every item under the lane's lock ({@link Verdict}, the {@link LaneBuffer} and the
 * counters), then acts outside the lock: completes callers' futures, schedules retries, fails over,
 * dead-letters.
 *
 * <p>Invariants: callers' futures complete here, never on a sink's I/O thread (which only runs
 * {@link #post}). One {@code Completer} serves all of a lane's completer threads; each runs {@link
 * #run}. After {@link #goInline()} (close, once the threads stopped), {@link #post} processes items
 * on the posting thread, one at a time under this object's monitor.
 */
final class Completer implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Completer.class);
  private static final Object POISON = new Object();

  private final Lane lane;
  private final LinkedTransferQueue<Object> completions = new LinkedTransferQueue<>();
  private volatile boolean inline;

  Completer(Lane lane) {
    this.lane = lane;
  }

  /** Asks {@code threads} completer threads to end, after the items posted before. */
  void stop(int threads) {
    for (int i = 0; i < threads; i++) {
      completions.offer(POISON);
    }
  }

  /** The threads have ended: from now on, items are processed on the thread that posts them. */
  void goInline() {
    inline = true;
    drainInline();
  }

  /** Any thread: queues an item for a completer thread (or, inline, processes it now). */
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

  @Override
  public void run() {
    List<Object> chunk = new ArrayList<>(Lane.CHUNK);
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
      completions.drainTo(chunk, Lane.CHUNK - 1);
      boolean poisoned = chunk.remove(POISON);
      try {
        process(chunk);
      } catch (RuntimeException | Error ex) {
        LOG.error("Unexpected failure in lane {} while completing messages", lane.name, ex);
      }
      chunk.clear();
      if (poisoned) {
        return;
      }
    }
  }

  /** Decides every item under the lane's lock, then acts on the verdicts outside it. */
  private void process(List<Object> chunk) {
    Answers answers = new Answers(System.nanoTime());
    lane.lock.lock();
    try {
      for (Object item : chunk) {
        if (item instanceof Completion c) {
          Throwable error = Verdict.unwrap(c.error);
          c.verdict = decide(c.entry, c.token, error);
          if (c.verdict != Verdict.STALE) {
            answers.add(Verdict.retriable(error));
          }
        } else if (item instanceof Batch b) {
          b.errors = b.outcomes(lane.name);
          b.verdicts = new Verdict[b.entries.length];
          boolean answered = false;
          boolean allRetriable = true;
          for (int i = 0; i < b.entries.length; i++) {
            b.errors[i] = b.errors[i] == null ? null : Verdict.unwrap(b.errors[i]);
            b.verdicts[i] = decide(b.entries[i], b.tokens[i], b.errors[i]);
            if (b.verdicts[i] != Verdict.STALE) {
              answered = true;
              allRetriable &= Verdict.retriable(b.errors[i]);
            }
          }
          if (answered) { // one send, one answer: a failed batch counts once
            answers.add(allRetriable);
          }
        } else if (item instanceof Endings.LetterDone d) {
          if (d.error() == null) {
            lane.count.deadLettered++;
          } else {
            lane.count.deadLetterFailures++;
          }
        }
      }
      answers.flush();
    } finally {
      lane.lock.unlock();
    }
    for (Object item : chunk) {
      if (item instanceof Completion c) {
        act(c.entry, c.verdict, Verdict.unwrap(c.error));
      } else if (item instanceof Batch b) {
        for (int i = 0; i < b.entries.length; i++) {
          act(b.entries[i], b.verdicts[i], b.errors[i]);
        }
      } else if (item instanceof Endings.LetterDone d) {
        lane.endings.letterDone(d);
      } else if (item instanceof SinkCalls.Refused r) {
        r.entry().delivery.failed(r.error());
      }
    }
  }

  /**
   * Under the lane's lock: a chunk's answers for the sink's {@link SinkHealth}, in order, with one
   * clock reading for the chunk. While the sink is healthy, successes in a row are one answer:
   * {@link SinkHealth#answered} with a success then only resets the failure count, so a second in a
   * row changes nothing; a success still pending is given before the next failure, and at the end
   * of the chunk. While it is probing, a success is given at once: it ends the probing, and the
   * next answer's verdict ({@link #decide}) must see that.
   */
  private final class Answers {
    private final long now;
    private boolean successPending;

    Answers(long now) {
      this.now = now;
    }

    void add(boolean retriableFailure) {
      if (!retriableFailure) {
        if (lane.health.probing()) {
          health(false, now);
        } else {
          successPending = true;
        }
        return;
      }
      flush();
      health(true, now);
    }

    void flush() {
      if (successPending) {
        successPending = false;
        health(false, now);
      }
    }
  }

  /** Under the lane's lock: one answer for the sink's {@link SinkHealth}; logs a change. */
  private void health(boolean retriableFailure, long now) {
    if (lane.health.answered(retriableFailure, now)) {
      lane.work.signal();
      if (lane.health.probing()) {
        LOG.warn("Sink {} failed {} sends in a row; sending one probe at a time until it answers",
            lane.name, SinkHealth.FAILURES_TO_PROBE);
      } else {
        LOG.info("Sink {} answers again; sending its backlog", lane.name);
      }
    }
  }

  /** Under the lane's lock: the verdict on the answer to send {@code token} of {@code e}; moves e. */
  private Verdict decide(Entry e, int token, Throwable error) {
    boolean current = LaneBuffer.isCurrent(e, token);
    boolean failed = current && error != null;
    Verdict v = Verdict.of(current, error, e.attempts,
        failed ? lane.context.clock.millis() - e.delivery.startMillis : 0,
        lane.options.retryPolicy(), lane.pipelineRetries, lane.closing, e.backup != null,
        e.delivery.spool != null && e.backup == null,
        failed ? spooledAgeMillis(e) : 0, lane.context.spoolMaxAgeMillis, lane.health.probing());
    if (v == Verdict.STALE) {
      return v; // a late answer to a send that already timed out, or after close
    }
    lane.buffer.endSend(e);
    lane.work.signal();
    if (v == Verdict.RETRY) {
      e.lastError = error;
      lane.buffer.toBackoff(e);
      lane.count.retries++;
      return v;
    }
    lane.buffer.release(e, lane.readyClock());
    if (v == Verdict.DONE) {
      lane.count.succeeded++;
    } else {
      lane.count.failed++;
    }
    lane.notFull.signal();
    return v;
  }

  /**
   * A spooled message's age for {@code SpoolOptions.maxAge}: since its receive time, which the spool
   * keeps across restarts; since {@code forward()} for a message without one.
   */
  private long spooledAgeMillis(Entry e) {
    long received = e.message.receivedAtMillis();
    return received != 0 ? lane.context.clock.millis() - received
        : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - e.delivery.startNanos);
  }

  /** Outside the lane's lock: completes, schedules the retry, fails over or dead-letters. */
  private void act(Entry e, Verdict v, Throwable error) {
    switch (v) {
      case DONE -> {
        lane.context.listeners.delivered(e.message, lane.name, e.attempts, e.delivery.startNanos);
        e.delivery.succeeded(lane.nameAsList);
      }
      case RETRY -> scheduleRetry(e, error);
      case FAIL_OVER -> {
        LOG.debug("Sink {} failed the {}; failing over to {}", lane.name, e.describe(), e.backup.name,
            error);
        lane.context.listeners.failed(e.message, lane.name, e.attempts, error);
        e.backup.offer(new Entry(e.message, e.delivery, e.bytes, null), false);
      }
      case DEAD_LETTER -> lane.endings.finish(e, error, lane.closing, false);
      case STALE -> { }
    }
  }

  private void scheduleRetry(Entry e, Throwable error) {
    long backoffNanos = lane.context.backoffNanos(lane.options.retryPolicy(), e.attempts);
    lane.context.listeners.retry(e.message, lane.name, e.attempts, error, backoffNanos);
    try {
      lane.context.scheduler.schedule(() -> requeue(e), backoffNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      requeue(e); // the forwarder is closing: the close sweep will fail it
    }
  }

  private void requeue(Entry e) {
    lane.lock.lock();
    try {
      if (lane.buffer.requeue(e, lane.readyClock())) {
        lane.work.signal();
      }
    } finally {
      lane.lock.unlock();
    }
  }
}
