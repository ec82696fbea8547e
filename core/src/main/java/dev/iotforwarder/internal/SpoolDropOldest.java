package dev.iotforwarder.internal;

import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.internal.spool.RecordCodec;
import dev.iotforwarder.internal.spool.Segment;
import dev.iotforwarder.internal.spool.SegmentReader;
import dev.iotforwarder.internal.spool.SpoolFormat;
import dev.iotforwarder.internal.spool.SpooledRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full policy DROP_OLDEST: when the spool has no room, the oldest sealed segment that holds only
 * Publish messages, none of them in a lane, is dropped whole. Its records are marked done (counted
 * as dropped) and its bytes freed at once; then each dropped message is reported to the listeners,
 * dead-lettered, and its future failed, and the file deleted.
 *
 * <p><b>Threads and lock.</b> Both steps run on the caller's thread inside {@link
 * SpoolIntake#intake}: {@link #prepare} under the spool lock (bookkeeping only, so the caller can
 * write its record at once), {@link #finish} after the caller released it (reading the file back,
 * listeners, the dead-letter sink and futures). No lane holds a record of the segment; the feeder
 * may still be reading it outside the lock, but every record is marked done before the lock is
 * released, so the feeder hands none of them to a lane, and skips a file already deleted.
 */
final class SpoolDropOldest {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolDropOldest.class);

  private final SpoolState s;
  private final SpoolOutcomes outcomes;

  /** A segment being dropped: which records were pending, and who waits for them. */
  record Victim(Segment segment, BitSet wasDone, Map<Long, Object> owners) {}

  SpoolDropOldest(SpoolState state, SpoolOutcomes outcomes) {
    this.s = state;
    this.outcomes = outcomes;
  }

  /**
   * Under the lock: marks the oldest droppable segment's records dropped and frees its bytes.
   *
   * @return what {@link #finish} needs, or null if no segment can be dropped
   */
  Victim prepare() {
    Segment seg = s.log.droppable();
    if (seg == null) {
      return null;
    }
    BitSet was = (BitSet) seg.done.clone();
    Map<Long, Object> owners = new HashMap<>();
    int span = seg.span();
    for (int i = was.nextClearBit(0); i < span; i = was.nextClearBit(i + 1)) {
      Object o = s.live.remove(seg.firstSeq + i);
      if (o != null) {
        owners.put(seg.firstSeq + i, o);
      }
      s.keptSeqs.remove(seg.firstSeq + i);
    }
    seg.done.set(0, span);
    s.pending -= seg.pending;
    s.dropped += seg.pending;
    seg.pending = 0;
    s.log.forgetDropped(seg);
    s.signalProgress();
    return new Victim(seg, was, owners);
  }

  /** Outside the lock: fails, reports and dead-letters the dropped messages, deletes the file. */
  void finish(Victim v) {
    Segment seg = v.segment;
    long n = 0;
    try (SegmentReader r = SegmentReader.open(seg.path)) {
      long pos = SpoolFormat.SEGMENT_HEADER_BYTES;
      while (pos < seg.end) {
        SegmentReader.Item item = r.next(pos, seg.end);
        if (item instanceof SegmentReader.Damage dmg) {
          pos = dmg.end();
          continue;
        }
        SegmentReader.Record rec = (SegmentReader.Record) item;
        pos = rec.end();
        if (rec.seq() < seg.firstSeq || v.wasDone.get((int) (rec.seq() - seg.firstSeq))) {
          continue;
        }
        SpooledRecord sr = RecordCodec.decode(rec.seq(), rec.body(), rec.offset(), rec.end());
        n++;
        PermanentForwardingException why = new PermanentForwardingException("the spool was full ("
            + s.options.maxDiskBytes() + " bytes) and dropped the "
            + Pipeline.describe(sr.message())
            + " to make room for newer messages (full policy DROP_OLDEST)", null, null);
        for (String sink : sr.sinks()) {
          s.context.listeners.dropped(sr.message(), sink);
          outcomes.deadLetter(sr.message(), sink, why);
        }
        Object owner = v.owners.get(rec.seq());
        if (owner instanceof Delivery d) {
          d.failRemaining(why);
        } else if (owner instanceof CompletableFuture<?> f) {
          f.completeExceptionally(why);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("Spool {}: could not read dropped segment {} for the dead-letter sink", s.dir,
          seg.path, e);
    }
    // Anything not read back still must not stay pending.
    PermanentForwardingException why = new PermanentForwardingException("the spool was full and"
        + " dropped this message (full policy DROP_OLDEST)", null, null);
    for (Object owner : v.owners.values()) {
      if (owner instanceof Delivery d && !d.future.isDone()) {
        d.failRemaining(why);
      } else if (owner instanceof CompletableFuture<?> f) {
        f.completeExceptionally(why);
      }
    }
    try {
      Files.deleteIfExists(seg.path);
    } catch (IOException e) {
      LOG.warn("Spool {}: could not delete dropped segment {}", s.dir, seg.path, e);
    }
    LOG.warn("Spool {} full ({} bytes): dropped {} Publish messages waiting on disk (segment {};"
        + " full policy DROP_OLDEST); they go to the dead-letter sink {}", s.dir,
        s.options.maxDiskBytes(), n, seg.path.getFileName(), s.context.deadLetterName());
  }
}
