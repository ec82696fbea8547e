package dev.iotforwarder.internal;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.internal.spool.Segment;
import dev.iotforwarder.internal.spool.SpoolRecovery;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a spooled record ends: done once every routed lane finished it (delivered or dead-lettered),
 * kept for the next start when a lane gave up on it only because the forwarder closes, or dropped
 * (recovered for sinks no longer configured; the full policy DROP_OLDEST is {@link
 * SpoolDropOldest}). A done record may free its segment, which is then deleted.
 *
 * <p><b>Threads and lock.</b> {@link #arrived} runs on whichever thread a lane reports on (its
 * completer, the scheduler, a caller, the closing thread), through {@link Spooler.Ticket}, holding
 * no lane lock; it takes the spool lock. {@link #markDone} and {@link #dropDone} run under the spool
 * lock. {@link #dropOrphans} runs once at start, before the feeder and syncer, and calls the
 * dead-letter sink outside the lock; {@link #deadLetter} never holds the lock.
 */
final class SpoolOutcomes {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolOutcomes.class);

  private final SpoolState s;

  SpoolOutcomes(SpoolState state) {
    this.s = state;
  }

  /**
   * A target of the delivery reported. When it was the last, the record is done, or kept if a lane
   * kept it; when no lane holds the message any more, its message is let go (it waits on disk), and
   * an untracked delivery too (no caller waits for it; the feeder makes a new one, for the lanes
   * still to take the record, when one takes it), unless a lane kept it. A delivery let go has its
   * future completed (with null, outside the lock), since a flush may wait on it.
   */
  void arrived(Spooler.Ticket t, Delivery d, boolean last) {
    boolean letGo = false;
    s.lock.lock();
    try {
      if (t.inLanes > 0 && --t.inLanes == 0) {
        t.segment.inLane--;
      }
      if (!last) {
        if (t.inLanes == 0) {
          d.message = null;
          if (!t.tracked && !d.kept() && s.live.get(t.seq) == d) {
            s.live.remove(t.seq);
            letGo = true;
          }
        }
      } else if (s.live.get(t.seq) == d) {
        s.live.remove(t.seq);
        if (d.kept()) {
          s.keptSeqs.add(t.seq);
          s.signalProgress();
        } else {
          markDone(t.seq, t.segment, t.status);
        }
      }
      s.wakeFeeder();
    } finally {
      s.lock.unlock();
    }
    if (letGo) {
      // No caller waits for it, but a flush may (it collects the futures of what the lanes hold):
      // the lanes that held it are done, and the spool's own wait covers the record's other lanes.
      d.future.complete(null);
    }
  }

  /** Under the lock: a record is done; its segment goes once all are. */
  void markDone(long seq, Segment seg, boolean status) {
    if (!seg.markDone(seq, status)) {
      return;
    }
    s.pending--;
    s.completed++;
    s.keptSeqs.remove(seq);
    s.log.recordDone(seg);
    s.signalProgress();
  }

  /** Under the lock: like {@link #markDone}, counted as dropped. */
  void dropDone(long seq, Segment seg, boolean status) {
    if (seg.isDone(seq)) {
      return;
    }
    markDone(seq, seg, status);
    s.completed--;
    s.dropped++;
  }

  /**
   * At start, before the feeder and syncer run: recovered records none of whose sinks is configured
   * any more are dead-lettered and dropped.
   */
  void dropOrphans(SpoolRecovery.Recovered recovered) {
    if (recovered.orphans().isEmpty()) {
      return;
    }
    LOG.error("Spool {}: {} recovered messages were routed only to sinks that are no longer"
        + " configured; they go to the dead-letter sink {}", s.dir, recovered.orphans().size(),
        s.context.deadLetterName());
    recovered.readOrphans((sr, seg) -> {
      for (String sink : sr.sinks()) {
        deadLetter(sr.message(), sink, new PermanentForwardingException("sink " + sink
            + " is no longer configured; the " + Pipeline.describe(sr.message())
            + " was recovered from the spool for it", sink, null));
      }
      s.lock.lock();
      try {
        dropDone(sr.seq(), seg, sr.message().isStatus());
      } finally {
        s.lock.unlock();
      }
    });
  }

  /** Outside the lock: sends a letter; a failure to store it is logged. */
  void deadLetter(DeviceMessage m, String sink, ForwardingException reason) {
    CompletableFuture<Void> f = s.context.deadLetter(
        new DeadLetter(m, sink, reason, 0, s.context.clock.instant()));
    if (f != null) {
      f.whenComplete((v, e) -> {
        if (e != null) {
          LOG.error("Dead-letter sink {} failed to store the {}", s.context.deadLetterName(),
              Pipeline.describe(m), e);
        }
      });
    }
  }
}
