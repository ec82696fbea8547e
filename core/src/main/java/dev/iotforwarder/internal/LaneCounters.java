package dev.iotforwarder.internal;

import dev.iotforwarder.SinkStats;

/**
 * A lane's stats counters. Guarded by the lane's lock, like the {@link LaneBuffer} whose counts the
 * snapshot adds, so that every snapshot balances: {@code received = filtered + succeeded + failed +
 * dropped + queued + inflight} (a failover counts as failed here and received at the backup).
 */
final class LaneCounters {
  long received;
  long filtered;
  long succeeded;
  long failed;
  long dropped;
  long retries;
  long rejected;
  long timeouts;
  long deadLettered;
  long deadLetterFailures;

  SinkStats snapshot(String name, LaneBuffer buffer, boolean probing) {
    return new SinkStats(name, received, filtered, succeeded, failed, dropped, buffer.inflight,
        buffer.queued, buffer.heldBytes, retries, rejected, timeouts, deadLettered,
        deadLetterFailures, probing ? SinkStats.Health.PROBING : SinkStats.Health.HEALTHY);
  }
}
