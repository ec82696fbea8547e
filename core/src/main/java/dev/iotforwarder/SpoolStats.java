package dev.iotforwarder;

import java.time.Duration;

/**
 * A consistent snapshot of the durable spool's counters ({@link ForwarderStats#spool()}); all zero
 * when the forwarder has no spool. The first five always balance:
 *
 * <pre>recovered + spooled = completed + dropped + pending</pre>
 *
 * <p>{@code recovered} counts the messages an earlier run left in the spool, found when this
 * forwarder started; {@code spooled} the messages this forwarder wrote; {@code completed} those
 * that every sink they were routed to acknowledged or dead-lettered (and that were removed);
 * {@code dropped} those the {@link OverflowPolicy#DROP_OLDEST DROP_OLDEST} full policy dropped, or
 * whose sinks are no longer configured; {@code pending} those still in the spool.
 *
 * <p>{@code oldestPendingAgeMillis} is how long ago the oldest pending message was received: the
 * first message in the spool (in {@code forward()} order) that is not done yet, delivered or
 * dead-lettered, aged from its {@link DeviceMessage#receivedAtMillis() receive time} by the
 * forwarder's clock when the snapshot was taken. The spool keeps receive times to within a second,
 * rounded down, so the age may read up to a second more than it is, never less. It counts across
 * restarts, and grows while a sink is down. When hosts set receive times out of order, a later
 * message can be older than the one this figure ages. 0 when nothing is pending.
 *
 * @param enabled whether the forwarder has a spool
 * @param recovered messages found in the spool at start, left by an earlier run
 * @param spooled messages written to the spool by this forwarder
 * @param completed messages acknowledged or dead-lettered by every routed sink, and removed
 * @param dropped messages dropped by the full policy, or routed only to sinks that no longer exist
 * @param pending messages in the spool now
 * @param replayed recovered messages handed to a sink's lane again (not counted in the balance)
 * @param rejected messages refused because the spool was full (never written, not in the balance)
 * @param corruptSkipped corrupt records (or runs of corrupt bytes) skipped in the middle of a
 *     segment at start
 * @param tornTails segments whose damaged end (a record being written when the process died) was
 *     cut off at start
 * @param diskBytes bytes the segment files take now
 * @param segments segment files now
 * @param oldestPendingAgeMillis how long ago the oldest pending message was received,
 *     milliseconds; 0 when nothing is pending
 */
public record SpoolStats(
    boolean enabled,
    long recovered,
    long spooled,
    long completed,
    long dropped,
    long pending,
    long replayed,
    long rejected,
    long corruptSkipped,
    long tornTails,
    long diskBytes,
    long segments,
    long oldestPendingAgeMillis) {

  /** The stats of a forwarder without a spool: all zero. */
  public static final SpoolStats DISABLED =
      new SpoolStats(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /**
   * Stats without the oldest pending message's age (0), as before that figure existed.
   *
   * @param enabled whether the forwarder has a spool
   * @param recovered messages found in the spool at start
   * @param spooled messages written to the spool by this forwarder
   * @param completed messages acknowledged or dead-lettered by every routed sink, and removed
   * @param dropped messages dropped by the full policy, or routed only to sinks that no longer exist
   * @param pending messages in the spool now
   * @param replayed recovered messages handed to a sink's lane again
   * @param rejected messages refused because the spool was full
   * @param corruptSkipped corrupt records skipped in the middle of a segment at start
   * @param tornTails segments whose damaged end was cut off at start
   * @param diskBytes bytes the segment files take now
   * @param segments segment files now
   */
  public SpoolStats(boolean enabled, long recovered, long spooled, long completed, long dropped,
      long pending, long replayed, long rejected, long corruptSkipped, long tornTails,
      long diskBytes, long segments) {
    this(enabled, recovered, spooled, completed, dropped, pending, replayed, rejected,
        corruptSkipped, tornTails, diskBytes, segments, 0);
  }

  /**
   * The oldest pending message's age as a duration.
   *
   * @return {@link #oldestPendingAgeMillis()} in milliseconds; zero when nothing is pending
   */
  public Duration oldestPendingAge() {
    return Duration.ofMillis(oldestPendingAgeMillis);
  }

  /**
   * Whether the counters balance; always true for a snapshot taken by the forwarder.
   *
   * @return {@code recovered + spooled == completed + dropped + pending}
   */
  public boolean balanced() {
    return recovered + spooled == completed + dropped + pending;
  }
}
