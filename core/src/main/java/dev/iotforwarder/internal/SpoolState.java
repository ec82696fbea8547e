package dev.iotforwarder.internal;

import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.internal.spool.SegmentLog;
import dev.iotforwarder.internal.spool.SpoolRecovery;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The spool lock and everything it guards, shared by the spooler's parts: {@link Spooler} (the
 * facade), {@link SpoolIntake}, {@link SpoolFeeder}, {@link SpoolOutcomes}, {@link SpoolDropOldest},
 * and in {@code internal.spool} the {@link SegmentLog} and the {@code SpoolSyncer}.
 *
 * <p><b>Why one lock.</b> Writing a record, handing it to the lanes that are caught up, and moving a
 * lane's feed position must happen as one step, or a lane could take a newer record before an older
 * one the feeder is about to give it (per-device order). Outcomes change what intake's full check
 * and the feeder read (done bits, deleted segments). So the parts share one lock rather than order
 * several; each holds it briefly and does file reads, fsync, dead-letter calls and completing
 * futures outside it.
 *
 * <p><b>Lock order.</b> Spool lock, then a lane's lock ({@link Lane#offerFromSpool} and {@link
 * Lane#roomForSpool} are called holding it). Lanes report outcomes through {@link Spooler.Ticket}
 * without holding theirs. The {@link SegmentLog}'s force monitor is taken inside the spool lock (a
 * roll) or alone (the syncer, close), never the other way round.
 *
 * <p><b>Conditions.</b> {@link #space}: intake waits for room (full policy BLOCK); signalled when
 * bytes are freed and on stop. {@link #wake}: the feeder waits; signalled when a lane fell behind or
 * finished a record. {@link #syncWork}: the sync thread waits; signalled by writes and rolls. {@link
 * #progress}: a flush waits; signalled when a record is done or kept, only while a flush waits.
 *
 * <p>Every non-final field is guarded by {@link #lock}, except {@link #context}, set once at start
 * before any caller or thread uses it.
 */
final class SpoolState {
  final Path dir;
  final SpoolOptions options;
  final SpoolOptions.Fsync fsync;

  final ReentrantLock lock = new ReentrantLock();
  final Condition space = lock.newCondition();
  final Condition wake = lock.newCondition();
  final Condition syncWork = lock.newCondition();
  final Condition progress = lock.newCondition();

  final SegmentLog log;
  /**
   * Pending records a caller waits for ({@code forward}, {@code submit}: a Delivery, or only its
   * future) or a lane holds (a Delivery); an enqueued or replayed record no lane holds has none.
   */
  final Map<Long, Object> live = new HashMap<>();
  /** Records a lane gave up on only because the forwarder closes: pending for the next start. */
  final Set<Long> keptSeqs = new HashSet<>();
  /** Bumped with each signal of {@link #wake}, so the feeder sees one that came while it worked. */
  long wakeups;
  int flushWaiters;

  EngineContext context;
  boolean intakeClosed;
  boolean feedStopped;
  boolean closed;

  long recovered;
  long spooled;
  long completed;
  long dropped;
  long pending;
  long replayed;
  long rejected;
  long corruptSkipped;
  long tornTails;

  SpoolState(SpoolRecovery.Recovered r, SpoolOptions options) {
    this.dir = r.dir();
    this.options = options;
    this.fsync = options.fsync();
    this.log = new SegmentLog(r, options, space, syncWork);
    this.recovered = r.records();
    this.pending = r.records();
    this.corruptSkipped = r.corruptSkipped();
    this.tornTails = r.tornTails();
  }

  /** Under the lock: the feeder looks again (a lane fell behind, or has room again). */
  void wakeFeeder() {
    wakeups++;
    wake.signal();
  }

  /** Under the lock: a record is done or kept; wakes a waiting flush. */
  void signalProgress() {
    if (flushWaiters > 0) {
      progress.signalAll();
    }
  }

  SpoolStats stats() {
    lock.lock();
    try {
      long oldest = log.oldestPendingReceivedMillis();
      long age = oldest <= 0 || context == null ? 0 : Math.max(0, context.clock.millis() - oldest);
      return new SpoolStats(true, recovered, spooled, completed, dropped, pending, replayed,
          rejected, corruptSkipped, tornTails, log.diskBytes(), log.segments().size(), age);
    } finally {
      lock.unlock();
    }
  }
}
