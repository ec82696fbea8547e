package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.internal.spool.Segment;
import dev.iotforwarder.internal.spool.SpoolLock;
import dev.iotforwarder.internal.spool.SpoolRecovery;
import dev.iotforwarder.internal.spool.SpoolSyncer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool: a write-ahead log of segment files in front of the lanes. This class is its
 * face to {@link Pipeline} (open, start, intake, flush, stats, close) and wires its parts:
 *
 * <ul>
 *   <li>{@code internal.spool.SpoolRecovery}: what an earlier run left (at open);
 *   <li>{@code internal.spool.SegmentLog}: the segment files, rolls, deletion, the checkpoint value;
 *   <li>{@link SpoolIntake}: writing records, the full policy, handing them to caught-up lanes;
 *   <li>{@link SpoolDropOldest}: the full policy DROP_OLDEST;
 *   <li>{@link SpoolFeeder}: the feeder thread, reading records back into lanes that are behind;
 *   <li>{@link SpoolOutcomes}: a record done, kept or dropped, through {@link Ticket};
 *   <li>{@code internal.spool.SpoolSyncer}: the sync thread (fsync, checkpoint, {@code accepted}).
 * </ul>
 *
 * <p><b>Done</b>: a record is done when every routed lane finished it (delivered, or dead-lettered);
 * a sealed segment whose records are all done is deleted. A lane that gives up on a message only
 * because the forwarder closes, or whose dead-letter store failed, marks it kept: it stays pending
 * for the next start. A checkpoint (the lowest sequence number not done) spares a restart most of
 * the duplicates in partly done segments.
 *
 * <p><b>Memory</b>: a message that waits on disk and no lane holds costs only its future (in {@code
 * SpoolState.live}) if a caller waits for it ({@code forward}, {@code submit}), and nothing if not
 * ({@code enqueue}, a replayed record): then the spool holds its {@link Delivery} only while a lane
 * holds the message, and the feeder makes one (counting the lanes still to take the record) when a
 * lane takes it again. So a backlog larger than the heap costs a bounded window (the lanes' buffers)
 * plus one done bit per record.
 *
 * <p><b>Threads and lock.</b> {@link #open} and {@link #start} run on the building thread; {@link
 * #intake} on callers' threads; {@link #awaitDone} and {@link #stats} on any thread; {@link
 * #stopFeeding} and {@link #close} on the closing thread. All share the one spool lock of {@link
 * SpoolState} (why one, and the lock order, are written there); this class takes it only to set the
 * stop flags, to wait for a flush, and to read what to fail at close. Joining threads, failing
 * futures, fsync and the checkpoint at close happen outside it.
 */
final class Spooler {
  private static final Logger LOG = LoggerFactory.getLogger(Spooler.class);
  private static final long FLUSH_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final SpoolState s;
  private final SpoolLock dirLock;
  /** What recovery found, until {@link #start} dropped the orphans. */
  private SpoolRecovery.Recovered recovered;
  private final SpoolOutcomes outcomes;
  private final SpoolSyncer syncer;
  /** Set by {@link #start}, before any caller or thread uses them. */
  private SpoolIntake intake;
  private Thread feeder;
  private Thread syncThread;

  /**
   * A spooled message's link from its {@link Delivery} back to the spool. {@code inLanes} is guarded
   * by the spool lock.
   */
  static final class Ticket {
    final SpoolOutcomes outcomes;
    final long seq;
    final Segment segment;
    final boolean status;
    /**
     * Whether a caller waits for the delivery's future ({@code forward}, {@code submit}). If not
     * ({@code enqueue}, a replayed record), the spool lets the delivery go whenever no lane holds
     * the message, and the feeder makes a new one for the lanes still to take it.
     */
    final boolean tracked;
    /** Lanes holding the message now. Guarded by the spool lock. */
    int inLanes;

    Ticket(SpoolOutcomes outcomes, long seq, Segment segment, boolean status, boolean tracked) {
      this.outcomes = outcomes;
      this.seq = seq;
      this.segment = segment;
      this.status = status;
      this.tracked = tracked;
    }

    /** A target of the delivery reported (from {@link Delivery}, no lane lock held). */
    void arrived(Delivery d, boolean last) {
      outcomes.arrived(this, d, last);
    }
  }

  private Spooler(SpoolRecovery.Recovered recovered, SpoolOptions options, SpoolLock dirLock) {
    this.recovered = recovered;
    this.dirLock = dirLock;
    this.s = new SpoolState(recovered, options);
    this.outcomes = new SpoolOutcomes(s);
    this.syncer = new SpoolSyncer(s.dir, options, s.lock, s.syncWork, s.log);
  }

  /**
   * Locks the directory and recovers what an earlier run left. Starts no thread.
   *
   * @param sinkNames the sinks configured now
   */
  static Spooler open(Path dir, SpoolOptions options, Set<String> sinkNames) {
    SpoolLock dirLock;
    try {
      Files.createDirectories(dir);
      dirLock = SpoolLock.acquire(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open spool directory " + dir + ": " + e, e);
    }
    Spooler sp = null;
    try {
      sp = new Spooler(SpoolRecovery.recover(dir, sinkNames), options, dirLock);
      sp.s.log.openActive();
      return sp;
    } catch (IOException e) {
      closeQuietly(sp, dirLock);
      throw new UncheckedIOException("cannot recover spool directory " + dir + ": " + e, e);
    } catch (RuntimeException | Error e) {
      closeQuietly(sp, dirLock);
      throw e;
    }
  }

  /** Releases the writer and the directory lock after a failed open or a failed build. */
  void abandon() {
    closeQuietly(this, dirLock);
  }

  private static void closeQuietly(Spooler sp, SpoolLock dirLock) {
    if (sp != null) {
      sp.s.log.closeQuietly();
    }
    try {
      dirLock.close();
    } catch (IOException ignored) {
      // closing after a failed open
    }
  }

  /** Starts replaying and intake: every lane starts behind if anything was recovered. */
  void start(EngineContext context, Lane[] lanes, Map<String, Lane> lanesByName,
      NamedThreadFactory threads) {
    SpoolFeeder feed;
    s.lock.lock();
    try {
      s.context = context;
      feed = new SpoolFeeder(s, outcomes, lanes, lanesByName);
      intake = new SpoolIntake(s, outcomes, feed, new SpoolDropOldest(s, outcomes), syncer);
    } finally {
      s.lock.unlock();
    }
    outcomes.dropOrphans(recovered);
    recovered = null;
    feeder = threads.newThread("iot-forwarder-spool-feeder", feed);
    syncThread = threads.newThread("iot-forwarder-spool-sync", syncer);
    feeder.start();
    syncThread.start();
  }

  /**
   * Writes a routed message to the spool and hands it to the caught-up lanes.
   *
   * @param tracked whether a caller waits for the returned future (false for {@code enqueue})
   * @return the message's completion future
   */
  CompletableFuture<ForwardResult> intake(DeviceMessage m, Lane[] targets, Lane[] backups,
      int count, List<ForwardingException> errors, long startNanos,
      CompletableFuture<Void> accepted, boolean tracked) {
    return intake.intake(m, targets, backups, count, errors, startNanos, accepted, tracked);
  }

  /**
   * Waits until every record written before this call is done (or kept for the next start).
   *
   * @return whether that happened before the deadline
   */
  boolean awaitDone(long deadlineNanos) {
    s.lock.lock();
    try {
      long bound = s.log.nextSeq();
      s.flushWaiters++;
      try {
        while (s.log.lowestUnfinished(s.keptSeqs) < bound) {
          long left = deadlineNanos - System.nanoTime();
          if (left <= 0 || s.feedStopped) {
            return false;
          }
          s.progress.awaitNanos(Math.min(left, FLUSH_POLL_NANOS));
        }
        return true;
      } finally {
        s.flushWaiters--;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      s.lock.unlock();
    }
  }

  SpoolStats stats() {
    return s.stats();
  }

  /** Stops intake and the feeder: what is on disk stays there. Then the lanes may be aborted. */
  void stopFeeding(long timeoutNanos) {
    s.lock.lock();
    try {
      s.intakeClosed = true;
      s.feedStopped = true;
      s.wake.signalAll();
      s.space.signalAll();
      s.progress.signalAll();
    } finally {
      s.lock.unlock();
    }
    join(feeder, timeoutNanos);
  }

  /**
   * After the lanes stopped: fails what was never handed to a lane (it stays in the spool), syncs,
   * writes the checkpoint, closes the files and releases the directory.
   */
  void close(long timeoutNanos) {
    s.lock.lock();
    try {
      if (s.closed) {
        return;
      }
      s.closed = true;
      s.intakeClosed = true;
      s.feedStopped = true;
      syncer.stop();
      s.wake.signalAll();
      s.space.signalAll();
    } finally {
      s.lock.unlock();
    }
    join(feeder, timeoutNanos);
    join(syncThread, timeoutNanos);
    List<Object> left;
    s.lock.lock();
    try {
      left = new ArrayList<>(s.live.values());
    } finally {
      s.lock.unlock();
    }
    ForwardingException closedEx = new ForwardingException("the forwarder closed before this"
        + " message was handed to its sinks; it stays in the spool " + s.dir
        + " and is sent on the next start");
    for (Object o : left) {
      if (o instanceof Delivery d) {
        d.keep();
        d.failRemaining(closedEx);
      } else if (o instanceof CompletableFuture<?> f) {
        f.completeExceptionally(closedEx);
      }
    }
    IOException syncFailure = s.log.closeWriter();
    s.lock.lock();
    try {
      s.log.sealActive();
    } finally {
      s.lock.unlock();
    }
    syncer.finish(syncFailure);
    try {
      dirLock.close();
    } catch (IOException e) {
      LOG.warn("Spool {}: could not release the lock file", s.dir, e);
    }
    SpoolStats st = stats();
    LOG.debug("Spool {} closed: {} messages pending in {} segments ({} bytes)", s.dir,
        st.pending(), st.segments(), st.diskBytes());
  }

  private static void join(Thread t, long timeoutNanos) {
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      LOG.warn("Thread {} did not stop in time", t.getName());
    }
  }

  @Override
  public String toString() {
    return "Spool[" + s.dir + "]";
  }
}
