package dev.iotforwarder.cmq;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CmqSinkTest {
  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  static final String ID = "AKIDsinkTest";
  static final String KEY = "sink-test-secret-key";
  static final String OK_BATCH = "{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgList\":[]}";
  private final List<CmqSink> sinks = new ArrayList<>();
  private final CmqClient client =
      CmqClient.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY)).build();

  @AfterEach
  void close() {
    sinks.forEach(CmqSink::close);
    client.close(); // the host's: sinks never close it
  }

  private CmqSink.Builder queueSink() {
    return CmqSink.builder().client(client).queue("q1").linger(Duration.ofSeconds(5));
  }

  private CmqSink build(CmqSink.Builder b) {
    CmqSink s = b.build();
    sinks.add(s);
    return s;
  }

  static DeviceMessage msg(String device, long seq) {
    return DeviceMessage.publish("prod", device, "100" + seq, "prod/" + device + "/up", seq,
        ("{\"v\":" + seq + "}").getBytes(StandardCharsets.UTF_8));
  }

  private static String envelope(DeviceMessage m) {
    return new String(EnvelopeCodec.standard().encode(m), StandardCharsets.UTF_8);
  }

  /** This test's requests; the delayed request of {@link #closing()} (queue "slow") may arrive late. */
  private static List<Map<String, String>> sent() {
    return wm.findAll(postRequestedFor(anyUrl())).stream().map(r -> Wire.parseForm(r.getBodyAsString()))
        .filter(p -> !"slow".equals(p.get("queueName"))).toList();
  }

  private static BatchResult result(CompletableFuture<BatchResult> f) throws Exception {
    BatchResult r = f.get(10, TimeUnit.SECONDS);
    assertThat(r).isNotNull();
    return r;
  }

  private static long bodyCount(Map<String, String> p) {
    return p.keySet().stream().filter(k -> k.startsWith("msgBody.")).count();
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  @DisplayName("queue mode: a batch is one BatchSendMessage with the envelopes in batch order, and delaySeconds")
  void queueBatch() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink().delaySeconds(7));
    List<DeviceMessage> ms = List.of(msg("a", 1), msg("b", 2), msg("a", 3));
    BatchResult r = result(sink.sendBatch(ms));
    assertThat(r.size()).isEqualTo(3);
    assertThat(r.allSucceeded()).isTrue();
    List<Map<String, String>> sent = sent();
    assertThat(sent).hasSize(1);
    Map<String, String> p = sent.get(0);
    assertThat(p).containsEntry("Action", "BatchSendMessage").containsEntry("queueName", "q1")
        .containsEntry("delaySeconds", "7")
        .containsEntry("msgBody.1", envelope(ms.get(0)))
        .containsEntry("msgBody.2", envelope(ms.get(1)))
        .containsEntry("msgBody.3", envelope(ms.get(2)))
        .doesNotContainKey("msgBody.4");
    assertThat(p.get("Signature")).isEqualTo(Wire.expectedSignature("HmacSHA256", KEY, "localhost:" + wm.getPort(), "/", p));
    assertThat(sink.name()).isEqualTo("cmq-q1");
    assertThat(sink.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("send() alone is a batch of one: one request with one body")
  void sendIsABatchOfOne() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink());
    DeviceMessage m = msg("a", 1);
    sink.send(m).get(10, TimeUnit.SECONDS);
    List<Map<String, String>> sent = sent();
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0)).containsEntry("Action", "BatchSendMessage").containsEntry("msgBody.1", envelope(m))
        .doesNotContainKey("msgBody.2");
    assertThat(sink.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("the builder's batch settings are the limits the lane batches by")
  void declaresItsLimits() {
    CmqSink defaults = build(queueSink().linger(CmqSink.DEFAULT_LINGER));
    assertThat(defaults.batchLimits()).isEqualTo(new BatchLimits(16, CmqSink.DEFAULT_MAX_BATCH_BYTES,
        CmqSink.DEFAULT_LINGER, CmqSink.DEFAULT_MAX_IN_FLIGHT));
    CmqSink set = build(queueSink().name("set").maxBatchCount(4).maxBatchBytes(2048).linger(Duration.ofMillis(9))
        .maxInFlight(3));
    assertThat(set.batchLimits()).isEqualTo(new BatchLimits(4, 2048, Duration.ofMillis(9), 3));
    assertThat(set.batchKey(msg("a", 1))).isEqualTo(set.batchKey(msg("b", 2)));
  }

  @Test
  @DisplayName("at most 16 messages and maxBatchBytes per request, even for a larger batch")
  void batchLimits() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink());
    List<DeviceMessage> forty = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      forty.add(msg("d", i));
    }
    BatchResult r = result(sink.sendBatch(forty));
    assertThat(r.size()).isEqualTo(40);
    assertThat(r.allSucceeded()).isTrue();
    List<Map<String, String>> sent = sent();
    assertThat(sent).extracting(CmqSinkTest::bodyCount).containsExactlyInAnyOrder(16L, 16L, 8L);
    assertThat(sent.stream().flatMap(p -> p.entrySet().stream().filter(e -> e.getKey().startsWith("msgBody.")))
        .map(Map.Entry::getValue).toList())
        .containsExactlyInAnyOrderElementsOf(forty.stream().map(CmqSinkTest::envelope).toList());

    wm.resetRequests();
    int size = envelope(msg("d", 0)).length();
    CmqSink small = build(queueSink().name("small").maxBatchBytes(1024));
    List<DeviceMessage> ten = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ten.add(msg("d", 0));
    }
    assertThat(result(small.sendBatch(ten)).allSucceeded()).isTrue();
    long perRequest = 1024 / size;
    assertThat(sent()).allSatisfy(p -> assertThat(bodyCount(p)).isLessThanOrEqualTo(perRequest));
    assertThat(sent().stream().mapToLong(CmqSinkTest::bodyCount).sum()).isEqualTo(10);
  }

  @Test
  @DisplayName("sendBatch from several threads at once: every batch is one request, every message stored")
  void concurrentBatches() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink());
    int threads = 6;
    int batchesEach = 10;
    List<CompletableFuture<BatchResult>> results = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread sender = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int b = 0; b < batchesEach; b++) {
          results.add(sink.sendBatch(List.of(msg("t" + id, 3L * b), msg("t" + id, 3L * b + 1),
              msg("t" + id, 3L * b + 2))));
        }
      });
      senders.add(sender);
      sender.start();
    }
    go.countDown();
    for (Thread t : senders) {
      t.join(30_000);
    }
    sink.flush().get(10, TimeUnit.SECONDS);
    assertThat(results).hasSize(threads * batchesEach).allSatisfy(f -> {
      assertThat(f).isCompleted();
      assertThat(f.join().allSucceeded()).isTrue();
    });
    List<Map<String, String>> sent = sent();
    assertThat(sent).hasSize(threads * batchesEach).allSatisfy(p -> assertThat(bodyCount(p)).isEqualTo(3));
    assertThat(sink.requestCount()).isEqualTo(threads * batchesEach);
  }

  @Test
  @DisplayName("topic mode: tags and routing keys per message, never mixed in one batch")
  void topicMode() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(CmqSink.builder().client(client)
        .topic("events").msgTags(CmqSink.tagByMsgType()).routingKey(CmqSink.routingKeyByDevice())
        .linger(Duration.ofSeconds(5)));
    DeviceMessage a1 = msg("a", 1);
    DeviceMessage b1 = msg("b", 1);
    DeviceMessage aOnline = DeviceMessage.status("prod", "a", "1", "Online", 2);
    DeviceMessage a2 = msg("a", 3);
    assertThat(sink.batchKey(a1)).isEqualTo(sink.batchKey(a2)).isNotEqualTo(sink.batchKey(b1))
        .isNotEqualTo(sink.batchKey(aOnline));
    // The lane never mixes keys in a batch; a batch that does is still sent one request per key.
    BatchResult r = result(sink.sendBatch(List.of(a1, b1, aOnline, a2)));
    assertThat(r.allSucceeded()).isTrue();
    List<Map<String, String>> sent = sent();
    assertThat(sent).hasSize(3).allSatisfy(p ->
        assertThat(p).containsEntry("Action", "BatchPublishMessage").containsEntry("topicName", "events"));
    assertThat(sent).anySatisfy(p -> assertThat(p).containsEntry("msgTag.1", "Publish")
        .containsEntry("routingKey", "prod.a").containsEntry("msgBody.1", envelope(a1))
        .containsEntry("msgBody.2", envelope(a2)).doesNotContainKey("msgBody.3"));
    assertThat(sent).anySatisfy(p -> assertThat(p).containsEntry("msgTag.1", "Publish")
        .containsEntry("routingKey", "prod.b").containsEntry("msgBody.1", envelope(b1)));
    assertThat(sent).anySatisfy(p -> assertThat(p).containsEntry("msgTag.1", "Status")
        .containsEntry("routingKey", "prod.a").containsEntry("msgBody.1", envelope(aOnline)));
  }

  @Test
  @DisplayName("a retriable failure, sent again as the pipeline does, is a new request with a new nonce and signature")
  void freshSignaturePerRetry() throws Exception {
    wm.stubFor(post("/").inScenario("retry").whenScenarioStateIs(STARTED).willSetStateTo("ok")
        .willReturn(okJson("{\"code\":4420,\"message\":\"(10250)qps limit\",\"requestId\":\"r1\"}")));
    wm.stubFor(post("/").inScenario("retry").whenScenarioStateIs("ok").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink().linger(Duration.ZERO));
    DeviceMessage m = msg("a", 1);
    Throwable first = failure(sink.send(m));
    assertThat(first).isInstanceOf(RetriableForwardingException.class).hasCauseInstanceOf(CmqException.class);
    assertThat(((RetriableForwardingException) first).sinkName()).isEqualTo("cmq-q1");
    assertThat(((CmqException) first.getCause()).code()).isEqualTo(4420);
    sink.send(m).get(10, TimeUnit.SECONDS);
    List<Map<String, String>> sent = sent();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).get("Nonce")).isNotEqualTo(sent.get(1).get("Nonce"));
    assertThat(sent.get(0).get("Signature")).isNotEqualTo(sent.get(1).get("Signature"));
    for (Map<String, String> p : sent) {
      assertThat(p.get("Signature")).isEqualTo(Wire.expectedSignature("HmacSHA256", KEY, "localhost:" + wm.getPort(), "/", p));
      assertThat(p.get("msgBody.1")).isEqualTo(envelope(m));
    }
  }

  @ParameterizedTest(name = "code {0} -> {1}")
  @CsvSource({
      "4420, retriable", "4480, retriable", "4410, retriable", "6000, retriable", "6070, retriable",
      "4100, permanent", "4300, permanent", "4440, permanent", "4000, permanent", "6030, permanent"
  })
  @DisplayName("server codes become retriable or permanent failures of every message in the batch")
  void errorClasses(int code, String kind) throws Exception {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":" + code + ",\"message\":\"(10000)x\",\"requestId\":\"r\"}")));
    CmqSink sink = build(queueSink());
    BatchResult r = result(sink.sendBatch(List.of(msg("a", 1), msg("b", 1))));
    Class<?> expected = kind.equals("retriable") ? RetriableForwardingException.class : PermanentForwardingException.class;
    assertThat(r.failure(0)).isInstanceOf(expected).hasCauseInstanceOf(CmqException.class);
    assertThat(r.failure(1)).isInstanceOf(expected);
    assertThat(sent()).hasSize(1);
  }

  @Test
  @DisplayName("HTTP 5xx and dropped connections are retriable")
  void transportFailures() throws Exception {
    wm.stubFor(post("/").willReturn(aResponse().withStatus(502)));
    CmqSink sink = build(queueSink().linger(Duration.ZERO));
    assertThat(failure(sink.send(msg("a", 1)))).isInstanceOf(RetriableForwardingException.class);
    wm.stubFor(post("/").willReturn(aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.EMPTY_RESPONSE)));
    assertThat(failure(sink.send(msg("a", 2)))).isInstanceOf(RetriableForwardingException.class);
  }

  @Test
  @DisplayName("4470 or 10420: the batch is split in halves until it fits, and every message succeeds")
  void splitsTooLargeBatches() throws Exception {
    wm.stubFor(post("/").withRequestBody(containing("msgBody.5=")).atPriority(1)
        .willReturn(okJson("{\"code\":4470,\"message\":\"(10300)total message size exceed 64k\",\"requestId\":\"r\"}")));
    wm.stubFor(post("/").withRequestBody(containing("msgBody.3=")).atPriority(2)
        .willReturn(okJson("{\"code\":4000,\"message\":\"(10420)request size is more than 1MB\",\"requestId\":\"r\"}")));
    wm.stubFor(post("/").atPriority(3).willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink());
    List<DeviceMessage> ms = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ms.add(msg("d" + i, i));
    }
    BatchResult r = result(sink.sendBatch(ms));
    assertThat(r.size()).isEqualTo(16);
    assertThat(r.allSucceeded()).as("every message of the split batch succeeds").isTrue();
    // 16 -> 8+8 (4470) -> 4+4+4+4 (4470) -> 2 x 8 (10420) : 1 + 2 + 4 + 8 requests
    assertThat(sent()).hasSize(15);
    assertThat(sink.splitCount()).isEqualTo(7);
    List<String> delivered = sent().stream()
        .filter(p -> !p.containsKey("msgBody.3"))
        .flatMap(p -> p.entrySet().stream().filter(e -> e.getKey().startsWith("msgBody.")).sorted(Map.Entry.comparingByKey())
            .map(Map.Entry::getValue))
        .toList();
    assertThat(delivered).containsExactlyInAnyOrderElementsOf(ms.stream().map(CmqSinkTest::envelope).toList());
  }

  @Test
  @DisplayName("a single message over the limit fails permanently: at once when over maxMessageBytes, or when the server says 4400")
  void tooLargeMessage() throws Exception {
    CmqSink sink = build(queueSink().linger(Duration.ZERO).maxMessageBytes(300));
    DeviceMessage big = DeviceMessage.publish("prod", "d", "1", "t", 1, new byte[400]);
    assertThat(failure(sink.send(big))).isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("over maxMessageBytes 300");
    assertThat(sent()).isEmpty();

    wm.stubFor(post("/").willReturn(okJson("{\"code\":4400,\"message\":\"(10230)message too large\",\"requestId\":\"r\"}")));
    CmqSink other = build(queueSink().name("other").linger(Duration.ZERO));
    assertThat(failure(other.send(big))).isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("too large");
  }

  @Test
  @DisplayName("in a batch, an envelope over maxMessageBytes fails alone without a request, and the others go")
  void oversizedMessageInABatch() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink().maxMessageBytes(300));
    DeviceMessage big = DeviceMessage.publish("prod", "big", "1", "t", 1, new byte[400]);
    DeviceMessage a = msg("a", 1);
    DeviceMessage b = msg("b", 2);
    BatchResult r = result(sink.sendBatch(List.of(a, big, b)));
    assertThat(r.failure(0)).isNull();
    assertThat(r.failure(1)).isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("over maxMessageBytes 300");
    assertThat(r.failure(2)).isNull();
    List<Map<String, String>> sent = sent();
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0)).containsEntry("msgBody.1", envelope(a)).containsEntry("msgBody.2", envelope(b))
        .doesNotContainKey("msgBody.3");
  }

  @Test
  @DisplayName("4400 in a batch: halves until the one message too large fails alone, permanently; the others are stored")
  void serverRejectsOneMessageOfABatch() throws Exception {
    wm.stubFor(post("/").withRequestBody(containing("huge")).atPriority(1)
        .willReturn(okJson("{\"code\":4400,\"message\":\"(10230)message too large\",\"requestId\":\"r\"}")));
    wm.stubFor(post("/").atPriority(2).willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink());
    List<DeviceMessage> ms = List.of(msg("a", 1), msg("huge", 2), msg("b", 3), msg("c", 4));
    BatchResult r = result(sink.sendBatch(ms));
    assertThat(r.failure(1)).isInstanceOf(PermanentForwardingException.class).hasMessageContaining("too large")
        .hasCauseInstanceOf(CmqException.class);
    assertThat(r.failure(0)).isNull();
    assertThat(r.failure(2)).isNull();
    assertThat(r.failure(3)).isNull();
    // [a huge b c] -> [a huge] + [b c] -> [a] + [huge]
    assertThat(sent()).extracting(CmqSinkTest::bodyCount).containsExactlyInAnyOrder(4L, 2L, 2L, 1L, 1L);
    assertThat(sink.splitCount()).isEqualTo(2);
    assertThat(sink.isHealthy()).as("a message too large says nothing about the sink's health").isTrue();
  }

  @Test
  @DisplayName("a tag function that throws fails its message permanently, alone; the others of the batch go")
  void unkeyableMessage() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(CmqSink.builder().client(client).topic("events").msgTags(m -> {
      if (m.deviceName().equals("bad")) {
        throw new IllegalStateException("no tags for bad");
      }
      return List.of("x");
    }));
    DeviceMessage bad = msg("bad", 1);
    assertThat(sink.batchKey(bad)).isNotEqualTo(sink.batchKey(bad)).isNotEqualTo(sink.batchKey(msg("a", 1)));
    BatchResult r = result(sink.sendBatch(List.of(msg("a", 1), bad)));
    assertThat(r.failure(0)).isNull();
    assertThat(r.failure(1)).isInstanceOf(PermanentForwardingException.class).hasMessageContaining("no tags for bad");
    assertThat(sent()).hasSize(1);
  }

  @Test
  @DisplayName("close() waits up to closeTimeout for a request in flight, whose messages are then stored")
  void closeWaitsForRequestsInFlight() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH).withFixedDelay(300)));
    CmqSink sink = build(queueSink().closeTimeout(Duration.ofSeconds(30)));
    CompletableFuture<BatchResult> inFlight = sink.sendBatch(List.of(msg("a", 1), msg("b", 2)));
    assertThat(inFlight).as("the reply takes 300 ms").isNotDone();
    sink.close();
    assertThat(inFlight).as("close returned after the reply").isCompleted();
    assertThat(result(inFlight).allSucceeded()).isTrue();
    BatchResult late = result(sink.sendBatch(List.of(msg("a", 3), msg("b", 4))));
    assertThat(late.failure(0)).isInstanceOf(PermanentForwardingException.class).hasMessageContaining("closed");
    assertThat(late.failure(1)).isInstanceOf(PermanentForwardingException.class);
    assertThat(sent()).hasSize(1);
  }

  @Test
  @DisplayName("close() cancels the requests still in flight after closeTimeout, refuses later sends, is idempotent,"
      + " and leaves the client open")
  void closing() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH).withFixedDelay(10_000)));
    CmqSink sink = build(queueSink().queue("slow").linger(Duration.ZERO).closeTimeout(Duration.ofMillis(100)));
    CompletableFuture<Void> inFlight = sink.send(msg("a", 1));
    CompletableFuture<BatchResult> batchInFlight = sink.sendBatch(List.of(msg("b", 1), msg("c", 1)));
    sink.close();
    assertThat(failure(inFlight)).isInstanceOf(RetriableForwardingException.class);
    BatchResult cancelled = result(batchInFlight);
    assertThat(cancelled.failure(0)).isInstanceOf(RetriableForwardingException.class).hasMessageContaining("closed");
    assertThat(cancelled.failure(1)).isInstanceOf(RetriableForwardingException.class);
    assertThat(failure(sink.send(msg("a", 2)))).isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("closed");
    assertThat(sink.isHealthy()).isFalse();
    sink.close();
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    assertThat(client.batchSendMessage("q1", List.of("still open"), 0).get(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  @DisplayName("the builder lists every problem at once")
  void validation() {
    assertThatThrownBy(() -> CmqSink.builder().queue("q").topic("t").msgTags(CmqSink.tagByMsgType())
        .maxBatchCount(17).maxInFlight(0).linger(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queue and topic were both set")
        .hasMessageContaining("msgTags and routingKey are for topic mode")
        .hasMessageContaining("client was null but is required")
        .hasMessageContaining("maxBatchCount was 17 but must be in [1, 16]")
        .hasMessageContaining("maxInFlight was 0")
        .hasMessageContaining("linger was PT-1S");
    assertThatThrownBy(() -> CmqSink.builder().topic("t").delaySeconds(5).build())
        .hasMessageContaining("delaySeconds is for queue mode");
  }
}
