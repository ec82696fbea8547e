package dev.iotforwarder.internal.spool;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * One segment file's bookkeeping: which of its records are done, how many are pending, how many a
 * lane holds now, how far readers may read, and its pending records' receive times to within a
 * second (for the oldest pending message's age).
 *
 * <p><b>Receive times.</b> Kept as runs, not one per record: a run starts at a record whose receive
 * time is earlier than the current run's, or {@link #RUN_MILLIS} or more later, so every record of a
 * run was received in {@code [run time, run time + RUN_MILLIS)}. A record's time read back is its
 * run's: never later than the truth, at most a second earlier. A run costs 12 bytes; there are at
 * most as many runs as records and, for receive times in order, at most one per second of them, so
 * a large backlog received quickly costs a few runs, not a field per message.
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

  /** The span of receive times one run covers. */
  public static final long RUN_MILLIS = 1000;
  /** Runs in use. */
  private int runs;
  /** Per run: the index ({@code seq - firstSeq}) of its first record. */
  private int[] runFrom = new int[2];
  /** Per run: the receive time of its first record, epoch milliseconds (0: not known). */
  private long[] runMillis = new long[2];

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
   * Adds the next record, pending, with its receive time.
   *
   * @param seq its sequence number, above every one added before
   * @param status whether it is a Status message
   * @param receivedMillis its receive time, epoch milliseconds (0: not known)
   */
  public void addPending(long seq, boolean status, long receivedMillis) {
    add(seq, true, status);
    int index = (int) (seq - firstSeq);
    if (runs > 0) {
      long t = runMillis[runs - 1];
      if (receivedMillis >= t && receivedMillis - t < RUN_MILLIS) {
        return; // in the current run
      }
    }
    if (runs == runFrom.length) {
      runFrom = Arrays.copyOf(runFrom, runs * 2);
      runMillis = Arrays.copyOf(runMillis, runs * 2);
    }
    runFrom[runs] = index;
    runMillis[runs] = receivedMillis;
    runs++;
  }

  /**
   * The receive time of a record added with {@link #addPending}, to within {@link #RUN_MILLIS}
   * (never later than the truth).
   *
   * @param seq its sequence number
   * @return epoch milliseconds; 0 if not known (no time was recorded for it)
   */
  public long receivedMillis(long seq) {
    int index = (int) (seq - firstSeq);
    int k = Arrays.binarySearch(runFrom, 0, runs, index);
    if (k < 0) {
      k = -k - 2; // the last run that starts before it
    }
    return k < 0 ? 0 : runMillis[k];
  }

  /**
   * Adds the next record; the numbers skipped since the last one count as done. A pending record's
   * receive time is recorded only by {@link #addPending}.
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
