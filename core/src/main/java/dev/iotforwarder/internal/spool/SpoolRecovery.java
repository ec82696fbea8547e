package dev.iotforwarder.internal.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an earlier run left in a spool directory, read back when the forwarder is built: the
 * checkpoint, then every segment scanned in id order. Records below the checkpoint count as done; a
 * damaged stretch is reported and skipped, a torn tail (the record being written when the process
 * died) cut off; a segment with nothing pending is deleted. Records routed only to sinks that are no
 * longer configured are <i>orphans</i>, read again by {@link Recovered#readOrphans} once the
 * dead-letter sink is known.
 *
 * <p><b>Threads.</b> Runs on the thread that builds the forwarder, before the spool starts any
 * thread, holding the directory lock: it needs no spool lock. {@link Recovered#readOrphans} runs on
 * the same thread, in {@code Spooler.start}, before the feeder and the syncer start.
 */
public final class SpoolRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolRecovery.class);
  private static final int HEADER = SpoolFormat.SEGMENT_HEADER_BYTES;

  private final Path dir;
  private final Set<String> sinkNames;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final List<Orphan> orphans = new ArrayList<>();
  private final Map<String, Long> unknownSinks = new LinkedHashMap<>();
  private long diskBytes;
  private long records;
  private long corruptSkipped;
  private long tornTails;

  /**
   * A recovered record none of whose sinks is configured now.
   *
   * @param segmentId its segment
   * @param offset where it starts
   */
  public record Orphan(long segmentId, long offset) {}

  /** Receives an orphan record read back. */
  @FunctionalInterface
  public interface OrphanVisitor {
    /**
     * @param record the record
     * @param segment its segment
     */
    void orphan(SpooledRecord record, Segment segment);
  }

  /**
   * What recovery found.
   *
   * @param dir the spool directory
   * @param segments the segments with pending records, by id, all sealed
   * @param nextSeq the sequence number of the next record to write
   * @param nextSegmentId the id of the next segment to create
   * @param diskBytes what the segments take on disk
   * @param records the pending records
   * @param corruptSkipped damaged stretches skipped, and records that did not decode
   * @param tornTails damaged tails cut off
   * @param orphans the records to dead-letter, in file order
   */
  public record Recovered(Path dir, TreeMap<Long, Segment> segments, long nextSeq,
      long nextSegmentId, long diskBytes, long records, long corruptSkipped, long tornTails,
      List<Orphan> orphans) {

    /**
     * Reads each orphan back and hands it to the visitor. A record that cannot be read, or that the
     * visitor throws on, is logged and passed over.
     *
     * @param visitor receives each orphan
     */
    public void readOrphans(OrphanVisitor visitor) {
      SegmentReader r = null;
      Segment seg = null;
      for (Orphan o : orphans) {
        try {
          if (seg == null || seg.id != o.segmentId()) {
            if (r != null) {
              r.close();
            }
            seg = segments.get(o.segmentId());
            r = SegmentReader.open(seg.path);
          }
          if (r.next(o.offset(), seg.end) instanceof SegmentReader.Record rec) {
            visitor.orphan(RecordCodec.decode(rec.seq(), rec.body(), rec.offset(), rec.end()), seg);
          }
        } catch (IOException | RuntimeException e) {
          LOG.error("Spool {}: could not read a recovered message for the dead-letter sink", dir, e);
        }
      }
      if (r != null) {
        try {
          r.close();
        } catch (IOException ignored) {
          // read-only
        }
      }
    }
  }

  private SpoolRecovery(Path dir, Set<String> sinkNames) {
    this.dir = dir;
    this.sinkNames = sinkNames;
  }

  /**
   * Recovers a spool directory.
   *
   * @param dir the directory, locked by the caller
   * @param sinkNames the sinks configured now
   * @return what it found
   * @throws IOException if a file cannot be read, cut or deleted
   * @throws IllegalStateException if a segment was written in a newer format
   */
  public static Recovered recover(Path dir, Set<String> sinkNames) throws IOException {
    return new SpoolRecovery(dir, sinkNames).run();
  }

  private Recovered run() throws IOException {
    long doneBelow;
    try {
      doneBelow = Checkpoint.read(dir);
    } catch (IllegalArgumentException e) {
      LOG.warn("Spool {}: the checkpoint is damaged ({}); replaying every record found", dir,
          e.getMessage());
      doneBelow = 0;
    }
    List<Long> ids = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> {
        long id = SpoolFormat.segmentId(p.getFileName().toString());
        if (id >= 0) {
          ids.add(id);
        }
      });
    }
    ids.sort(null);
    long maxSeq = -1;
    long maxId = 0;
    for (long id : ids) {
      maxId = Math.max(maxId, id);
      maxSeq = Math.max(maxSeq, segment(id, doneBelow));
    }
    unknownSinks.forEach((sink, n) -> LOG.warn("Spool {}: {} messages were routed to sink {},"
        + " which is no longer configured; they are not sent to it", dir, n, sink));
    if (records > 0 || corruptSkipped > 0 || tornTails > 0) {
      LOG.info("Spool {}: {} messages to replay in {} segments ({} corrupt stretches skipped, {}"
          + " damaged tails cut off)", dir, records, segments.size(), corruptSkipped, tornTails);
    }
    return new Recovered(dir, segments, Math.max(maxSeq + 1, doneBelow), maxId + 1, diskBytes,
        records, corruptSkipped, tornTails, List.copyOf(orphans));
  }

  /** Scans one segment, keeps it if anything is pending. Returns the highest sequence seen, or -1. */
  private long segment(long id, long doneBelow) throws IOException {
    Path path = dir.resolve(SpoolFormat.segmentName(id));
    if (Files.size(path) == 0) { // created, then the process died before the header was written
      Files.delete(path);
      return -1;
    }
    Segment seg = new Segment(id, path);
    long[] maxSeen = {-1};
    SegmentScanner.Result res = SegmentScanner.scan(path, r -> {
      maxSeen[0] = Math.max(maxSeen[0], r.seq());
      if (r.seq() < doneBelow || r.seq() <= seg.lastSeq) {
        if (r.seq() > seg.lastSeq) {
          seg.add(r.seq(), false, false);
        }
        return;
      }
      SpooledRecord rec;
      try {
        rec = RecordCodec.decode(r.seq(), r.body(), r.offset(), r.end());
      } catch (IllegalArgumentException e) {
        LOG.error("Spool segment {}: record at offset {} has a valid checksum but cannot be"
            + " decoded ({}); skipped", path, r.offset(), e.getMessage());
        corruptSkipped++;
        seg.add(r.seq(), false, false);
        return;
      }
      int known = 0;
      for (String sink : rec.sinks()) {
        if (sinkNames.contains(sink)) {
          known++;
        } else {
          unknownSinks.merge(sink, 1L, Long::sum);
        }
      }
      seg.addPending(r.seq(), rec.message().isStatus(), rec.message().receivedAtMillis());
      records++;
      if (known == 0) {
        orphans.add(new Orphan(id, r.offset()));
      }
    });
    if (res.header() == SpoolFormat.HeaderCheck.UNSUPPORTED_VERSION) {
      throw new IllegalStateException("spool segment " + path + " was written in a newer format"
          + " than this version of iot-forwarder reads (version " + SpoolFormat.VERSION + "); use"
          + " the newer library, or move the spool directory away");
    }
    for (SegmentReader.Damage d : res.damaged()) {
      corruptSkipped++;
      LOG.error("Spool segment {}: {} corrupt bytes at offset {} (up to {}) skipped: {}; the"
          + " records after them are replayed", path, d.end() - d.offset(), d.offset(), d.end(),
          d.reason());
    }
    seg.damaged = res.damaged();
    long size = res.validEnd();
    if (res.tail() != null) {
      tornTails++;
      SegmentReader.Damage t = res.tail();
      LOG.warn("Spool segment {}: damaged tail of {} bytes at offset {} cut off ({}); usually"
          + " the record being written when the process stopped", path, t.end() - t.offset(),
          t.offset(), t.reason());
      if (t.offset() >= HEADER) {
        SegmentScanner.cutTail(path, t.offset());
      }
    }
    seg.bytes = size;
    seg.end = size;
    seg.sealed = true;
    if (seg.pending == 0) {
      Files.deleteIfExists(path);
    } else {
      segments.put(id, seg);
      diskBytes += size;
    }
    return maxSeen[0];
  }
}
