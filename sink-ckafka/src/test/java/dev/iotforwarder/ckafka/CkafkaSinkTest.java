package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** CkafkaSink against the real in-process broker. */
@ExtendWith(LocalKafkaExtension.class)
@DisplayName("CkafkaSink")
class CkafkaSinkTest {

  private static CkafkaSinkBuilder sink(LocalKafka kafka) {
    return CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers());
  }

  private static String utf8(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("keys by ProductName/DeviceName, adds no headers by default, and writes the codec's bytes")
  void defaultKeyAndNoHeaders(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("keys", 1);
    DeviceMessage m = Messages.telemetry(42, 7);
    try (CkafkaSink sink = sink(kafka).topic(topic).build()) {
      sink.send(m).get(30, TimeUnit.SECONDS);
    }
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      ConsumerRecord<byte[], byte[]> record = r.readToEnd().get(0);
      assertThat(utf8(record.key())).isEqualTo("p2/d42");
      assertThat(record.value()).isEqualTo(EnvelopeCodec.standard().encode(m));
      assertThat(record.headers().toArray()).isEmpty();
    }
  }

  @Test
  @DisplayName("with headers(true) and KeyStrategy.deviceId(), records carry the envelope fields as headers")
  void headersAndDeviceIdKey(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("headers", 1);
    DeviceMessage m = DeviceMessage.status("产品", "dev-1", "144115205259838664", "Offline", 99);
    try (CkafkaSink sink = sink(kafka).topic(topic).headers(true).key(KeyStrategy.deviceId()).build()) {
      sink.send(m).get(30, TimeUnit.SECONDS);
    }
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      ConsumerRecord<byte[], byte[]> record = r.readToEnd().get(0);
      assertThat(utf8(record.key())).isEqualTo("144115205259838664");
      Map<String, String> headers = new HashMap<>();
      for (Header h : record.headers()) {
        headers.put(h.key(), utf8(h.value()));
      }
      assertThat(headers).containsExactlyInAnyOrderEntriesOf(Map.of(
          "MsgType", "Status", "Event", "Offline", "Topic", "", "Seq", "99",
          "DeviceId", "144115205259838664", "ProductName", "产品", "DeviceName", "dev-1"));
    }
  }

  @Test
  @DisplayName("a message larger than max.request.size fails permanently, and the next messages still flow")
  void tooLarge(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("large", 1);
    try (CkafkaSink sink = sink(kafka).topic(topic).producerProperty("max.request.size", 16 * 1024).build()) {
      sink.send(Messages.telemetry(1, 1)).get(30, TimeUnit.SECONDS);
      DeviceMessage big = DeviceMessage.publish("p", "big", "1", "p/big", 2, new byte[20 * 1024]);
      Throwable failure = Messages.failureOf(sink.send(big));
      assertThat(failure).isInstanceOf(PermanentForwardingException.class)
          .hasMessageContaining("too large").hasMessageContaining("p/big")
          .hasRootCauseInstanceOf(RecordTooLargeException.class);
      assertThat(((PermanentForwardingException) failure).sinkName()).isEqualTo("ckafka");
      for (int i = 3; i < 6; i++) {
        sink.send(Messages.telemetry(1, i)).get(30, TimeUnit.SECONDS);
      }
      assertThat(sink.isHealthy()).isTrue();
    }
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      assertThat(r.readToEnd()).extracting(rec -> EnvelopeCodec.standard().decode(rec.value()).seq())
          .containsExactly(1L, 3L, 4L, 5L);
    }
  }

  @Test
  @DisplayName("with the topic check off, a topic that does not exist fails the send as retriable once delivery.timeout.ms runs out")
  void missingTopic(LocalKafka kafka) throws Exception {
    try (CkafkaSink sink = sink(kafka).topic("no-such-topic").topicCheck(false).producerProperty("max.block.ms", 300)
        .producerProperty("request.timeout.ms", 1000).producerProperty("delivery.timeout.ms", 1500).build()) {
      Throwable failure = Messages.failureOf(sink.send(Messages.telemetry(1, 1)));
      assertThat(failure).isInstanceOf(RetriableForwardingException.class)
          .hasMessageContaining("Not sent").hasMessageContaining("max.block.ms")
          .hasMessageContaining("no-such-topic");
    }
  }

  @Test
  @DisplayName("futures complete on the producer's network thread: the sink adds no thread hop of its own")
  void completesOnTheProducersNetworkThread(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("threads", 1);
    AtomicReference<String> thread = new AtomicReference<>();
    // A long linger keeps the record in the producer's buffer until flush(), so the continuation is
    // attached before the future can complete, and runs on the thread that completes it.
    try (CkafkaSink sink = sink(kafka).name("threads").topic(topic).producerProperty("linger.ms", 60_000).build()) {
      CompletableFuture<Void> sent = sink.send(Messages.telemetry(1, 1));
      assertThat(sent).isNotDone();
      CompletableFuture<Void> ran = sent.thenRun(() -> thread.set(Thread.currentThread().getName()));
      sink.flush().get(30, TimeUnit.SECONDS);
      ran.get(30, TimeUnit.SECONDS);
    }
    assertThat(thread.get()).isEqualTo("kafka-producer-network-thread | iot-forwarder-threads");
  }

  @Test
  @DisplayName("declares that it retries internally and keeps per-device order")
  void declaresCapabilities(LocalKafka kafka) {
    try (CkafkaSink sink = sink(kafka).topic("t").build()) {
      assertThat(sink.retriesInternally()).isTrue();
      assertThat(sink.preservesOrder()).isTrue();
      assertThat(sink.isHealthy()).isTrue();
    }
    try (CkafkaSink unordered = sink(kafka).topic("t").producerProperty("enable.idempotence", "false")
        .producerProperty("acks", "1").build()) {
      assertThat(unordered.preservesOrder()).isFalse();
    }
  }
  @Test
  @DisplayName("the record timestamp is the message's receive time (CreateTime); the producer's clock only without one")
  void recordTimestampIsTheReceiveTime(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("timestamps", 1);
    long received = System.currentTimeMillis() - 3_600_000L; // an hour ago: an old spooled message
    DeviceMessage old = Messages.telemetry(1, 1).withReceivedAtMillis(received);
    DeviceMessage unset = Messages.telemetry(1, 2);
    long before = System.currentTimeMillis();
    try (CkafkaSink sink = sink(kafka).topic(topic).build()) {
      sink.send(old).get(30, TimeUnit.SECONDS);
      sink.send(unset).get(30, TimeUnit.SECONDS);
    }
    long after = System.currentTimeMillis();
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      List<ConsumerRecord<byte[], byte[]>> records = r.readToEnd();
      assertThat(records.get(0).timestamp()).isEqualTo(received);
      assertThat(records.get(0).timestampType())
          .isEqualTo(org.apache.kafka.common.record.TimestampType.CREATE_TIME);
      assertThat(records.get(1).timestamp()).isBetween(before, after);
    }
  }
}
