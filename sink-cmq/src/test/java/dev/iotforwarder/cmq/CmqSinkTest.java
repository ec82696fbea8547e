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

  @AfterEach
  void close() {
    sinks.forEach(CmqSink::close);
  }

  private CmqSink.Builder queueSink() {
    return CmqSink.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY))
        .queue("q1").linger(Duration.ofSeconds(5));
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

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  @DisplayName("queue mode: one BatchSendMessage with the envelopes in submission order, and delaySeconds")
  void queueBatch() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink().delaySeconds(7));
    List<DeviceMessage> ms = List.of(msg("a", 1), msg("b", 2), msg("a", 3));
    List<CompletableFuture<Void>> fs = ms.stream().map(sink::send).toList();
    sink.flush().get(10, TimeUnit.SECONDS);
    CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
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
  @DisplayName("at most 16 messages and maxBatchBytes per request")
  void batchLimits() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(queueSink());
    List<CompletableFuture<Void>> fs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      fs.add(sink.send(msg("d", i)));
    }
    sink.flush().get(10, TimeUnit.SECONDS);
    assertThat(fs).allSatisfy(f -> assertThat(f).isCompleted());
    assertThat(sent()).extracting(p -> p.keySet().stream().filter(k -> k.startsWith("msgBody.")).count())
        .containsExactlyInAnyOrder(16L, 16L, 8L);

    wm.resetRequests();
    int size = envelope(msg("d", 0)).length();
    CmqSink small = build(queueSink().name("small").maxBatchBytes(1024));
    List<CompletableFuture<Void>> gs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      gs.add(small.send(msg("d", 0)));
    }
    small.flush().get(10, TimeUnit.SECONDS);
    long perRequest = 1024 / size;
    assertThat(sent()).allSatisfy(p ->
        assertThat(p.keySet().stream().filter(k -> k.startsWith("msgBody.")).count()).isLessThanOrEqualTo(perRequest));
  }

  @Test
  @DisplayName("topic mode: tags and routing keys per message, never mixed in one batch")
  void topicMode() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH)));
    CmqSink sink = build(CmqSink.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY))
        .topic("events").msgTags(CmqSink.tagByMsgType()).routingKey(CmqSink.routingKeyByDevice())
        .linger(Duration.ofSeconds(5)));
    DeviceMessage a1 = msg("a", 1);
    DeviceMessage b1 = msg("b", 1);
    DeviceMessage aOnline = DeviceMessage.status("prod", "a", "1", "Online", 2);
    DeviceMessage a2 = msg("a", 3);
    List<CompletableFuture<Void>> fs = List.of(sink.send(a1), sink.send(b1), sink.send(aOnline), sink.send(a2));
    sink.flush().get(10, TimeUnit.SECONDS);
    CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
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
    CompletableFuture<Void> f1 = sink.send(msg("a", 1));
    CompletableFuture<Void> f2 = sink.send(msg("b", 1));
    sink.flush().get(10, TimeUnit.SECONDS);
    Class<?> expected = kind.equals("retriable") ? RetriableForwardingException.class : PermanentForwardingException.class;
    assertThat(failure(f1)).isInstanceOf(expected).hasCauseInstanceOf(CmqException.class);
    assertThat(failure(f2)).isInstanceOf(expected);
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
    List<CompletableFuture<Void>> fs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ms.add(msg("d" + i, i));
      fs.add(sink.send(ms.get(i)));
    }
    sink.flush().get(10, TimeUnit.SECONDS);
    CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
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
  @DisplayName("close() fails what is still pending, refuses later sends, and is idempotent")
  void closing() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(OK_BATCH).withFixedDelay(10_000)));
    CmqSink sink = build(queueSink().queue("slow").linger(Duration.ZERO).closeTimeout(Duration.ofMillis(100)));
    CompletableFuture<Void> inFlight = sink.send(msg("a", 1));
    sink.close();
    assertThat(failure(inFlight)).isInstanceOf(RetriableForwardingException.class);
    assertThat(failure(sink.send(msg("a", 2)))).isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("closed");
    assertThat(sink.isHealthy()).isFalse();
    sink.close();
  }

  @Test
  @DisplayName("the builder lists every problem at once")
  void validation() {
    assertThatThrownBy(() -> CmqSink.builder().queue("q").topic("t").msgTags(CmqSink.tagByMsgType())
        .maxBatchCount(17).maxInFlight(0).linger(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queue and topic were both set")
        .hasMessageContaining("msgTags and routingKey are for topic mode")
        .hasMessageContaining("endpoint was null")
        .hasMessageContaining("credentials was null")
        .hasMessageContaining("maxBatchCount was 17 but must be in [1, 16]")
        .hasMessageContaining("maxInFlight was 0")
        .hasMessageContaining("linger was PT-1S");
    assertThatThrownBy(() -> CmqSink.builder().topic("t").delaySeconds(5).build())
        .hasMessageContaining("delaySeconds is for queue mode");
  }
}
