package dev.iotforwarder.internal.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.SpoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The segment log on its own, single-threaded (the spool lock held as the engine holds it): rolls,
 * deletion of finished segments, the disk count, the checkpoint value, what a flush waits for, and
 * which segment DROP_OLDEST may take.
 */
class SegmentLogTest {
  private static final int HEADER = SpoolFormat.SEGMENT_HEADER_BYTES;

  private Path dir;
  private final ReentrantLock lock = new ReentrantLock();
  private SegmentLog log;

  @BeforeEach
  void open() throws IOException {
    dir = Files.createTempDirectory("segment-log");
    SpoolOptions options = SpoolOptions.builder().fsyncNever().segmentBytes(1024)
        .maxDiskBytes(64 * 1024).build();
    log = new SegmentLog(SpoolRecovery.recover(dir, Set.of("q")), options, lock.newCondition(),
        lock.newCondition());
    lock.lock();
    log.openActive();
  }

  @AfterEach
  void close() throws IOException {
    log.closeWriter();
    lock.unlock();
    SegmentRecoveryTest.deleteTree(dir);
  }

  private static RecordCodec.Encoded record(int i, boolean status) {
    DeviceMessage m = status
        ? DeviceMessage.status("prod", "d" + i, Long.toString(i), "Online", i)
        : DeviceMessage.publish("prod", "d" + i, Long.toString(i), "prod/d/data", i, new byte[200]);
    return RecordCodec.encode(
        m.withReceivedAtMillis(1_700_000_000_000L), new String[] {"q"}, new String[] {null});
  }

  /** Appends records until the log has {@code segments} segments; returns their sequence numbers. */
  private List<Long> fill(int segments, boolean status) throws IOException {
    List<Long> seqs = new ArrayList<>();
    while (log.segments().size() < segments) {
      seqs.add(log.nextSeq());
      log.append(record(seqs.size(), status), status);
    }
    return seqs;
  }

  private long sumOfSegmentBytes() {
    return log.segments().values().stream().mapToLong(s -> s.bytes).sum();
  }

  @Test
  void appendsRollPastTheSegmentSizeAndTheActiveSegmentIsTheLastAndOnlyUnsealedOne()
      throws IOException {
    List<Long> seqs = fill(3, false);
    assertThat(seqs).isEqualTo(seqs.stream().sorted().distinct().toList());
    assertThat(log.nextSeq()).isEqualTo(seqs.get(seqs.size() - 1) + 1);
    assertThat(log.segments().lastEntry().getValue()).isSameAs(log.active());
    assertThat(log.segments().values()).filteredOn(s -> !s.sealed).containsExactly(log.active());
    for (Segment s : log.segments().values()) {
      assertThat(Files.size(s.path)).isEqualTo(s.bytes).isEqualTo(s.end);
      if (s.sealed) {
        assertThat(s.bytes).isLessThanOrEqualTo(1024);
      }
    }
    assertThat(log.diskBytes()).isEqualTo(sumOfSegmentBytes());
    assertThat(log.fits(record(0, false).size())).isTrue();
  }

  @Test
  void aSealedSegmentGoesWhenItsLastRecordIsDoneAndTheCheckpointAndFlushBoundMove()
      throws IOException {
    List<Long> seqs = fill(2, false);
    Segment first = log.segments().firstEntry().getValue();
    assertThat(log.doneBelow()).isEqualTo(seqs.get(0));
    assertThat(log.lowestUnfinished(Set.of())).isEqualTo(seqs.get(0));
    assertThat(log.lowestUnfinished(Set.of(seqs.get(0)))).as("a kept record is not waited for")
        .isEqualTo(seqs.get(1));

    // Done out of order: the checkpoint stays at the first record not done.
    assertThat(first.markDone(seqs.get(1), false)).isTrue();
    assertThat(first.markDone(seqs.get(1), false)).as("twice").isFalse();
    log.recordDone(first);
    assertThat(log.doneBelow()).isEqualTo(seqs.get(0));

    for (long seq = first.firstSeq; seq <= first.lastSeq; seq++) {
      if (first.markDone(seq, false)) {
        log.recordDone(first);
      }
    }
    assertThat(log.segments()).doesNotContainKey(first.id);
    assertThat(first.path).doesNotExist();
    assertThat(log.diskBytes()).isEqualTo(sumOfSegmentBytes());
    assertThat(log.doneBelow()).isEqualTo(first.lastSeq + 1);
  }

  @Test
  void anActiveSegmentWhoseRecordsAreAllDoneIsRolledAwayToFreeIt() throws IOException {
    long seq = log.nextSeq();
    log.append(record(1, false), false);
    Segment active = log.active();
    assertThat(log.reclaimActive()).as("a pending record keeps it").isFalse();
    active.markDone(seq, false);
    log.recordDone(active);
    assertThat(log.segments()).containsKey(active.id);
    assertThat(log.reclaimActive()).isTrue();
    assertThat(log.segments()).doesNotContainKey(active.id);
    assertThat(log.active()).isNotSameAs(active);
    assertThat(log.diskBytes()).isEqualTo(HEADER);
    assertThat(log.doneBelow()).isEqualTo(log.nextSeq());
  }

  @Test
  void dropOldestTakesTheOldestSealedPublishOnlySegmentThatNoLaneHolds() throws IOException {
    fill(2, true); // a segment of Status messages, and the next one starts with one
    fill(5, false);
    List<Segment> all = new ArrayList<>(log.segments().values());
    assertThat(all.get(0).pendingStatus).isPositive();
    assertThat(all.get(1).pendingStatus).isPositive();
    Segment firstPublishOnly = all.get(2);
    assertThat(log.droppable()).isSameAs(firstPublishOnly);
    firstPublishOnly.inLane = 1; // a lane holds one of its records
    assertThat(log.droppable()).isSameAs(all.get(3));
    all.get(3).inLane = 1;
    assertThat(log.droppable()).as("never the active segment").isNull();
    firstPublishOnly.inLane = 0;
    long before = log.diskBytes();
    log.forgetDropped(firstPublishOnly);
    assertThat(log.diskBytes()).isEqualTo(before - firstPublishOnly.bytes)
        .isEqualTo(sumOfSegmentBytes());
    assertThat(firstPublishOnly.path).as("the caller deletes the file once read back").exists();
  }
}
