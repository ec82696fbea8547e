package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqDeleteFailure;
import dev.iotforwarder.cmq.CmqException;
import dev.iotforwarder.cmq.CmqMessage;
import dev.iotforwarder.cmq.CmqReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of a {@code CmqReceiver}, run by each of its poller threads: long-poll {@code
 * BatchReceiveMessage}, decode each body, call the handler in the order received, then {@code
 * BatchDeleteMessage} what was handled, deleting again only the handles that failed with a retriable
 * code. Receive failures back off exponentially, with jitter, up to {@code maxBackoff}.
 *
 * <p>Threads: {@link #run(int)} on the poller threads, one slot each; {@link #stop()} on the thread
 * that closes the receiver. They share the volatile {@code running} flag, the stop latch (which
 * wakes a backoff at once) and the array of long polls in flight, which {@code stop} cancels; the
 * counters are atomic. No lock.
 */
public final class PollLoop {
  private static final Logger log = LoggerFactory.getLogger("dev.iotforwarder.cmq.CmqReceiver");
  private static final long INITIAL_BACKOFF_MILLIS = 100;

  private final CmqClient client;
  private final String queue;
  private final CmqReceiver.Handler handler;
  private final EnvelopeCodec codec;
  private final int batchSize;
  private final Duration pollingWait;
  private final int deleteRetries;
  private final long maxBackoffMillis;
  private final boolean deleteUndecodable;
  private final PoisonPolicy poison;
  private final ReceiverStats stats = new ReceiverStats();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicReferenceArray<CompletableFuture<?>> receives;
  private volatile boolean running = true;

  /**
   * A loop for {@code pollers} threads.
   *
   * @param client the client
   * @param queue the queue
   * @param handler the handler
   * @param codec decodes bodies
   * @param batchSize messages per receive
   * @param pollingWait the long poll's wait
   * @param deleteRetries how often a failed delete is retried
   * @param maxBackoff the longest wait between attempts
   * @param deleteUndecodable whether bodies that are not envelopes are deleted
   * @param pollers how many threads run the loop
   * @param poison the dead-letter rule, or null for none
   */
  public PollLoop(CmqClient client, String queue, CmqReceiver.Handler handler, EnvelopeCodec codec, int batchSize,
      Duration pollingWait, int deleteRetries, Duration maxBackoff, boolean deleteUndecodable, int pollers,
      PoisonPolicy poison) {
    this.client = client;
    this.queue = queue;
    this.handler = handler;
    this.codec = codec;
    this.batchSize = batchSize;
    this.pollingWait = pollingWait;
    this.deleteRetries = deleteRetries;
    this.maxBackoffMillis = maxBackoff.toMillis();
    this.deleteUndecodable = deleteUndecodable;
    this.receives = new AtomicReferenceArray<>(pollers);
    this.poison = poison;
  }

  /**
   * The loop's counters.
   *
   * @return the counters
   */
  public ReceiverStats stats() {
    return stats;
  }

  /**
   * Stops every poller: no new receive starts, a backoff ends, long polls in flight are cancelled. A
   * handler already running finishes, and what was handled is still deleted.
   */
  public void stop() {
    running = false;
    stop.countDown();
    for (int i = 0; i < receives.length(); i++) {
      CompletableFuture<?> f = receives.get(i);
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  /**
   * The loop of one poller thread; returns when the receiver stops (or the thread is interrupted).
   *
   * @param slot the poller's index, where its long poll is kept for {@link #stop()} to cancel
   */
  public void run(int slot) {
    long backoff = INITIAL_BACKOFF_MILLIS;
    while (running) {
      List<CmqMessage> messages;
      try {
        CompletableFuture<List<CmqMessage>> f = client.batchReceiveMessage(queue, batchSize, pollingWait);
        receives.set(slot, f);
        if (!running) {
          f.cancel(true);
        }
        messages = f.get();
        backoff = INITIAL_BACKOFF_MILLIS;
      } catch (CancellationException e) {
        continue; // closing
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | RuntimeException e) {
        if (!running) {
          return;
        }
        stats.receiveFailures.incrementAndGet();
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        boolean retriable = cause instanceof CmqException ce && ce.isRetriable();
        if (retriable) {
          log.debug("CmqReceiver for queue {}: receive failed, retrying in {} ms: {}", queue, backoff,
              cause.getMessage());
        } else {
          log.warn("CmqReceiver for queue {}: receive failed, retrying in {} ms: {}", queue, backoff,
              cause.toString());
        }
        if (!pause(backoff)) {
          return;
        }
        backoff = Math.min(maxBackoffMillis, backoff * 2);
        continue;
      } finally {
        receives.set(slot, null);
      }
      stats.received.addAndGet(messages.size());
      List<String> toDelete = new ArrayList<>(messages.size());
      for (CmqMessage m : messages) {
        if (!running) {
          break; // the rest comes back after the visibility timeout
        }
        if (process(m)) {
          toDelete.add(m.receiptHandle());
        }
      }
      if (!toDelete.isEmpty()) {
        delete(toDelete);
      }
    }
  }

  /** Handles one message; returns whether it should be deleted. */
  private boolean process(CmqMessage m) {
    DeviceMessage message;
    try {
      message = codec.decode(m.body().getBytes(StandardCharsets.UTF_8));
    } catch (EnvelopeFormatException e) {
      stats.decodeFailures.incrementAndGet();
      if (poison != null) {
        return poison.undecodable(m, e);
      }
      log.warn("CmqReceiver for queue {}: message {} is not a valid envelope ({}); {}", queue, m.msgId(),
          e.getMessage(), deleteUndecodable ? "deleting it" : "leaving it in the queue");
      return deleteUndecodable;
    }
    try {
      handler.handle(message, m);
      stats.handled.incrementAndGet();
      if (poison != null) {
        poison.handled(m);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stats.handlerFailures.incrementAndGet();
      return false;
    } catch (Exception e) {
      stats.handlerFailures.incrementAndGet();
      if (poison != null && poison.handlerFailed(m, e)) {
        return true;
      }
      log.warn("CmqReceiver for queue {}: handler failed for message {} ({}); it will be redelivered",
          queue, m.msgId(), e.toString());
      return false;
    }
  }

  private void delete(List<String> handles) {
    List<String> remaining = handles;
    long backoff = INITIAL_BACKOFF_MILLIS;
    for (int attempt = 0; attempt <= deleteRetries; attempt++) {
      if (attempt > 0 && !sleepQuietly(backoff)) {
        break;
      }
      backoff = Math.min(maxBackoffMillis, backoff * 2);
      List<CmqDeleteFailure> failures;
      try {
        failures = client.batchDeleteMessage(queue, remaining).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | RuntimeException e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof CmqException ce && ce.isRetriable()) {
          log.debug("CmqReceiver for queue {}: delete of {} handles failed, retrying: {}", queue,
              remaining.size(), ce.getMessage());
          continue;
        }
        log.warn("CmqReceiver for queue {}: delete of {} handles failed; the messages will be redelivered: {}",
            queue, remaining.size(), cause.toString());
        break;
      }
      stats.deleted.addAndGet(remaining.size() - failures.size());
      List<String> retry = new ArrayList<>();
      for (CmqDeleteFailure f : failures) {
        if (f.isRetriable()) {
          retry.add(f.receiptHandle());
        } else {
          stats.deleteFailures.incrementAndGet();
          log.debug("CmqReceiver for queue {}: handle {} not deleted (code {}); the message will be redelivered",
              queue, f.receiptHandle(), f.code());
        }
      }
      if (retry.isEmpty()) {
        return;
      }
      log.debug("CmqReceiver for queue {}: {} of {} handles failed to delete with retriable codes; retrying those",
          queue, retry.size(), remaining.size());
      remaining = retry;
    }
    stats.deleteFailures.addAndGet(remaining.size());
    log.warn("CmqReceiver for queue {}: gave up deleting {} handles; the messages will be redelivered",
        queue, remaining.size());
  }

  /** Waits, or returns false at once when the receiver closes. */
  private boolean pause(long millis) {
    try {
      long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
      return !stop.await(jittered, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Waits between delete attempts; still deletes while closing, so only an interrupt stops it. */
  private static boolean sleepQuietly(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
