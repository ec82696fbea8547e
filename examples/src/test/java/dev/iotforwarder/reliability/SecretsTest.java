package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqReceiver;
import dev.iotforwarder.cmq.CmqSigner;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import dev.iotforwarder.testkit.LocalKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.event.Level;

/**
 * Secrets. Every test of the suite runs with the capturing SLF4J provider (TRACE for everything but
 * the broker's internals), and {@link ReliabilityExtension} fails a test after which any captured
 * line, scanned exception or scanned {@code toString()} holds the CMQ SecretKey, the STS token or the
 * SASL password, as they are, URL-encoded or Base64-encoded.
 *
 * <p>This test drives the paths that handle the secrets hardest: signed CMQ requests with a token
 * that succeed, are throttled, fail in transport and fail authentication (on the sink, the client
 * and the receiver); SASL logins to Kafka that succeed and that fail (through a forwarder, so the
 * failure reaches the dead-letter sink); a producer that cannot be constructed; and the {@code
 * toString()} of every config. It then checks that the capture really saw those paths.
 */
@ExtendWith(ReliabilityExtension.class)
class SecretsTest {
  private static final String WRONG_KEY_ID = "AKIDreliabilityOtherKey000000000";

  @Test
  @DisplayName("no CMQ SecretKey, STS token or SASL password in any captured log line, exception or toString, through successes and failures")
  void secretsNeverLeak() throws Exception {
    long start = System.nanoTime();
    long scannedBefore = LogCapture.scanned();
    LogCapture.watch("4100");
    LogCapture.watch("Authentication failed");
    LogCapture.watch("sasl.jaas.config = [hidden]");
    List<Object> configs = new ArrayList<>();
    CmqCredentials good = CmqCredentials.of(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY, Secrets.STS_TOKEN);
    // The server knows this SecretId under another key: our requests, signed with our key, fail with 4100.
    CmqCredentials unknownToServer = CmqCredentials.of(WRONG_KEY_ID, Secrets.CMQ_SECRET_KEY, Secrets.STS_TOKEN);
    int deadLettered = 0;
    try (LocalCmq cmq = LocalCmq.builder().credentials(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY)
        .credentials(WRONG_KEY_ID, "a-different-key").start().createQueue("q")) {
      CmqEndpoint endpoint = CmqEndpoint.of(cmq.url());
      configs.add(good);
      configs.add(CmqSigner.of(good));
      configs.add(endpoint);
      try (CmqClient goodClient = CmqClient.builder().endpoint(endpoint).credentials(good).build();
           CmqClient badClient = CmqClient.builder().endpoint(endpoint).credentials(unknownToServer).build();
           CmqClient downClient = CmqClient.builder().endpoint(CmqEndpoint.of("http://127.0.0.1:9")).credentials(good)
               .build();
           CmqSink sink = CmqSink.builder().client(goodClient).queue("q").linger(Duration.ZERO).build();
           CmqSink bad = CmqSink.builder().name("cmq-bad").client(badClient).queue("q").linger(Duration.ZERO).build();
           CmqSink down = CmqSink.builder().name("cmq-down").client(downClient).queue("q").linger(Duration.ZERO)
               .build()) {
        configs.add(sink);
        configs.add(bad);
        sink.send(Devices.publish(1, 1, 10)).get(10, TimeUnit.SECONDS);
        cmq.injectFaults(List.of("BatchSendMessage"), Fault.error(4420), Fault.httpStatus(503), Fault.drop());
        for (int i = 0; i < 3; i++) {
          scanFailure(sink.send(Devices.publish(1, 2 + i, 10)));
        }
        scanFailure(bad.send(Devices.publish(1, 9, 10)));
        scanFailure(down.send(Devices.publish(1, 10, 10)));
      }
      try (CmqClient client = CmqClient.builder().endpoint(endpoint).credentials(unknownToServer).build()) {
        configs.add(client);
        scanFailure(client.batchReceiveMessage("q", 16, Duration.ZERO));
        scanFailure(client.batchDeleteMessage("q", List.of("no-such-handle")));
      }
      try (CmqClient receiverClient = CmqClient.builder().endpoint(endpoint).credentials(unknownToServer).build();
          CmqReceiver receiver = CmqReceiver.builder().client(receiverClient).queue("q")
          .pollingWait(Duration.ofSeconds(1)).maxBackoff(Duration.ofMillis(200)).handler((m, raw) -> { }).build()) {
        configs.add(receiver);
        receiver.start();
        Await.until("the receiver failed to authenticate", Duration.ofSeconds(30), () -> receiver.receiveFailureCount() >= 2);
      }
      assertThat(cmq.signatureFailures()).as("the server rejected the requests signed for the other key").isPositive();
    }

    String otherUser = Secrets.SASL_INSTANCE_ID + "#someone-else";
    try (LocalKafka kafka = LocalKafka.builder().saslUser(Secrets.SASL_USERNAME, Secrets.SASL_PASSWORD)
        .saslUser(otherUser, "not-the-secret").start()) {
      configs.add(kafka);
      String topic = kafka.createUniqueTopic("secrets", 1);
      try (CkafkaSink ok = CkafkaSink.builder().name("sasl-ok").bootstrapServers(kafka.saslBootstrapServers())
          .sasl(Secrets.SASL_INSTANCE_ID, Secrets.SASL_USER, Secrets.SASL_PASSWORD).topic(topic).build()) {
        configs.add(ok);
        ok.send(Devices.status(1, 1)).get(30, TimeUnit.SECONDS);
      }
      // The secret password sent for a user whose password is another: authentication fails.
      DeadLetters dlq = new DeadLetters();
      CkafkaSink wrong = CkafkaSink.builder().name("sasl-wrong").bootstrapServers(kafka.saslBootstrapServers())
          .sasl(Secrets.SASL_INSTANCE_ID, "someone-else", Secrets.SASL_PASSWORD).topic(topic)
          .producerProperty("max.block.ms", 2000).build();
      configs.add(wrong);
      try (Forwarder forwarder = Forwarder.builder().route(wrong).deadLetter(dlq)
          .laneDefaults(LaneOptions.builder().retryPolicy(RetryPolicy.none()).build()).build()) {
        configs.add(forwarder);
        CompletableFuture<ForwardResult> f = forwarder.forward(Devices.status(2, 1));
        scanFailure(f);
        assertThat(f).isCompletedExceptionally();
      }
      assertThat(dlq.letters()).hasSize(1);
      for (DeadLetter l : dlq.letters()) {
        assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class);
        configs.add(l);
        deadLettered++;
      }
    }
    // A producer that cannot be constructed, with the password in its config.
    Throwable ctor = catchThrowable(() -> CkafkaSink.builder().bootstrapServers("127.0.0.1:1").topic("t")
        .sasl(Secrets.SASL_INSTANCE_ID, Secrets.SASL_USER, Secrets.SASL_PASSWORD)
        .producerProperty("linger.ms", "not-a-number").build());
    assertThat(ctor).isNotNull();
    LogCapture.scan("producer construction failure", ctor);
    configs.add(LaneOptions.DEFAULTS);
    configs.add(RetryPolicy.DEFAULT);
    configs.add(EnvelopeCodec.standard());
    LogCapture.scanToString(configs.toArray());

