package dev.iotforwarder.internal.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a whole segment after a restart: every intact record goes to a visitor, a damaged stretch
 * in the middle (an intact record follows it) is reported and skipped, and a damaged end (no intact
 * record follows: typically the record being written when the process died) is reported as the
 * tail, for the caller to cut off with {@link #cutTail}.
 */
public final class SegmentScanner {
  private SegmentScanner() {}

  /** Receives the intact records of a segment, in file order. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * An intact record.
     *
     * @param record the record; its body is valid only during the call
     * @throws IOException to stop the scan
     */
    void record(SegmentReader.Record record) throws IOException;
  }

  /**
   * What a scan found.
   *
   * @param header what the segment header said
   * @param size the file's size
   * @param records how many intact records there were
   * @param damaged the damaged stretches in the middle, skipped (a damaged header is one, from 0)
   * @param tail the damaged end, or null if the segment ends with an intact record
   */
  public record Result(
      SpoolFormat.HeaderCheck header,
      long size,
      int records,
      List<SegmentReader.Damage> damaged,
      SegmentReader.Damage tail) {

    /** @return where the intact part ends: the tail's start, or the size */
    public long validEnd() {
      return tail == null ? size : tail.offset();
    }
  }

  /**
   * Scans a segment. Stops early, returning only the header, if the version is unsupported.
   *
   * @param path the segment file
   * @param visitor receives each intact record
   * @return what it found
   * @throws IOException if the file cannot be read, or the visitor threw it
   */
  public static Result scan(Path path, Visitor visitor) throws IOException {
    try (SegmentReader reader = SegmentReader.open(path)) {
      long size = reader.size();
      List<SegmentReader.Damage> damaged = new ArrayList<>();
      if (size < SpoolFormat.SEGMENT_HEADER_BYTES) {
        return new Result(SpoolFormat.HeaderCheck.DAMAGED, size, 0, damaged,
            new SegmentReader.Damage(0, size, "only " + size + " bytes, less than a segment header"));
      }
      ByteBuffer head = reader.head(SpoolFormat.SEGMENT_HEADER_BYTES);
      SpoolFormat.HeaderCheck header = SpoolFormat.checkHeader(head);
      if (header == SpoolFormat.HeaderCheck.UNSUPPORTED_VERSION) {
        return new Result(header, size, 0, damaged, null);
      }
      if (header == SpoolFormat.HeaderCheck.DAMAGED) {
        damaged.add(new SegmentReader.Damage(0, SpoolFormat.SEGMENT_HEADER_BYTES,
            "segment header damaged"));
      }
      long pos = SpoolFormat.SEGMENT_HEADER_BYTES;
      int records = 0;
      SegmentReader.Damage tail = null;
      while (pos < size) {
        SegmentReader.Item item = reader.next(pos, size);
        if (item instanceof SegmentReader.Record r) {
          visitor.record(r);
          records++;
          pos = r.end();
        } else {
          SegmentReader.Damage d = (SegmentReader.Damage) item;
          if (d.end() >= size) {
            tail = d;
            break;
          }
          damaged.add(d);
          pos = d.end();
        }
      }
      return new Result(header, size, records, List.copyOf(damaged), tail);
    }
  }

  /**
   * Cuts a segment off where its damaged tail starts, and syncs it.
   *
   * @param path the segment file
   * @param at the tail's offset
   * @throws IOException on failure
   */
  public static void cutTail(Path path, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
      ch.truncate(at);
      ch.force(false);
    }
  }
}
