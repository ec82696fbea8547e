package dev.iotforwarder.internal;

import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetryPolicy;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What a lane does with a sink's answer to one send of one message. {@link #of} is a pure function
 * of the answer and the message's history, so that every rule is in one place and testable alone.
 */
enum Verdict {
  /** The sink has the message: complete it. */
  DONE,
  /** Try again after the policy's backoff. */
  RETRY,
  /** This sink gave up: offer the message to the route's failover sink. */
  FAIL_OVER,
  /** Given up for good: dead-letter it (or, closing with a spool, leave it in the spool). */
  DEAD_LETTER,
  /** An answer to a send that is no longer current (it timed out, or the lane closed): ignore it. */
  STALE;

  /**
   * Decides.
   *
   * @param current whether the answer is to the message's current send
   * @param error the sink's failure, unwrapped ({@link #unwrap}); null if it succeeded
   * @param attempts the sends of the message so far, this one included
   * @param elapsedMillis since the message's retry budget started
   * @param policy the lane's retry policy
   * @param pipelineRetries false when the sink retries by itself (the lane then never retries)
   * @param closing whether the forwarder is closing (no retry, no failover)
   * @param hasBackup whether the message's route has a failover sink
   * @return the verdict
   */
  static Verdict of(boolean current, Throwable error, int attempts, long elapsedMillis,
      RetryPolicy policy, boolean pipelineRetries, boolean closing, boolean hasBackup) {
    return of(current, error, attempts, elapsedMillis, policy, pipelineRetries, closing, hasBackup,
        false, 0, 0, false);
  }

  /**
   * Decides, with the spool's rule (docs/spool.md, "Outages"): a spooled message whose route has no
   * failover sink is retried until it is delivered, fails permanently, or is older than the host's
   * maximum age; the policy's attempts and time budget do not apply to it, only its backoff. A
   * message with a failover sink keeps the bounded policy, which decides when it fails over.
   *
   * @param spooled whether the message is in the spool and its route has no failover sink
   * @param ageMillis since the message's receive time (kept by the spool across restarts)
   * @param maxAgeMillis the spool's maximum age; {@link Long#MAX_VALUE} when the host set none
   * @param sinkProbing whether the sink is probing ({@link SinkHealth}): a message with a failover
   *     sink then fails over at once instead of retrying
   * @see #of(boolean, Throwable, int, long, RetryPolicy, boolean, boolean, boolean)
   * @return the verdict
   */
  static Verdict of(boolean current, Throwable error, int attempts, long elapsedMillis,
      RetryPolicy policy, boolean pipelineRetries, boolean closing, boolean hasBackup,
      boolean spooled, long ageMillis, long maxAgeMillis, boolean sinkProbing) {
    if (!current) {
      return STALE;
    }
    if (error == null) {
      return DONE;
    }
    boolean budgetLeft = spooled ? ageMillis < maxAgeMillis
        : !(hasBackup && sinkProbing)
            && attempts < policy.maxAttempts() && elapsedMillis < policy.maxElapsed().toMillis();
    if (pipelineRetries && !closing && !(error instanceof PermanentForwardingException)
        && budgetLeft) {
      return RETRY;
    }
    return hasBackup && !closing ? FAIL_OVER : DEAD_LETTER;
  }

  /** Whether a send's outcome is a retriable failure (not a success, not a permanent error). */
  static boolean retriable(Throwable error) {
    return error != null && !(error instanceof PermanentForwardingException);
  }

  /** The failure inside the wrappers a future adds. */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
