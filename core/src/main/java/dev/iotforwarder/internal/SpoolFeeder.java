package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.internal.spool.RecordCodec;
import dev.iotforwarder.internal.spool.Segment;
import dev.iotforwarder.internal.spool.SegmentReader;
import dev.iotforwarder.internal.spool.SpoolFormat;
import dev.iotforwarder.internal.spool.SpooledRecord;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each lane's position in the spool, and the feeder thread ({@code iot-forwarder-spool-feeder})
 * that reads spooled records back into the lanes that are <i>behind</i>.
 *
 * <p>A lane is <i>caught up</i> when it has taken every record written for it so far: intake then
 * hands it new records directly ({@link #offerNew}). When it has no room, it falls behind at that
 * record, and from then on this thread reads its records back from disk, in order, as the lane frees
 * room, until it reaches the end of the active segment and is caught up again. After a restart every
 * lane starts behind, at the oldest segment, so replayed records come before new ones.
 *
 * <p><b>Threads and lock.</b> {@link #offerNew} runs on a caller's thread under the spool lock.
 * {@link #run} is the feeder thread's body; it reads a record from disk and decodes it outside the
 * lock, then takes the lock to check the record is still pending, make or find its {@link Delivery},
 * hand it to the lane and move the feed on. A feed's {@code caughtUp}, {@code segId} and {@code
 * offset} are guarded by the spool lock; its reader is the feeder thread's alone. The thread waits on
 * {@code SpoolState.wake} (at most 100 ms) when no lane can take anything.
 */
final class SpoolFeeder implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolFeeder.class);
  private static final int FEED_BATCH = 256;
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int HEADER = SpoolFormat.SEGMENT_HEADER_BYTES;

  private final SpoolState s;
  private final SpoolOutcomes outcomes;
  private final Feed[] feeds;
  private final Map<String, Lane> lanesByName;
  /** The first sequence number of this run: records below it were recovered. */
  private final long firstRunSeq;

  /** One lane's position in the spool. */
  private static final class Feed {
    final Lane lane;
    boolean caughtUp;
    long segId;
    long offset;
    SegmentReader reader;
    long readerSegId = -1;

    Feed(Lane lane) {
      this.lane = lane;
    }
  }

  /** Under the lock: every lane starts at the oldest segment, behind if anything was recovered. */
  SpoolFeeder(SpoolState state, SpoolOutcomes outcomes, Lane[] lanes,
      Map<String, Lane> lanesByName) {
    this.s = state;
    this.outcomes = outcomes;
    this.lanesByName = lanesByName;
    this.feeds = new Feed[lanes.length];
    this.firstRunSeq = s.log.nextSeq();
    long first = s.log.segments().firstKey();
    for (int i = 0; i < lanes.length; i++) {
      Feed f = new Feed(lanes[i]);
      f.caughtUp = s.recovered == 0;
      f.segId = first;
      f.offset = HEADER;
      feeds[i] = f;
    }
  }

  /**
   * Under the lock, on intake: gives a record just written to the lane if the lane is caught up and
   * has room. Otherwise the lane is behind (now, from this record on) and this thread brings it.
   *
   * @param seg the record's segment
   * @param offset where the record starts in it
   * @return whether the lane took the record
   */
  boolean offerNew(Lane lane, DeviceMessage m, Delivery d, long bytes, Lane backup, Segment seg,
      long offset) {
    Feed f = feedOf(lane);
    if (!f.caughtUp) {
      return false;
    }
    if (lane.offerFromSpool(new Entry(m, d, bytes, backup))) {
      return true;
    }
    f.caughtUp = false;
    f.segId = seg.id;
    f.offset = offset;
    return false;
  }

  private Feed feedOf(Lane lane) {
    for (Feed f : feeds) {
      if (f.lane == lane) {
        return f;
      }
    }
    throw new IllegalStateException("no feed for lane " + lane.name);
  }

  @Override
  public void run() {
    try {
      while (true) {
        long seen;
        s.lock.lock();
        try {
          if (s.feedStopped) {
            return;
          }
          seen = s.wakeups;
        } finally {
          s.lock.unlock();
        }
        boolean progressed = false;
        for (Feed f : feeds) {
          progressed |= pump(f);
        }
        s.lock.lock();
        try {
          if (s.feedStopped) {
            return;
          }
          if (!progressed && s.wakeups == seen) {
            s.wake.awaitNanos(IDLE_NANOS);
          }
        } catch (InterruptedException e) {
          return;
        } finally {
          s.lock.unlock();
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("Spool {}: the feeder thread failed; messages waiting on disk are sent after a"
          + " restart", s.dir, e);
    } finally {
      for (Feed f : feeds) {
        closeReader(f);
      }
    }
  }

  /** Hands a behind lane the records it has room for, up to a batch. */
  private boolean pump(Feed f) {
    boolean progressed = false;
    int n = 0;
    while (n < FEED_BATCH) {
      Segment seg;
      long pos;
      long limit;
      s.lock.lock();
      try {
        if (s.feedStopped || f.caughtUp) {
          return progressed;
        }
        seg = s.log.atOrAfter(f.segId);
        if (seg.id != f.segId) {
          f.segId = seg.id;
          f.offset = HEADER;
        }
        pos = f.offset;
        limit = seg.end;
        if (pos >= limit) {
          if (seg == s.log.active()) {
            f.caughtUp = true;
            closeReader(f);
            return progressed;
          }
          f.segId = seg.id + 1;
          f.offset = HEADER;
          progressed = true;
          continue;
        }
      } finally {
        s.lock.unlock();
      }
      if (!f.lane.roomForSpool()) {
        return progressed;
      }
      SegmentReader.Item item;
      try {
        item = reader(f, seg).next(pos, limit);
      } catch (NoSuchFileException gone) {
        skipSegment(f, seg);
        continue;
      } catch (IOException e) {
        LOG.error("Spool {}: cannot read segment {} for sink {}; its remaining messages for that"
            + " sink are sent after a restart", s.dir, seg.path, f.lane.name, e);
        closeReader(f);
        skipSegment(f, seg);
        continue;
      }
      if (item instanceof SegmentReader.Damage dmg) {
        s.lock.lock();
        try {
          if (!seg.knownDamage(dmg.offset())) {
            s.corruptSkipped++;
            LOG.error("Spool segment {}: {} corrupt bytes at offset {} skipped for sink {}: {}",
                seg.path, dmg.end() - dmg.offset(), dmg.offset(), f.lane.name, dmg.reason());
          }
          f.offset = dmg.end();
        } finally {
          s.lock.unlock();
        }
        progressed = true;
        continue;
      }
      SegmentReader.Record r = (SegmentReader.Record) item;
      SpooledRecord rec;
      try {
        rec = RecordCodec.decode(r.seq(), r.body(), r.offset(), r.end());
      } catch (IllegalArgumentException e) {
        s.lock.lock();
        try {
          f.offset = r.end();
        } finally {
          s.lock.unlock();
        }
        progressed = true;
        continue;
      }
      int slot = rec.sinks().indexOf(f.lane.name);
      Lane backup = slot < 0 ? null : lanesByName.get(rec.backups().get(slot));
      DeviceMessage m = rec.message();
      long bytes = Pipeline.estimateBytes(m);
      s.lock.lock();
      try {
        if (s.feedStopped) {
          return progressed;
        }
        if (slot < 0 || seg.isDone(rec.seq())) {
          f.offset = r.end();
          progressed = true;
          continue;
        }
        Delivery d = deliveryFor(rec, seg, r.offset());
        Spooler.Ticket t = d.spool;
        d.message = m;
        d.startMillis = s.context.clock.millis();
        if (!f.lane.offerFromSpool(new Entry(m, d, bytes, backup))) {
          if (t.inLanes == 0) {
            d.message = null;
          }
          return progressed;
        }
        if (t.inLanes++ == 0) {
          seg.inLane++;
        }
        f.offset = r.end();
        progressed = true;
        n++;
      } finally {
        s.lock.unlock();
      }
    }
    return progressed;
  }

  private void skipSegment(Feed f, Segment seg) {
    s.lock.lock();
    try {
      if (f.segId == seg.id && seg != s.log.active()) {
        f.segId = seg.id + 1;
        f.offset = HEADER;
      }
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Under the lock: the delivery of a record a lane is about to take; made now for a record only
   * its future waited for (this run), or nothing (enqueued, or recovered: counted as replayed the
   * first time a lane takes it). A new delivery waits for the lanes still to take the record.
   */
  private Delivery deliveryFor(SpooledRecord rec, Segment seg, long offset) {
    Object o = s.live.get(rec.seq());
    if (o instanceof Delivery d) {
      return d;
    }
    int targets = 0;
    int configured = 0;
    for (String sink : rec.sinks()) {
      Lane lane = lanesByName.get(sink);
      if (lane != null) {
        configured++;
        if (!passed(feedOf(lane), seg.id, offset)) {
          targets++;
        }
      }
    }
    long now = s.context.clock.millis();
    long received = rec.message().receivedAtMillis(); // 0: not known, count from now
    long startNanos = System.nanoTime()
        - TimeUnit.MILLISECONDS.toNanos(received == 0 ? 0 : Math.max(0, now - received));
    @SuppressWarnings("unchecked")
    CompletableFuture<ForwardResult> future = o == null
        ? new CompletableFuture<>() : (CompletableFuture<ForwardResult>) o;
    Delivery d = new Delivery(rec.message(), targets, startNanos, now, future);
    d.spool = new Spooler.Ticket(outcomes, rec.seq(), seg, rec.message().isStatus(), o != null);
    s.live.put(rec.seq(), d);
    if (o == null && rec.seq() < firstRunSeq && targets == configured) {
      s.replayed++;
    }
    return d;
  }

  /**
   * Under the lock: whether a lane's feed has gone past the record at this position, so that the
   * lane took it already (or skipped it as done). A caught-up feed has passed every record.
   */
  private static boolean passed(Feed f, long segId, long offset) {
    return f.caughtUp || f.segId > segId || (f.segId == segId && f.offset > offset);
  }

  private static SegmentReader reader(Feed f, Segment seg) throws IOException {
    if (f.reader == null || f.readerSegId != seg.id) {
      closeReader(f);
      f.reader = SegmentReader.open(seg.path);
      f.readerSegId = seg.id;
    }
    return f.reader;
  }

  private static void closeReader(Feed f) {
    if (f.reader != null) {
      try {
        f.reader.close();
      } catch (IOException ignored) {
        // read-only
      }
      f.reader = null;
      f.readerSegId = -1;
    }
  }
}