    long scanned = LogCapture.scanned() - scannedBefore;
    Figures.report(new Figures.Row("Secrets", LogCapture.total(), LogCapture.leaks().size(), 0, "n/a", deadLettered,
        Sampler.heapUsed() >> 20, Duration.ofNanos(System.nanoTime() - start),
        scanned + " texts checked by this test (log events, exceptions, " + configs.size() + " toString()s); "
            + "suite-wide so far: " + LogCapture.total() + " log events (" + LogCapture.count(Level.TRACE) + " TRACE, "
            + LogCapture.count(Level.DEBUG) + " DEBUG), 0 leaks"));

    assertThat(LogCapture.count(Level.TRACE)).as("TRACE events were captured").isPositive();
    assertThat(LogCapture.count(Level.DEBUG)).as("DEBUG events were captured").isPositive();
    assertThat(LogCapture.watched("4100")).as("the CMQ authentication failures were logged and checked").isPositive();
    assertThat(LogCapture.watched("Authentication failed")).as("the SASL failures were logged and checked").isPositive();
    assertThat(LogCapture.watched("sasl.jaas.config = [hidden]")).as("the producer's config dump was checked")
        .isPositive();
    assertThat(LogCapture.leaks()).isEmpty();
  }

  private static void scanFailure(CompletableFuture<?> f) {
    Throwable t = catchThrowable(() -> f.get(60, TimeUnit.SECONDS));
    assertThat(t).as("the call failed").isNotNull();
    LogCapture.scan("failure", t);
  }
}
