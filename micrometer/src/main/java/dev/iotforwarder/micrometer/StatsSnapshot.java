package dev.iotforwarder.micrometer;

import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import java.util.function.LongSupplier;

/**
 * One {@link Forwarder#stats()} snapshot shared by all meters of a binder, taken again only when it
 * is older than the time to live. Micrometer reads each meter separately; with one snapshot per
 * scrape, what a scrape shows balances as the snapshot does ({@code received = filtered + succeeded
 * + failed + dropped + inflight + queued}). Thread-safe: the monitor guards the cached snapshot.
 */
final class StatsSnapshot {
  private final Forwarder forwarder;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private ForwarderStats stats;
  private long takenAt;

  StatsSnapshot(Forwarder forwarder, long ttlNanos, LongSupplier nanoTime) {
    this.forwarder = forwarder;
    this.ttlNanos = ttlNanos;
    this.nanoTime = nanoTime;
  }

  /** @return the cached snapshot, or a new one if the cached one expired */
  synchronized ForwarderStats get() {
    long now = nanoTime.getAsLong();
    if (stats == null || now - takenAt >= ttlNanos) {
      stats = forwarder.stats();
      takenAt = now;
    }
    return stats;
  }
}
