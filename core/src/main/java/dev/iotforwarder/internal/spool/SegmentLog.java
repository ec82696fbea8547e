package dev.iotforwarder.internal.spool;

import dev.iotforwarder.SpoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's segment files in id order, the newest one (the <i>active</i> segment) open for
 * appending: where records go, when a segment rolls, when one is deleted, and what is done.
 *
 * <p><b>Invariants.</b> Not thread-safe by itself: every method runs under the spool lock (the one
 * {@code ReentrantLock} of {@code dev.iotforwarder.internal.SpoolState}, whose conditions it is
 * handed), except {@link #force} and {@link #closeWriter}, noted there. The active segment is always
 * the last in {@link #segments()} and the only one not sealed; {@link #diskBytes()} is the sum of
 * the segments' bytes. A segment is deleted once it is sealed and nothing in it is pending.
 *
 * <p><b>Writer and fsync.</b> The writer is replaced only under the spool lock ({@link #append}
 * rolling, on a caller's thread), but the sync thread forces it outside that lock; a private monitor
 * ({@code forceLock}) keeps a force and the writer's close apart, so a roll never closes the
 * channel under a running force, and the syncer skips a writer a roll closed (the roll synced it).
 */
public final class SegmentLog {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
  private static final int HEADER = SpoolFormat.SEGMENT_HEADER_BYTES;

  private final Path dir;
  private final SpoolOptions options;
  private final SpoolOptions.Fsync fsync;
  private final Condition space;
  private final Condition syncWork;
  private final Object forceLock = new Object();
  private final TreeMap<Long, Segment> segments;
  private Segment active;
  private SegmentWriter writer;
  private long nextSeq;
  private long nextSegmentId;
  private long diskBytes;
  private long writtenLsn;

  /**
   * Takes over what recovery found; {@link #openActive} then starts the active segment.
   *
   * @param recovered what recovery found
   * @param options the spool's options
   * @param space signalled when bytes are freed (intake waits on it with full policy BLOCK)
   * @param syncWork signalled when the segment rolls (the sync thread waits on it)
   */
  public SegmentLog(SpoolRecovery.Recovered recovered, SpoolOptions options, Condition space,
      Condition syncWork) {
    this.dir = recovered.dir();
    this.options = options;
    this.fsync = options.fsync();
    this.space = space;
    this.syncWork = syncWork;
    this.segments = recovered.segments();
    this.nextSeq = recovered.nextSeq();
    this.nextSegmentId = recovered.nextSegmentId();
    this.diskBytes = recovered.diskBytes();
  }

  /**
   * Creates the active segment. At open, before any other thread.
   *
   * @throws IOException if it cannot be created
   */
  public void openActive() throws IOException {
    writer = SegmentWriter.create(dir, nextSegmentId);
    addActive(nextSegmentId++);
    if (fsync != SpoolOptions.Fsync.NEVER) {
      Checkpoint.syncDirectory(dir);
    }
  }

  private void addActive(long id) {
    active = new Segment(id, writer.path());
    active.bytes = HEADER;
    active.end = HEADER;
    segments.put(active.id, active);
    diskBytes += HEADER;
  }

  /** @return whether a record of this size fits under the disk bound now, a roll included */
  public boolean fits(int size) {
    return diskBytes + size + (rollBefore(size) ? HEADER : 0) <= options.maxDiskBytes();
  }

  /** Whether the next record of this size starts a new segment. */
  private boolean rollBefore(int size) {
    return active.firstSeq >= 0 && active.bytes + size > options.segmentBytes();
  }

  /**
   * Appends a record to the active segment, rolling first if it would grow past the segment size.
   * The record gets sequence number {@link #nextSeq()}; on failure nothing changes but a roll.
   *
   * @param rec the encoded record
   * @param status whether it is a Status message
   * @return where it starts in {@link #active()}
   * @throws IOException if it could not be written
   */
  public long append(RecordCodec.Encoded rec, boolean status) throws IOException {
    if (rollBefore(rec.size())) {
      roll();
    }
    long start = writer.append(rec, nextSeq);
    active.addPending(nextSeq++, status, rec.receivedMillis);
    active.bytes = writer.position();
    active.end = active.bytes;
    diskBytes += rec.size();
    writtenLsn += rec.size();
    return start;
  }

  /** Starts a new segment; the old one is synced (unless fsync is NEVER), and deleted if done. */
  private void roll() throws IOException {
    SegmentWriter next = SegmentWriter.create(dir, nextSegmentId);
    long nextId = nextSegmentId++;
    SegmentWriter old = writer;
    Segment oldSeg = active;
    synchronized (forceLock) {
      if (fsync != SpoolOptions.Fsync.NEVER) {
        try {
          old.force();
        } catch (IOException e) {
          LOG.error("Spool {}: fsync of segment {} failed; its messages may not survive a power"
              + " loss", dir, old.path(), e);
        }
      }
      old.close();
    }
    if (fsync != SpoolOptions.Fsync.NEVER) {
      Checkpoint.syncDirectory(dir);
    }
    writer = next;
    oldSeg.sealed = true;
    addActive(nextId);
    syncWork.signal();
    if (oldSeg.pending == 0) {
      delete(oldSeg);
    }
  }

  /** If the active segment holds only done records, replaces it to free it. */
  public boolean reclaimActive() {
    if (active.firstSeq < 0 || active.pending > 0) {
      return false;
    }
    try {
      roll();
      return true;
    } catch (IOException e) {
      LOG.error("Spool {}: could not start a new segment", dir, e);
      return false;
    }
  }

  /**
   * A record of the segment became done (its bits and counts already updated): deletes the segment
   * if it is sealed and nothing in it is pending; if it is the active one, wakes intake, which can
   * roll it away when the spool is full.
   *
   * @param seg the segment
   */
  public void recordDone(Segment seg) {
    if (seg.pending == 0) {
      if (seg.sealed) {
        delete(seg);
      } else {
        space.signalAll();
      }
    }
  }

  private void delete(Segment seg) {
    segments.remove(seg.id);
    diskBytes -= seg.bytes;
    try {
      Files.deleteIfExists(seg.path);
    } catch (IOException e) {
      LOG.warn("Spool {}: could not delete finished segment {}", dir, seg.path, e);
    }
    space.signalAll();
  }

  /** @return the oldest sealed segment of Publish messages only, none held by a lane; or null */
  public Segment droppable() {
    for (Segment s : segments.values()) {
      if (s.sealed && s.pending > 0 && s.pendingStatus == 0 && s.inLane == 0) {
        return s;
      }
    }
    return null;
  }

  /**
   * Forgets a segment whose records the caller marked done as dropped; the caller deletes the file
   * outside the lock, once it has read the records back for the dead-letter sink.
   *
   * @param s the segment
   */
  public void forgetDropped(Segment s) {
    segments.remove(s.id);
    diskBytes -= s.bytes;
  }

  /** @return the lowest sequence number not done (the checkpoint) */
  public long doneBelow() {
    for (Segment s : segments.values()) {
      if (s.pending > 0) {
        return s.firstSeq + s.done.nextClearBit(0);
      }
    }
    return nextSeq;
  }

  /**
   * The receive time of the oldest pending record: the first one not done, in spool order (the
   * checkpoint's record), to within a second ({@link Segment#receivedMillis}).
   *
   * @return epoch milliseconds; -1 when nothing is pending; 0 when its time is not known
   */
  public long oldestPendingReceivedMillis() {
    for (Segment s : segments.values()) {
      if (s.pending > 0) {
        return s.receivedMillis(s.firstSeq + s.done.nextClearBit(0));
      }
    }
    return -1;
  }

  /**
   * @param kept records kept for the next start, which a flush does not wait for
   * @return the lowest pending record that is not kept, or {@code Long.MAX_VALUE}
   */
  public long lowestUnfinished(Set<Long> kept) {
    for (Segment s : segments.values()) {
      if (s.pending == 0) {
        continue;
      }
      int span = s.span();
      for (int i = s.done.nextClearBit(0); i < span; i = s.done.nextClearBit(i + 1)) {
        if (!kept.contains(s.firstSeq + i)) {
          return s.firstSeq + i;
        }
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * @param id a segment id
   * @return the segment with this id or the next one that exists (the active one always does)
   */
  public Segment atOrAfter(long id) {
    Map.Entry<Long, Segment> e = segments.ceilingEntry(id);
    return e.getValue();
  }

  /** @return the segments by id, the active one last; read-only for callers */
  public TreeMap<Long, Segment> segments() {
    return segments;
  }

  /** @return the segment being written */
  public Segment active() {
    return active;
  }

  /** @return the sequence number the next record gets */
  public long nextSeq() {
    return nextSeq;
  }

  /** @return what the segments take on disk */
  public long diskBytes() {
    return diskBytes;
  }

  /** @return bytes appended by this run: the log sequence number the syncer makes durable */
  public long writtenLsn() {
    return writtenLsn;
  }

  /** @return the active segment's writer, for the syncer to force outside the lock */
  public SegmentWriter writer() {
    return writer;
  }

  /**
   * Forces a writer taken under the lock; without the spool lock (sync thread). Skips one that a
   * roll closed meanwhile: the roll forced it.
   *
   * @param w the writer
   * @throws IOException if the force failed
   */
  public void force(SegmentWriter w) throws IOException {
    synchronized (forceLock) {
      if (w.isOpen()) {
        w.force();
      }
    }
  }

  /**
   * Forces (unless fsync is NEVER) and closes the writer; at close, without the spool lock, after
   * intake and the syncer stopped. Then {@link #sealActive} under the lock.
   *
   * @return the force's failure, or null
   */
  public IOException closeWriter() {
    IOException syncFailure = null;
    synchronized (forceLock) {
      try {
        if (fsync != SpoolOptions.Fsync.NEVER) {
          writer.force();
        }
      } catch (IOException e) {
        syncFailure = e;
      }
      try {
        writer.close();
      } catch (IOException e) {
        LOG.warn("Spool {}: could not close segment {}", dir, writer.path(), e);
      }
    }
    return syncFailure;
  }

  /** At close: the active segment is sealed, and deleted if nothing in it is pending. */
  public void sealActive() {
    active.sealed = true;
    if (active.pending == 0) {
      delete(active);
    }
  }

  /** Closes the writer, if any, ignoring failures: after a failed open. */
  public void closeQuietly() {
    try {
      if (writer != null) {
        writer.close();
      }
    } catch (IOException ignored) {
      // closing after a failed open
    }
  }
}
