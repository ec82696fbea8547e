package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Presence orders by the gateway's receive time (issue 18): a record's timestamp is the message's
 * receive time ({@code CkafkaSink}), kept through a lane retry and a spool replay, so an old {@code
 * Online} replayed from a spool after a newer {@code Offline} was sent does not win.
 */
@ExtendWith(LocalKafkaExtension.class)
@DisplayName("presence by receive time")
class PresenceReceiveTimeTest {
  private static final long MINUTE = 60_000L;

  @TempDir Path tmp;

  /** Online seq 5 received at t0; Offline seq 6 received a minute later; both on one device. */
  private static DeviceMessage online(long receivedAt) {
    return DeviceMessage.status("lamp", "dev-1", "1", "Online", 5).withReceivedAtMillis(receivedAt);
  }

  private static DeviceMessage offline(long receivedAt) {
    return DeviceMessage.status("lamp", "dev-1", "1", "Offline", 6).withReceivedAtMillis(receivedAt);
  }

  /** Runs the presence topology over records (value, record timestamp); returns device 1's state. */
  private DevicePresence presenceAfter(String name, List<Map.Entry<DeviceMessage, Long>> records) {
    StreamsBuilder builder = new StreamsBuilder();
    DevicePresenceTopology.addTo(builder,
        builder.stream("status", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage())),
        NewerRule.withReorderWindow(Duration.ofSeconds(10)));
    try (TopologyTestDriver driver = TestDrivers.of(builder, name, tmp.resolve(name))) {
      TestInputTopic<String, DeviceMessage> in = driver.createInputTopic("status",
          Serdes.String().serializer(), DeviceSerdes.deviceMessage().serializer());
      for (Map.Entry<DeviceMessage, Long> r : records) {
        in.pipeInput(r.getKey().deviceKey(), r.getKey(), Instant.ofEpochMilli(r.getValue()));
      }
      return driver.<String, DevicePresence>getKeyValueStore(DevicePresenceTopology.PRESENCE_STORE)
          .get("1");
    }
  }

  @Test
  @DisplayName("TopologyTestDriver: the replayed Online, timestamped with its receive time, loses to the newer Offline")
  void replayedOnlineLosesByReceiveTime() {
    long t0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    DeviceMessage online = online(t0);
    DeviceMessage offline = offline(t0 + MINUTE);
    // The Offline is sent at once; the Online waited in a spool and is replayed five minutes later.
    DevicePresence byReceiveTime = presenceAfter("by-receive-time", List.of(
        Map.entry(offline, offline.receivedAtMillis()), Map.entry(online, online.receivedAtMillis())));
    assertThat(byReceiveTime.online()).isFalse();
    assertThat(byReceiveTime.seq()).isEqualTo(6);
    assertThat(byReceiveTime.seenAt()).isEqualTo(t0 + MINUTE);

    // What the records carried before the receive time existed: when they were sent. The replayed
    // Online then looks four minutes newer than the Offline, and wins: the bug this closes.
    DevicePresence bySendTime = presenceAfter("by-send-time", List.of(
        Map.entry(offline, t0 + MINUTE), Map.entry(online, t0 + 5 * MINUTE)));
    assertThat(bySendTime.online()).isTrue();
  }

  /** Fails its first send with a retriable error (the lane retries it), then hands on to Kafka. */
  private static final class FirstSendFails implements Sink {
    private final CkafkaSink kafka;
    final AtomicInteger sends = new AtomicInteger();

    FirstSendFails(CkafkaSink kafka) {
      this.kafka = kafka;
    }

    @Override
    public String name() {
      return kafka.name();
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      if (sends.getAndIncrement() == 0) {
        return CompletableFuture.failedFuture(new RetriableForwardingException("broker busy"));
      }
      return kafka.send(message);
    }

    @Override
    public void close() {
      kafka.close();
    }
  }

  private static Clock at(long millis) {
    return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  @Test
  @DisplayName("through CkafkaSink and LocalKafka: after a spool replay and a retry, the record timestamp is the receive time")
  void throughKafkaAfterAReplayAndARetry(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("presence-receive-time", 1);
    long t0 = (System.currentTimeMillis() / 1000 - 600) * 1000; // within the broker's timestamp bounds
    Path spool = tmp.resolve("spool");

    // Gateway A receives the Online at t0, cannot reach its queue, and stops: the Online stays in
    // its spool.
    FlakySink unreachable = FlakySink.builder("kafka").build();
    unreachable.pause();
    try (Forwarder a = Forwarder.builder().route(unreachable).clock(at(t0)).spool(spool)
        .closeTimeout(Duration.ofMillis(100)).build()) {
      a.submit(DeviceMessage.status("lamp", "dev-1", "1", "Online", 5)).accepted()
          .get(30, TimeUnit.SECONDS);
    }

    // A minute later the device, reconnected through gateway B, goes offline: sent at once.
    try (Forwarder b = Forwarder.builder().route(kafkaSink(kafka, topic)).clock(at(t0 + MINUTE))
        .build()) {
      b.forward(DeviceMessage.status("lamp", "dev-1", "1", "Offline", 6)).get(30, TimeUnit.SECONDS);
    }

    // Five minutes after t0 gateway A restarts: it replays the Online, whose first send fails and
    // is retried by the lane.
    FirstSendFails replaying = new FirstSendFails(kafkaSink(kafka, topic));
    try (Forwarder a = Forwarder.builder().route(replaying).clock(at(t0 + 5 * MINUTE)).spool(spool)
        .laneDefaults(LaneOptions.builder().retryPolicy(RetryPolicy.builder()
            .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(50)).build()).build())
        .build()) {
      assertThat(a.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(a.stats().sink("kafka").retries()).isEqualTo(1);
      assertThat(a.stats().spool().replayed()).isEqualTo(1);
    }

    List<ConsumerRecord<byte[], byte[]>> records = readAll(kafka, topic, 2);
    List<Map.Entry<DeviceMessage, Long>> asRead = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      assertThat(r.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
      asRead.add(Map.entry(DeviceSerdes.deviceMessage().deserializer().deserialize(topic, r.value()),
          r.timestamp()));
    }
    assertThat(asRead).extracting(e -> e.getKey().event(), Map.Entry::getValue)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Offline", t0 + MINUTE),
            org.assertj.core.groups.Tuple.tuple("Online", t0)); // the receive time, not t0 + 5 min

    DevicePresence p = presenceAfter("from-kafka", asRead);
    assertThat(p.online()).isFalse();
    assertThat(p.seq()).isEqualTo(6);
  }

  private static CkafkaSink kafkaSink(LocalKafka kafka, String topic) {
    return CkafkaSink.builder().name("kafka").bootstrapServers(kafka.bootstrapServers())
        .topic(topic).build();
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(LocalKafka kafka, String topic,
      int expected) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    props.put("enable.auto.commit", false);
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    assertThat(out).as("records in %s", topic).hasSize(expected);
    return out;
  }
}
