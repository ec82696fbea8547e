package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.spi.BatchLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How a lane cuts a {@link dev.iotforwarder.spi.BatchSink}'s messages into batches: the count and
 * byte limits, linger, keys, order, and flush or close sending at once. Lingers are an hour long
 * wherever a test must not depend on timing, so that only a full batch, a flush or a close sends.
 */
class BatchLaneTest {
  private static final Duration FOREVER = Duration.ofHours(1);
  private static final Duration WAIT = Duration.ofSeconds(20);

  static Forwarder forwarder(RecordingBatchSink sink, LaneOptions options) {
    return Forwarder.builder().route(sink).laneDefaults(options).closeTimeout(WAIT).build();
  }

  static Forwarder forwarder(RecordingBatchSink sink) {
    return forwarder(sink, LaneOptions.DEFAULTS);
  }

  /** A Publish message of its own device (so that ordering never holds it back). */
  static DeviceMessage message(int device, long seq, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    java.util.Arrays.fill(payload, (byte) 'x');
    return DeviceMessage.publish("p", "d" + device, String.valueOf(device), "p/d" + device + "/t",
        seq, payload);
  }

  static List<Long> seqs(List<DeviceMessage> batch) {
    return batch.stream().map(DeviceMessage::seq).toList();
  }

  @Test
  @DisplayName("a batch leaves when it reaches maxCount; the rest lingers until a flush")
  void countLimit() {
    RecordingBatchSink sink = new RecordingBatchSink("batches", new BatchLimits(4, 1 << 20, FOREVER, 4));
    try (Forwarder f = forwarder(sink)) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        futures.add(f.forward(message(i, i, 10)));
      }
      Fixtures.await("two full batches", WAIT, () -> sink.batches().size() == 2);
      assertThat(futures.subList(8, 10)).noneMatch(CompletableFuture::isDone);
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(sink.batches()).extracting(BatchLaneTest::seqs)
          .containsExactly(List.of(0L, 1L, 2L, 3L), List.of(4L, 5L, 6L, 7L), List.of(8L, 9L));
      assertThat(futures).allMatch(fu -> fu.join().status() == ForwardResult.Status.DELIVERED);
      assertThat(f.stats().sink("batches").succeeded()).isEqualTo(10);
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("a batch holds about maxBytes of envelopes; a larger message goes alone")
  void byteLimit() {
    // Envelopes of about 4,150 bytes (3,000 payload bytes in Base64 plus the fields): two fit in
    // 10,000 bytes, three do not; the 30,000-byte message is larger than a batch on its own.
    RecordingBatchSink sink = new RecordingBatchSink("bytes", new BatchLimits(100, 10_000, FOREVER, 4));
    try (Forwarder f = forwarder(sink)) {
      int[] sizes = {3000, 3000, 30_000, 3000, 3000, 3000};
      for (int i = 0; i < sizes.length; i++) {
        f.forward(message(i, i, sizes[i]));
      }
      Fixtures.await("three batches", WAIT, () -> sink.batches().size() == 3);
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(sink.batches()).extracting(BatchLaneTest::seqs)
          .containsExactly(List.of(0L, 1L), List.of(2L), List.of(3L, 4L), List.of(5L));
    }
  }

