package dev.iotforwarder.internal.spool;

import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.SpoolOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sync thread ({@code iot-forwarder-spool-sync}): forces the active segment to disk as the
 * fsync option asks (after every write, or at an interval), completes the {@code accepted} stages
 * waiting for that (fsync {@code EVERY_WRITE}), and writes the checkpoint every 100 ms when it moved.
 *
 * <p><b>Invariants.</b> The waiters, {@code durableLsn} and the stop flag are guarded by the spool
 * lock (handed in; the one lock of {@code dev.iotforwarder.internal.SpoolState}); waiters are queued
 * in log order, each with the log position it needs on disk. {@link #awaitDurable}, {@link #wake}
 * and {@link #stop} run under that lock on any thread; {@link #run} is the thread's body; {@link
 * #finish} runs on the closing thread after this thread ended. The force, completing the waiters'
 * futures and writing the checkpoint happen outside the spool lock, so intake never waits for a disk
 * flush.
 */
public final class SpoolSyncer implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolSyncer.class);
  private static final long CHECKPOINT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Path dir;
  private final SpoolOptions options;
  private final SpoolOptions.Fsync fsync;
  private final ReentrantLock lock;
  private final Condition syncWork;
  private final SegmentLog log;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long durableLsn;
  private boolean stopping;
  /** The sync thread's, then (after it ended) the closing thread's. */
  private long lastCheckpoint = -1;

  private record Waiter(long lsn, CompletableFuture<Void> accepted) {}

  /**
   * @param dir the spool directory
   * @param options the spool's options
   * @param lock the spool lock
   * @param syncWork the lock's condition this thread waits on
   * @param log the segments
   */
  public SpoolSyncer(Path dir, SpoolOptions options, ReentrantLock lock, Condition syncWork,
      SegmentLog log) {
    this.dir = dir;
    this.options = options;
    this.fsync = options.fsync();
    this.lock = lock;
    this.syncWork = syncWork;
    this.log = log;
  }

  /**
   * Under the lock, right after a write: the stage completes once what was written so far is on
   * disk.
   *
   * @param accepted the caller's {@code accepted} stage
   */
  public void awaitDurable(CompletableFuture<Void> accepted) {
    waiters.add(new Waiter(log.writtenLsn(), accepted));
  }

  /** Under the lock: something was written that fsync {@code EVERY_WRITE} forces now. */
  public void wake() {
    syncWork.signal();
  }

  /** Under the lock: the thread ends at its next look. */
  public void stop() {
    stopping = true;
    syncWork.signalAll();
  }

  @Override
  public void run() {
    long nextCheckpoint = System.nanoTime() + CHECKPOINT_NANOS;
    long nextForce = System.nanoTime();
    long interval = fsync == SpoolOptions.Fsync.INTERVAL ? options.fsyncInterval().toNanos() : 0;
    try {
      while (true) {
        SegmentWriter w = null;
        long target = 0;
        boolean forceNow;
        boolean checkpointNow;
        lock.lock();
        try {
          while (true) {
            if (stopping) {
              return;
            }
            long now = System.nanoTime();
            boolean dirty = log.writtenLsn() > durableLsn;
            forceNow = dirty && (fsync == SpoolOptions.Fsync.EVERY_WRITE
                || fsync == SpoolOptions.Fsync.INTERVAL && now - nextForce >= 0);
            checkpointNow = now - nextCheckpoint >= 0;
            if (forceNow || checkpointNow) {
              break;
            }
            long wait = nextCheckpoint - now;
            if (dirty && fsync == SpoolOptions.Fsync.INTERVAL) {
              wait = Math.min(wait, nextForce - now);
            }
            syncWork.awaitNanos(wait);
          }
          if (forceNow) {
            w = log.writer();
            target = log.writtenLsn();
          }
        } finally {
          lock.unlock();
        }
        if (forceNow) {
          IOException failure = null;
          try {
            log.force(w);
          } catch (IOException e) {
            failure = e;
          }
          nextForce = System.nanoTime() + interval;
          completeWaiters(target, failure);
        }
        if (checkpointNow) {
          checkpoint(false);
          nextCheckpoint = System.nanoTime() + CHECKPOINT_NANOS;
        }
      }
    } catch (InterruptedException e) {
      // close() stops this thread by flag; an interrupt comes only from the host: stop too
    } catch (RuntimeException | Error e) {
      LOG.error("Spool {}: the sync thread failed", dir, e);
    }
  }

  /**
   * At close, after this thread ended and the writer was closed: completes every waiter (failed if
   * the last force failed) and writes the checkpoint.
   *
   * @param syncFailure the last force's failure, or null
   */
  public void finish(IOException syncFailure) {
    completeWaiters(Long.MAX_VALUE, syncFailure);
    checkpoint(true);
  }

  private void completeWaiters(long upTo, IOException failure) {
    List<Waiter> done = new ArrayList<>();
    lock.lock();
    try {
      durableLsn = Math.max(durableLsn, upTo);
      while (!waiters.isEmpty() && waiters.peekFirst().lsn <= durableLsn) {
        done.add(waiters.pollFirst());
      }
    } finally {
      lock.unlock();
    }
    if (failure != null) {
      LOG.error("Spool {}: fsync failed; {} messages are not known to be on disk and their"
          + " accepted stage fails (they are still forwarded)", dir, done.size(), failure);
      ForwardingException e = new ForwardingException("the spool's fsync failed: " + failure
          + "; the message is still forwarded but is not known to be on disk", failure);
      done.forEach(w -> w.accepted.completeExceptionally(e));
    } else {
      done.forEach(w -> w.accepted.complete(null));
    }
  }

  /** Writes the checkpoint if it moved, or always. */
  private void checkpoint(boolean always) {
    long below;
    lock.lock();
    try {
      below = log.doneBelow();
    } finally {
      lock.unlock();
    }
    if (below == lastCheckpoint && !always) {
      return;
    }
    try {
      Checkpoint.write(dir, below, fsync != SpoolOptions.Fsync.NEVER);
      lastCheckpoint = below;
    } catch (IOException e) {
      LOG.warn("Spool {}: could not write the checkpoint; a restart may send more duplicates",
          dir, e);
    }
  }
}
