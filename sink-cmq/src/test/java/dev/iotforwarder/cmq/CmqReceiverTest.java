package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CmqReceiverTest {
  private LocalCmq cmq;
  private CmqClient client;
  private final List<CmqReceiver> receivers = new ArrayList<>();

  @BeforeEach
  void start() {
    cmq = LocalCmq.start().createQueue("q").createQueue("short", Duration.ofMillis(300));
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
  }

  @AfterEach
  void stop() {
    receivers.forEach(CmqReceiver::close);
    client.close();
    cmq.close();
  }

  private CmqReceiver receiver(String queue, CmqReceiver.Handler handler) {
    CmqReceiver r = CmqReceiver.builder().client(client).queue(queue).handler(handler)
        .pollingWait(Duration.ofSeconds(1)).maxBackoff(Duration.ofMillis(200)).build();
    receivers.add(r);
    return r.start();
  }

  private List<DeviceMessage> sendMessages(String queue, int n) throws Exception {
    List<DeviceMessage> ms = new ArrayList<>();
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DeviceMessage m = CmqSinkTest.msg("dev" + (i % 3), i);
      ms.add(m);
      bodies.add(new String(EnvelopeCodec.standard().encode(m), StandardCharsets.UTF_8));
      if (bodies.size() == 16 || i == n - 1) {
        client.batchSendMessage(queue, bodies, 0).get(10, TimeUnit.SECONDS);
        bodies = new ArrayList<>();
      }
    }
    return ms;
  }

  private List<List<String>> deleteRequests() {
    List<List<String>> out = new ArrayList<>();
    for (LocalCmq.RecordedRequest r : cmq.requests()) {
      if ("BatchDeleteMessage".equals(r.action())) {
        List<String> handles = new ArrayList<>();
        for (int i = 1; r.params().containsKey("receiptHandle." + i); i++) {
          handles.add(r.params().get("receiptHandle." + i));
        }
        out.add(handles);
      }
    }
    return out;
  }

  @Test
  @DisplayName("hands every message, decoded, to the handler in queue order, then deletes it")
  void receivesAndDeletes() throws Exception {
    List<DeviceMessage> sent = sendMessages("q", 40);
    List<DeviceMessage> got = new CopyOnWriteArrayList<>();
    CountDownLatch all = new CountDownLatch(40);
    CmqReceiver r = receiver("q", (m, raw) -> {
      assertThat(raw.receiptHandle()).isNotBlank();
      got.add(m);
      all.countDown();
    });
    assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
    Await.until("queue empty", () -> cmq.depth("q") == 0);
    assertThat(got).containsExactlyElementsOf(sent);
    assertThat(r.receivedCount()).isEqualTo(40);
    assertThat(r.handledCount()).isEqualTo(40);
    Await.until("deleted counted", () -> r.deletedCount() == 40);
    assertThat(Thread.getAllStackTraces().keySet()).anySatisfy(t ->
        assertThat(t.getName()).isEqualTo("iot-forwarder-cmq-receiver-q-1"));
  }

  @Test
  @DisplayName("a message whose handler threw is not deleted and comes back after the visibility timeout")
  void handlerFailureRedelivers() throws Exception {
    List<DeviceMessage> sent = sendMessages("short", 3);
    Map<Long, Integer> attempts = new ConcurrentHashMap<>();
    List<Integer> dequeueCounts = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    CmqReceiver r = receiver("short", (m, raw) -> {
      if (attempts.merge(m.seq(), 1, Integer::sum) == 1 && m.seq() == 1) {
        throw new IllegalStateException("database down");
      }
      dequeueCounts.add(raw.dequeueCount());
      done.countDown();
    });
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    Await.until("queue empty", () -> cmq.depth("short") == 0);
    assertThat(attempts).containsEntry(1L, 2).containsEntry(0L, 1).containsEntry(2L, 1);
    assertThat(dequeueCounts).containsExactlyInAnyOrder(1, 1, 2);
    assertThat(r.handlerFailureCount()).isEqualTo(1);
    assertThat(cmq.storedCount("short")).isEqualTo(sent.size());
  }

  @Test
  @DisplayName("6010: only the handles that failed with a retriable code are deleted again")
  void partialDeleteRetriesOnlyFailedHandles() throws Exception {
    sendMessages("q", 5);
    cmq.injectFaults(List.of("BatchDeleteMessage"), Fault.deleteFailures(2, 6000));
    CountDownLatch handled = new CountDownLatch(5);
    CmqReceiver r = receiver("q", (m, raw) -> handled.countDown());
    assertThat(handled.await(30, TimeUnit.SECONDS)).isTrue();
    Await.until("queue empty", () -> cmq.depth("q") == 0);
    List<List<String>> deletes = deleteRequests();
    assertThat(deletes).hasSize(2);
    assertThat(deletes.get(0)).hasSize(5);
    assertThat(deletes.get(1)).containsExactlyElementsOf(deletes.get(0).subList(0, 2));
    Await.until("deleted counted", () -> r.deletedCount() == 5);
    assertThat(r.deleteFailureCount()).isZero();
  }

  @Test
  @DisplayName("6010 with an expired handle (4430) is not retried; that message is received again")
  void expiredHandleIsGivenUp() throws Exception {
    sendMessages("short", 2);
    cmq.injectFaults(List.of("BatchDeleteMessage"), Fault.deleteFailures(1, 4430));
    List<Long> seen = new CopyOnWriteArrayList<>();
    CountDownLatch three = new CountDownLatch(3);
    CmqReceiver r = receiver("short", (m, raw) -> {
      seen.add(m.seq());
      three.countDown();
    });
    assertThat(three.await(30, TimeUnit.SECONDS)).isTrue();
    Await.until("queue empty", () -> cmq.depth("short") == 0);
    assertThat(seen).containsExactly(0L, 1L, 0L);
    assertThat(deleteRequests().get(0)).hasSize(2);
    assertThat(deleteRequests().get(1)).hasSize(1);
    assertThat(r.deleteFailureCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("receive failures (error codes, HTTP 5xx, dropped connections) are retried")
  void receiveFailuresAreRetried() throws Exception {
    cmq.injectFaults(List.of("BatchReceiveMessage"), Fault.error(6000), Fault.httpStatus(503), Fault.drop(),
        Fault.error(4420));
    sendMessages("q", 1);
    CountDownLatch got = new CountDownLatch(1);
    CmqReceiver r = receiver("q", (m, raw) -> got.countDown());
    assertThat(got.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(r.receiveFailureCount()).isEqualTo(4);
  }

  @Test
  @DisplayName("a body that is not an envelope is counted and left in the queue, or deleted if asked")
  void undecodable() throws Exception {
    client.sendMessage("q", "not an envelope", 0).get(10, TimeUnit.SECONDS);
    CmqReceiver r = receiver("q", (m, raw) -> { });
    Await.until("decode failure counted", () -> r.decodeFailureCount() == 1);
    r.close();
    assertThat(cmq.bodies("q")).containsExactly("not an envelope");

    cmq.createQueue("q2");
    client.sendMessage("q2", "{\"MsgType\":\"Nope\"}", 0).get(10, TimeUnit.SECONDS);
    CmqReceiver deleting = CmqReceiver.builder().client(client).queue("q2").handler((m, raw) -> { })
        .pollingWait(Duration.ofSeconds(1)).deleteUndecodable(true).build();
    receivers.add(deleting);
    deleting.start();
    Await.until("deleted", () -> cmq.depth("q2") == 0);
    assertThat(deleting.handledCount()).isZero();
  }

  @Test
  @DisplayName("close() cancels the long poll, lets a running handler finish, deletes its message, stops the threads,"
      + " and leaves the client open")
  void cleanShutdown() throws Exception {
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> poller = new AtomicReference<>();
    CmqReceiver r = CmqReceiver.builder().client(client).queue("q").pollingWait(Duration.ofSeconds(30))
        .handler((m, raw) -> {
          poller.set(Thread.currentThread());
          inHandler.countDown();
          release.await();
        }).build();
    receivers.add(r);
    r.start();
    sendMessages("q", 1);
    assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(r::close);
    closer.start();
    release.countDown();
    closer.join(30_000);
    assertThat(closer.isAlive()).isFalse();
    assertThat(poller.get().isAlive()).isFalse();
    assertThat(cmq.depth("q")).isZero();

    CmqReceiver idle = receiver("q", (m, raw) -> { });
    Await.until("long poll started", () -> cmq.requestCount("BatchReceiveMessage") >= 2);
    idle.close();
    assertThat(Thread.getAllStackTraces().keySet()).noneSatisfy(t ->
        assertThat(t.getName()).startsWith("iot-forwarder-cmq-receiver-q-"));
    assertThatThrownBy(idle::start).isInstanceOf(IllegalStateException.class);
    assertThat(client.sendMessage("q", "the client is the host's", 0).get(10, TimeUnit.SECONDS))
        .as("closing a receiver leaves its client open").isNotBlank();
  }

  @Test
  @DisplayName("the builder lists every problem at once")
  void validation() {
    assertThatThrownBy(() -> CmqReceiver.builder().batchSize(17).pollingWait(Duration.ofSeconds(31)).pollers(0).build())
        .hasMessageContaining("queue was null")
        .hasMessageContaining("handler was null")
        .hasMessageContaining("client was null but is required")
        .hasMessageContaining("batchSize was 17")
        .hasMessageContaining("pollingWait was PT31S")
        .hasMessageContaining("pollers was 0");
    Set<String> unused = Set.of();
    assertThat(unused).isEmpty();
  }
}
