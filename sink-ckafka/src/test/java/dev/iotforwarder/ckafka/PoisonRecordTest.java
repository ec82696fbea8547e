package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Poison records on a real broker: 50,000 envelopes with 1 % garbage (other producers' bytes,
 * truncated envelopes, another schema, empty values) spread over 3 partitions. The plain deserializer
 * stalls its partition at the first one; the README's pattern with {@link DecodedValueDeserializer}
 * reads to the end, reports every garbage record with its partition and offset and decodes every good one.
 */
@ExtendWith(LocalKafkaExtension.class)
@DisplayName("poison records in a topic")
class PoisonRecordTest {
  private static final int RECORDS = 50_000;
  private static final int PARTITIONS = 3;

  /** Where a record landed, and whether it was garbage. */
  private record Sent(int partition, long offset, boolean garbage, DeviceMessage message) {}

  private static byte[] garbage(int i, byte[] envelope) {
    return switch (i % 4) {
      case 0 -> ("other producer's record " + i).getBytes(StandardCharsets.UTF_8);
      case 1 -> Arrays.copyOf(envelope, envelope.length / 2);
      case 2 -> ("{\"schema\":2,\"device\":\"d" + i + "\"}").getBytes(StandardCharsets.UTF_8);
      default -> new byte[0];
    };
  }

  private static List<Sent> produce(LocalKafka kafka, String topic) throws Exception {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("linger.ms", 5);
    p.put("batch.size", 256 * 1024);
    EnvelopeCodec codec = EnvelopeCodec.standard();
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    List<Boolean> isGarbage = new ArrayList<>();
    List<DeviceMessage> messages = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < RECORDS; i++) {
        DeviceMessage m = Messages.telemetry(i % 100, i);
        byte[] envelope = codec.encode(m);
        boolean bad = i % 100 == 37; // 1 %, in the middle of every partition
        acks.add(producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, bad ? garbage(i, envelope) : envelope)));
        isGarbage.add(bad);
        messages.add(m);
      }
      producer.flush();
      List<Sent> sent = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        var md = acks.get(i).get(30, TimeUnit.SECONDS);
        sent.add(new Sent(md.partition(), md.offset(), isGarbage.get(i), messages.get(i)));
      }
      return sent;
    }
  }

  private static Map<String, Object> consumerProps(LocalKafka kafka, Class<?> valueDeserializer) {
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", kafka.bootstrapServers());
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", valueDeserializer.getName());
    c.put("max.poll.records", 2000);
    return c;
  }

  private static List<TopicPartition> partitions(String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) {
      tps.add(new TopicPartition(topic, i));
    }
    return tps;
  }

  @Test
  @DisplayName("the documented pattern reads to the end: every garbage record reported, every good one decoded")
  void decodedValuePatternReadsPastPoison(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("poison", PARTITIONS);
    List<Sent> sent = produce(kafka, topic);

    Set<String> expectedGarbage = new HashSet<>();
    Map<String, DeviceMessage> expectedGood = new HashMap<>();
    for (Sent s : sent) {
      if (s.garbage()) {
        expectedGarbage.add(s.partition() + "@" + s.offset());
      } else {
        expectedGood.put(s.partition() + "@" + s.offset(), s.message());
      }
    }
    Set<String> reported = new HashSet<>();
    Map<String, DeviceMessage> decoded = new HashMap<>();
    try (KafkaConsumer<String, DecodedValue> consumer =
        new KafkaConsumer<>(consumerProps(kafka, DecodedValueDeserializer.class))) {
      consumer.assign(partitions(topic));
      consumer.seekToBeginning(partitions(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (reported.size() + decoded.size() < RECORDS && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, DecodedValue> r : consumer.poll(Duration.ofMillis(200))) {
          String where = r.partition() + "@" + r.offset();
          if (r.value().isDecoded()) {
            decoded.put(where, r.value().message());
          } else {
            EnvelopeFormatException e = r.value().error().orElseThrow();
            assertThat(e.getMessage()).isNotBlank();
            assertThat(r.value().raw()).isNotNull();
            reported.add(where);
          }
        }
      }
    }
    assertThat(expectedGarbage).hasSize(RECORDS / 100);
    assertThat(reported).isEqualTo(expectedGarbage);
    assertThat(decoded).isEqualTo(expectedGood);
  }

  @Test
  @DisplayName("the plain deserializer fails at the poison offset on every poll, naming partition and offset")
  void plainDeserializerStallsAtThePoisonRecord(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("stall", 1);
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 10; i++) {
        byte[] value = i == 5 ? "not an envelope".getBytes(StandardCharsets.UTF_8)
            : EnvelopeCodec.standard().encode(Messages.telemetry(1, i));
        producer.send(new ProducerRecord<>(topic, 0, null, value)).get(30, TimeUnit.SECONDS);
      }
    }
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, DeviceMessage> consumer =
        new KafkaConsumer<>(consumerProps(kafka, DeviceMessageDeserializer.class))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      int read = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      RecordDeserializationException stalled = null;
      while (stalled == null && System.nanoTime() < deadline) {
        try {
          read += consumer.poll(Duration.ofMillis(200)).count();
        } catch (RecordDeserializationException e) {
          stalled = e;
        }
      }
      assertThat(read).isEqualTo(5);
      assertThat(stalled).isNotNull();
      assertThat(stalled.topicPartition()).isEqualTo(tp);
      assertThat(stalled.offset()).isEqualTo(5);
      assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(200)))
          .isInstanceOf(RecordDeserializationException.class);
      // the way past with the plain deserializer: seek beyond the reported offset
      consumer.seek(tp, stalled.offset() + 1);
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (read < 9 && System.nanoTime() < end) {
        read += consumer.poll(Duration.ofMillis(200)).count();
      }
      assertThat(read).isEqualTo(9);
    }
  }

  @Test
  @DisplayName("DecodedValue keeps the raw bytes and the precise error; tombstones stay null")
  void decodedValueContents() {
    try (DecodedValueDeserializer d = new DecodedValueDeserializer()) {
      DeviceMessage m = Messages.telemetry(3, 4);
      DecodedValue ok = d.deserialize("t", EnvelopeCodec.standard().encode(m));
      assertThat(ok.isDecoded()).isTrue();
      assertThat(ok.message()).isEqualTo(m);
      assertThat(ok.error()).isEmpty();
      byte[] bad = "{\"MsgType\":\"Publish\"}".getBytes(StandardCharsets.UTF_8);
      DecodedValue poison = d.deserialize("t", bad);
      assertThat(poison.isDecoded()).isFalse();
      assertThat(poison.raw()).isEqualTo(bad);
      bad[0] = 'X';
      assertThat(poison.raw()[0]).as("raw bytes are a copy").isEqualTo((byte) '{');
      assertThat(poison.error()).get().extracting(EnvelopeFormatException::field).isNotNull();
      assertThat(poison.messageIfDecoded()).isEmpty();
      assertThatThrownBy(poison::message).isInstanceOf(IllegalStateException.class)
          .hasCauseInstanceOf(EnvelopeFormatException.class);
      assertThat(d.deserialize("t", null)).isNull();
    }
  }
}
