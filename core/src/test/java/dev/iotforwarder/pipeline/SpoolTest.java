package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.Submission;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.internal.spool.RecordCodec;
import dev.iotforwarder.internal.spool.SegmentReader;
import dev.iotforwarder.internal.spool.SegmentScanner;
import dev.iotforwarder.internal.spool.SpoolFormat;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The spool inside one process: stages, removal, restart and replay, the lock, damage at start. */
class SpoolTest {
  @TempDir Path tmp;

  static SpoolOptions options(SpoolOptions.Fsync fsync) {
    SpoolOptions.Builder b = SpoolOptions.builder().segmentBytes(2048);
    return switch (fsync) {
      case EVERY_WRITE -> b.fsyncEveryWrite().build();
      case INTERVAL -> b.fsyncEvery(Duration.ofMillis(5)).build();
      case NEVER -> b.fsyncNever().build();
    };
  }

  static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> SpoolFormat.segmentId(p.getFileName().toString()) >= 0).sorted().toList();
    }
  }

  static Map<String, List<Long>> seqsByDevice(List<DeviceMessage> messages) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (DeviceMessage m : messages) {
      out.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(SpoolOptions.Fsync.class)
  @DisplayName("accepted completes once spooled, completion once delivered; then the spool is empty")
  void acceptedThenDeliveredThenRemoved(SpoolOptions.Fsync fsync) throws Exception {
    Path dir = tmp.resolve("spool");
    RecordingSink sink = new RecordingSink("queue");
    List<Submission> stages = new ArrayList<>();
    try (Forwarder f = Forwarder.builder().route(sink).spool(dir, options(fsync)).build()) {
      for (int i = 0; i < 300; i++) {
        stages.add(f.submit(i % 10 == 0
            ? Fixtures.status(i % 7, i, StatusEvent.ONLINE) : Fixtures.publish(i % 7, i)));
      }
      for (Submission s : stages) {
        s.accepted().get(10, TimeUnit.SECONDS);
        assertThat(s.completion().get(10, TimeUnit.SECONDS).status())
            .isEqualTo(ForwardResult.Status.DELIVERED);
      }
      assertThat(f.flush(Duration.ofSeconds(10))).isTrue();
      ForwarderStats stats = f.stats();
      SpoolStats spool = stats.spool();
      assertThat(spool.enabled()).isTrue();
      assertThat(spool.spooled()).isEqualTo(300);
      assertThat(spool.completed()).isEqualTo(300);
      assertThat(spool.pending()).isZero();
      assertThat(stats.balanced()).isTrue();
      assertThat(stats.sink("queue").succeeded()).isEqualTo(300);
      assertThat(spool.segments()).as("finished segments are deleted").isEqualTo(1);
    }
    assertThat(sink.count()).isEqualTo(300);
    assertThat(segments(dir)).as("a clean close leaves no segment behind").isEmpty();
  }

  @Test
  void withoutASpoolAcceptedMeansTakenIntoTheLanes() throws Exception {
    RecordingSink sink = new RecordingSink("queue");
    try (Forwarder f = Forwarder.builder().route(MessageFilter.statusOnly(), sink).build()) {
      Submission published = f.submit(Fixtures.publish(1, 1));
      Submission status = f.submit(Fixtures.status(1, 2, StatusEvent.ONLINE));
      assertThat(published.accepted()).isCompleted();
      assertThat(published.completion().get(5, TimeUnit.SECONDS).filtered()).isTrue();
      status.accepted().get(5, TimeUnit.SECONDS);
      assertThat(status.completion().get(5, TimeUnit.SECONDS).sinks()).containsExactly("queue");
      assertThat(f.stats().spool()).isEqualTo(SpoolStats.DISABLED);
    }
  }

  @Test
  void afterCloseBothStagesFail() {
    Forwarder f = Forwarder.builder().route(new RecordingSink("q")).spool(tmp.resolve("s")).build();
    f.close();
    Submission s = f.submit(Fixtures.publish(1, 1));
    assertThat(s.accepted()).isCompletedExceptionally();
    assertThat(s.completion()).isCompletedExceptionally();
  }

  @Test
  @DisplayName("a second forwarder on the same directory fails at build() and names the lock file")
  void oneForwarderPerDirectory() {
    Path dir = tmp.resolve("spool");
    try (Forwarder first = Forwarder.builder().route(new RecordingSink("a")).spool(dir).build()) {
      assertThatThrownBy(() -> Forwarder.builder().route(new RecordingSink("b")).spool(dir).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("spool directory " + dir + " is in use by another forwarder")
          .hasMessageContaining("spool.lock");
      assertThat(first.forward(Fixtures.publish(1, 1))).succeedsWithin(Duration.ofSeconds(5));
    }
    try (Forwarder again = Forwarder.builder().route(new RecordingSink("c")).spool(dir).build()) {
      assertThat(again.forward(Fixtures.publish(1, 2))).succeedsWithin(Duration.ofSeconds(5));
    }
  }

  /** Spools 5 devices x 20 messages into a sink that never answers, then closes at once. */
  private List<DeviceMessage> leaveBehind(Path dir) throws Exception {
    FlakySink down = FlakySink.builder("queue").build();
    down.pause();
    List<DeviceMessage> sent = new ArrayList<>();
    List<Submission> stages = new ArrayList<>();
    try (Forwarder f = Forwarder.builder().route(down).spool(dir, options(SpoolOptions.Fsync.EVERY_WRITE))
        .laneDefaults(LaneOptions.builder().maxMessages(7).build())
        .closeTimeout(Duration.ZERO).build()) {
      for (int seq = 0; seq < 20; seq++) {
        for (int d = 0; d < 5; d++) {
          DeviceMessage m = seq % 5 == 0 ? Fixtures.status(d, seq, StatusEvent.ONLINE) : Fixtures.publish(d, seq);
          sent.add(m);
          stages.add(f.submit(m));
        }
      }
      for (Submission s : stages) {
        s.accepted().get(10, TimeUnit.SECONDS);
      }
      assertThat(f.stats().spool().pending()).isEqualTo(100);
      assertThat(f.stats().sink("queue").queued() + f.stats().sink("queue").inflight())
          .as("only the lane's buffer is in memory").isLessThanOrEqualTo(7);
    }
    for (Submission s : stages) {
      assertThatThrownBy(() -> s.completion().get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ForwardingException.class)
          .hasMessageContaining("stays in the spool");
    }
    assertThat(down.delivered()).isEmpty();
    return sent;
  }

  @Test
  @DisplayName("a restart replays what was left, per device in order, before the device's new messages")
  void replayAfterRestart() throws Exception {
    Path dir = tmp.resolve("spool");
    List<DeviceMessage> left = leaveBehind(dir);
    assertThat(segments(dir)).hasSizeGreaterThan(1);
    RecordingSink up = new RecordingSink("queue");
    List<DeviceMessage> expected = new ArrayList<>(left);
    try (Forwarder f = Forwarder.builder().route(up).spool(dir, options(SpoolOptions.Fsync.EVERY_WRITE)).build()) {
      assertThat(f.stats().spool().recovered()).isEqualTo(100);
      List<CompletableFuture<ForwardResult>> fresh = new ArrayList<>();
      for (int d = 0; d < 5; d++) {
        DeviceMessage m = Fixtures.publish(d, 20);
        expected.add(m);
        fresh.add(f.forward(m));
      }
      for (CompletableFuture<ForwardResult> c : fresh) {
        c.get(10, TimeUnit.SECONDS);
      }
      assertThat(f.flush(Duration.ofSeconds(10))).isTrue();
      SpoolStats s = f.stats().spool();
      assertThat(s.replayed()).isEqualTo(100);
      assertThat(s.completed()).isEqualTo(105);
      assertThat(s.pending()).isZero();
      assertThat(f.stats().balanced()).isTrue();
    }
    assertThat(up.received()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(seqsByDevice(up.received())).isEqualTo(seqsByDevice(expected));
    assertThat(segments(dir)).isEmpty();
  }

  @Test
  @DisplayName("a corrupt record in the middle is skipped and counted, a torn tail cut off; the rest is replayed")
  void damageFoundAtStart() throws Exception {
    Path dir = tmp.resolve("spool");
    List<DeviceMessage> left = leaveBehind(dir);
    List<Path> segs = segments(dir);
    // Damage the body of the second record of the first segment, and tear the end of the last.
    Path first = segs.get(0);
    List<SegmentReader.Record> records = new ArrayList<>();
    List<DeviceMessage> lost = new ArrayList<>();
    SegmentScanner.scan(first, r -> records.add(new SegmentReader.Record(r.seq(), r.offset(), r.end(), null)));
    SegmentReader.Record victim = records.get(1);
    lost.add(decode(first, victim));
    try (RandomAccessFile raf = new RandomAccessFile(first.toFile(), "rw")) {
      long at = victim.offset() + SpoolFormat.RECORD_HEADER_BYTES + 3;
      raf.seek(at);
      int b = raf.read();
      raf.seek(at);
      raf.write(b ^ 0x5a);
    }
    Path last = segs.get(segs.size() - 1);
    List<SegmentReader.Record> lastRecords = new ArrayList<>();
    SegmentScanner.scan(last, r -> lastRecords.add(new SegmentReader.Record(r.seq(), r.offset(), r.end(), null)));
    SegmentReader.Record torn = lastRecords.get(lastRecords.size() - 1);
    lost.add(decode(last, torn));
    try (RandomAccessFile raf = new RandomAccessFile(last.toFile(), "rw")) {
      raf.setLength(torn.end() - 5);
    }

    RecordingSink up = new RecordingSink("queue");
    try (Forwarder f = Forwarder.builder().route(up).spool(dir, options(SpoolOptions.Fsync.EVERY_WRITE)).build()) {
      SpoolStats s = f.stats().spool();
      assertThat(s.corruptSkipped()).isEqualTo(1);
      assertThat(s.tornTails()).isEqualTo(1);
      assertThat(s.recovered()).isEqualTo(98);
      assertThat(f.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(f.stats().spool().completed()).isEqualTo(98);
      assertThat(f.stats().balanced()).isTrue();
    }
    List<DeviceMessage> expected = new ArrayList<>(left);
    expected.removeAll(lost);
    assertThat(up.received()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(seqsByDevice(up.received())).isEqualTo(seqsByDevice(expected));
  }

  private static DeviceMessage decode(Path segment, SegmentReader.Record where) throws IOException {
    try (SegmentReader r = SegmentReader.open(segment)) {
      SegmentReader.Record rec = (SegmentReader.Record) r.next(where.offset(), r.size());
      return RecordCodec.decode(rec.seq(), rec.body(), rec.offset(), rec.end()).message();
    }
  }

  @Test
  @DisplayName("records name their sinks: a sink that is gone gets nothing, the others still do")
  void routesAreRecordedPerSink() throws Exception {
    Path dir = tmp.resolve("spool");
    FlakySink a = FlakySink.builder("a").build();
    FlakySink b = FlakySink.builder("b").build();
    a.pause();
    b.pause();
    Set<DeviceMessage> statuses = new HashSet<>();
    try (Forwarder f = Forwarder.builder().route(a).route(MessageFilter.statusOnly(), b)
        .spool(dir).closeTimeout(Duration.ZERO).build()) {
      for (int i = 0; i < 20; i++) {
        DeviceMessage m = i % 2 == 0 ? Fixtures.status(1, i, StatusEvent.ONLINE) : Fixtures.publish(1, i);
        if (m.isStatus()) {
          statuses.add(m);
        }
        f.submit(m).accepted().get(5, TimeUnit.SECONDS);
      }
    }
    RecordingSink onlyB = new RecordingSink("b");
    try (Forwarder f = Forwarder.builder().route(onlyB).spool(dir).build()) {
      assertThat(f.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(f.stats().spool().recovered()).isEqualTo(20);
      assertThat(f.stats().spool().dropped()).as("Publish routed only to the missing sink a").isEqualTo(10);
      assertThat(f.stats().balanced()).isTrue();
    }
    assertThat(onlyB.received()).containsExactlyInAnyOrderElementsOf(statuses);
  }
}
