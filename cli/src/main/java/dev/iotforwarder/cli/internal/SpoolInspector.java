package dev.iotforwarder.cli.internal;

import dev.iotforwarder.internal.spool.Checkpoint;
import dev.iotforwarder.internal.spool.RecordCodec;
import dev.iotforwarder.internal.spool.SegmentReader;
import dev.iotforwarder.internal.spool.SegmentScanner;
import dev.iotforwarder.internal.spool.SpoolFormat;
import dev.iotforwarder.internal.spool.SpoolLock;
import dev.iotforwarder.internal.spool.SpoolLockProbe;
import dev.iotforwarder.internal.spool.SpooledRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a spool directory without taking it: never writes, cuts or deletes a file, and works while a
 * forwarder holds the directory (it only probes the lock, see {@link SpoolLockProbe}). The checkpoint
 * is read first, then each segment scanned in id order; a segment the forwarder deletes meanwhile is
 * counted as gone (its records were done).
 *
 * <p>The format persists only a low-water mark (every record below the checkpoint is done), not which
 * records above it are done, so "pending" here is an upper bound: the records at or above the
 * checkpoint that are still on disk.
 */
public final class SpoolInspector {
  private SpoolInspector() {}

  /** Receives each pending record, in file order. */
  @FunctionalInterface
  public interface PendingVisitor {
    /**
     * A pending record.
     *
     * @param record the record, decoded
     * @throws IOException to stop the scan
     */
    void pending(SpooledRecord record) throws IOException;
  }

  /** The directory is not a spool, or cannot be read as one. */
  public static final class NotASpoolException extends Exception {
    private static final long serialVersionUID = 1L;

    NotASpoolException(String message) {
      super(message);
    }
  }

  /**
   * One damaged place.
   *
   * @param segment the segment file's name
   * @param offset where the damage starts
   * @param length how many bytes it spans
   * @param reason what was wrong
   */
  public record Damage(String segment, long offset, long length, String reason) {}

  /**
   * One segment.
   *
   * @param name its file name
   * @param bytes its size as scanned
   * @param records intact records
   * @param pending records at or above the checkpoint
   * @param vanished whether the forwarder deleted it before it could be read
   */
  public record SegmentInfo(String name, long bytes, int records, int pending, boolean vanished) {}

  /**
   * What a scan found.
   *
   * @param dir the directory
   * @param lock the lock probe's answer
   * @param doneBelow the checkpoint: every record below it is done
   * @param checkpointProblem why the checkpoint could not be used (then 0 is assumed), or null
   * @param segments the segments, in id order
   * @param pendingUpperBound records at or above the checkpoint (an upper bound of the pending ones)
   * @param pendingBySink the same, per routed sink
   * @param oldestPendingMillis the receive time (epoch ms) of the oldest of them, the first in spool
   *     order: the record at the checkpoint, the one a forwarder's {@code oldestPendingAgeMillis}
   *     ages; 0 if its record holds no receive time; -1 if nothing is pending
   * @param oldestPendingSeq that record's sequence number, or -1 if nothing is pending
   * @param bytes what the segments take on disk
   * @param damaged damaged stretches and records that do not decode (a forwarder skips them)
   * @param tornTails damaged segment ends (a forwarder cuts them off when it starts)
   * @param inProgressTails damaged ends of the newest segment while a forwarder holds the directory:
   *     most likely a record being written now, not counted as damage
   * @param unsupported segments written in a newer format version, not read
   */
  public record Report(Path dir, SpoolLockProbe.Result lock, long doneBelow,
      String checkpointProblem, List<SegmentInfo> segments, long pendingUpperBound,
      Map<String, Long> pendingBySink, long oldestPendingMillis, long oldestPendingSeq, long bytes,
      List<Damage> damaged,
      List<Damage> tornTails, List<Damage> inProgressTails, List<String> unsupported) {

    /** @return whether a forwarder holds the directory now */
    public boolean held() {
      return lock.state() == SpoolLockProbe.State.HELD;
    }

    /** @return whether anything is damaged or unreadable: what {@code verify} fails on */
    public boolean hasDamage() {
      return !damaged.isEmpty() || !tornTails.isEmpty() || !unsupported.isEmpty()
          || checkpointProblem != null;
    }
  }

