package dev.iotforwarder;

/**
 * A consistent snapshot of one sink's counters. The first seven always balance:
 *
 * <pre>received = filtered + succeeded + failed + dropped + inflight + queued</pre>
 *
 * <p>{@code received} counts every message offered to the sink's routes, {@code filtered} those no
 * route to the sink took (a {@code route(MessageFilter.statusOnly(), sink)} sink "receives" every
 * Publish message too, and filters it): {@link #routed()}, their difference, is what the sink's
 * routes took, the number that usually reads naturally; {@code succeeded} those the sink accepted; {@code failed} those that ended
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

  /**
   * The messages the sink's routes took: {@code received - filtered}.
   *
   * @return {@code succeeded + failed + dropped + inflight + queued} in a balanced snapshot
   */
  public long routed() {
    return received - filtered;
  }

  /**
   * One readable line: the name, what the routes took and what became of it, then the other
   * counters; e.g. {@code kafka: routed 8 of 10 received (2 filtered): 7 succeeded, 1 failed, 0
   * dropped, 0 in flight, 0 queued (0 B); 3 retries, 0 rejected, 0 timeouts, 1 dead-lettered, 0
   * dead-letter failures; healthy}.
   *
   * @return the line, without a line break
   */
  @Override
  public String toString() {
    return name + ": routed " + routed() + " of " + received + " received (" + filtered + " filtered): "
        + succeeded + " succeeded, " + failed + " failed, " + dropped + " dropped, " + inflight + " in flight, "
        + queued + " queued (" + queuedBytes + " B); " + retries + " retries, " + rejected + " rejected, "
        + timeouts + " timeouts, " + deadLettered + " dead-lettered, " + deadLetterFailures
        + " dead-letter failures; " + (health == Health.PROBING ? "probing" : "healthy");
  }
}
