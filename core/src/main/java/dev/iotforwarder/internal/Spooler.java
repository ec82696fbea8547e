package dev.iotforwarder.internal;

import dev.iotforwarder.BufferFullException;
import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.internal.spool.Checkpoint;
import dev.iotforwarder.internal.spool.RecordCodec;
import dev.iotforwarder.internal.spool.SegmentReader;
import dev.iotforwarder.internal.spool.SegmentScanner;
import dev.iotforwarder.internal.spool.SegmentWriter;
import dev.iotforwarder.internal.spool.SpoolFormat;
import dev.iotforwarder.internal.spool.SpoolLock;
import dev.iotforwarder.internal.spool.SpooledRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool: a write-ahead log of segment files in front of the lanes.
 *
 * <p><b>Intake</b> ({@link #intake}, on the caller's thread): the routed message is written to the
 * active segment, then handed at once to each target lane that is <i>caught up</i> (it has taken
 * every earlier record meant for it) and has room. A lane without room falls <i>behind</i>: from
 * then on the feeder thread reads its records back from disk, in order, as the lane frees room, until
 * it reaches the end and is caught up again. So one device's messages enter each lane in spool order,
 * the lanes' memory stays bounded while the backlog waits on disk, and a stuck sink holds up no
 * other. After a restart every lane starts behind, at the oldest segment: replayed records come
 * before new ones.
 *
 * <p><b>Done</b>: a record is done when every routed lane finished it (delivered, or dead-lettered);
 * a sealed segment whose records are all done is deleted. A lane that gives up on a message only
 * because the forwarder closes, or whose dead-letter store failed, marks it kept: it stays pending
 * for the next start. A checkpoint (the lowest sequence number not done) spares a restart most of
 * the duplicates in partly done segments.
 *
 * <p><b>Memory</b>: a message that waits on disk and no lane holds costs only its future (in {@code
 * live}); its {@link Delivery} is made, or its message re-attached, when a lane takes it.
 *
 * <p>One lock guards the state; lock order is spool lock, then a lane's lock. Lanes report outcomes
 * through {@link Ticket#arrived} without holding theirs.
 */
final class Spooler {
  private static final Logger LOG = LoggerFactory.getLogger(Spooler.class);
  private static final int FEED_BATCH = 256;
  private static final long CHECKPOINT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int HEADER = SpoolFormat.SEGMENT_HEADER_BYTES;

  private final Path dir;
  private final SpoolOptions options;
  private final SpoolOptions.Fsync fsync;
  private final SpoolLock dirLock;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition space = lock.newCondition();
  private final Condition wake = lock.newCondition();
  private final Condition syncWork = lock.newCondition();
  private final Condition progress = lock.newCondition();
  private final Object forceLock = new Object();

  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private Segment active;
  private SegmentWriter writer;
  private long nextSeq;
  private long nextSegmentId;
  private long diskBytes;
  /** Pending records of this run (and replayed ones a lane holds): a Delivery, or only its future. */
  private final Map<Long, Object> live = new HashMap<>();
  private final Set<Long> keptSeqs = new HashSet<>();
  private final List<long[]> orphans = new ArrayList<>();
  private long writtenLsn;
  private long durableLsn;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long wakeups;
  private int flushWaiters;
  private long lastCheckpoint = -1;

  private EngineContext context;
  private Feed[] feeds;
  private Map<String, Lane> lanesByName;
  private Thread feeder;
  private Thread syncer;
  private boolean intakeClosed;
  private boolean feedStopped;
  private boolean stopping;
  private boolean closed;

  private long recovered;
  private long spooled;
  private long completed;
  private long dropped;
  private long pending;
  private long replayed;
  private long rejected;
  private long corruptSkipped;
  private long tornTails;

  private record Waiter(long lsn, CompletableFuture<Void> accepted) {}

  /** One segment file's bookkeeping. Guarded by the spool lock, except {@code end}. */
  static final class Segment {
    final long id;
    final Path path;
    long firstSeq = -1;
    long lastSeq = -1;
    /** Index {@code seq - firstSeq}; set = done, or no such record. */
    final BitSet done = new BitSet();
    int pending;
    int pendingStatus;
    /** Records that at least one lane holds now. */
    int inLane;
    long bytes;
    /** Readers never look past this: the file size, or the writer's position. */
    volatile long end;
    boolean sealed;
    List<SegmentReader.Damage> damaged = List.of();

    Segment(long id, Path path) {
      this.id = id;
      this.path = path;
    }

    boolean isDone(long seq) {
      return seq < firstSeq || seq > lastSeq || done.get((int) (seq - firstSeq));
    }

    void add(long seq, boolean pendingRecord, boolean status) {
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

    boolean knownDamage(long offset) {
      for (SegmentReader.Damage d : damaged) {
        if (d.offset() == offset) {
          return true;
        }
      }
      return false;
    }
  }

  /** One lane's position in the spool. {@code caughtUp} is guarded by the lock. */
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

  /** A spooled message's link from its {@link Delivery} back to the spool. */
  static final class Ticket {
    final Spooler spooler;
    final long seq;
    final Segment segment;
    final boolean status;
    /** Lanes holding the message now. Guarded by the spool lock. */
    int inLanes;

    Ticket(Spooler spooler, long seq, Segment segment, boolean status) {
      this.spooler = spooler;
      this.seq = seq;
      this.segment = segment;
      this.status = status;
    }

    /** A target of the delivery reported (from {@link Delivery}, no lane lock held). */
    void arrived(Delivery d, boolean last) {
      spooler.arrived(this, d, last);
    }
  }

  private Spooler(Path dir, SpoolOptions options, SpoolLock dirLock) {
    this.dir = dir;
    this.options = options;
    this.fsync = options.fsync();
    this.dirLock = dirLock;
  }

  // ---------------------------------------------------------------- open and recover

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
    Spooler s = new Spooler(dir, options, dirLock);
    try {
      s.recover(sinkNames);
      s.writer = SegmentWriter.create(dir, s.nextSegmentId);
      s.active = new Segment(s.nextSegmentId++, s.writer.path());
      s.active.bytes = HEADER;
      s.active.end = HEADER;
      s.segments.put(s.active.id, s.active);
      s.diskBytes += HEADER;
      if (s.fsync != SpoolOptions.Fsync.NEVER) {
        Checkpoint.syncDirectory(dir);
      }
      return s;
    } catch (IOException e) {
      s.closeQuietly();
      throw new UncheckedIOException("cannot recover spool directory " + dir + ": " + e, e);
    } catch (RuntimeException | Error e) {
      s.closeQuietly();
      throw e;
    }
  }

  /** Releases the writer and the directory lock after a failed open or a failed build. */
  void abandon() {
    closeQuietly();
  }

  private void closeQuietly() {
    try {
      if (writer != null) {
        writer.close();
      }
    } catch (IOException ignored) {
      // closing after a failed open
    }
    try {
      dirLock.close();
    } catch (IOException ignored) {
      // closing after a failed open
    }
  }

  private void recover(Set<String> sinkNames) throws IOException {
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
    Map<String, Long> unknownSinks = new LinkedHashMap<>();
    for (long id : ids) {
      maxId = Math.max(maxId, id);
      Path path = dir.resolve(SpoolFormat.segmentName(id));
      if (Files.size(path) == 0) { // created, then the process died before the header was written
        Files.delete(path);
        continue;
      }
      Segment seg = new Segment(id, path);
      long below = doneBelow;
      long[] maxSeen = {maxSeq};
      SegmentScanner.Result res = SegmentScanner.scan(path, r -> {
        maxSeen[0] = Math.max(maxSeen[0], r.seq());
        if (r.seq() < below || r.seq() <= seg.lastSeq) {
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
        seg.add(r.seq(), true, rec.message().isStatus());
        recovered++;
        pending++;
        if (known == 0) {
          orphans.add(new long[] {id, r.offset()});
        }
      });
      maxSeq = maxSeen[0];
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
    }
    unknownSinks.forEach((sink, n) -> LOG.warn("Spool {}: {} messages were routed to sink {},"
        + " which is no longer configured; they are not sent to it", dir, n, sink));
    nextSeq = Math.max(maxSeq + 1, doneBelow);
    nextSegmentId = maxId + 1;
    if (recovered > 0 || corruptSkipped > 0 || tornTails > 0) {
      LOG.info("Spool {}: {} messages to replay in {} segments ({} corrupt stretches skipped, {}"
          + " damaged tails cut off)", dir, recovered, segments.size(), corruptSkipped, tornTails);
    }
  }

  // ---------------------------------------------------------------- start

  /** Starts replaying and intake: every lane starts behind if anything was recovered. */
  void start(EngineContext context, Lane[] lanes, Map<String, Lane> lanesByName,
      NamedThreadFactory threads) {
    lock.lock();
    try {
      this.context = context;
      this.lanesByName = lanesByName;
      this.feeds = new Feed[lanes.length];
      long first = segments.firstKey();
      for (int i = 0; i < lanes.length; i++) {
        Feed f = new Feed(lanes[i]);
        f.caughtUp = recovered == 0;
        f.segId = first;
        f.offset = HEADER;
        feeds[i] = f;
      }
    } finally {
      lock.unlock();
    }
    dropOrphans();
    feeder = threads.newThread("iot-forwarder-spool-feeder", this::feedLoop);
    syncer = threads.newThread("iot-forwarder-spool-sync", this::syncLoop);
    feeder.start();
    syncer.start();
  }

  /** Recovered records none of whose sinks is configured any more: dead-lettered, dropped. */
  private void dropOrphans() {
    if (orphans.isEmpty()) {
      return;
    }
    LOG.error("Spool {}: {} recovered messages were routed only to sinks that are no longer"
        + " configured; they go to the dead-letter sink {}", dir, orphans.size(),
        context.deadLetterName());
    SegmentReader r = null;
    Segment seg = null;
    for (long[] o : orphans) {
      try {
        if (seg == null || seg.id != o[0]) {
          if (r != null) {
            r.close();
          }
          seg = segments.get(o[0]); // no other thread runs yet
          r = SegmentReader.open(seg.path);
        }
        if (r.next(o[1], seg.end) instanceof SegmentReader.Record rec) {
          SpooledRecord sr = RecordCodec.decode(rec.seq(), rec.body(), rec.offset(), rec.end());
          for (String sink : sr.sinks()) {
            deadLetter(sr.message(), sink, new PermanentForwardingException("sink " + sink
                + " is no longer configured; the " + Pipeline.describe(sr.message())
                + " was recovered from the spool for it", sink, null));
          }
          lock.lock();
          try {
            dropDone(rec.seq(), seg, sr.message().isStatus());
          } finally {
            lock.unlock();
          }
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
    orphans.clear();
  }

  private void deadLetter(DeviceMessage m, String sink, ForwardingException reason) {
    CompletableFuture<Void> f = context.deadLetter(
        new DeadLetter(m, sink, reason, 0, context.clock.instant()));
    if (f != null) {
      f.whenComplete((v, e) -> {
        if (e != null) {
          LOG.error("Dead-letter sink {} failed to store the {}", context.deadLetterName(),
              Pipeline.describe(m), e);
        }
      });
    }
  }

  // ---------------------------------------------------------------- intake (caller threads)

  /**
   * Writes a routed message to the spool and hands it to the caught-up lanes.
   *
   * @return the message's completion future
   */
  CompletableFuture<ForwardResult> intake(DeviceMessage m, Lane[] targets, Lane[] backups,
      int count, List<ForwardingException> errors, long startNanos,
      CompletableFuture<Void> accepted) {
    int failures = errors == null ? 0 : errors.size();
    Delivery d = new Delivery(m, count + failures, startNanos, context.clock.millis());
    if (errors != null) {
      errors.forEach(d::failed);
    }
    if (count == 0) {
      if (accepted != null) {
        accepted.completeExceptionally(errors.get(0));
      }
      return d.future;
    }
    String[] sinks = new String[count];
    String[] backupNames = new String[count];
    for (int j = 0; j < count; j++) {
      sinks[j] = targets[j].name;
      backupNames[j] = backups[j] == null ? null : backups[j].name;
    }
    RecordCodec.Encoded rec;
    try {
      rec = RecordCodec.encode(m, sinks, backupNames, context.clock.millis());
    } catch (IllegalArgumentException e) {
      return refuse(d, count, accepted, new ForwardingException("the spool cannot hold the "
          + Pipeline.describe(m) + ": " + e.getMessage(), e), false, m, sinks);
    }
    long bytes = Pipeline.estimateBytes(m);
    List<DropVictim> victims = null;
    ForwardingException refusal = null;
    boolean full = false;
    lock.lock();
    try {
      long waitNanos = options.fullPolicy() == OverflowPolicy.BLOCK
          ? options.blockTimeout().toNanos() : 0;
      while (true) {
        if (intakeClosed) {
          refusal = new ForwardingException("the forwarder is closed; it did not accept the "
              + Pipeline.describe(m));
          break;
        }
        long need = rec.size() + (rollBefore(rec.size()) ? HEADER : 0);
        if (diskBytes + need <= options.maxDiskBytes()) {
          break;
        }
        if (rec.size() + HEADER > options.maxDiskBytes()) {
          refusal = new ForwardingException("the " + Pipeline.describe(m) + " takes "
              + rec.size() + " bytes in the spool, more than its whole disk bound of "
              + options.maxDiskBytes() + " bytes");
          break;
        }
        if (reclaimActive()) {
          continue;
        }
        OverflowPolicy policy = options.fullPolicy();
        if (policy == OverflowPolicy.DROP_OLDEST) {
          Segment victim = droppable();
          if (victim != null) {
            if (victims == null) {
              victims = new ArrayList<>(1);
            }
            victims.add(prepareDrop(victim));
            continue;
          }
          refusal = spoolFull(m, "and it holds no segment of Publish messages only, waiting on"
              + " disk, that could be dropped (Status messages are never dropped)");
          full = true;
          break;
        }
        if (policy == OverflowPolicy.BLOCK && waitNanos > 0) {
          try {
            waitNanos = space.awaitNanos(waitNanos);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            refusal = spoolFull(m, "and the caller was interrupted while waiting for room");
            full = true;
            break;
          }
          continue;
        }
        refusal = spoolFull(m, policy == OverflowPolicy.BLOCK
            ? "after waiting " + options.blockTimeout() + " for room (full policy BLOCK)"
            : "(full policy " + policy + ")");
        full = true;
        break;
      }
      if (refusal == null) {
        refusal = append(m, d, rec, targets, backups, count, failures, bytes, accepted);
      }
      if (full) {
        rejected++;
      }
    } finally {
      lock.unlock();
    }
    if (victims != null) {
      victims.forEach(this::finishDrop);
    }
    if (refusal != null) {
      return refuse(d, count, accepted, refusal, full, m, sinks);
    }
    if (accepted != null && fsync != SpoolOptions.Fsync.EVERY_WRITE) {
      accepted.complete(null);
    }
    return d.future;
  }

  private CompletableFuture<ForwardResult> refuse(Delivery d, int count,
      CompletableFuture<Void> accepted, ForwardingException refusal, boolean full,
      DeviceMessage m, String[] sinks) {
    if (full) {
      for (String sink : sinks) {
        context.listeners.rejected(m, sink);
      }
    }
    for (int j = 0; j < count; j++) {
      d.failed(refusal);
    }
    if (accepted != null) {
      accepted.completeExceptionally(refusal);
    }
    return d.future;
  }

  private BufferFullException spoolFull(DeviceMessage m, String why) {
    return new BufferFullException("the spool has no room for the " + Pipeline.describe(m)
        + ": its segments take " + diskBytes + " of at most " + options.maxDiskBytes() + " bytes, "
        + why, null);
  }

  /** Whether the next record of this size starts a new segment. */
  private boolean rollBefore(int size) {
    return active.firstSeq >= 0 && active.bytes + size > options.segmentBytes();
  }

  /** Under the lock: writes the record and hands it to the caught-up lanes. Null if it worked. */
  private ForwardingException append(DeviceMessage m, Delivery d, RecordCodec.Encoded rec,
      Lane[] targets, Lane[] backups, int count, int failures, long bytes,
      CompletableFuture<Void> accepted) {
    long seq = nextSeq;
    long start;
    try {
      if (rollBefore(rec.size())) {
        roll();
      }
      start = writer.append(rec, seq);
    } catch (IOException e) {
      LOG.error("Spool {}: could not write the {}", dir, Pipeline.describe(m), e);
      return new ForwardingException("the spool could not write the " + Pipeline.describe(m)
          + ": " + e, e);
    }
    nextSeq++;
    Segment seg = active;
    seg.add(seq, true, m.isStatus());
    seg.bytes = writer.position();
    seg.end = seg.bytes;
    diskBytes += rec.size();
    writtenLsn += rec.size();
    spooled++;
    pending++;
    Ticket t = new Ticket(this, seq, seg, m.isStatus());
    d.spool = t;
    boolean behind = false;
    for (int j = 0; j < count; j++) {
      Feed f = feedOf(targets[j]);
      if (f.caughtUp) {
        if (targets[j].offerFromSpool(new Entry(m, d, bytes, backups[j]))) {
          t.inLanes++;
          continue;
        }
        f.caughtUp = false;
        f.segId = seg.id;
        f.offset = start;
      }
      behind = true;
    }
    if (t.inLanes > 0) {
      seg.inLane++;
      live.put(seq, d);
    } else {
      d.message = null;
      live.put(seq, failures == 0 ? d.future : d);
    }
    if (behind) {
      wakeups++;
      wake.signal();
    }
    if (accepted != null && fsync == SpoolOptions.Fsync.EVERY_WRITE) {
      waiters.add(new Waiter(writtenLsn, accepted));
    }
    if (fsync == SpoolOptions.Fsync.EVERY_WRITE) {
      syncWork.signal();
    }
    return null;
  }

  private Feed feedOf(Lane lane) {
    for (Feed f : feeds) {
      if (f.lane == lane) {
        return f;
      }
    }
    throw new IllegalStateException("no feed for lane " + lane.name);
  }

  /** Under the lock: starts a new segment; the old one is synced (unless fsync is NEVER). */
  private void roll() throws IOException {
    SegmentWriter next = SegmentWriter.create(dir, nextSegmentId);
    nextSegmentId++;
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
    active = new Segment(nextSegmentId - 1, next.path());
    active.bytes = HEADER;
    active.end = HEADER;
    segments.put(active.id, active);
    diskBytes += HEADER;
    syncWork.signal();
    if (oldSeg.pending == 0) {
      deleteSegment(oldSeg);
    }
  }

  /** Under the lock: if the active segment holds only done records, replaces it to free it. */
  private boolean reclaimActive() {
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

  // ---------------------------------------------------------------- drop oldest

  private record DropVictim(Segment segment, BitSet wasDone, Map<Long, Object> owners) {}

  /** The oldest sealed segment of Publish messages only, none of them held by a lane. */
  private Segment droppable() {
    for (Segment s : segments.values()) {
      if (s.sealed && s.pending > 0 && s.pendingStatus == 0 && s.inLane == 0) {
        return s;
      }
    }
    return null;
  }

  /** Under the lock: marks a segment's records dropped and frees its bytes. */
  private DropVictim prepareDrop(Segment s) {
    BitSet was = (BitSet) s.done.clone();
    Map<Long, Object> owners = new HashMap<>();
    int span = (int) (s.lastSeq - s.firstSeq + 1);
    for (int i = was.nextClearBit(0); i < span; i = was.nextClearBit(i + 1)) {
      Object o = live.remove(s.firstSeq + i);
      if (o != null) {
        owners.put(s.firstSeq + i, o);
      }
      keptSeqs.remove(s.firstSeq + i);
    }
    s.done.set(0, span);
    pending -= s.pending;
    dropped += s.pending;
    s.pending = 0;
    segments.remove(s.id);
    diskBytes -= s.bytes;
    signalProgress();
    return new DropVictim(s, was, owners);
  }

  /** Outside the lock: fails, reports and dead-letters the dropped messages, deletes the file. */
  private void finishDrop(DropVictim v) {
    Segment s = v.segment;
    long n = 0;
    try (SegmentReader r = SegmentReader.open(s.path)) {
      long pos = HEADER;
      while (pos < s.end) {
        SegmentReader.Item item = r.next(pos, s.end);
        if (item instanceof SegmentReader.Damage dmg) {
          pos = dmg.end();
          continue;
        }
        SegmentReader.Record rec = (SegmentReader.Record) item;
        pos = rec.end();
        if (rec.seq() < s.firstSeq || v.wasDone.get((int) (rec.seq() - s.firstSeq))) {
          continue;
        }
        SpooledRecord sr = RecordCodec.decode(rec.seq(), rec.body(), rec.offset(), rec.end());
        n++;
        PermanentForwardingException why = new PermanentForwardingException("the spool was full ("
            + options.maxDiskBytes() + " bytes) and dropped the " + Pipeline.describe(sr.message())
            + " to make room for newer messages (full policy DROP_OLDEST)", null, null);
        for (String sink : sr.sinks()) {
          context.listeners.dropped(sr.message(), sink);
          deadLetter(sr.message(), sink, why);
        }
        Object owner = v.owners.get(rec.seq());
        if (owner instanceof Delivery d) {
          d.failRemaining(why);
        } else if (owner instanceof CompletableFuture<?> f) {
          f.completeExceptionally(why);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("Spool {}: could not read dropped segment {} for the dead-letter sink", dir,
          s.path, e);
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
      Files.deleteIfExists(s.path);
    } catch (IOException e) {
      LOG.warn("Spool {}: could not delete dropped segment {}", dir, s.path, e);
    }
    LOG.warn("Spool {} full ({} bytes): dropped {} Publish messages waiting on disk (segment {};"
        + " full policy DROP_OLDEST); they go to the dead-letter sink {}", dir,
        options.maxDiskBytes(), n, s.path.getFileName(), context.deadLetterName());
  }

  // ---------------------------------------------------------------- outcomes (lane threads)

  private void arrived(Ticket t, Delivery d, boolean last) {
    lock.lock();
    try {
      if (t.inLanes > 0 && --t.inLanes == 0) {
        t.segment.inLane--;
      }
      if (!last) {
        if (t.inLanes == 0) {
          d.message = null;
        }
      } else if (live.get(t.seq) == d) {
        live.remove(t.seq);
        if (d.kept()) {
          keptSeqs.add(t.seq);
          signalProgress();
        } else {
          markDone(t.seq, t.segment, t.status);
        }
      }
      wakeups++;
      wake.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: a record is done; its segment goes once all are. */
  private void markDone(long seq, Segment seg, boolean status) {
    if (seg.isDone(seq)) {
      return;
    }
    seg.done.set((int) (seq - seg.firstSeq));
    seg.pending--;
    if (status) {
      seg.pendingStatus--;
    }
    pending--;
    completed++;
    keptSeqs.remove(seq);
    if (seg.pending == 0) {
      if (seg.sealed) {
        deleteSegment(seg);
      } else {
        space.signalAll(); // a full spool can now roll the active segment away
      }
    }
    signalProgress();
  }

  /** Under the lock: like {@link #markDone}, counted as dropped. */
  private void dropDone(long seq, Segment seg, boolean status) {
    if (seg.isDone(seq)) {
      return;
    }
    markDone(seq, seg, status);
    completed--;
    dropped++;
  }

  private void deleteSegment(Segment seg) {
    segments.remove(seg.id);
    diskBytes -= seg.bytes;
    try {
      Files.deleteIfExists(seg.path);
    } catch (IOException e) {
      LOG.warn("Spool {}: could not delete finished segment {}", dir, seg.path, e);
    }
    space.signalAll();
  }

  private void signalProgress() {
    if (flushWaiters > 0) {
      progress.signalAll();
    }
  }

  // ---------------------------------------------------------------- feeder thread

  private void feedLoop() {
    try {
      while (true) {
        long seen;
        lock.lock();
        try {
          if (feedStopped) {
            return;
          }
          seen = wakeups;
        } finally {
          lock.unlock();
        }
        boolean progressed = false;
        for (Feed f : feeds) {
          progressed |= pump(f);
        }
        lock.lock();
        try {
          if (feedStopped) {
            return;
          }
          if (!progressed && wakeups == seen) {
            wake.awaitNanos(IDLE_NANOS);
          }
        } catch (InterruptedException e) {
          return;
        } finally {
          lock.unlock();
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("Spool {}: the feeder thread failed; messages waiting on disk are sent after a"
          + " restart", dir, e);
    } finally {
      for (Feed f : feeds) {
        closeReader(f);
      }
    }
  }

  /** Hands a behind lane the records it has room for. Feeder thread only. */
  private boolean pump(Feed f) {
    boolean progressed = false;
    int n = 0;
    while (n < FEED_BATCH) {
      Segment seg;
      long pos;
      long limit;
      lock.lock();
      try {
        if (feedStopped || f.caughtUp) {
          return progressed;
        }
        Map.Entry<Long, Segment> e = segments.ceilingEntry(f.segId);
        seg = e.getValue(); // the active segment is always there
        if (seg.id != f.segId) {
          f.segId = seg.id;
          f.offset = HEADER;
        }
        pos = f.offset;
        limit = seg.end;
        if (pos >= limit) {
          if (seg == active) {
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
        lock.unlock();
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
            + " sink are sent after a restart", dir, seg.path, f.lane.name, e);
        closeReader(f);
        skipSegment(f, seg);
        continue;
      }
      if (item instanceof SegmentReader.Damage dmg) {
        lock.lock();
        try {
          if (!seg.knownDamage(dmg.offset())) {
            corruptSkipped++;
            LOG.error("Spool segment {}: {} corrupt bytes at offset {} skipped for sink {}: {}",
                seg.path, dmg.end() - dmg.offset(), dmg.offset(), f.lane.name, dmg.reason());
          }
          f.offset = dmg.end();
        } finally {
          lock.unlock();
        }
        progressed = true;
        continue;
      }
      SegmentReader.Record r = (SegmentReader.Record) item;
      SpooledRecord rec;
      try {
        rec = RecordCodec.decode(r.seq(), r.body(), r.offset(), r.end());
      } catch (IllegalArgumentException e) {
        lock.lock();
        try {
          f.offset = r.end();
        } finally {
          lock.unlock();
        }
        progressed = true;
        continue;
      }
      int slot = rec.sinks().indexOf(f.lane.name);
      Lane backup = slot < 0 ? null : lanesByName.get(rec.backups().get(slot));
      DeviceMessage m = rec.message();
      long bytes = Pipeline.estimateBytes(m);
      lock.lock();
      try {
        if (feedStopped) {
          return progressed;
        }
        if (slot < 0 || seg.isDone(rec.seq())) {
          f.offset = r.end();
          progressed = true;
          continue;
        }
        Delivery d = deliveryFor(rec, seg);
        Ticket t = d.spool;
        d.message = m;
        d.startMillis = context.clock.millis();
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
        lock.unlock();
      }
    }
    return progressed;
  }

  private void skipSegment(Feed f, Segment seg) {
    lock.lock();
    try {
      if (f.segId == seg.id && seg != active) {
        f.segId = seg.id + 1;
        f.offset = HEADER;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the delivery of a record a lane is about to take. */
  private Delivery deliveryFor(SpooledRecord rec, Segment seg) {
    Object o = live.get(rec.seq());
    if (o instanceof Delivery d) {
      return d;
    }
    int targets = 0;
    for (String sink : rec.sinks()) {
      if (lanesByName.containsKey(sink)) {
        targets++;
      }
    }
    long now = context.clock.millis();
    long startNanos = System.nanoTime()
        - TimeUnit.MILLISECONDS.toNanos(Math.max(0, now - rec.appendedMillis()));
    @SuppressWarnings("unchecked")
    CompletableFuture<ForwardResult> future = o == null
        ? new CompletableFuture<>() : (CompletableFuture<ForwardResult>) o;
    Delivery d = new Delivery(rec.message(), targets, startNanos, now, future);
    d.spool = new Ticket(this, rec.seq(), seg, rec.message().isStatus());
    live.put(rec.seq(), d);
    if (o == null) {
      replayed++;
    }
    return d;
  }

  private SegmentReader reader(Feed f, Segment seg) throws IOException {
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

  // ---------------------------------------------------------------- sync thread

  private void syncLoop() {
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
            boolean dirty = writtenLsn > durableLsn;
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
            w = writer;
            target = writtenLsn;
          }
        } finally {
          lock.unlock();
        }
        if (forceNow) {
          IOException failure = null;
          synchronized (forceLock) {
            if (w.isOpen()) { // else a roll synced and closed it
              try {
                w.force();
              } catch (IOException e) {
                failure = e;
              }
            }
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

  /** Writes the checkpoint if it moved. */
  private void checkpoint(boolean always) {
    long below;
    lock.lock();
    try {
      below = doneBelow();
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

  /** Under the lock: every record below this is done. */
  private long doneBelow() {
    for (Segment s : segments.values()) {
      if (s.pending > 0) {
        return s.firstSeq + s.done.nextClearBit(0);
      }
    }
    return nextSeq;
  }

  // ---------------------------------------------------------------- flush, stats, close

  /**
   * Waits until every record written before this call is done (or kept for the next start).
   *
   * @return whether that happened before the deadline
   */
  boolean awaitDone(long deadlineNanos) {
    lock.lock();
    try {
      long bound = nextSeq;
      flushWaiters++;
      try {
        while (lowestUnfinished() < bound) {
          long left = deadlineNanos - System.nanoTime();
          if (left <= 0 || feedStopped) {
            return false;
          }
          progress.awaitNanos(Math.min(left, IDLE_NANOS));
        }
        return true;
      } finally {
        flushWaiters--;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the lowest pending record that is not kept. */
  private long lowestUnfinished() {
    for (Segment s : segments.values()) {
      if (s.pending == 0) {
        continue;
      }
      int span = (int) (s.lastSeq - s.firstSeq + 1);
      for (int i = s.done.nextClearBit(0); i < span; i = s.done.nextClearBit(i + 1)) {
        if (!keptSeqs.contains(s.firstSeq + i)) {
          return s.firstSeq + i;
        }
      }
    }
    return Long.MAX_VALUE;
  }

  SpoolStats stats() {
    lock.lock();
    try {
      return new SpoolStats(true, recovered, spooled, completed, dropped, pending, replayed,
          rejected, corruptSkipped, tornTails, diskBytes, segments.size());
    } finally {
      lock.unlock();
    }
  }

  /** Stops intake and the feeder: what is on disk stays there. Then the lanes may be aborted. */
  void stopFeeding(long timeoutNanos) {
    lock.lock();
    try {
      intakeClosed = true;
      feedStopped = true;
      wake.signalAll();
      space.signalAll();
      progress.signalAll();
    } finally {
      lock.unlock();
    }
    join(feeder, timeoutNanos);
  }

  /**
   * After the lanes stopped: fails what was never handed to a lane (it stays in the spool), syncs,
   * writes the checkpoint, closes the files and releases the directory.
   */
  void close(long timeoutNanos) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      intakeClosed = true;
      feedStopped = true;
      stopping = true;
      wake.signalAll();
      syncWork.signalAll();
      space.signalAll();
    } finally {
      lock.unlock();
    }
    join(feeder, timeoutNanos);
    join(syncer, timeoutNanos);
    List<Object> left;
    lock.lock();
    try {
      left = new ArrayList<>(live.values());
    } finally {
      lock.unlock();
    }
    ForwardingException closedEx = new ForwardingException("the forwarder closed before this"
        + " message was handed to its sinks; it stays in the spool " + dir
        + " and is sent on the next start");
    for (Object o : left) {
      if (o instanceof Delivery d) {
        d.keep();
        d.failRemaining(closedEx);
      } else if (o instanceof CompletableFuture<?> f) {
        f.completeExceptionally(closedEx);
      }
    }
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
    lock.lock();
    try {
      active.sealed = true;
      if (active.pending == 0) {
        deleteSegment(active);
      }
    } finally {
      lock.unlock();
    }
    completeWaiters(Long.MAX_VALUE, syncFailure);
    checkpoint(true);
    try {
      dirLock.close();
    } catch (IOException e) {
      LOG.warn("Spool {}: could not release the lock file", dir, e);
    }
    SpoolStats s = stats();
    LOG.debug("Spool {} closed: {} messages pending in {} segments ({} bytes)", dir, s.pending(),
        s.segments(), s.diskBytes());
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
    return "Spool[" + dir + "]";
  }
}
