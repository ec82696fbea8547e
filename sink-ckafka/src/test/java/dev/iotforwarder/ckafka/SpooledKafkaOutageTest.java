package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a spool, a Kafka outage longer than the producer's {@code delivery.timeout.ms} (3 s here)
 * dead-letters nothing: the records the producer expires are re-sent by the lane, which gates per
 * device so that each device's messages still reach the topic in order.
 */
@DisplayName("CkafkaSink behind a spool during an outage longer than delivery.timeout.ms")
class SpooledKafkaOutageTest {
  private static final int DEVICES = 20;

  @TempDir Path tmp;

  @Test
  @DisplayName("records expired by the producer are re-sent from the spool: 0 dead-lettered, all in the topic, per-device order kept")
  void expiredRecordsAreResentInOrder() throws Exception {
    try (LocalKafka kafka = LocalKafka.start()) {
      String topic = kafka.createUniqueTopic("spooled-outage", 4);
      CkafkaSink sink = CkafkaSink.builder().name("ckafka").bootstrapServers(kafka.bootstrapServers())
          .topic(topic)
          .producerProperty("delivery.timeout.ms", 3000)
          .producerProperty("request.timeout.ms", 1000)
          .producerProperty("linger.ms", 5)
          .producerProperty("max.block.ms", 1000)
          .build();
      CollectingDeadLetters dlq = new CollectingDeadLetters();
      List<DeviceMessage> sent = new ArrayList<>();
      List<CompletableFuture<ForwardResult>> futures = new ArrayList<>();
      ForwarderStats end;
      try (Forwarder f = Forwarder.builder().route(sink).deadLetter(dlq)
          .spool(tmp.resolve("spool"), SpoolOptions.builder().fsyncNever().build())
          .laneDefaults(LaneOptions.builder().retryPolicy(RetryPolicy.builder()
              .initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(500)).build()).build())
          .build()) {
        long seq = 0;
        for (; seq < 200; seq++) {
          DeviceMessage m = Messages.telemetry((int) (seq % DEVICES), seq);
          sent.add(m);
          futures.add(f.forward(m));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        kafka.stop();
        for (; seq < 400; seq++) {
          DeviceMessage m = Messages.telemetry((int) (seq % DEVICES), seq);
          sent.add(m);
          futures.add(f.forward(m));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (f.stats().sink("ckafka").retries() == 0) { // a record expired, and was not final
          assertThat(System.nanoTime() - deadline).as("a record expired within 60 s").isNegative();
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(dlq.letters()).as("nothing dead-lettered during the outage").isEmpty();
        assertThat(f.stats().balanced()).isTrue();

        kafka.restart();
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
        end = f.stats();
      }
      assertThat(dlq.letters()).isEmpty();
      assertThat(end.sink("ckafka").succeeded()).isEqualTo(sent.size());
      assertThat(end.spool().pending()).isZero();
      assertThat(end.balanced()).isTrue();

      Map<String, List<Long>> inTopic = new LinkedHashMap<>();
      Set<String> seen = new HashSet<>();
      try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
        for (ConsumerRecord<byte[], byte[]> rec : r.readToEnd()) {
          DeviceMessage m = EnvelopeCodec.standard().decode(rec.value());
          if (seen.add(m.deviceKey() + "#" + m.seq())) { // at-least-once: a copy may precede a re-send
            inTopic.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
          }
        }
      }
      Map<String, List<Long>> expected = new LinkedHashMap<>();
      for (DeviceMessage m : sent) {
        expected.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      }
      assertThat(inTopic).as("every message, per device in order").isEqualTo(expected);
    }
  }
}
