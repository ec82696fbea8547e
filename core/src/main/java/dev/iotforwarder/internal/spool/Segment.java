package dev.iotforwarder.internal.spool;

import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

/**
 * One segment file's bookkeeping: which of its records are done, how many are pending, how many a
 * lane holds now, and how far readers may read.
 *
 * <p><b>Invariants.</b> Every field is guarded by the spool lock (the one lock of {@code
 * dev.iotforwarder.internal.SpoolState}), except {@link #end}, which is volatile: the feeder reads
 * records up to it without the lock. Sequence numbers of one segment are increasing; a gap between
 * two of them (records another segment holds, or none) counts as done.
 */
public final class Segment {
  /** The segment's id, from its file name. */
  public final long id;
  /** The segment file. */
  public final Path path;
  /** The first record's sequence number; -1 while the segment is empty. */
  public long firstSeq = -1;
  /** The last record's sequence number; -1 while the segment is empty. */
  public long lastSeq = -1;
  /** Index {@code seq - firstSeq}; set = done, or no such record. */
  public final BitSet done = new BitSet();
  /** Records not done yet. */
  public int pending;
  /** Pending records that are Status messages (a full spool never drops those). */
  public int pendingStatus;
  /** Records that at least one lane holds now. */
  public int inLane;
  /** The file's size as the spool counts it. */
  public long bytes;
  /** Readers never look past this: the file size, or the writer's position. */
  public volatile long end;
  /** No record is appended any more: recovered, or rolled away from. */
  public boolean sealed;
  /** Damaged stretches found at recovery, so the feeder does not report them again. */
  public List<SegmentReader.Damage> damaged = List.of();

  /**
   * An empty segment.
   *
   * @param id its id
   * @param path its file
   */
  public Segment(long id, Path path) {
    this.id = id;
    this.path = path;
  }

  /**
   * @param seq a sequence number
   * @return whether that record is done, or not in this segment
   */
  public boolean isDone(long seq) {
    return seq < firstSeq || seq > lastSeq || done.get((int) (seq - firstSeq));
  }

  /**
   * Adds the next record; the numbers skipped since the last one count as done.
   *
   * @param seq its sequence number, above every one added before
   * @param pendingRecord whether it still has to be delivered
   * @param status whether it is a Status message
   */
  public void add(long seq, boolean pendingRecord, boolean status) {
    if (firstSeq < 0) {
      firstSeq = seq;
    } else if (seq > lastSeq + 1) {
      done.set((int) (lastSeq + 1 - firstSeq), (int) (seq - firstSeq));
    }
    lastSeq = seq;
    if (pendingRecord) {
      pending++;
      if (status) {
        pendingStatus++;
      }
    } else {
      done.set((int) (seq - firstSeq));
    }
  }

  /**
   * Marks a pending record done.
   *
   * @param seq its sequence number
   * @param status whether it is a Status message
   * @return false if it was done already (or not in this segment)
   */
  public boolean markDone(long seq, boolean status) {
    if (isDone(seq)) {
      return false;
    }
    done.set((int) (seq - firstSeq));
    pending--;
    if (status) {
      pendingStatus--;
    }
    return true;
  }

  /** @return how many sequence numbers the segment spans, done or not; 0 while empty */
  public int span() {
    return firstSeq < 0 ? 0 : (int) (lastSeq - firstSeq + 1);
  }

  /**
   * @param offset where a damaged stretch starts
   * @return whether recovery found (and reported) damage there already
   */
  public boolean knownDamage(long offset) {
    for (SegmentReader.Damage d : damaged) {
      if (d.offset() == offset) {
        return true;
      }
    }
    return false;
  }
}
