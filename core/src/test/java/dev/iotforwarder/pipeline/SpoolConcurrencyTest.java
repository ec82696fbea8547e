package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.testing.FlakySink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 4 threads x 10k messages through a spool into a sink that fails 20 % of sends (retriable) and 1 %
 * for good, with a lane buffer of 64 so that the lane keeps falling behind the spool and catching up:
 * every message is delivered or dead-lettered, once, per device in order; the spool ends empty and
 * every counter balances.
 */
class SpoolConcurrencyTest {
  private static final int THREADS = 4;
  private static final int PER_THREAD = 10_000;
  private static final int DEVICES = 200;

  @TempDir Path tmp;

  @Test
  void everyMessageIsDeliveredOrDeadLetteredInOrderThroughTheSpool() throws Exception {
    FlakySink sink = FlakySink.builder("flaky")
        .retriableFailureRate(0.20).permanentFailureRate(0.01).seed(11).build();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(8)
        .initialBackoff(Duration.ofNanos(10_000)).maxBackoff(Duration.ofMillis(1)).build();
    Map<String, List<Long>> sentByDevice = new HashMap<>();
    ConcurrentLinkedQueue<CompletableFuture<ForwardResult>> futures = new ConcurrentLinkedQueue<>();
    try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq)
        .spool(tmp.resolve("spool"), SpoolOptions.builder()
            .segmentBytes(64 * 1024).maxDiskBytes(256L * 1024 * 1024).fsyncNever().build())
        .laneDefaults(LaneOptions.builder().maxMessages(64).retryPolicy(retry).threads(2).build())
        .build()) {
      List<Thread> producers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        List<DeviceMessage> mine = new ArrayList<>();
        for (int i = 0; i < PER_THREAD; i++) {
          int device = thread + THREADS * (i % (DEVICES / THREADS));
          long seq = (long) thread * PER_THREAD + i;
          mine.add(i % 17 == 0 ? Fixtures.status(device, seq, StatusEvent.ONLINE)
              : Fixtures.publish(device, seq));
        }
        for (DeviceMessage m : mine) {
          sentByDevice.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
        }
        producers.add(new Thread(() -> mine.forEach(m -> futures.add(f.forward(m)))));
      }
      producers.forEach(Thread::start);
      for (Thread p : producers) {
        p.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(p.isAlive()).isFalse();
      }
      CompletableFuture.allOf(futures.stream().map(c -> c.exceptionally(e -> null))
          .toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      ForwarderStats stats = f.stats();
      assertThat(stats.balanced()).isTrue();
      assertThat(stats.spool().spooled()).isEqualTo(THREADS * PER_THREAD);
      assertThat(stats.spool().completed()).isEqualTo(THREADS * PER_THREAD);
      assertThat(stats.spool().pending()).isZero();
      assertThat(stats.spool().segments()).isEqualTo(1);
      assertThat(stats.sink("flaky").succeeded() + stats.sink("flaky").failed())
          .isEqualTo(THREADS * PER_THREAD);
    }
    List<DeviceMessage> delivered = sink.delivered();
    List<DeadLetter> letters = dlq.letters();
    assertThat(delivered.size() + letters.size()).isEqualTo(THREADS * PER_THREAD);
    Set<String> seen = new HashSet<>();
    for (DeviceMessage m : delivered) {
      assertThat(seen.add(m.deviceKey() + "#" + m.seq())).as("delivered once").isTrue();
    }
    for (DeadLetter l : letters) {
      assertThat(seen.add(l.message().deviceKey() + "#" + l.message().seq())).as("once").isTrue();
    }
    Map<String, List<Long>> deliveredByDevice = SpoolTest.seqsByDevice(delivered);
    deliveredByDevice.forEach((device, seqs) -> {
      List<Long> expected = new ArrayList<>(sentByDevice.get(device));
      expected.retainAll(new HashSet<>(seqs));
      assertThat(seqs).as("device %s in forward() order", device).isEqualTo(expected);
    });
  }
}
