package dev.iotforwarder.connect.internal;

import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqException;
import dev.iotforwarder.cmq.CmqMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A source task's long-polling receivers: one asynchronous receive loop per poller, each handing
 * what it receives to a buffer that {@link #take(int, Duration)} drains.
 *
 * <p>Invariants. No lock: the buffer is a concurrent queue, each poller's {@code running} flag is
 * atomic, {@code unacked} (received, not yet released by the task) is a semaphore-like counter. A
 * poller whose receive would take {@code unacked} over the limit parks (its flag cleared); {@link
 * #release(int)} (called when Kafka acknowledged records) restarts parked pollers. Receives complete
 * on the CMQ client's HTTP threads, which run the next receive. A retriable failure backs the poller
 * off (doubling up to 5 s); any other failure is kept and rethrown by {@code take} on the task's
 * thread, so that the task fails naming it.
 */
final class Receivers {
  /** A received message and the queue it came from. */
  record Received(String queue, CmqMessage message) {}

  private static final Logger log = LoggerFactory.getLogger(Receivers.class);
  private static final long MAX_BACKOFF_MS = 5_000;

  private final CmqClient client;
  private final int batchSize;
  private final Duration pollingWait;
  private final int maxUnacked;
  private final List<Poller> pollers = new ArrayList<>();
  private final LinkedBlockingQueue<Received> buffer = new LinkedBlockingQueue<>();
  private final AtomicInteger unacked = new AtomicInteger();
  private final AtomicReference<RuntimeException> fatal = new AtomicReference<>();
  private final ScheduledExecutorService backoff;
  private volatile boolean stopped;

  Receivers(CmqClient client, List<String> queues, int batchSize, Duration pollingWait, int maxUnacked,
      ScheduledExecutorService backoff) {
    this.client = client;
    this.batchSize = batchSize;
    this.pollingWait = pollingWait;
    this.maxUnacked = maxUnacked;
    this.backoff = backoff;
    for (String q : queues) {
      pollers.add(new Poller(q));
    }
  }

  void start() {
    pollers.forEach(Poller::resume);
  }

  /**
   * Waits up to {@code wait} for a first message, then takes what else is there, up to {@code max}.
   *
   * @return the messages, empty if none came
   * @throws RuntimeException the failure of a receive that cannot be retried
   */
  List<Received> take(int max, Duration wait) throws InterruptedException {
    rethrow();
    List<Received> out = new ArrayList<>();
    Received first = buffer.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (first != null) {
      out.add(first);
      buffer.drainTo(out, max - 1);
    }
    rethrow();
    return out;
  }

  /** Gives back room for {@code n} messages: Kafka acknowledged them (or they left otherwise). */
  void release(int n) {
    unacked.addAndGet(-n);
    if (!stopped) {
      pollers.forEach(Poller::resume);
    }
  }

  void stop() {
    stopped = true;
  }

  private void rethrow() {
    RuntimeException e = fatal.get();
    if (e != null) {
      throw e;
    }
  }

  /** One receive loop on one queue. */
  private final class Poller {
    private final String queue;
    private final AtomicBoolean running = new AtomicBoolean();
    private long backoffMs;

    Poller(String queue) {
      this.queue = queue;
    }

    void resume() {
      if (!stopped && fatal.get() == null && running.compareAndSet(false, true)) {
        receive();
      }
    }

    private void receive() {
      if (stopped || fatal.get() != null) {
        running.set(false);
        return;
      }
      if (unacked.addAndGet(batchSize) > maxUnacked) {
        unacked.addAndGet(-batchSize);
        running.set(false);
        // release() may have run between the check and the flag: look again.
        if (unacked.get() + batchSize <= maxUnacked) {
          resume();
        }
        return;
      }
      CompletableFuture<List<CmqMessage>> f;
      try {
        f = client.batchReceiveMessage(queue, batchSize, pollingWait);
      } catch (RuntimeException e) {
        unacked.addAndGet(-batchSize);
        fail(e);
        return;
      }
      f.whenComplete((messages, error) -> {
        int got = messages == null ? 0 : messages.size();
        unacked.addAndGet(got - batchSize);
        if (error != null) {
          failed(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
          return;
        }
        backoffMs = 0;
        for (CmqMessage m : messages) {
          buffer.add(new Received(queue, m));
        }
        receive();
      });
    }

    private void failed(Throwable error) {
      if (stopped) {
        running.set(false);
        return;
      }
      if (error instanceof CmqException e && e.isRetriable()) {
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, backoffMs * 2));
        log.warn("Receive from CMQ queue {} failed, retrying in {} ms: {}", queue, backoffMs, e.getMessage());
        try {
          backoff.schedule(this::receive, backoffMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stoppedMeanwhile) {
          running.set(false);
        }
        return;
      }
      fail(error);
    }

    private void fail(Throwable error) {
      running.set(false);
      fatal.compareAndSet(null, new ConnectException(
          "Receiving from CMQ queue " + queue + " failed and cannot be retried: " + error.getMessage(), error));
    }
  }
}