  @Test
  @DisplayName("a batch that is not full leaves once its oldest message waited linger")
  void lingers() throws Exception {
    Duration linger = Duration.ofMillis(50);
    RecordingBatchSink sink = new RecordingBatchSink("linger", new BatchLimits(16, 1 << 20, linger, 1));
    try (Forwarder f = forwarder(sink)) {
      long start = System.nanoTime();
      ForwardResult r = f.forward(message(1, 1, 10)).get(20, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(sink.sizes()).containsExactly(1);
      assertThat(sink.sentAtNanos().get(0) - start).isGreaterThanOrEqualTo(linger.toNanos());
    }
  }

  @Test
  @DisplayName("with zero linger a message leaves at once, without a flush")
  void zeroLinger() throws Exception {
    RecordingBatchSink sink = new RecordingBatchSink("eager", new BatchLimits(16, 1 << 20, Duration.ZERO, 1));
    try (Forwarder f = forwarder(sink)) {
      assertThat(f.forward(message(1, 1, 10)).get(20, TimeUnit.SECONDS).status())
          .isEqualTo(ForwardResult.Status.DELIVERED);
    }
  }

  @Test
  @DisplayName("messages of different batch keys never share a batch; each key keeps its order")
  void keysAreSeparate() {
    RecordingBatchSink sink = new RecordingBatchSink(
        "keyed", new BatchLimits(5, 1 << 20, FOREVER, 8), m -> m.seq() % 3);
    try (Forwarder f = forwarder(sink)) {
      for (int i = 0; i < 40; i++) {
        f.forward(message(i, i, 10));
      }
      assertThat(f.flush(WAIT)).isTrue();
      Map<Long, List<Long>> byKey = new HashMap<>();
      for (List<DeviceMessage> batch : sink.batches()) {
        assertThat(batch).hasSizeLessThanOrEqualTo(5);
        assertThat(batch.stream().map(m -> m.seq() % 3).distinct()).hasSize(1);
        byKey.computeIfAbsent(batch.get(0).seq() % 3, k -> new ArrayList<>()).addAll(seqs(batch));
      }
      for (long k = 0; k < 3; k++) {
        List<Long> expected = new ArrayList<>();
        for (long s = k; s < 40; s += 3) {
          expected.add(s);
        }
        assertThat(byKey.get(k)).as("key %d", k).isEqualTo(expected);
      }
    }
  }

  @Test
  @DisplayName("close sends lingering batches at once and delivers them")
  void closeSendsAtOnce() {
    RecordingBatchSink sink = new RecordingBatchSink("closing", new BatchLimits(16, 1 << 20, FOREVER, 1));
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    Forwarder f = forwarder(sink);
    for (int i = 0; i < 3; i++) {
      futures.add(f.forward(message(i, i, 10)));
    }
    f.close();
    assertThat(sink.batches()).extracting(BatchLaneTest::seqs).containsExactly(List.of(0L, 1L, 2L));
    assertThat(futures).allMatch(fu -> fu.join().status() == ForwardResult.Status.DELIVERED);
    assertThat(f.stats().balanced()).isTrue();
  }

  @Test
  @DisplayName("an empty flush returns at once; a flush sends what lingers even under a long linger")
  void flush() {
    RecordingBatchSink sink = new RecordingBatchSink("flushing", new BatchLimits(16, 1 << 20, FOREVER, 1));
    try (Forwarder f = forwarder(sink)) {
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(sink.batches()).isEmpty();
      CompletableFuture<ForwardResult> first = f.forward(message(1, 1, 10));
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(first).isCompleted();
      assertThat(sink.sizes()).containsExactly(1);
    }
  }

  @Test
  @DisplayName("DROP_OLDEST drops the oldest message not yet in a batch, as for single sends")
  void dropOldest() {
    RecordingBatchSink sink = new RecordingBatchSink("dropping", new BatchLimits(100, 1 << 20, FOREVER, 1));
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq)
        .laneDefaults(LaneOptions.builder().maxMessages(4)
            .publishOverflow(OverflowPolicy.DROP_OLDEST).build()).build()) {
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        futures.add(f.forward(message(i, i, 10)));
      }
      Fixtures.await("the two oldest to be dropped", WAIT,
          () -> futures.get(0).isDone() && futures.get(1).isDone());
      assertThat(futures.get(0)).isCompletedExceptionally();
      assertThat(futures.get(1)).isCompletedExceptionally();
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(sink.batches()).extracting(BatchLaneTest::seqs).containsExactly(List.of(2L, 3L, 4L, 5L));
      assertThat(dlq.letters()).extracting(l -> l.message().seq()).containsExactly(0L, 1L);
      assertThat(f.stats().sink("dropping").dropped()).isEqualTo(2);
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("a sink that is not a BatchSink still takes one message at a time")
  void plainSinkUnchanged() {
    dev.iotforwarder.testing.RecordingSink plain = new dev.iotforwarder.testing.RecordingSink("plain");
    try (Forwarder f = Forwarder.builder().route(plain).build()) {
      for (int i = 0; i < 5; i++) {
        f.forward(message(i, i, 10));
      }
      assertThat(f.flush(WAIT)).isTrue();
      assertThat(plain.received()).extracting(DeviceMessage::seq).containsExactly(0L, 1L, 2L, 3L, 4L);
    }
  }
}
