package dev.iotforwarder.cmq;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CmqClientTest {
  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  static final String ID = "AKIDclientTest";
  static final String KEY = "client-test-secret-key";
  private final AtomicLong nonce = new AtomicLong(1000);
  private final List<CmqClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(CmqClient::close);
  }

  private CmqSigner.Builder signer(CmqCredentials credentials) {
    return CmqSigner.builder(credentials)
        .clock(Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC))
        .nonceSource(nonce::incrementAndGet);
  }

  private CmqClient client(CmqEndpoint endpoint, CmqSigner signer) {
    CmqClient c = CmqClient.builder().endpoint(endpoint).signer(signer).build();
    clients.add(c);
    return c;
  }

  private CmqClient client() {
    return client(CmqEndpoint.of(wm.baseUrl()), signer(CmqCredentials.of(ID, KEY)).build());
  }

  private static String host() {
    return "localhost:" + wm.getPort();
  }

  /**
   * This test's requests: those signed with the fixed test clock. Requests of the delayed stubs of
   * other tests (system clock) may reach WireMock's journal late.
   */
  private static List<LoggedRequest> requests() {
    return wm.findAll(postRequestedFor(anyUrl()).withRequestBody(containing("Timestamp=1700000000")));
  }

  private static Map<String, String> params(LoggedRequest r) {
    return Wire.parseForm(r.getBodyAsString());
  }

  private static Throwable failure(CompletableFuture<?> f) {
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    try {
      f.get();
      throw new AssertionError("not failed");
    } catch (Exception e) {
      return e.getCause();
    }
  }

  @Test
  @DisplayName("BatchSendMessage: POST to /, form Content-Type, exactly the documented parameters, a signature a server accepts")
  void batchSendRequest() throws Exception {
    wm.stubFor(post("/").willReturn(okJson(
        "{\"code\":0,\"message\":\"\",\"requestId\":\"r1\",\"msgList\":[{\"msgId\":\"1\"},{\"msgId\":\"2\"},{\"msgId\":\"3\"}]}")));
    List<String> ids = client().batchSendMessage("q1", List.of("{\"a\":1}", "b &=+ é", "c"), 5).get(10, TimeUnit.SECONDS);
    assertThat(ids).containsExactly("1", "2", "3");

    LoggedRequest r = requests().get(0);
    assertThat(r.getMethod().getName()).isEqualTo("POST");
    assertThat(r.getUrl()).isEqualTo("/");
    // Jetty (inside WireMock) normalises the charset's case; LocalCmqInteropTest checks the exact bytes.
    assertThat(r.getHeader("Content-Type")).isEqualToIgnoringCase("application/x-www-form-urlencoded; charset=utf-8");
    Map<String, String> p = params(r);
    assertThat(p).containsOnlyKeys("Action", "SecretId", "Timestamp", "Nonce", "SignatureMethod", "RequestClient",
        "queueName", "msgBody.1", "msgBody.2", "msgBody.3", "delaySeconds", "Signature");
    assertThat(p).containsEntry("Action", "BatchSendMessage")
        .containsEntry("SecretId", ID)
        .containsEntry("Timestamp", "1700000000")
        .containsEntry("Nonce", "1001")
        .containsEntry("SignatureMethod", "HmacSHA256")
        .containsEntry("RequestClient", CmqSigner.DEFAULT_REQUEST_CLIENT)
        .containsEntry("queueName", "q1")
        .containsEntry("msgBody.1", "{\"a\":1}")
        .containsEntry("msgBody.2", "b &=+ é")
        .containsEntry("msgBody.3", "c")
        .containsEntry("delaySeconds", "5");
    assertThat(p.get("Signature")).isEqualTo(Wire.expectedSignature("HmacSHA256", KEY, host(), "/", p));
    assertThat(r.getBodyAsString()).as("values are URL-encoded on the wire")
        .contains("msgBody.2=b+%26%3D%2B+%C3%A9");
  }

  @Test
  @DisplayName("the legacy path, HmacSHA1 and an STS token are all signed and sent")
  void legacyPathSha1AndToken() throws Exception {
    wm.stubFor(post("/v2/index.php").willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgId\":\"9\"}")));
    CmqSigner s = signer(CmqCredentials.of(ID, KEY, "sts-token-value")).signatureMethod(SignatureMethod.HMAC_SHA1).build();
    CmqClient c = client(CmqEndpoint.of(wm.baseUrl()).withPath("/v2/index.php"), s);
    assertThat(c.sendMessage("q1", "m", 0).get(10, TimeUnit.SECONDS)).isEqualTo("9");
    LoggedRequest r = requests().get(0);
    assertThat(r.getUrl()).isEqualTo("/v2/index.php");
    Map<String, String> p = params(r);
    assertThat(p).containsEntry("Action", "SendMessage").containsEntry("SignatureMethod", "HmacSHA1")
        .containsEntry("Token", "sts-token-value").containsEntry("msgBody", "m").containsEntry("delaySeconds", "0");
    assertThat(p.get("Signature")).isEqualTo(Wire.expectedSignature("HmacSHA1", KEY, host(), "/v2/index.php", p));
  }

  @Test
  @DisplayName("every action sends its own parameters and its reply is read")
  void everyAction() throws Exception {
    CmqClient c = client();
    wm.stubFor(post("/").withRequestBody(containing("Action=PublishMessage"))
        .willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgId\":\"p1\"}")));
    assertThat(c.publishMessage("t1", "m", List.of("Status", "x"), "prod.dev").get(10, TimeUnit.SECONDS)).isEqualTo("p1");
    wm.stubFor(post("/").withRequestBody(containing("Action=BatchPublishMessage"))
        .willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgList\":[{\"msgId\":\"a\"},{\"msgId\":\"b\"}]}")));
    assertThat(c.batchPublishMessage("t1", List.of("m1", "m2"), List.of(), null).get(10, TimeUnit.SECONDS))
        .containsExactly("a", "b");
    wm.stubFor(post("/").withRequestBody(containing("Action=ReceiveMessage"))
        .willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgBody\":\"hello\",\"msgId\":\"7\","
            + "\"receiptHandle\":\"h7\",\"enqueueTime\":1700000000,\"nextVisibleTime\":1700000030,"
            + "\"firstDequeueTime\":1700000001,\"dequeueCount\":2,\"unknown\":{\"x\":[1,2]}}")));
    Optional<CmqMessage> one = c.receiveMessage("q1", Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS);
    assertThat(one).contains(new CmqMessage("7", "h7", "hello", 1700000000, 1700000030, 1700000001, 2));
    wm.stubFor(post("/").withRequestBody(containing("Action=BatchReceiveMessage"))
        .willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgInfoList\":["
            + "{\"msgBody\":\"a\",\"msgId\":\"1\",\"receiptHandle\":\"h1\",\"enqueueTime\":\"5\",\"dequeueCount\":1},"
            + "{\"msgBody\":\"b\",\"msgId\":\"2\",\"receiptHandle\":\"h2\"}]}")));
    List<CmqMessage> many = c.batchReceiveMessage("q1", 16, null).get(10, TimeUnit.SECONDS);
    assertThat(many).extracting(CmqMessage::body).containsExactly("a", "b");
    assertThat(many.get(0).enqueueTime()).isEqualTo(5);
    wm.stubFor(post("/").withRequestBody(containing("Action=DeleteMessage"))
        .willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\"}")));
    c.deleteMessage("q1", "h1").get(10, TimeUnit.SECONDS);
    wm.stubFor(post("/").withRequestBody(containing("Action=BatchDeleteMessage"))
        .willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\"}")));
    assertThat(c.batchDeleteMessage("q1", List.of("h1", "h2")).get(10, TimeUnit.SECONDS)).isEmpty();

    List<Map<String, String>> sent = requests().stream().map(CmqClientTest::params).toList();
    assertThat(sent.get(0)).containsEntry("topicName", "t1").containsEntry("msgBody", "m")
        .containsEntry("msgTag.1", "Status").containsEntry("msgTag.2", "x").containsEntry("routingKey", "prod.dev")
        .doesNotContainKey("delaySeconds");
    assertThat(sent.get(1)).containsEntry("msgBody.1", "m1").containsEntry("msgBody.2", "m2")
        .doesNotContainKeys("routingKey", "msgTag.1");
    assertThat(sent.get(2)).containsEntry("queueName", "q1").containsEntry("pollingWaitSeconds", "3");
    assertThat(sent.get(3)).containsEntry("numOfMsg", "16").doesNotContainKey("pollingWaitSeconds");
    assertThat(sent.get(4)).containsEntry("Action", "DeleteMessage").containsEntry("receiptHandle", "h1");
    assertThat(sent.get(5)).containsEntry("receiptHandle.1", "h1").containsEntry("receiptHandle.2", "h2");
    for (Map<String, String> p : sent) {
      assertThat(p.get("Signature")).isEqualTo(Wire.expectedSignature("HmacSHA256", KEY, host(), "/", p));
    }
    assertThat(sent).extracting(p -> p.get("Nonce")).doesNotHaveDuplicates();
  }

  @ParameterizedTest(name = "code {0}, message \"{1}\" -> retriable {2}, batch too large {3}")
  @CsvSource({
      "4420, (10250)qps limit, true, false",
      "4480, (10460)exceed interface frequency limit, true, false",
      "4410, (10240)queue is full, true, false",
      "6000, (10050)internal error, true, false",
      "6070, (10690)too many unacked messages, true, false",
      "4100, (10030)signature failed, false, false",
      "4000, (10380)parameter is not consequent, false, false",
      "4300, (10040)account in arrears, false, false",
      "4440, (10100)queue is not existed, false, false",
      "6030, (10730)no subscriber matched, false, false",
      "4470, (10300)total message size exceed 64k, false, true",
      "4000, (10420)request size is more than 1MB, false, true",
      "9999, something new, false, false"
  })
  @DisplayName("every non-zero code fails the future with its class, and the module code is read from the message")
  void errorCodes(int code, String message, boolean retriable, boolean tooLarge) {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":" + code + ",\"message\":\"" + message + "\",\"requestId\":\"rq-9\"}")));
    Throwable t = failure(client().batchSendMessage("q1", List.of("m"), 0));
    assertThat(t).isInstanceOf(CmqException.class);
    CmqException e = (CmqException) t;
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.isRetriable()).isEqualTo(retriable);
    assertThat(e.isBatchTooLarge()).isEqualTo(tooLarge);
    assertThat(e.requestId()).isEqualTo("rq-9");
    assertThat(e.moduleCode()).isEqualTo(message.startsWith("(") ? Integer.parseInt(message.substring(1, 6)) : -1);
    assertThat(e.getMessage()).contains("BatchSendMessage").contains(Integer.toString(code)).contains("rq-9");
    assertThat(e.isTransportFailure()).isFalse();
  }

  @Test
  @DisplayName("4400 marks a message that is too large")
  void messageTooLarge() {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":4400,\"message\":\"(10230)message too large\",\"requestId\":\"r\"}")));
    CmqException e = (CmqException) failure(client().sendMessage("q1", "m", 0));
    assertThat(e.isMessageTooLarge()).isTrue();
    assertThat(e.isRetriable()).isFalse();
  }

  @Test
  @DisplayName("7000 is an empty result for receives, and an error elsewhere")
  void noMessage() throws Exception {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":7000,\"message\":\"(10200)no message\",\"requestId\":\"r\"}")));
    CmqClient c = client();
    assertThat(c.receiveMessage("q1", Duration.ZERO).get(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(c.batchReceiveMessage("q1", 16, Duration.ZERO).get(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(failure(c.deleteMessage("q1", "h"))).isInstanceOf(CmqException.class);
  }

  @Test
  @DisplayName("6010 lists the handles that failed, each with its own code")
  void partialDelete() throws Exception {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":6010,\"message\":\"(10150)delete message partially failed\","
        + "\"requestId\":\"r\",\"errorList\":[{\"code\":4430,\"message\":\"(10260)invalid receiptHandle\",\"receiptHandle\":\"h1\"},"
        + "{\"code\":6000,\"message\":\"(10050)internal error\",\"receiptHandle\":\"h3\"}]}")));
    List<CmqDeleteFailure> failures = client().batchDeleteMessage("q1", List.of("h1", "h2", "h3")).get(10, TimeUnit.SECONDS);
    assertThat(failures).extracting(CmqDeleteFailure::receiptHandle).containsExactly("h1", "h3");
    assertThat(failures).extracting(CmqDeleteFailure::isRetriable).containsExactly(false, true);
  }

  @ParameterizedTest(name = "HTTP {0} -> retriable {1}")
  @CsvSource({"500, true", "502, true", "503, true", "429, true", "404, false", "403, false"})
  @DisplayName("a non-2xx status is a transport failure")
  void httpStatus(int status, boolean retriable) {
    wm.stubFor(post("/").willReturn(aResponse().withStatus(status).withBody("{\"code\":0}")));
    CmqException e = (CmqException) failure(client().sendMessage("q1", "m", 0));
    assertThat(e.isTransportFailure()).isTrue();
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e.isRetriable()).isEqualTo(retriable);
  }

  @Test
  @DisplayName("a body that is not JSON, or has no code, and a reset connection are retriable transport failures")
  void badReplies() {
    CmqClient c = client();
    wm.stubFor(post("/").willReturn(aResponse().withStatus(200).withBody("<html>gateway</html>")));
    assertThat((CmqException) failure(c.sendMessage("q1", "m", 0)))
        .satisfies(e -> assertThat(e.isRetriable() && e.isTransportFailure()).isTrue());
    wm.stubFor(post("/").willReturn(okJson("{\"message\":\"\",\"requestId\":\"r\"}")));
    assertThat((CmqException) failure(c.sendMessage("q1", "m", 0)))
        .satisfies(e -> assertThat(e.getMessage()).contains("no code"));
    wm.stubFor(post("/").willReturn(okJson("{\"code\":null}")));
    assertThat(failure(c.sendMessage("q1", "m", 0))).hasMessageContaining("no code");
    wm.stubFor(post("/").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    assertThat((CmqException) failure(c.sendMessage("q1", "m", 0)))
        .satisfies(e -> assertThat(e.isRetriable() && e.isTransportFailure()).isTrue());
  }

  @Test
  @DisplayName("a read timeout is a retriable transport failure")
  void timeout() {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgId\":\"1\"}")
        .withFixedDelay(3000)));
    CmqClient c = CmqClient.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY))
        .timeouts(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(1)).build();
    clients.add(c);
    CmqException e = (CmqException) failure(c.sendMessage("q1", "m", 0));
    assertThat(e.isRetriable()).isTrue();
    assertThat(e.getMessage()).contains("timeout");
  }

  @Test
  @DisplayName("cancelling the future cancels the HTTP call; a borrowed OkHttpClient is never shut down")
  void cancelAndBorrowedClient() throws Exception {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":0,\"message\":\"\",\"requestId\":\"r\",\"msgId\":\"1\"}")
        .withFixedDelay(5000)));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch canceled = new CountDownLatch(1);
    OkHttpClient host = new OkHttpClient.Builder().eventListener(new EventListener() {
      @Override
      public void requestHeadersStart(Call call) {
        started.countDown();
      }

      @Override
      public void canceled(Call call) {
        canceled.countDown();
      }
    }).build();
    try {
      CmqClient c = CmqClient.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY))
          .okHttpClient(host).build();
      CompletableFuture<String> f = c.sendMessage("q1", "m", 0);
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(f.cancel(true)).isTrue();
      assertThat(canceled.await(10, TimeUnit.SECONDS)).as("OkHttp saw the cancel").isTrue();
      c.close();
      assertThat(host.dispatcher().executorService().isShutdown()).isFalse();
      assertThat(c.sendMessage("q1", "m", 0)).isCompletedExceptionally();
    } finally {
      host.dispatcher().executorService().shutdown();
      host.connectionPool().evictAll();
    }
  }

  @Test
  @DisplayName("sockets have TCP_NODELAY on, also those the host's socket factory makes, so a batch"
      + " request written in several segments does not wait for the server's delayed ACK")
  void turnsNagleOff() throws Exception {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":0,\"msgId\":\"m-1\"}")));
    List<java.net.Socket> made = new java.util.concurrent.CopyOnWriteArrayList<>();
    javax.net.SocketFactory recording = new javax.net.SocketFactory() {
      private final javax.net.SocketFactory d = javax.net.SocketFactory.getDefault();

      private java.net.Socket add(java.net.Socket s) {
        made.add(s);
        return s;
      }

      @Override
      public java.net.Socket createSocket() throws java.io.IOException {
        return add(d.createSocket());
      }

      @Override
      public java.net.Socket createSocket(String h, int p) throws java.io.IOException {
        return add(d.createSocket(h, p));
      }

      @Override
      public java.net.Socket createSocket(String h, int p, java.net.InetAddress a, int lp) throws java.io.IOException {
        return add(d.createSocket(h, p, a, lp));
      }

      @Override
      public java.net.Socket createSocket(java.net.InetAddress h, int p) throws java.io.IOException {
        return add(d.createSocket(h, p));
      }

      @Override
      public java.net.Socket createSocket(java.net.InetAddress h, int p, java.net.InetAddress a, int lp)
          throws java.io.IOException {
        return add(d.createSocket(h, p, a, lp));
      }
    };
    OkHttpClient host = new OkHttpClient.Builder().socketFactory(recording).build();
    try {
      CmqClient c = CmqClient.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY))
          .okHttpClient(host).build();
      clients.add(c);
      c.batchSendMessage("q1", List.of("x".repeat(10_000), "y".repeat(10_000)), 0).get(10, TimeUnit.SECONDS);
      assertThat(made).as("the host's socket factory made the connection").isNotEmpty();
      for (java.net.Socket s : made) {
        assertThat(s.getTcpNoDelay()).isTrue();
      }
    } finally {
      host.dispatcher().executorService().shutdown();
      host.connectionPool().evictAll();
    }
  }

  @Test
  @DisplayName("its own OkHttpClient is released by close(), and close cancels calls in flight")
  void ownClientClosed() {
    wm.stubFor(post("/").willReturn(okJson("{\"code\":0}").withFixedDelay(5000)));
    CmqClient c = CmqClient.builder().endpoint(CmqEndpoint.of(wm.baseUrl())).credentials(CmqCredentials.of(ID, KEY)).build();
    clients.add(c);
    CompletableFuture<String> f = c.sendMessage("q1", "m", 0);
    c.close();
    CmqException e = (CmqException) failure(f);
    assertThat(e.isRetriable()).as("cancelled by close: no point retrying on this client").isFalse();
  }

  @Test
  @DisplayName("arguments are checked before anything is sent, and the builder lists every problem")
  void validation() {
    CmqClient c = client();
    assertThatThrownBy(() -> c.batchSendMessage("q", List.of(), 0)).hasMessageContaining("must be in [1, 16]");
    assertThatThrownBy(() -> c.batchReceiveMessage("q", 17, null)).hasMessageContaining("numOfMsg was 17");
    assertThatThrownBy(() -> c.receiveMessage("q", Duration.ofSeconds(31))).hasMessageContaining("pollingWait");
    assertThatThrownBy(() -> c.publishMessage("t", "m", List.of("1", "2", "3", "4", "5", "6"), null))
        .hasMessageContaining("msgTag");
    assertThatThrownBy(() -> c.sendMessage("q", "", 0)).hasMessageContaining("msgBody is empty");
    assertThat(requests()).isEmpty();
    assertThatThrownBy(() -> CmqClient.builder().okHttpClient(new OkHttpClient()).maxRequests(0).build())
        .hasMessageContaining("endpoint was null")
        .hasMessageContaining("credentials was null")
        .hasMessageContaining("timeouts or maxRequests were set with an okHttpClient")
        .hasMessageContaining("maxRequests was 0");
  }
}
