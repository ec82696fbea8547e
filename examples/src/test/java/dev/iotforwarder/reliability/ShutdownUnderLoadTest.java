package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shutdown under load: {@code close()} while four threads keep forwarding and messages are in flight
 * to four sinks, each failing in its own way: a {@link FlakySink} failing 60 % of its sends with
 * latency, a {@link CmqSink} to a {@link LocalCmq} with 30 % HTTP 5xx and slow replies, a sink that
 * never completes a send, and a {@link CkafkaSink} whose broker is not there (its sends wait for
 * metadata that never comes). Repeated {@code reliability.shutdown.rounds} times.
 *
 * <p>Checked: {@code close()} returns (bounded); every future returned by {@code forward()}, before,
 * during or after the close, is complete once {@code close()} has returned and the callers have
 * stopped; every lane holds nothing and its counters balance; no {@code iot-forwarder} thread is
 * left.
 */
@ExtendWith(ReliabilityExtension.class)
class ShutdownUnderLoadTest {
  static final int ROUNDS = Integer.getInteger("reliability.shutdown.rounds", 3);
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  /** Takes every send and never completes it. */
  static final class StuckSink implements Sink {
    final AtomicLong sends = new AtomicLong();

    @Override
    public String name() {
      return "stuck";
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      sends.incrementAndGet();
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }

  @Test
  @DisplayName("close() while messages are in flight and the sinks are failing: it returns, every future completes, the lanes are empty and balanced, no thread is left")
  void closeUnderLoad() throws Exception {
    long start = System.nanoTime();
    long issuedTotal = 0;
    long deadLetteredTotal = 0;
    long maxHeap = 0;
    long longestClose = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Result r = round(round);
      issuedTotal += r.issued;
      deadLetteredTotal += r.deadLettered;
      maxHeap = Math.max(maxHeap, r.maxHeapMiB);
      longestClose = Math.max(longestClose, r.closeMillis);
    }
    Figures.report(new Figures.Row("Shutdown under load (" + ROUNDS + " rounds)", issuedTotal, 0, 0, "n/a",
        deadLetteredTotal, maxHeap, Duration.ofNanos(System.nanoTime() - start),
        "close() with 4 callers forwarding and 4 failing sinks (flaky 60 %, CMQ 30 % 5xx + slow, stuck, Kafka"
            + " unreachable): every future complete, lanes empty and balanced, no iot-forwarder thread left;"
            + " longest close " + longestClose + " ms (close timeout " + CLOSE_TIMEOUT.toMillis() + " ms)"));
  }

  private record Result(long issued, long deadLettered, long maxHeapMiB, long closeMillis) {}

