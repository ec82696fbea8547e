package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.cmq.CmqDeadLetterHandler;
import dev.iotforwarder.cmq.CmqMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poison-message rule of a {@code CmqReceiver}: an undecodable body, or a message whose handler
 * failed on its {@code maxReceives}-th receive, goes to the host's {@link CmqDeadLetterHandler}, and is
 * deleted if that returns normally.
 *
 * <p>The receive count is the larger of CMQ's {@code dequeueCount} and this receiver's own count of
 * failed attempts for the message id (kept for the last {@value #REMEMBERED} ids). CMQ counts only on
 * the cluster leader and the count "may be wrong after failover": a count that went back, or is
 * missing (0), still ends after {@code maxReceives} failed attempts here; a count that is too high
 * dead-letters early, but never before the handler failed at least once.
 *
 * <p>Thread-safe: poller threads share it; the attempts map is guarded by its own monitor, the
 * counters are atomic.
 */
public final class PoisonPolicy {
  /** How many message ids the own attempt count remembers. */
  public static final int REMEMBERED = 10_000;

  private static final Logger log = LoggerFactory.getLogger("dev.iotforwarder.cmq.CmqReceiver");

  private final String queue;
  private final CmqDeadLetterHandler deadLetters;
  private final int maxReceives;
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong deadLetterFailures = new AtomicLong();
  private final Map<String, Integer> attempts = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
      return size() > REMEMBERED;
    }
  };

  /**
   * A policy.
   *
   * @param queue the queue, for logs
   * @param deadLetters the host's handler
   * @param maxReceives the receive on which a failing message is handed over, at least 1
   */
  public PoisonPolicy(String queue, CmqDeadLetterHandler deadLetters, int maxReceives) {
    this.queue = queue;
    this.deadLetters = deadLetters;
    this.maxReceives = maxReceives;
  }

  /**
   * A body that is not an envelope: handed over at once.
   *
   * @param m the message
   * @param e why it is not an envelope
   * @return whether to delete it
   */
  public boolean undecodable(CmqMessage m, EnvelopeFormatException e) {
    return handOver(m, e, "is not a valid envelope");
  }

  /**
   * The handler threw: handed over if this was the last allowed receive.
   *
   * @param m the message
   * @param e what the handler threw
   * @return whether to delete it
   */
  public boolean handlerFailed(CmqMessage m, Exception e) {
    int own;
    synchronized (attempts) {
      own = attempts.merge(m.msgId(), 1, Integer::sum);
    }
    int receives = Math.max(own, m.dequeueCount());
    if (receives < maxReceives) {
      return false;
    }
    boolean delete = handOver(m, e, "failed on receive " + receives + " of " + maxReceives);
    if (delete) {
      synchronized (attempts) {
        attempts.remove(m.msgId());
      }
    }
    return delete;
  }

  /**
   * The handler succeeded: forget the message's own attempt count.
   *
   * @param m the message
   */
  public void handled(CmqMessage m) {
    synchronized (attempts) {
      attempts.remove(m.msgId());
    }
  }

  private boolean handOver(CmqMessage m, Exception reason, String why) {
    try {
      deadLetters.deadLetter(m, reason);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      deadLetterFailures.incrementAndGet();
      return false;
    } catch (Exception dle) {
      deadLetterFailures.incrementAndGet();
      log.warn("CmqReceiver for queue {}: message {} {}, and the dead-letter handler failed ({});"
          + " it stays in the queue", queue, m.msgId(), why, dle.toString());
      return false;
    }
    deadLettered.incrementAndGet();
    log.warn("CmqReceiver for queue {}: message {} {} ({}); handed to the dead-letter handler, deleting it",
        queue, m.msgId(), why, reason.toString());
    return true;
  }

  /**
   * Messages the dead-letter handler took.
   *
   * @return the count
   */
  public long deadLetteredCount() {
    return deadLettered.get();
  }

  /**
   * Times the dead-letter handler threw.
   *
   * @return the count
   */
  public long deadLetterFailureCount() {
    return deadLetterFailures.get();
  }
}
