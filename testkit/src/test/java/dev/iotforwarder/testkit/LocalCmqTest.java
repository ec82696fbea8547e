package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LocalCmqTest {
  private final List<LocalCmq> servers = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicLong nonces = new AtomicLong(1);

  private LocalCmq start(LocalCmqBuilder b) {
    LocalCmq cmq = b.start();
    servers.add(cmq);
    return cmq;
  }

  private LocalCmq start() {
    return start(LocalCmq.builder());
  }

  @AfterEach
  void stop() {
    servers.forEach(LocalCmq::close);
  }

  /** A reply: HTTP status and the parsed JSON fields (nested values as text). */
  record Reply(int status, Map<String, Object> json) {
    int code() {
      return ((Number) json.get("code")).intValue();
    }

    String message() {
      return (String) json.get("message");
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list(String name) {
      return (List<Map<String, Object>>) json.get(name);
    }
  }

  private static Object read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          m.put(name, read(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        JsonToken n;
        while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
          l.add(read(p, n));
        }
        return l;
      }
      case VALUE_NUMBER_INT:
        return p.getLongValue();
      default:
        return p.getText();
    }
  }

  /** Signs like any conforming client: sorted raw pairs, HMAC, Base64. */
  private Map<String, String> sign(LocalCmq cmq, String method, String path, String action,
      Map<String, String> actionParams, String signatureMethod, String key) throws Exception {
    TreeMap<String, String> p = new TreeMap<>(actionParams);
    p.put("Action", action);
    p.put("SecretId", cmq.secretId());
    p.put("Nonce", Long.toString(nonces.incrementAndGet()));
    p.put("Timestamp", Long.toString(System.currentTimeMillis() / 1000));
    if (signatureMethod != null) {
      p.put("SignatureMethod", signatureMethod);
    }
    StringBuilder s = new StringBuilder(method).append("127.0.0.1:").append(cmq.port()).append(path).append('?');
    String sep = "";
    for (Map.Entry<String, String> e : p.entrySet()) {
      s.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = "&";
    }
    String alg = "HmacSHA256".equals(signatureMethod) ? "HmacSHA256" : "HmacSHA1";
    Mac mac = Mac.getInstance(alg);
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), alg));
    Map<String, String> signed = new LinkedHashMap<>(p);
    signed.put("Signature", Base64.getEncoder().encodeToString(mac.doFinal(s.toString().getBytes(StandardCharsets.UTF_8))));
    return signed;
  }

  private static String form(Map<String, String> p) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : p.entrySet()) {
      if (sb.length() > 0) {
        sb.append('&');
      }
      sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  private Reply send(HttpRequest request) throws Exception {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    Map<String, Object> json = Map.of();
    if (r.body().startsWith("{")) {
      try (JsonParser p = new JsonFactory().createParser(r.body())) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) read(p, p.nextToken());
        json = m;
      }
    }
    return new Reply(r.statusCode(), json);
  }

  private Reply post(LocalCmq cmq, String action, Map<String, String> params) throws Exception {
    return post(cmq, "/", action, params, "HmacSHA256", "application/x-www-form-urlencoded");
  }

  private Reply post(LocalCmq cmq, String path, String action, Map<String, String> params,
      String signatureMethod, String contentType) throws Exception {
    Map<String, String> signed = sign(cmq, "POST", path, action, params, signatureMethod, cmq.secretKey());
    return send(HttpRequest.newBuilder(URI.create(cmq.url() + path))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(form(signed))).build());
  }

  private static Map<String, String> batch(String nameParam, String name, String prefix, List<String> values, int first) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(nameParam, name);
    for (int i = 0; i < values.size(); i++) {
      p.put(prefix + "." + (i + first), values.get(i));
    }
    return p;
  }

  @Nested
  @DisplayName("as a queue")
  class Queues {
    @Test
    @DisplayName("sends, receives and deletes with the documented reply shapes")
    void roundTrip() throws Exception {
      LocalCmq cmq = start().createQueue("q1");
      Reply sent = post(cmq, "BatchSendMessage", batch("queueName", "q1", "msgBody", List.of("a", "b&=+ é", "c"), 1));
      assertThat(sent.code()).isZero();
      assertThat(sent.json()).containsKeys("requestId", "message");
      assertThat(sent.list("msgList")).hasSize(3).allSatisfy(m -> assertThat(m).containsKey("msgId"));
      assertThat(cmq.bodies("q1")).containsExactly("a", "b&=+ é", "c");

      Reply got = post(cmq, "BatchReceiveMessage", Map.of("queueName", "q1", "numOfMsg", "2"));
      assertThat(got.code()).isZero();
      List<Map<String, Object>> msgs = got.list("msgInfoList");
      assertThat(msgs).extracting(m -> m.get("msgBody")).containsExactly("a", "b&=+ é");
      assertThat(msgs.get(0)).containsKeys("msgId", "receiptHandle", "enqueueTime", "nextVisibleTime",
          "firstDequeueTime", "dequeueCount");

      Reply one = post(cmq, "ReceiveMessage", Map.of("queueName", "q1"));
      assertThat(one.json()).containsEntry("msgBody", "c");

      Reply deleted = post(cmq, "BatchDeleteMessage", batch("queueName", "q1", "receiptHandle",
          List.of((String) msgs.get(0).get("receiptHandle"), (String) msgs.get(1).get("receiptHandle")), 1));
      assertThat(deleted.code()).isZero();
      assertThat(post(cmq, "DeleteMessage", Map.of("queueName", "q1",
          "receiptHandle", (String) one.json().get("receiptHandle"))).code()).isZero();
      assertThat(cmq.depth("q1")).isZero();
      assertThat(cmq.storedCount("q1")).isEqualTo(3);
      assertThat(cmq.deletedCount("q1")).isEqualTo(3);

      Reply empty = post(cmq, "ReceiveMessage", Map.of("queueName", "q1"));
      assertThat(empty.code()).isEqualTo(7000);
      assertThat(empty.message()).isEqualTo("(10200)no message");
      assertThat(cmq.requestCount("BatchSendMessage")).isEqualTo(1);
      assertThat(cmq.replyCount(7000)).isEqualTo(1);
    }

    @Test
    @DisplayName("a received message stays hidden for the visibility timeout, then comes back with a new handle")
    void visibility() throws Exception {
      MutableClock clock = new MutableClock();
      LocalCmq cmq = start(LocalCmq.builder().clock(clock)).createQueue("q", Duration.ofSeconds(30));
      post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "m"));
      Reply first = post(cmq, "ReceiveMessage", Map.of("queueName", "q"));
      assertThat(first.json()).containsEntry("dequeueCount", 1L);
      assertThat(post(cmq, "ReceiveMessage", Map.of("queueName", "q")).code()).isEqualTo(7000);
      clock.advance(Duration.ofSeconds(31));
      Reply second = post(cmq, "ReceiveMessage", Map.of("queueName", "q"));
      assertThat(second.json()).containsEntry("msgBody", "m").containsEntry("dequeueCount", 2L);
      assertThat(second.json().get("receiptHandle")).isNotEqualTo(first.json().get("receiptHandle"));
      Reply stale = post(cmq, "DeleteMessage", Map.of("queueName", "q",
          "receiptHandle", (String) first.json().get("receiptHandle")));
      assertThat(stale.code()).isEqualTo(4430);
      clock.advance(Duration.ofSeconds(31));
      Reply expired = post(cmq, "DeleteMessage", Map.of("queueName", "q",
          "receiptHandle", (String) second.json().get("receiptHandle")));
      assertThat(expired.code()).as("a handle is invalid after its visibility timeout").isEqualTo(4430);
      assertThat(cmq.depth("q")).isEqualTo(1);
    }

    @Test
    @DisplayName("a receive with pollingWaitSeconds waits for a message that arrives meanwhile")
    void longPolling() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      CompletableFuture<Reply> waiting = CompletableFuture.supplyAsync(() -> {
        try {
          return post(cmq, "BatchReceiveMessage", Map.of("queueName", "q", "numOfMsg", "16", "pollingWaitSeconds", "20"));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (cmq.requestCount("BatchReceiveMessage") == 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "late"));
      Reply r = waiting.get(20, TimeUnit.SECONDS);
      assertThat(r.code()).isZero();
      assertThat(r.list("msgInfoList")).extracting(m -> m.get("msgBody")).containsExactly("late");
    }

    @Test
    @DisplayName("delaySeconds keeps a message invisible until it is due")
    void delay() throws Exception {
      MutableClock clock = new MutableClock();
      LocalCmq cmq = start(LocalCmq.builder().clock(clock)).createQueue("q");
      post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "m", "delaySeconds", "10"));
      assertThat(post(cmq, "ReceiveMessage", Map.of("queueName", "q")).code()).isEqualTo(7000);
      clock.advance(Duration.ofSeconds(10));
      assertThat(post(cmq, "ReceiveMessage", Map.of("queueName", "q")).json()).containsEntry("msgBody", "m");
    }
  }

  @Nested
  @DisplayName("checks parameters")
  class Parameters {
    @Test
    @DisplayName("batches: 1 to 16, consecutive indexes from 0 or 1, bodies not empty, sizes")
    void batches() throws Exception {
      LocalCmq cmq = start(LocalCmq.builder().maxMsgSize(10).maxBatchBytes(25).maxRequestBytes(4000))
          .createQueue("q");
      List<String> seventeen = new ArrayList<>();
      for (int i = 0; i < 17; i++) {
        seventeen.add("m");
      }
      assertThat(post(cmq, "BatchSendMessage", batch("queueName", "q", "msgBody", seventeen, 1)).message())
          .startsWith("(10370)");
      Map<String, String> gap = batch("queueName", "q", "msgBody", List.of("a", "b"), 1);
      gap.put("msgBody.4", "d");
      Reply gapReply = post(cmq, "BatchSendMessage", gap);
      assertThat(gapReply.code()).isEqualTo(4000);
      assertThat(gapReply.message()).startsWith("(10380)");
      assertThat(post(cmq, "BatchSendMessage", batch("queueName", "q", "msgBody", List.of("a", "b"), 0)).code())
          .as("indexes may start at 0").isZero();
      assertThat(post(cmq, "BatchSendMessage", batch("queueName", "q", "msgBody", List.of("a", "b"), 2)).message())
          .startsWith("(10380)");
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "")).message()).startsWith("(10120)");
      Reply big = post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "12345678901"));
      assertThat(big.code()).isEqualTo(4400);
      assertThat(big.message()).startsWith("(10230)");
      Reply total = post(cmq, "BatchSendMessage", batch("queueName", "q", "msgBody",
          List.of("1234567890", "1234567890", "1234567890"), 1));
      assertThat(total.code()).isEqualTo(4470);
      assertThat(total.message()).startsWith("(10300)");
      Reply huge = post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "x".repeat(5000)));
      assertThat(huge.code()).isEqualTo(4000);
      assertThat(huge.message()).startsWith("(10420)");
      assertThat(cmq.storedCount("q")).isEqualTo(2);
    }

    @Test
    @DisplayName("names, missing queues and topics, unknown actions, numOfMsg and pollingWaitSeconds")
    void names() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "1bad", "msgBody", "m")).message()).startsWith("(10020)");
      Reply missing = post(cmq, "SendMessage", Map.of("queueName", "nope", "msgBody", "m"));
      assertThat(missing.code()).isEqualTo(4440);
      assertThat(missing.message()).startsWith("(10100)");
      assertThat(post(cmq, "PublishMessage", Map.of("topicName", "nope", "msgBody", "m")).code()).isEqualTo(4440);
      assertThat(post(cmq, "CreateTopic", Map.of("topicName", "t")).message()).startsWith("(10430)");
      assertThat(post(cmq, "BatchReceiveMessage", Map.of("queueName", "q", "numOfMsg", "17")).message())
          .startsWith("(10370)");
      assertThat(post(cmq, "ReceiveMessage", Map.of("queueName", "q", "pollingWaitSeconds", "31")).code())
          .isEqualTo(4000);
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q")).message()).startsWith("(10010)");
    }
  }

  @Nested
  @DisplayName("verifies signatures")
  class Signatures {
    @Test
    @DisplayName("HmacSHA1 when SignatureMethod is missing, on /v2/index.php, with the Java SDK's Content-Type")
    void sha1AndLegacyPath() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      Reply r = post(cmq, "/v2/index.php", "SendMessage", Map.of("queueName", "q", "msgBody", "m"), null,
          "*/*;charset=utf-8");
      assertThat(r.code()).isZero();
      Reply explicit = post(cmq, "/v2/index.php", "SendMessage", Map.of("queueName", "q", "msgBody", "m"), "HmacSHA1",
          "text/plain");
      assertThat(explicit.code()).isZero();
      assertThat(cmq.requests()).extracting(LocalCmq.RecordedRequest::contentType)
          .containsExactly("*/*;charset=utf-8", "text/plain");
    }

    @Test
    @DisplayName("GET with every parameter in the query string")
    void get() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      Map<String, String> signed = sign(cmq, "GET", "/", "SendMessage", Map.of("queueName", "q", "msgBody", "a b"),
          "HmacSHA256", cmq.secretKey());
      Reply r = send(HttpRequest.newBuilder(URI.create(cmq.url() + "/?" + form(signed))).GET().build());
      assertThat(r.code()).isZero();
      assertThat(cmq.bodies("q")).containsExactly("a b");
    }

    @Test
    @DisplayName("rejects a wrong key, an unknown SecretId, one without AKID, a reused nonce and the wrong path")
    void rejects() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      Map<String, String> wrongKey = sign(cmq, "POST", "/", "SendMessage", Map.of("queueName", "q", "msgBody", "m"),
          "HmacSHA256", "not-the-key");
      Reply bad = send(HttpRequest.newBuilder(URI.create(cmq.url() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString(form(wrongKey))).build());
      assertThat(bad.code()).isEqualTo(4100);
      assertThat(bad.message()).startsWith("(10030)");

      Map<String, String> signedForV2 = sign(cmq, "POST", "/v2/index.php", "SendMessage",
          Map.of("queueName", "q", "msgBody", "m"), "HmacSHA256", cmq.secretKey());
      Reply wrongPath = send(HttpRequest.newBuilder(URI.create(cmq.url() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString(form(signedForV2))).build());
      assertThat(wrongPath.code()).as("the path is signed").isEqualTo(4100);

      Map<String, String> good = sign(cmq, "POST", "/", "SendMessage", Map.of("queueName", "q", "msgBody", "m"),
          "HmacSHA256", cmq.secretKey());
      HttpRequest once = HttpRequest.newBuilder(URI.create(cmq.url() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString(form(good))).build();
      assertThat(send(once).code()).isZero();
      assertThat(send(once).code()).as("the same signed request again").isEqualTo(4100);

      Map<String, String> unknown = new HashMap<>(good);
      unknown.put("SecretId", "AKIDsomebodyElse");
      assertThat(send(HttpRequest.newBuilder(URI.create(cmq.url() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString(form(unknown))).build()).message()).startsWith("(10270)");
      unknown.put("SecretId", "XYZ");
      assertThat(send(HttpRequest.newBuilder(URI.create(cmq.url() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString(form(unknown))).build()).message()).startsWith("(10450)");

      assertThat(send(HttpRequest.newBuilder(URI.create(cmq.url() + "/other"))
          .POST(HttpRequest.BodyPublishers.ofString(form(good))).build()).status()).isEqualTo(404);
      assertThat(cmq.signatureFailures()).isEqualTo(4);
      assertThat(cmq.storedCount("q")).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("as a topic")
  class Topics {
    @Test
    @DisplayName("delivers into subscribed queues by filter tags and binding keys")
    void routing() throws Exception {
      LocalCmq cmq = start().createQueue("status").createQueue("all").createQueue("routed").createTopic("t");
      cmq.subscribe("t", "status", List.of("Status"), List.of());
      cmq.subscribe("t", "all", List.of(), List.of());
      cmq.subscribe("t", "routed", List.of(), List.of("prod.*", "other.#"));

      Map<String, String> p = batch("topicName", "t", "msgBody", List.of("s1", "s2"), 1);
      p.put("msgTag.1", "Status");
      p.put("routingKey", "prod.dev1");
      Reply r = post(cmq, "BatchPublishMessage", p);
      assertThat(r.code()).isZero();
      assertThat(r.list("msgList")).hasSize(2);

      Map<String, String> q = new LinkedHashMap<>(Map.of("topicName", "t", "msgBody", "p1", "msgTag.1", "Publish",
          "routingKey", "other.a.b"));
      assertThat(post(cmq, "PublishMessage", q).code()).isZero();
      Map<String, String> noKey = new LinkedHashMap<>(Map.of("topicName", "t", "msgBody", "p2", "msgTag.1", "Publish",
          "routingKey", "prod.a.b"));
      assertThat(post(cmq, "PublishMessage", noKey).code()).isZero();

      assertThat(cmq.bodies("status")).containsExactly("s1", "s2");
      assertThat(cmq.bodies("all")).containsExactly("s1", "s2", "p1", "p2");
      assertThat(cmq.bodies("routed")).containsExactly("s1", "s2", "p1");
    }

    @Test
    @DisplayName("6030 when the topic has no subscription or none matches")
    void noSubscriber() throws Exception {
      LocalCmq cmq = start().createQueue("q").createTopic("empty").createTopic("t");
      Reply none = post(cmq, "PublishMessage", Map.of("topicName", "empty", "msgBody", "m"));
      assertThat(none.code()).isEqualTo(6030);
      assertThat(none.message()).startsWith("(10650)");
      cmq.subscribe("t", "q", List.of("a"), List.of());
      Reply noMatch = post(cmq, "PublishMessage", Map.of("topicName", "t", "msgBody", "m", "msgTag.1", "b"));
      assertThat(noMatch.message()).startsWith("(10730)");
      Map<String, String> sixTags = batch("topicName", "t", "msgTag", List.of("a", "b", "c", "d", "e", "f"), 1);
      sixTags.put("msgBody", "m");
      assertThat(post(cmq, "PublishMessage", sixTags).message()).startsWith("(10720)");
    }
  }

  @Nested
  @DisplayName("injects faults")
  class Faults {
    @Test
    @DisplayName("a scripted sequence of codes, HTTP statuses and dropped connections, only for chosen actions")
    void scripted() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      cmq.injectFaults(List.of("SendMessage"), Fault.error(4420), Fault.httpStatus(503), Fault.drop());
      assertThat(post(cmq, "ReceiveMessage", Map.of("queueName", "q")).code()).as("not a faulted action").isEqualTo(7000);
      Reply throttled = post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "1"));
      assertThat(throttled.code()).isEqualTo(4420);
      assertThat(throttled.message()).startsWith("(10250)");
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "2")).status()).isEqualTo(503);
      assertThatThrownBy(() -> post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "3")))
          .isInstanceOf(IOException.class);
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "4")).code()).isZero();
      assertThat(cmq.bodies("q")).containsExactly("4");
      assertThat(cmq.faultsInjected()).isEqualTo(3);
    }

    @Test
    @DisplayName("a seeded rate faults some requests and lets the rest through")
    void rate() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      cmq.faultRate(0.5, 42, List.of(), Fault.error(6000), Fault.error(4420));
      int ok = 0;
      for (int i = 0; i < 40; i++) {
        Reply r = post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "m" + i));
        if (r.code() == 0) {
          ok++;
        } else {
          assertThat(r.code()).isIn(6000, 4420);
        }
      }
      assertThat(ok).isBetween(1, 39);
      assertThat(cmq.storedCount("q")).isEqualTo(ok);
      assertThat(cmq.faultsInjected()).isEqualTo(40 - ok);
      cmq.clearFaults();
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "x")).code()).isZero();
    }

    @Test
    @DisplayName("a batch delete that fails in part answers 6010 with an errorList")
    void partialDelete() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      post(cmq, "BatchSendMessage", batch("queueName", "q", "msgBody", List.of("a", "b", "c"), 1));
      List<Map<String, Object>> got = post(cmq, "BatchReceiveMessage", Map.of("queueName", "q", "numOfMsg", "3"))
          .list("msgInfoList");
      List<String> handles = got.stream().map(m -> (String) m.get("receiptHandle")).toList();
      cmq.injectFaults(List.of("BatchDeleteMessage"), Fault.deleteFailures(2, 6000));
      Reply r = post(cmq, "BatchDeleteMessage", batch("queueName", "q", "receiptHandle", handles, 1));
      assertThat(r.code()).isEqualTo(6010);
      assertThat(r.list("errorList")).extracting(e -> e.get("receiptHandle")).containsExactly(handles.get(0), handles.get(1));
      assertThat(r.list("errorList")).extracting(e -> e.get("code")).containsOnly(6000L);
      assertThat(cmq.bodies("q")).containsExactly("a", "b");
      Reply all = post(cmq, "BatchDeleteMessage", batch("queueName", "q", "receiptHandle", List.of("h0-0", "h0-1"), 1));
      assertThat(all.code()).isEqualTo(6020);
    }

    @Test
    @DisplayName("CmqFault and RecordedCmqRequest work where LocalCmq.Fault and LocalCmq.RecordedRequest did")
    void newNames() throws Exception {
      LocalCmq cmq = start().createQueue("q");
      CmqFault throttled = CmqFault.error(4420);
      assertThat(throttled.kind()).isEqualTo(CmqFault.Kind.ERROR);
      assertThat(throttled.moduleCode()).isEqualTo(10250);
      assertThat(Fault.error(4420)).hasToString("Fault.error(4420, 10250)").hasToString(throttled.toString());
      assertThat(CmqFault.deleteFailures(2, 6000)).extracting(CmqFault::count, CmqFault::code, CmqFault::moduleCode)
          .containsExactly(2, 6000, 10050);
      assertThat(CmqFault.delay(Duration.ofMillis(5)).delay()).isEqualTo(Duration.ofMillis(5));
      assertThat(CmqFault.httpStatus(502).httpStatus()).isEqualTo(502);
      cmq.injectFaults(List.of("SendMessage"), throttled, CmqFault.httpStatus(502));
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "1")).code()).isEqualTo(4420);
      assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "2")).status()).isEqualTo(502);
      List<RecordedCmqRequest> recorded = cmq.requests();
      assertThat(recorded).extracting(RecordedCmqRequest::action, RecordedCmqRequest::code, RecordedCmqRequest::httpStatus)
          .containsExactly(tuple("SendMessage", 4420, 200), tuple("SendMessage", -1, 502));
      LocalCmq.RecordedRequest old = recorded.get(0);
      assertThat(old.params()).containsEntry("msgBody", "1").containsEntry("queueName", "q");
      assertThatThrownBy(() -> recorded.get(0).params().put("x", "y"))
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Test
  @DisplayName("close() stops the server")
  void close() throws Exception {
    LocalCmq cmq = start().createQueue("q");
    assertThat(post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "m")).code()).isZero();
    cmq.close();
    cmq.close();
    assertThatThrownBy(() -> post(cmq, "SendMessage", Map.of("queueName", "q", "msgBody", "m")))
        .isInstanceOf(IOException.class);
  }

  @Test
  @DisplayName("the builder lists every invalid setting")
  void builderValidation() {
    assertThatThrownBy(() -> LocalCmq.builder().port(-1).maxMsgSize(0).credentials("bad", "k").start())
        .hasMessage("Invalid LocalCmq configuration: port was -1 but must be in [0, 65535]; "
            + "maxMsgSize was 0 but must be >= 1; secretId was bad but must start with AKID");
  }

  /** A clock that tests move by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
