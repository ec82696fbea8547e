package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** CkafkaSink inside a Forwarder, against the real in-process broker. */
@ExtendWith(LocalKafkaExtension.class)
@DisplayName("a Forwarder with CkafkaSink")
class ForwarderWithCkafkaTest {

  private static List<DeviceMessage> decode(TopicReader reader) {
    return reader.readToEnd().stream().map(r -> EnvelopeCodec.standard().decode(r.value())).toList();
  }

  @Test
  @DisplayName("routes Status and Publish messages to two topics with the sink's topic router")
  void routesByType(LocalKafka kafka) throws Exception {
    String status = kafka.createUniqueTopic("status", 2);
    String data = kafka.createUniqueTopic("data", 2);
    List<DeviceMessage> sent = new ArrayList<>();
    CkafkaSink sink = CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers())
        .topicRouter(m -> m.isStatus() ? status : data).build();
    try (Forwarder forwarder = Forwarder.builder().route(sink).build()) {
      List<CompletableFuture<ForwardResult>> fs = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        DeviceMessage m = i % 4 == 0
            ? DeviceMessage.status("p", "d" + i, String.valueOf(i), i % 8 == 0 ? "Online" : "Offline", i)
            : Messages.telemetry(i, i);
        sent.add(m);
        fs.add(forwarder.forward(m));
      }
      for (CompletableFuture<ForwardResult> f : fs) {
        assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      }
    }
    try (TopicReader s = new TopicReader(kafka.bootstrapServers(), status);
        TopicReader d = new TopicReader(kafka.bootstrapServers(), data)) {
      assertThat(decode(s)).hasSize(5).allMatch(DeviceMessage::isStatus)
          .containsExactlyInAnyOrderElementsOf(sent.stream().filter(DeviceMessage::isStatus).toList());
      assertThat(decode(d)).hasSize(15).noneMatch(DeviceMessage::isStatus)
          .containsExactlyInAnyOrderElementsOf(sent.stream().filter(m -> !m.isStatus()).toList());
    }
  }

  @Test
  @DisplayName("the caller's future completes on a lane thread of the forwarder, never on the producer's network thread")
  void callersFutureCompletesOnALaneThread(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("lane-threads", 1);
    // A long linger keeps the record in the producer's buffer until the flush, so the continuation is
    // attached before the future can complete, and runs on the thread that completes it.
    CkafkaSink sink = CkafkaSink.builder().name("lane-threads").bootstrapServers(kafka.bootstrapServers())
        .topic(topic).producerProperty("linger.ms", 60_000).build();
    AtomicReference<String> thread = new AtomicReference<>();
    try (Forwarder forwarder = Forwarder.builder().route(sink).build()) {
      CompletableFuture<ForwardResult> forwarded = forwarder.forward(Messages.telemetry(1, 1));
      assertThat(forwarded).isNotDone();
      CompletableFuture<Void> ran = forwarded.thenRun(() -> thread.set(Thread.currentThread().getName()));
      // The lane hands the record to the sink on its own thread, so a flush may come before the
      // producer has the record (which then waits for the linger): flush until the continuation ran.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!ran.isDone()) {
        assertThat(System.nanoTime() - deadline).as("the record was acknowledged within 30 s").isNegative();
        sink.flush(); // not waited for: it also waits for a record the producer does not have yet
        try {
          ran.get(20, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException notYet) {
          // not dispatched before that flush: flush again
        }
      }
      assertThat(forwarded.join().status()).isEqualTo(ForwardResult.Status.DELIVERED);
    }
    assertThat(thread.get()).startsWith("iot-forwarder-lane-threads-")
        .doesNotStartWith("kafka-producer-network-thread");
  }

  @Test
  @DisplayName("with a wrong SASL password, every future fails permanently and every message is dead-lettered with the reason")
  void wrongPasswordDeadLetters(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("sasl-dlq", 1);
    CollectingDeadLetters dlq = new CollectingDeadLetters();
    CkafkaSink sink = CkafkaSink.builder().name("ckafka-sasl").bootstrapServers(kafka.saslBootstrapServers())
        .sasl(LocalKafkaExtension.SASL_INSTANCE_ID, LocalKafkaExtension.SASL_USER, "not-the-password")
        .topic(topic).build();
    List<DeviceMessage> sent = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    try (Forwarder forwarder = Forwarder.builder().route(sink).deadLetter(dlq).build()) {
      List<CompletableFuture<ForwardResult>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        DeviceMessage m = i == 1 ? DeviceMessage.status("p", "d1", "1", "Online", i) : Messages.telemetry(1, i);
        sent.add(m);
        fs.add(forwarder.forward(m));
      }
      for (CompletableFuture<ForwardResult> f : fs) {
        failures.add(Messages.failureOf(f)); // bounded: 30 s, no hang
      }
      SinkStats stats = forwarder.stats().sink("ckafka-sasl");
      assertThat(stats.failed()).isEqualTo(3);
      assertThat(stats.retries()).as("no pipeline retries on top of the producer's").isZero();
    }
    assertThat(failures).allSatisfy(f -> assertThat(f).isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("authentication failed").hasMessageContaining("dead-letter")
        .hasRootCauseInstanceOf(SaslAuthenticationException.class));
    assertThat(dlq.letters()).extracting(DeadLetter::message).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(dlq.letters()).allSatisfy(l -> {
      assertThat(l.sinkName()).isEqualTo("ckafka-sasl");
      assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class)
          .hasRootCauseInstanceOf(SaslAuthenticationException.class);
      assertThat(l.reasonText()).contains("authentication failed").doesNotContain("not-the-password");
    });
  }

  @Test
  @DisplayName("a message over max.request.size is dead-lettered as permanent; the next messages are delivered")
  void tooLargeDeadLettered(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("large-dlq", 1);
    CollectingDeadLetters dlq = new CollectingDeadLetters();
    CkafkaSink sink = CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic)
        .producerProperty("max.request.size", 16 * 1024).build();
    DeviceMessage big = DeviceMessage.publish("p", "d1", "1", "p/d1/big", 1, new byte[20 * 1024]);
    try (Forwarder forwarder = Forwarder.builder().route(sink).deadLetter(dlq).build()) {
      CompletableFuture<ForwardResult> before = forwarder.forward(Messages.telemetry(1, 0));
      CompletableFuture<ForwardResult> large = forwarder.forward(big);
      List<CompletableFuture<ForwardResult>> after = new ArrayList<>();
      for (int i = 2; i < 6; i++) {
        after.add(forwarder.forward(Messages.telemetry(1, i)));
      }
      assertThat(before.get(30, TimeUnit.SECONDS).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(Messages.failureOf(large)).isInstanceOf(PermanentForwardingException.class)
          .hasMessageContaining("too large").hasRootCauseInstanceOf(RecordTooLargeException.class);
      for (CompletableFuture<ForwardResult> f : after) {
        assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      }
      assertThat(forwarder.flush(Duration.ofSeconds(30))).isTrue();
    }
    assertThat(dlq.letters()).singleElement().satisfies(l -> {
      assertThat(l.message()).isEqualTo(big);
      assertThat(l.reason()).isInstanceOf(PermanentForwardingException.class);
    });
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      assertThat(decode(r)).extracting(DeviceMessage::seq).containsExactly(0L, 2L, 3L, 4L, 5L);
    }
  }
}