  /**
   * Scans a spool directory.
   *
   * @param dir the directory
   * @param visitor receives each pending record, or null
   * @return what it found
   * @throws NotASpoolException if the directory does not exist or holds no spool files
   * @throws IOException if a file cannot be read, or the visitor threw it
   */
  public static Report inspect(Path dir, PendingVisitor visitor)
      throws NotASpoolException, IOException {
    if (!Files.isDirectory(dir)) {
      throw new NotASpoolException(dir + " is not a directory");
    }
    List<Long> ids = new ArrayList<>();
    boolean checkpointFile = Files.exists(dir.resolve(Checkpoint.FILE_NAME));
    boolean lockFile = Files.exists(dir.resolve(SpoolLock.FILE_NAME));
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> {
        long id = SpoolFormat.segmentId(p.getFileName().toString());
        if (id >= 0) {
          ids.add(id);
        }
      });
    }
    if (ids.isEmpty() && !checkpointFile && !lockFile) {
      throw new NotASpoolException(dir + " holds no spool files (no *" + SpoolFormat.SEGMENT_SUFFIX
          + " segment, no " + Checkpoint.FILE_NAME + ", no " + SpoolLock.FILE_NAME + ")");
    }
    ids.sort(null);
    SpoolLockProbe.Result lock = SpoolLockProbe.probe(dir);
    long doneBelow = 0;
    String checkpointProblem = null;
    try {
      doneBelow = Checkpoint.read(dir);
    } catch (IllegalArgumentException e) {
      checkpointProblem = e.getMessage();
    }
    Scan scan = new Scan(doneBelow, visitor);
    for (int i = 0; i < ids.size(); i++) {
      boolean newest = i == ids.size() - 1;
      scan.segment(dir.resolve(SpoolFormat.segmentName(ids.get(i))),
          newest && lock.state() == SpoolLockProbe.State.HELD);
    }
    return new Report(dir, lock, doneBelow, checkpointProblem, List.copyOf(scan.segments),
        scan.pending, Map.copyOf(scan.bySink), scan.oldest, scan.oldestSeq, scan.bytes,
        List.copyOf(scan.damaged),
        List.copyOf(scan.torn), List.copyOf(scan.inProgress), List.copyOf(scan.unsupported));
  }

  /** The running totals of one inspection. */
  private static final class Scan {
    final long doneBelow;
    final PendingVisitor visitor;
    final List<SegmentInfo> segments = new ArrayList<>();
    final Map<String, Long> bySink = new TreeMap<>();
    final List<Damage> damaged = new ArrayList<>();
    final List<Damage> torn = new ArrayList<>();
    final List<Damage> inProgress = new ArrayList<>();
    final List<String> unsupported = new ArrayList<>();
    long pending;
    long oldest = -1;
    long oldestSeq = -1;
    long bytes;

    Scan(long doneBelow, PendingVisitor visitor) {
      this.doneBelow = doneBelow;
      this.visitor = visitor;
    }

    void segment(Path path, boolean beingWritten) throws IOException {
      String name = path.getFileName().toString();
      int[] pendingHere = {0};
      SegmentScanner.Result res;
      try {
        res = SegmentScanner.scan(path, r -> {
          if (r.seq() < doneBelow) {
            return;
          }
          SpooledRecord rec;
          try {
            rec = RecordCodec.decode(r.seq(), r.body(), r.offset(), r.end());
          } catch (IllegalArgumentException e) {
            damaged.add(new Damage(name, r.offset(), r.end() - r.offset(),
                "valid checksum but cannot be decoded: " + e.getMessage()));
            return;
          }
          pendingHere[0]++;
          pending++;
          for (String sink : rec.sinks()) {
            bySink.merge(sink, 1L, Long::sum);
          }
          if (oldestSeq < 0) { // segments in id order, records in file order: spool order
            oldestSeq = r.seq();
            oldest = rec.message().receivedAtMillis();
          }
          if (visitor != null) {
            visitor.pending(rec);
          }
        });
      } catch (NoSuchFileException e) {
        segments.add(new SegmentInfo(name, 0, 0, 0, true));
        return;
      }
      if (res.header() == SpoolFormat.HeaderCheck.UNSUPPORTED_VERSION) {
        unsupported.add(name);
      }
      for (SegmentReader.Damage d : res.damaged()) {
        damaged.add(new Damage(name, d.offset(), d.end() - d.offset(), d.reason()));
      }
      if (res.tail() != null) {
        SegmentReader.Damage t = res.tail();
        Damage d = new Damage(name, t.offset(), t.end() - t.offset(), t.reason());
        (beingWritten ? inProgress : torn).add(d);
      }
      bytes += res.size();
      segments.add(new SegmentInfo(name, res.size(), res.records(), pendingHere[0], false));
    }
  }
}
