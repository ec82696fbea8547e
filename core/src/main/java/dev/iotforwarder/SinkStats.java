package dev.iotforwarder;

/**
 * A consistent snapshot of one sink's counters. The first seven always balance:
 *
 * <pre>received = filtered + succeeded + failed + dropped + inflight + queued</pre>
 *
 * <p>{@code received} counts every message offered to the sink's routes; {@code filtered} those no
 * route to the sink took; {@code succeeded} those the sink accepted; {@code failed} those that ended
 * without delivery (a permanent error, retries exhausted, rejected by the overflow policy, or still
 * pending at close); {@code dropped} those dropped by {@link OverflowPolicy#DROP_OLDEST}; {@code
 * inflight} those being sent or waiting to be retried; {@code queued} those waiting in the buffer.
 *
 * @param name the sink's name
 * @param received messages offered to the sink's routes
 * @param filtered messages no route to this sink took
 * @param succeeded messages the sink accepted
 * @param failed messages that ended without delivery (includes {@code rejected})
 * @param dropped messages dropped by the overflow policy
 * @param inflight messages being sent or waiting for a retry
 * @param queued messages waiting in the buffer
 * @param queuedBytes estimated envelope bytes held (queued and in flight)
 * @param retries retries started (not counted in the balance)
 * @param rejected messages refused by a full buffer (part of {@code failed})
 * @param timeouts sends that did not complete within the send timeout
 * @param deadLettered messages stored in the dead-letter sink
 * @param deadLetterFailures messages the dead-letter sink failed to store
 * @param health whether the sink answers ({@link Health#HEALTHY}) or fails every send and its lane
 *     sends only probes ({@link Health#PROBING}); not part of the balance
 */
public record SinkStats(
    String name,
    long received,
    long filtered,
    long succeeded,
    long failed,
    long dropped,
    long inflight,
    long queued,
    long queuedBytes,
    long retries,
    long rejected,
    long timeouts,
    long deadLettered,
    long deadLetterFailures,
    Health health) {

  /**
   * A sink's state as its lane sees it. See {@code docs/spool.md}, "A dead sink is not hammered".
   */
  public enum Health {
    /** The sink answers: the lane sends its backlog as fast as the sink takes it. */
    HEALTHY,
    /**
     * The sink failed its last sends with retriable errors: the lane sends one message at a time,
     * with a growing wait capped at the lane's {@link RetryPolicy#maxBackoff()}, until one is
     * answered; failover routes send to their backup meanwhile.
     */
    PROBING
  }

  /**
   * Whether the counters balance; always true for a snapshot taken by the forwarder.
   *
   * @return {@code received == filtered + succeeded + failed + dropped + inflight + queued}
   */
  public boolean balanced() {
    return received == filtered + succeeded + failed + dropped + inflight + queued;
  }
}
