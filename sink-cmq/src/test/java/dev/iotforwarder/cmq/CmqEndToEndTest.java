package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.testing.RecordingSink;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * End to end through LocalCmq: a {@link Forwarder} with a {@link CmqSink} in front, a {@link
 * CmqReceiver} behind. Prints requests/s and messages/s of the 50k runs (nothing asserts durations).
 */
class CmqEndToEndTest {
  static final int DEVICES = 500;
  static final int PER_DEVICE = 100;
  static final int TOTAL = DEVICES * PER_DEVICE;

  private LocalCmq cmq;
  private CmqClient client;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void start() {
    cmq = LocalCmq.builder().requestLogCapacity(0).start();
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
    closeables.add(client); // closed last: after the sinks and receivers that use it
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    cmq.close();
  }

  private <T extends AutoCloseable> T closeLater(T t) {
    closeables.add(t);
    return t;
  }

  private CmqSink.Builder sink() {
    return CmqSink.builder().client(client).linger(Duration.ofMillis(2));
  }

  private Forwarder forwarder(CmqSink sink, RetryPolicy retry, RecordingSink deadLetters) {
    var b = Forwarder.builder().route(sink)
        .laneDefaults(LaneOptions.builder().retryPolicy(retry).threads(2).build());
    if (deadLetters != null) {
      b.deadLetter(deadLetters);
    }
    return closeLater(b.build());
  }

