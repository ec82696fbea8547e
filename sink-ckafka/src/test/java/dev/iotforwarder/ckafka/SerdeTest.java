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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalKafkaExtension.class)
@DisplayName("DeviceMessageSerializer and DeviceMessageDeserializer")
class SerdeTest {

  @Test
  @DisplayName("round-trip through a real broker when configured by class name")
  void roundTrip(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("serde", 1);
    List<DeviceMessage> sent = List.of(Messages.telemetry(1, 1),
        DeviceMessage.status("产品", "d", "18446744073709551615", "SomethingNew", 0),
        DeviceMessage.publish("p", "d", "1", "p/d/x", 2, new byte[0]));
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    p.put("value.serializer", DeviceMessageSerializer.class.getName());
    try (KafkaProducer<String, DeviceMessage> producer = new KafkaProducer<>(p)) {
      for (DeviceMessage m : sent) {
        producer.send(new ProducerRecord<>(topic, m.deviceKey(), m)).get(30, TimeUnit.SECONDS);
      }
    }
    Map<String, Object> c = new HashMap<>();
    c.put("bootstrap.servers", kafka.bootstrapServers());
    c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("value.deserializer", DeviceMessageDeserializer.class.getName());
    List<DeviceMessage> read = new ArrayList<>();
    try (KafkaConsumer<String, DeviceMessage> consumer = new KafkaConsumer<>(c)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (read.size() < sent.size() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(r -> read.add(r.value()));
      }
    }
    assertThat(read).containsExactlyElementsOf(sent);
  }

  @Test
  @DisplayName("writes exactly the codec's bytes; null stays null both ways")
  void bytesAndNulls() {
    DeviceMessage m = Messages.telemetry(2, 3);
    try (DeviceMessageSerializer s = new DeviceMessageSerializer();
        DeviceMessageDeserializer d = new DeviceMessageDeserializer()) {
      assertThat(s.serialize("t", m)).isEqualTo(EnvelopeCodec.standard().encode(m));
      assertThat(d.deserialize("t", s.serialize("t", m))).isEqualTo(m);
      assertThat(s.serialize("t", null)).isNull();
      assertThat(d.deserialize("t", null)).isNull();
    }
  }

  @Test
  @DisplayName("an invalid envelope fails with SerializationException naming the topic and the field")
  void invalidEnvelope() {
    byte[] bad = "{\"MsgType\":\"Publish\"}".getBytes(StandardCharsets.UTF_8);
    try (DeviceMessageDeserializer d = new DeviceMessageDeserializer()) {
      assertThatThrownBy(() -> d.deserialize("orders", bad))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("topic orders")
          .hasCauseInstanceOf(EnvelopeFormatException.class);
    }
  }
}