  private Result round(int round) throws Exception {
    DeadLetters dlq = new DeadLetters();
    ConcurrentLinkedQueue<CompletableFuture<ForwardResult>> futures = new ConcurrentLinkedQueue<>();
    AtomicLong afterClose = new AtomicLong();
    AtomicLong afterCloseNotFailed = new AtomicLong();
    try (LocalCmq cmq = LocalCmq.builder().credentials(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY)
        .requestLogCapacity(0).start().createQueue("q");
        CmqClient cmqClient = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
            .credentials(CmqCredentials.of(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY, Secrets.STS_TOKEN)).build()) {
      cmq.faultRate(0.5, round, List.of("BatchSendMessage"), Fault.httpStatus(500), Fault.httpStatus(503),
          Fault.httpStatus(502), Fault.delay(Duration.ofMillis(300)), Fault.delay(Duration.ofSeconds(3)),
          Fault.drop());
      FlakySink flaky = FlakySink.builder("flaky").retriableFailureRate(0.6)
          .latency(Duration.ofMillis(1), Duration.ofMillis(40)).seed(round).build();
      CmqSink cmqSink = CmqSink.builder().name("cmq").client(cmqClient)
          .queue("q").closeTimeout(Duration.ofSeconds(1)).build();
      StuckSink stuck = new StuckSink();
      CkafkaSink kafka = CkafkaSink.builder().name("kafka-down").bootstrapServers("127.0.0.1:" + freePort())
          .topic("t").producerProperty("max.block.ms", 300).closeTimeout(Duration.ofSeconds(1)).build();
      LaneOptions lane = LaneOptions.builder().maxMessages(3_000).publishOverflow(OverflowPolicy.BLOCK)
          .statusOverflow(OverflowPolicy.BLOCK).blockTimeout(Duration.ofMillis(500)).sendTimeout(Duration.ofSeconds(2))
          .retryPolicy(RetryPolicy.builder().maxAttempts(50).initialBackoff(Duration.ofMillis(5))
              .maxBackoff(Duration.ofMillis(200)).build())
          .threads(2).build();
      Forwarder forwarder = Forwarder.builder()
          .route(flaky)
          .route(cmqSink)
          .route(MessageFilter.statusOnly(), stuck)
          .route(MessageFilter.of(m -> m.deviceName().endsWith("7")), kafka)
          .laneDefaults(lane).deadLetter(dlq).closeTimeout(CLOSE_TIMEOUT).build();
      LogCapture.scanToString(forwarder, cmqSink, kafka, flaky);

      Sampler sampler = new Sampler(50, () -> assertThat(forwarder.stats().balanced()).isTrue());
      long[] closedAt = {Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(1)};
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        Thread caller = new Thread(() -> {
          long seq = 0;
          long next = System.nanoTime();
          while (System.nanoTime() < closedAt[0] + TimeUnit.MILLISECONDS.toNanos(200)) {
            for (int i = 0; i < 10; i++) {
              int device = id * 250 + (int) (seq % 250);
              DeviceMessage m = seq % 7 == 0 ? Devices.status(device, seq) : Devices.publish(device, seq, 64);
              seq++;
              boolean closed = System.nanoTime() > closedAt[0];
              CompletableFuture<ForwardResult> f = forwarder.forward(m);
              futures.add(f);
              if (closed) {
                afterClose.incrementAndGet();
                if (!f.isCompletedExceptionally()) {
                  afterCloseNotFailed.incrementAndGet();
                }
              }
            }
            next += TimeUnit.MILLISECONDS.toNanos(5);
            Await.pace(next);
          }
        }, "reliability-caller-" + t);
        callers.add(caller);
        caller.start();
      }
      try {
        Await.until("messages in flight in every lane and the flaky sink retrying", Duration.ofSeconds(60), () -> {
          ForwarderStats s = forwarder.stats();
          return s.sinks().values().stream().allMatch(x -> x.inflight() > 0) && s.sink("flaky").retries() > 0
              && stuck.sends.get() > 0;
        });
      } catch (AssertionError e) {
        closedAt[0] = 0;
        forwarder.close();
        throw new AssertionError(e.getMessage() + ": " + forwarder.stats().sinks().values(), e);
      }
      ForwarderStats beforeClose = forwarder.stats();
      Thread closer = new Thread(forwarder::close, "reliability-closer");
      long closeStart = System.nanoTime();
      closer.start();
      closer.join(CLOSE_TIMEOUT.toMillis() + 60_000);
      long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart);
      assertThat(closer.isAlive()).as("close() returned").isFalse();
      closedAt[0] = System.nanoTime();
      for (Thread c : callers) {
        c.join(30_000);
        assertThat(c.isAlive()).as("caller %s stopped", c.getName()).isFalse();
      }
      sampler.close();

      List<CompletableFuture<ForwardResult>> pending = futures.stream().filter(f -> !f.isDone()).toList();
      assertThat(pending).as("futures still pending after close() returned (of %d)", futures.size()).isEmpty();
      long delivered = futures.stream().filter(f -> !f.isCompletedExceptionally()).count();
      futures.stream().filter(CompletableFuture::isCompletedExceptionally).limit(200)
          .forEach(f -> LogCapture.scan("forward failure", f.handle((v, e) -> e).join()));
      ForwarderStats after = forwarder.stats();
      for (SinkStats s : after.sinks().values()) {
        assertThat(s.balanced()).as("balanced after close: %s", s).isTrue();
        assertThat(s.queued() + s.inflight()).as("nothing held after close: %s", s).isZero();
      }
      assertThat(sampler.failures()).as("stats balanced in every snapshot").isEmpty();
      assertThat(afterClose.get()).as("forward() calls made after close() returned").isPositive();
      assertThat(afterCloseNotFailed.get()).as("forward() after close() returned a future not already failed").isZero();
      cmqClient.close(); // the host's: after the forwarder closed its sinks, before counting threads
      Await.until("no iot-forwarder thread left", Duration.ofSeconds(15), () -> Threads.library().isEmpty());
      assertThat(dlq.isClosed()).as("the dead-letter sink was closed").isTrue();
      System.out.printf("[shutdown] round %d: %d forwarded (%d after close), %d delivered to all their sinks, %d dead"
              + " letters, close took %d ms; before close: %s%n", round, futures.size(), afterClose.get(), delivered,
          dlq.count(), closeMillis, beforeClose.sinks().values());
      return new Result(futures.size(), dlq.count(), sampler.maxHeapMiB(), closeMillis);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
