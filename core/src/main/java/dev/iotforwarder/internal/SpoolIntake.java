package dev.iotforwarder.internal;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.internal.spool.RecordCodec;
import dev.iotforwarder.internal.spool.Segment;
import dev.iotforwarder.internal.spool.SpoolFormat;
import dev.iotforwarder.internal.spool.SpoolSyncer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Intake: a routed message is written to the active segment, then handed at once to each target
 * lane that is caught up and has room; a lane without room falls behind and the feeder brings it
 * the record later. When the disk bound is reached the full policy acts: BLOCK waits for room (up to
 * its timeout), DROP_OLDEST drops the oldest droppable segment, REJECT (and the others when they
 * cannot act) refuses the message with a {@link BufferFullException}.
 *
 * <p><b>Threads and lock.</b> {@link #intake} runs on the caller's thread. It encodes the record
 * before taking the spool lock; under the lock it checks room, writes, and hands the record to the
 * caught-up lanes (taking each lane's lock inside: lock order spool, then lane). Finishing dropped
 * segments, failing a refused message and completing {@code accepted} (unless fsync {@code
 * EVERY_WRITE}, where the syncer completes it) happen after the lock is released.
 */
final class SpoolIntake {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolIntake.class);
  private static final int HEADER = SpoolFormat.SEGMENT_HEADER_BYTES;

  private final SpoolState s;
  private final SpoolOutcomes outcomes;
  private final SpoolFeeder feeder;
  private final SpoolDropOldest dropOldest;
  private final SpoolSyncer syncer;

  SpoolIntake(SpoolState state, SpoolOutcomes outcomes, SpoolFeeder feeder,
      SpoolDropOldest dropOldest, SpoolSyncer syncer) {
    this.s = state;
    this.outcomes = outcomes;
    this.feeder = feeder;
    this.dropOldest = dropOldest;
    this.syncer = syncer;
  }

  /** See {@link Spooler#intake}. */
  CompletableFuture<ForwardResult> intake(DeviceMessage m, Lane[] targets, Lane[] backups,
      int count, List<ForwardingException> errors, long startNanos,
      CompletableFuture<Void> accepted, boolean tracked) {
    int failures = errors == null ? 0 : errors.size();
    Delivery d = new Delivery(m, count + failures, startNanos, s.context.clock.millis());
    if (errors != null) {
      errors.forEach(d::failed);
    }
    if (count == 0) {
      if (accepted != null) {
        accepted.completeExceptionally(errors.get(0));
      }
      return d.future;
    }
    String[] sinks = new String[count];
    String[] backupNames = new String[count];
    for (int j = 0; j < count; j++) {
      sinks[j] = targets[j].name;
      backupNames[j] = backups[j] == null ? null : backups[j].name;
    }
    RecordCodec.Encoded rec;
    try {
      rec = RecordCodec.encode(m, sinks, backupNames); // m carries its receive time (Pipeline)
    } catch (IllegalArgumentException e) {
      return refuse(d, count, accepted, new ForwardingException("the spool cannot hold the "
          + Pipeline.describe(m) + ": " + e.getMessage(), e), false, m, sinks);
    }
    long bytes = Pipeline.estimateBytes(m);
    List<SpoolDropOldest.Victim> victims = null;
    ForwardingException refusal = null;
    boolean full = false;
    s.lock.lock();
    try {
      long waitNanos = s.options.fullPolicy() == OverflowPolicy.BLOCK
          ? s.options.blockTimeout().toNanos() : 0;
      while (true) {
        if (s.intakeClosed) {
          refusal = new ForwardingException("the forwarder is closed; it did not accept the "
              + Pipeline.describe(m));
          break;
        }
        if (s.log.fits(rec.size())) {
          break;
        }
        if (rec.size() + HEADER > s.options.maxDiskBytes()) {
          refusal = new ForwardingException("the " + Pipeline.describe(m) + " takes "
              + rec.size() + " bytes in the spool, more than its whole disk bound of "
              + s.options.maxDiskBytes() + " bytes");
          break;
        }
        if (s.log.reclaimActive()) {
          continue;
        }
        OverflowPolicy policy = s.options.fullPolicy();
        if (policy == OverflowPolicy.DROP_OLDEST) {
          SpoolDropOldest.Victim victim = dropOldest.prepare();
          if (victim != null) {
            if (victims == null) {
              victims = new ArrayList<>(1);
            }
            victims.add(victim);
            continue;
          }
          refusal = spoolFull(m, "and it holds no segment of Publish messages only, waiting on"
              + " disk, that could be dropped (Status messages are never dropped)");
          full = true;
          break;
        }
        if (policy == OverflowPolicy.BLOCK && waitNanos > 0) {
          try {
            waitNanos = s.space.awaitNanos(waitNanos);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            refusal = spoolFull(m, "and the caller was interrupted while waiting for room");
            full = true;
            break;
          }
          continue;
        }
        refusal = spoolFull(m, policy == OverflowPolicy.BLOCK
            ? "after waiting " + s.options.blockTimeout() + " for room (full policy BLOCK)"
            : "(full policy " + policy + ")");
        full = true;
        break;
      }
      if (refusal == null) {
        refusal = append(m, d, rec, targets, backups, count, failures, bytes, accepted, tracked);
      }
      if (full) {
        s.rejected++;
      }
    } finally {
      s.lock.unlock();
    }
    if (victims != null) {
      victims.forEach(dropOldest::finish);
    }
    if (refusal != null) {
      return refuse(d, count, accepted, refusal, full, m, sinks);
    }
    if (accepted != null && s.fsync != SpoolOptions.Fsync.EVERY_WRITE) {
      accepted.complete(null);
    }
    return d.future;
  }

  private CompletableFuture<ForwardResult> refuse(Delivery d, int count,
      CompletableFuture<Void> accepted, ForwardingException refusal, boolean full,
      DeviceMessage m, String[] sinks) {
    if (full) {
      for (String sink : sinks) {
        s.context.listeners.rejected(m, sink);
      }
    }
    for (int j = 0; j < count; j++) {
      d.failed(refusal);
    }
    if (accepted != null) {
      accepted.completeExceptionally(refusal);
    }
    return d.future;
  }

  private BufferFullException spoolFull(DeviceMessage m, String why) {
    return new BufferFullException("the spool has no room for the " + Pipeline.describe(m)
        + ": its segments take " + s.log.diskBytes() + " of at most " + s.options.maxDiskBytes()
        + " bytes, " + why, null);
  }

  /** Under the lock: writes the record and hands it to the caught-up lanes. Null if it worked. */
  private ForwardingException append(DeviceMessage m, Delivery d, RecordCodec.Encoded rec,
      Lane[] targets, Lane[] backups, int count, int failures, long bytes,
      CompletableFuture<Void> accepted, boolean tracked) {
    long seq = s.log.nextSeq();
    long start;
    try {
      start = s.log.append(rec, m.isStatus());
    } catch (IOException e) {
      LOG.error("Spool {}: could not write the {}", s.dir, Pipeline.describe(m), e);
      return new ForwardingException("the spool could not write the " + Pipeline.describe(m)
          + ": " + e, e);
    }
    Segment seg = s.log.active();
    s.spooled++;
    s.pending++;
    // Untracked (enqueue) only without route errors: Pipeline reported them, so none are here.
    Spooler.Ticket t = new Spooler.Ticket(outcomes, seq, seg, m.isStatus(), tracked || failures > 0);
    d.spool = t;
    boolean behind = false;
    for (int j = 0; j < count; j++) {
      if (feeder.offerNew(targets[j], m, d, bytes, backups[j], seg, start)) {
        t.inLanes++;
      } else {
        behind = true;
      }
    }
    if (t.inLanes > 0) {
      seg.inLane++;
      s.live.put(seq, d);
    } else if (t.tracked) {
      d.message = null;
      s.live.put(seq, failures == 0 ? d.future : d);
    } // else untracked: nothing in memory; the feeder makes a delivery when a lane takes it
    if (behind) {
      s.wakeFeeder();
    }
    if (s.fsync == SpoolOptions.Fsync.EVERY_WRITE) {
      if (accepted != null) {
        syncer.awaitDurable(accepted);
      }
      syncer.wake();
    }
    return null;
  }
}
