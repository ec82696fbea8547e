package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqMessage;
import dev.iotforwarder.cmq.CmqReceiver;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CMQ faults through {@link LocalCmq}: a {@link Forwarder} in front of a {@link CmqSink} (with an STS
 * token), retried with backoff and jitter; permanent errors dead-lettered; the receiver's partial
 * deletes.
 */
@ExtendWith(ReliabilityExtension.class)
class CmqFaultsTest {
  static final int DEVICES = 1_000;
  static final int PER_DEVICE = Integer.getInteger("reliability.cmq.messagesPerDevice", 20);
  static final int BURST = 25;
  static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
  static final RetryPolicy RETRY = RetryPolicy.builder().maxAttempts(30).initialBackoff(Duration.ofMillis(20))
      .maxBackoff(Duration.ofSeconds(1)).multiplier(2).jitter(0.5).maxElapsed(Duration.ofMinutes(5)).build();

  private final CmqCredentials credentials =
      CmqCredentials.of(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY, Secrets.STS_TOKEN);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private LocalCmq cmq;
  private CmqClient client;

  @BeforeEach
  void start() {
    cmq = LocalCmq.builder().credentials(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY)
        .maxMsgSize(4096).requestLogCapacity(20_000).start();
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url())).credentials(credentials)
        .timeouts(Duration.ofSeconds(2), READ_TIMEOUT, Duration.ofSeconds(2)).build();
    LogCapture.scanToString(credentials, client);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    client.close();
    cmq.close();
  }

  private <T extends AutoCloseable> T closeLater(T t) {
    closeables.add(t);
    return t;
  }

  /** Records every retry: per message its count, per retry number the backoffs chosen. */
  static final class Retries implements ForwarderListener {
    final Map<String, AtomicInteger> perMessage = new ConcurrentHashMap<>();
    final Map<Integer, ConcurrentLinkedQueue<Duration>> backoffs = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> byError = new ConcurrentHashMap<>();
    final AtomicLong total = new AtomicLong();

    @Override
    public void onRetry(DeviceMessage m, String sink, int attempt, Throwable error, Duration backoff) {
      total.incrementAndGet();
      perMessage.computeIfAbsent(sink + "/" + m.deviceKey() + "#" + m.seq(), k -> new AtomicInteger()).incrementAndGet();
      backoffs.computeIfAbsent(attempt, k -> new ConcurrentLinkedQueue<>()).add(backoff);
      String kind = String.valueOf(error.getMessage());
      kind = kind.contains("HTTP 5") ? "HTTP 5xx" : kind.contains("timeout") ? "timeout"
          : kind.contains("code 4420") ? "4420" : kind.contains("code 6000") ? "6000" : "other: " + kind;
      byError.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
      LogCapture.scan("retry error", error);
    }
  }

  @Test
  @DisplayName("30 % HTTP 5xx, 10 % timeouts, bursts of 4420 and 6000: nothing lost, retries bounded and jittered, every retry signed anew")
  void transientFaults() throws Exception {
    long start = System.nanoTime();
    cmq.createQueue("telemetry");
    cmq.faultRate(0.40, 20261202L, List.of("BatchSendMessage"),
        Fault.httpStatus(500), Fault.httpStatus(502), Fault.httpStatus(503),
        Fault.delay(READ_TIMEOUT.plusMillis(500)));
    CmqSink sink = CmqSink.builder().name("cmq").client(client).queue("telemetry")
        .linger(Duration.ofMillis(2)).maxInFlight(32).build();
    Retries retries = new Retries();
    DeadLetters dlq = new DeadLetters();
    Forwarder forwarder = closeLater(Forwarder.builder().route(sink).deadLetter(dlq).listener(retries)
        .laneDefaults(LaneOptions.builder().retryPolicy(RETRY).threads(2).build()).build());
    LogCapture.scanToString(sink, forwarder);

    int total = DEVICES * PER_DEVICE;
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>(total);
    List<DeviceMessage> sent = new ArrayList<>(total);
    long heap = 0;
    for (int seq = 0; seq < PER_DEVICE; seq++) {
      for (int d = 0; d < DEVICES; d++) {
        int i = seq * DEVICES + d;
        if (i == total / 3) {
          cmq.injectFaults(List.of("BatchSendMessage"), repeat(Fault.error(4420), BURST));
        }
        if (i == 2 * total / 3) {
          Await.until("the 4420 burst was served", Duration.ofSeconds(60), () -> cmq.replyCount(4420) >= BURST);
          cmq.injectFaults(List.of("BatchSendMessage"), repeat(Fault.error(6000), BURST));
        }
        DeviceMessage m = (d + seq) % 5 == 0 ? Devices.status(d, seq) : Devices.publish(d, seq, 120);
        sent.add(m);
        futures.add(forwarder.forward(m));
      }
      heap = Math.max(heap, Sampler.heapUsed());
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
        .get(5, TimeUnit.MINUTES);
    heap = Math.max(heap, Sampler.heapUsed());
    List<Throwable> failed = new ArrayList<>();
    for (CompletableFuture<ForwardResult> f : futures) {
      f.handle((r, e) -> e == null ? null : failed.add(e)).join();
    }
    failed.forEach(e -> LogCapture.scan("forward failure", e));
    SinkStats stats = forwarder.stats().sink("cmq");

    // What the queue holds: every message at least once, first copies in per-device order.
    List<String> bodies = cmq.bodies("telemetry");
    Map<String, List<Long>> firstOrder = new HashMap<>();
    Set<String> unique = new HashSet<>();
    for (String body : bodies) {
      DeviceMessage m = EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8));
      if (unique.add(m.deviceKey() + "#" + m.seq())) {
        firstOrder.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      }
    }
    long lost = sent.stream().filter(m -> !unique.contains(m.deviceKey() + "#" + m.seq())).count();
    long duplicates = bodies.size() - unique.size();
    int maxRetriesOfOne = retries.perMessage.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);

    Figures.report(new Figures.Row("CMQ transient faults", total, lost, duplicates,
        stats.retries() + " (max " + maxRetriesOfOne + " for one message)", dlq.count(),
        heap >> 20, Duration.ofNanos(System.nanoTime() - start),
        cmq.faultsInjected() + " faults injected into " + cmq.requestCount("BatchSendMessage")
            + " BatchSendMessage requests; retries by cause " + new TreeMap<>(retries.byError)
            + "; duplicates come from timed-out requests the server stored anyway (at-least-once)"));

    assertThat(failed).as("every forward() completed as delivered").isEmpty();
    assertThat(lost).as("messages not in the queue").isZero();
    assertThat(dlq.count()).as("nothing dead-lettered").isZero();
    assertThat(unique).hasSize(total);
    firstOrder.forEach((device, seqs) -> assertThat(seqs).as("first copies of %s in order", device).isSorted());
    assertThat(cmq.replyCount(4420)).as("the 4420 burst was served").isGreaterThanOrEqualTo(BURST);
    assertThat(cmq.replyCount(6000)).as("the 6000 burst was served").isGreaterThanOrEqualTo(BURST);
    assertThat(retries.byError.keySet()).as("every kind of fault led to retries")
        .contains("HTTP 5xx", "timeout", "4420", "6000").allMatch(k -> !k.startsWith("other"));
    assertThat(cmq.signatureFailures()).as("every retry was a new request with a fresh nonce and signature").isZero();

    // Bounded: no message used more than maxAttempts, and every retry is counted once.
    assertThat(maxRetriesOfOne).as("retries of one message").isLessThan(RETRY.maxAttempts());
    assertThat(retries.total.get()).isEqualTo(stats.retries());
    // Jittered: the waits before retry n vary, within [(1 - jitter) * base, base].
    for (Map.Entry<Integer, ConcurrentLinkedQueue<Duration>> e : new TreeMap<>(retries.backoffs).entrySet()) {
      long base = Math.min(RETRY.maxBackoff().toNanos(),
          (long) (RETRY.initialBackoff().toNanos() * Math.pow(RETRY.multiplier(), e.getKey() - 1)));
      Set<Long> distinct = new TreeSet<>();
      for (Duration b : e.getValue()) {
        assertThat(b.toNanos()).as("backoff before retry %d", e.getKey())
            .isBetween((long) (base * (1 - RETRY.jitter())) - 1, base);
        distinct.add(b.toNanos());
      }
      if (e.getValue().size() >= 5) {
        assertThat(distinct.size()).as("backoffs before retry %d vary (jitter)", e.getKey()).isGreaterThan(1);
      }
    }
    assertThat(retries.backoffs.get(1)).as("first retries").hasSizeGreaterThan(100);
    assertThat(stats.balanced()).isTrue();

    receiveOnce(total, duplicates);
  }

  /** The same queue read back by a CmqReceiver with deduplication on: each message handled once. */
  private void receiveOnce(int total, long duplicatesInQueue) {
    long start = System.nanoTime();
    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    CmqReceiver receiver = closeLater(CmqReceiver.builder().client(client).queue("telemetry")
        .pollingWait(Duration.ofSeconds(1)).deduplicate(1024, DEVICES)
        .handler((DeviceMessage m, CmqMessage raw) ->
            handled.computeIfAbsent(m.deviceKey() + "#" + m.seq(), k -> new AtomicInteger()).incrementAndGet())
        .build().start());
    Await.until("the queue read and emptied", Duration.ofMinutes(2), () -> cmq.depth("telemetry") == 0);
    receiver.close();
    long handledTwice = handled.values().stream().filter(n -> n.get() > 1).count();
    Figures.report(new Figures.Row("CMQ transient faults, read back with CmqReceiver deduplication",
        total + duplicatesInQueue, total - handled.size(), handledTwice, "0", 0, Sampler.heapUsed() >> 20,
        Duration.ofNanos(System.nanoTime() - start), duplicatesInQueue + " duplicates in the queue at the forwarder's end, "
            + receiver.duplicateCount() + " copies deleted without calling the handler; none handed to it twice"));
    assertThat(handled).as("every message handled").hasSize(total);
    assertThat(handledTwice).as("messages handed to the handler twice").isZero();
    // A request that timed out may be stored after the snapshot above: the receiver can meet more copies.
    assertThat(receiver.duplicateCount()).as("copies deleted unhandled")
        .isEqualTo(receiver.handledCount() - total).isGreaterThanOrEqualTo(duplicatesInQueue);
  }

  @Test
  @DisplayName("permanent errors (4440 queue missing, 4400 message too large) are dead-lettered with the reason after one attempt, never retried")
  void permanentErrors() throws Exception {
    long start = System.nanoTime();
    cmq.createQueue("sized");
    CmqSink missing = CmqSink.builder().name("cmq-missing").client(client).queue("missing").build();
    CmqSink sized = CmqSink.builder().name("cmq-sized").client(client).queue("sized").build();
    Retries retries = new Retries();
    DeadLetters dlq = new DeadLetters();
    Forwarder forwarder = closeLater(Forwarder.builder()
        .route(MessageFilter.of(m -> m.deviceName().startsWith("missing")), missing)
        .route(MessageFilter.of(m -> m.deviceName().startsWith("sized")), sized)
        .deadLetter(dlq).listener(retries)
        .laneDefaults(LaneOptions.builder().retryPolicy(RETRY).build()).build());
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
    List<DeviceMessage> tooLarge = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      futures.add(forwarder.forward(i % 4 == 0
          ? DeviceMessage.status("P", "missing-" + i, "1", "Online", i)
          : DeviceMessage.publish("P", "missing-" + i, "1", "P/missing/data", i, new byte[100])));
    }
    for (int i = 0; i < 40; i++) {
      boolean big = i % 10 == 3;
      DeviceMessage m = DeviceMessage.publish("P", "sized-" + (i % 8), "2", "P/sized/data", i,
          new byte[big ? 3_500 : 200]);
      if (big) {
        tooLarge.add(m);
      }
      futures.add(forwarder.forward(m));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
        .get(2, TimeUnit.MINUTES);
    long failed = futures.stream().filter(CompletableFuture::isCompletedExceptionally).count();
    List<DeadLetter> letters = dlq.letters();
    SinkStats m = forwarder.stats().sink("cmq-missing");
    SinkStats s = forwarder.stats().sink("cmq-sized");
    Set<String> stored = new HashSet<>();
    for (String body : cmq.bodies("sized")) {
      DeviceMessage d = EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8));
      stored.add(d.deviceKey() + "#" + d.seq());
    }
    Figures.report(new Figures.Row("CMQ permanent errors (4440, 4400)", futures.size(), 80 - stored.size() - letters.size(),
        0, Long.toString(m.retries() + s.retries()), letters.size(), Sampler.heapUsed() >> 20,
        Duration.ofNanos(System.nanoTime() - start),
        "40 to a missing queue (4440) and 4 over the queue's 4 KiB maxMsgSize (4400): dead-lettered after 1 attempt"
            + " with the code in the reason; " + cmq.requestCount("BatchSendMessage") + " requests, "
            + sized.splitCount() + " batch splits; the other 36 delivered"));

    assertThat(retries.total.get()).as("permanent errors are not retried").isZero();
    assertThat(m.retries() + s.retries()).isZero();
    assertThat(failed).isEqualTo(44);
    assertThat(letters).hasSize(44).allSatisfy(l -> {
      assertThat(l.attempts()).as("one attempt").isEqualTo(1);
      assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class);
    });
    assertThat(letters.stream().filter(l -> l.sinkName().equals("cmq-missing")))
        .hasSize(40).allSatisfy(l -> assertThat(l.reasonText()).contains("4440"));
    assertThat(letters.stream().filter(l -> l.sinkName().equals("cmq-sized")))
        .extracting(DeadLetter::message).containsExactlyInAnyOrderElementsOf(tooLarge);
    assertThat(letters.stream().filter(l -> l.sinkName().equals("cmq-sized")))
        .allSatisfy(l -> assertThat(l.reasonText()).contains("4400"));
    assertThat(cmq.replyCount(4440)).as("one request per batch to the missing queue, none repeated")
        .isEqualTo(cmq.requests().stream().filter(r -> "missing".equals(r.params().get("queueName"))).count());
    assertThat(stored).hasSize(36);
    assertThat(m.balanced() && s.balanced()).isTrue();
  }

  @Test
  @DisplayName("receiver: a partly failed BatchDeleteMessage (6010) is retried for the failed handles only; a non-retriable handle code is not retried and the message comes back")
  void partialDeletes() throws Exception {
    long start = System.nanoTime();
    cmq.createQueue("inbox", Duration.ofSeconds(2));
    List<DeviceMessage> messages = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      messages.add(Devices.publish(i % 4, i, 50));
    }
    for (int b = 0; b < 2; b++) {
      List<String> bodies = new ArrayList<>();
      for (DeviceMessage m : messages.subList(b * 16, b * 16 + 16)) {
        bodies.add(new String(EnvelopeCodec.standard().encode(m), StandardCharsets.UTF_8));
      }
      client.batchSendMessage("inbox", bodies, 0).get(10, TimeUnit.SECONDS);
    }
    cmq.clearRequests();
    // The first delete: 5 handles fail with 6000 (retriable). The second: 3 fail with 4430 (not).
    cmq.injectFaults(List.of("BatchDeleteMessage"), Fault.deleteFailures(5, 6000), Fault.deleteFailures(3, 4430));
    ConcurrentLinkedQueue<String> handled = new ConcurrentLinkedQueue<>();
    CmqReceiver receiver = closeLater(CmqReceiver.builder().client(client).queue("inbox")
        .pollingWait(Duration.ofSeconds(1)).batchSize(16).deleteRetries(3)
        .handler((DeviceMessage m, CmqMessage raw) -> handled.add(m.deviceKey() + "#" + m.seq())).build());
    LogCapture.scanToString(receiver);
    receiver.start();
    Await.until("every message handled and the queue empty", Duration.ofSeconds(60),
        () -> cmq.depth("inbox") == 0 && receiver.deletedCount() >= 32);
    receiver.close();

    List<List<String>> deletes = new ArrayList<>();
    for (LocalCmq.RecordedRequest r : cmq.requests()) {
      if ("BatchDeleteMessage".equals(r.action())) {
        List<String> handles = new ArrayList<>();
        for (int i = 1; r.params().containsKey("receiptHandle." + i); i++) {
          handles.add(r.params().get("receiptHandle." + i));
        }
        deletes.add(handles);
      }
    }
    Figures.report(new Figures.Row("CMQ receiver partial deletes (6010)", 32, 32 - new HashSet<>(handled).size(),
        handled.size() - new HashSet<>(handled).size(), Long.toString(deletes.size() - 3L), 0,
        Sampler.heapUsed() >> 20, Duration.ofNanos(System.nanoTime() - start),
        "BatchDeleteMessage requests carried " + deletes.stream().map(List::size).toList()
            + " handles: the retry only the 5 that failed with 6000; the 3 that failed with 4430 were not retried,"
            + " came back after the visibility timeout and were handled and deleted again"));

    assertThat(deletes.size()).as("deletes: 16, retry of 5, 16 (3 fail with 4430), then the 3 redelivered")
        .isGreaterThanOrEqualTo(4);
    assertThat(deletes.get(0)).hasSize(16);
    assertThat(deletes.get(1)).as("the retry carries exactly the 5 handles that failed with 6000")
        .containsExactlyElementsOf(deletes.get(0).subList(0, 5));
    assertThat(deletes.get(2)).hasSize(16);
    Set<String> notRetried = new HashSet<>(deletes.get(2).subList(0, 3));
    for (List<String> later : deletes.subList(3, deletes.size())) {
      assertThat(later).as("the handles that failed with 4430 are not sent again").doesNotContainAnyElementsOf(notRetried);
    }
    assertThat(new HashSet<>(handled)).hasSize(32);
    assertThat(handled).as("only the 3 messages whose delete failed permanently were handled twice").hasSize(35);
    assertThat(receiver.deleteFailureCount()).isEqualTo(3);
    assertThat(cmq.deletedCount("inbox")).isEqualTo(32);
  }

  private static Fault[] repeat(Fault f, int n) {
    Fault[] out = new Fault[n];
    java.util.Arrays.fill(out, f);
    return out;
  }
}
