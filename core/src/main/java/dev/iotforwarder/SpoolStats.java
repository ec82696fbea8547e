package dev.iotforwarder;

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
    long segments) {

  /** The stats of a forwarder without a spool: all zero. */
  public static final SpoolStats DISABLED = new SpoolStats(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /**
   * Whether the counters balance; always true for a snapshot taken by the forwarder.
   *
   * @return {@code recovered + spooled == completed + dropped + pending}
   */
  public boolean balanced() {
    return recovered + spooled == completed + dropped + pending;
  }
}
