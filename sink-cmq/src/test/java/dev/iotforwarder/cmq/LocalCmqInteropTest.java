package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.testkit.LocalCmq;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** CmqClient against LocalCmq: two independent implementations of the wire format agree. */
class LocalCmqInteropTest {
  private LocalCmq cmq;
  private CmqClient client;

  @BeforeEach
  void start() {
    cmq = LocalCmq.start().createQueue("q1").createQueue("q2").createTopic("t1");
    cmq.subscribe("t1", "q2", List.of(), List.of());
    client = client(CmqEndpoint.of(cmq.url()), SignatureMethod.HMAC_SHA256, cmq.secretKey());
  }

  @AfterEach
  void stop() {
    client.close();
    cmq.close();
  }

  private CmqClient client(CmqEndpoint endpoint, SignatureMethod method, String key) {
    return CmqClient.builder().endpoint(endpoint).credentials(CmqCredentials.of(cmq.secretId(), key))
        .signatureMethod(method).build();
  }

  @Test
  @DisplayName("every action round-trips, with the exact Content-Type on the wire")
  void everyAction() throws Exception {
    assertThat(client.sendMessage("q1", "one", 0).get(10, TimeUnit.SECONDS)).isNotBlank();
    assertThat(client.batchSendMessage("q1", List.of("two", "thrée &=+"), 0).get(10, TimeUnit.SECONDS)).hasSize(2);
    assertThat(client.publishMessage("t1", "p1", List.of("x"), "a.b").get(10, TimeUnit.SECONDS)).isNotBlank();
    assertThat(client.batchPublishMessage("t1", List.of("p2", "p3"), List.of(), null).get(10, TimeUnit.SECONDS)).hasSize(2);
    assertThat(cmq.bodies("q2")).containsExactly("p1", "p2", "p3");

    Optional<CmqMessage> first = client.receiveMessage("q1", Duration.ZERO).get(10, TimeUnit.SECONDS);
    assertThat(first).map(CmqMessage::body).contains("one");
    client.deleteMessage("q1", first.orElseThrow().receiptHandle()).get(10, TimeUnit.SECONDS);
    List<CmqMessage> rest = client.batchReceiveMessage("q1", 16, Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
    assertThat(rest).extracting(CmqMessage::body).containsExactly("two", "thrée &=+");
    assertThat(rest).allSatisfy(m -> assertThat(m.dequeueCount()).isEqualTo(1));
    assertThat(client.batchDeleteMessage("q1", rest.stream().map(CmqMessage::receiptHandle).toList())
        .get(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(cmq.depth("q1")).isZero();
    assertThat(client.batchReceiveMessage("q1", 16, Duration.ZERO).get(10, TimeUnit.SECONDS)).isEmpty();

    assertThat(cmq.requests()).allSatisfy(r -> {
      assertThat(r.contentType()).isEqualTo("application/x-www-form-urlencoded; charset=utf-8");
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.path()).isEqualTo("/");
    });
    assertThat(cmq.signatureFailures()).isZero();
  }

  @Test
  @DisplayName("the legacy path and HmacSHA1 are accepted; a wrong key is a permanent 4100")
  void pathsAndMethods() throws Exception {
    try (CmqClient legacy = client(CmqEndpoint.of(cmq.url()).withPath("/v2/index.php"), SignatureMethod.HMAC_SHA1,
        cmq.secretKey())) {
      legacy.sendMessage("q1", "m", 0).get(10, TimeUnit.SECONDS);
    }
    assertThat(cmq.requests().get(0).path()).isEqualTo("/v2/index.php");
    try (CmqClient wrong = client(CmqEndpoint.of(cmq.url()), SignatureMethod.HMAC_SHA256, "wrong-key")) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> wrong.sendMessage("q1", "m", 0).get(10, TimeUnit.SECONDS));
      CmqException ce = (CmqException) e.getCause();
      assertThat(ce.code()).isEqualTo(4100);
      assertThat(ce.moduleCode()).isEqualTo(10030);
      assertThat(ce.isRetriable()).isFalse();
    }
  }

  @Test
  @DisplayName("a sink declares maxInFlight for the lane, and its requests never exceed what the client's HTTP"
      + " dispatcher allows")
  void maxInFlight() throws Exception {
    cmq.faultRate(1.0, 1, List.of("BatchSendMessage"), LocalCmq.Fault.delay(Duration.ofMillis(200)));
    java.util.concurrent.atomic.AtomicInteger now = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger max = new java.util.concurrent.atomic.AtomicInteger();
    okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
    dispatcher.setMaxRequests(3);
    okhttp3.OkHttpClient counting = new okhttp3.OkHttpClient.Builder().dispatcher(dispatcher).addInterceptor(chain -> {
      max.accumulateAndGet(now.incrementAndGet(), Math::max);
      try {
        return chain.proceed(chain.request());
      } finally {
        now.decrementAndGet();
      }
    }).build();
    // The lane keeps at most batchLimits().maxInFlight() batches of a sink outstanding (core's lane
    // tests); the sink itself queues nothing, and the host's dispatcher bounds the HTTP calls.
    try (CmqClient host = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).okHttpClient(counting).build();
        CmqSink sink = CmqSink.builder().client(host)
        .queue("q1").maxBatchCount(1).linger(Duration.ZERO).maxInFlight(3).build()) {
      assertThat(sink.batchLimits().maxInFlight()).isEqualTo(3);
      List<java.util.concurrent.CompletableFuture<Void>> fs = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        fs.add(sink.send(CmqSinkTest.msg("d" + i, i)));
      }
      java.util.concurrent.CompletableFuture.allOf(fs.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(30, TimeUnit.SECONDS);
    } finally {
      counting.dispatcher().executorService().shutdown();
    }
    assertThat(max.get()).isEqualTo(3);
    assertThat(cmq.depth("q1")).isEqualTo(12);
  }

  @Test
  @DisplayName("a sink reports a missing queue as permanent and a throttled request as retriable")
  void sinkErrorsThroughLocalCmq() throws Exception {
    try (CmqSink sink = CmqSink.builder().client(client).queue("missing").linger(Duration.ZERO).build()) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> sink.send(CmqSinkTest.msg("a", 1)).get(10, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(PermanentForwardingException.class);
      assertThat(((CmqException) e.getCause().getCause()).code()).isEqualTo(4440);
    }
    cmq.injectFaults(List.of("BatchSendMessage"), LocalCmq.Fault.error(4420));
    try (CmqSink sink = CmqSink.builder().client(client).queue("q1").linger(Duration.ZERO).build()) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> sink.send(CmqSinkTest.msg("a", 1)).get(10, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(dev.iotforwarder.RetriableForwardingException.class);
      sink.send(CmqSinkTest.msg("a", 1)).get(10, TimeUnit.SECONDS);
    }
    assertThat(cmq.depth("q1")).isEqualTo(1);
    assertThat(client.toString()).doesNotContain(cmq.secretKey());
  }
}