  /** Device {@code d}'s message {@code seq}: payload of 40 to 160 bytes that depends on both. */
  static DeviceMessage message(String product, int device, int seq) {
    byte[] payload = new byte[40 + (device * 7 + seq * 13) % 121];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (device * 31 + seq * 17 + i);
    }
    return DeviceMessage.publish(product, "dev-" + device, Long.toString(144115205259838664L + device),
        product + "/dev-" + device + "/data", seq, payload);
  }

  /** All messages, device by device interleaved: seq 0 of every device, then seq 1, ... */
  static List<DeviceMessage> interleaved() {
    List<DeviceMessage> all = new ArrayList<>(TOTAL);
    for (int seq = 0; seq < PER_DEVICE; seq++) {
      for (int d = 0; d < DEVICES; d++) {
        all.add(message("iot-product", d, seq));
      }
    }
    return all;
  }

  /** What the receiver saw: per device, the seqs in arrival order, and every body's bytes. */
  static final class ReadBack {
    final Map<String, List<Long>> seqsByDevice = new ConcurrentHashMap<>();
    final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
    final CountDownLatch distinct;
    final AtomicBoolean duplicateBody = new AtomicBoolean();

    ReadBack(int expected) {
      distinct = new CountDownLatch(expected);
    }

    void add(DeviceMessage m, CmqMessage raw) {
      seqsByDevice.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      byte[] body = raw.body().getBytes(StandardCharsets.UTF_8);
      if (bodies.putIfAbsent(m.deviceKey() + "#" + m.seq(), body) == null) {
        distinct.countDown();
      } else {
        duplicateBody.set(true);
      }
    }
  }

  private ReadBack readBack(String queue, int expected) throws Exception {
    ReadBack rb = new ReadBack(expected);
    CmqReceiver receiver = closeLater(CmqReceiver.builder().client(client)
        .queue(queue).pollingWait(Duration.ofSeconds(1)).handler(rb::add).build());
    receiver.start();
    assertThat(rb.distinct.await(120, TimeUnit.SECONDS)).as("all messages read back from " + queue).isTrue();
    Await.until("queue " + queue + " drained", Duration.ofSeconds(60), () -> cmq.depth(queue) == 0);
    receiver.close();
    return rb;
  }

  private static void assertExactlyOnceInOrder(ReadBack rb, List<DeviceMessage> expected) {
    Map<String, List<Long>> want = new HashMap<>();
    for (DeviceMessage m : expected) {
      want.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      byte[] body = rb.bodies.get(m.deviceKey() + "#" + m.seq());
      assertThat(body).as("body of " + m.deviceKey() + " seq " + m.seq()).isNotNull();
      if (!Arrays.equals(body, EnvelopeCodec.standard().encode(m))) {
        throw new AssertionError("body of " + m.deviceKey() + " seq " + m.seq() + " differs from its envelope");
      }
    }
    assertThat(rb.bodies).as("no message that was not sent").hasSize(expected.size());
    for (Map.Entry<String, List<Long>> e : want.entrySet()) {
      assertThat(rb.seqsByDevice.get(e.getKey())).as("order of " + e.getKey()).containsExactlyElementsOf(e.getValue());
    }
    assertThat(rb.duplicateBody).isFalse();
  }

  private void run50k(String label, RetryPolicy retry) throws Exception {
    cmq.createQueue("e2e");
    CmqSink sink = sink().queue("e2e").build();
    Forwarder forwarder = forwarder(sink, retry, null);
    List<DeviceMessage> all = interleaved();
    List<CompletableFuture<ForwardResult>> futures = new ArrayList<>(TOTAL);
    long start = System.nanoTime();
    for (DeviceMessage m : all) {
      futures.add(forwarder.forward(m));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    long nanos = System.nanoTime() - start;
    for (CompletableFuture<ForwardResult> f : futures) {
      assertThat(f.get().status()).isEqualTo(ForwardResult.Status.DELIVERED);
    }
    long requests = cmq.requestCount("BatchSendMessage");
    double seconds = nanos / 1e9;
    System.out.printf("[%s] %d messages from %d devices in %.2f s: %d BatchSendMessage requests "
            + "(%d faults injected), %.0f requests/s, %.0f msg/s%n",
        label, TOTAL, DEVICES, seconds, requests, cmq.faultsInjected(), requests / seconds, TOTAL / seconds);
    assertThat(cmq.storedCount("e2e")).as("stored exactly once each").isEqualTo(TOTAL);
    assertThat(cmq.signatureFailures()).as("every retry signed anew").isZero();
    assertThat(forwarder.stats().balanced()).isTrue();

    long readStart = System.nanoTime();
    ReadBack rb = readBack("e2e", TOTAL);
    System.out.printf("[%s] read back and deleted %d messages with CmqReceiver in %.2f s%n",
        label, TOTAL, (System.nanoTime() - readStart) / 1e9);
    assertExactlyOnceInOrder(rb, all);
  }

  @Test
  @DisplayName("50k messages from 500 devices through a Forwarder: none lost, per-device order, bodies byte for byte")
  void fiftyThousand() throws Exception {
    run50k("plain", RetryPolicy.DEFAULT);
    assertThat(cmq.faultsInjected()).isZero();
  }

  @Test
  @DisplayName("the same with 30 % of the send requests failing retriably: the forwarder retries, nothing is lost")
  void fiftyThousandWithFaults() throws Exception {
    cmq.faultRate(0.3, 20261126L, List.of("BatchSendMessage"),
        Fault.error(4420), Fault.error(6000), Fault.error(4410), Fault.error(4480), Fault.error(6070),
        Fault.httpStatus(503), Fault.drop());
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(100).initialBackoff(Duration.ofMillis(5))
        .maxBackoff(Duration.ofMillis(100)).maxElapsed(Duration.ofMinutes(2)).build();
    run50k("30% faults", retry);
    assertThat(cmq.faultsInjected()).isGreaterThan(TOTAL / 16 / 5);
  }

  @Test
  @DisplayName("topic mode: tags by message type and routing keys by device fan out into two subscribed queues")
  void topicMode() throws Exception {
    cmq.createQueue("status-q").createQueue("prod-a-q").createTopic("events");
    cmq.subscribe("events", "status-q", List.of("Status"), List.of());
    cmq.subscribe("events", "prod-a-q", List.of(), List.of("prodA.*"));
    CmqSink sink = sink().topic("events").msgTags(CmqSink.tagByMsgType())
        .routingKey(CmqSink.routingKeyByDevice()).build();
    RecordingSink deadLetters = new RecordingSink("dead-letters");
    Forwarder forwarder = forwarder(sink, RetryPolicy.DEFAULT, deadLetters);

    List<DeviceMessage> sent = new ArrayList<>();
    for (int seq = 0; seq < 30; seq++) {
      for (int d = 0; d < 20; d++) {
        String product = d % 2 == 0 ? "prodA" : "prodB";
        sent.add(seq % 3 == 0
            ? DeviceMessage.status(product, "dev-" + d, Integer.toString(d), seq % 2 == 0 ? "Online" : "Offline", seq)
            : message(product, d, seq));
      }
    }
    // Publish messages of prodB match no subscription; everything else reaches one or both queues.
    List<DeviceMessage> routable = sent.stream().filter(m -> m.isStatus() || m.productName().equals("prodA")).toList();
    List<DeviceMessage> unroutable = sent.stream().filter(m -> !m.isStatus() && m.productName().equals("prodB")).toList();
    List<CompletableFuture<ForwardResult>> futures = sent.stream().map(forwarder::forward).toList();
    for (int i = 0; i < sent.size(); i++) {
      DeviceMessage m = sent.get(i);
      if (routable.contains(m)) {
        assertThat(futures.get(i).get(60, TimeUnit.SECONDS).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      } else {
        try {
          futures.get(i).get(60, TimeUnit.SECONDS);
          throw new AssertionError("an unroutable message was delivered: " + m);
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(PermanentForwardingException.class);
          Throwable cause = e.getCause();
          while (cause != null && !(cause instanceof CmqException)) {
            cause = cause.getCause();
          }
          assertThat(cause).as("the CmqException in the cause chain").isInstanceOf(CmqException.class);
          assertThat(((CmqException) cause).code()).isEqualTo(6030);
        }
      }
    }
    assertThat(deadLetters.received()).containsExactlyInAnyOrderElementsOf(unroutable);

    List<DeviceMessage> statuses = sent.stream().filter(DeviceMessage::isStatus).toList();
    List<DeviceMessage> prodA = sent.stream().filter(m -> m.productName().equals("prodA")).toList();
    assertExactlyOnceInOrder(readBack("status-q", statuses.size()), statuses);
    assertExactlyOnceInOrder(readBack("prod-a-q", prodA.size()), prodA);
  }
}
