package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.ckafka.internal.Redaction;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CkafkaSinkBuilder")
class CkafkaSinkBuilderTest {
  private static final String SECRET = "p@ss\"word\\with#specials";

  @Test
  @DisplayName("reports every problem at once")
  void reportsAllProblems() {
    assertThatThrownBy(() -> CkafkaSink.builder().name(" ").producerProperty("value.serializer", "x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid CkafkaSink configuration: ")
        .hasMessageContaining("name was \" \" but must not be blank")
        .hasMessageContaining("topic or topicRouter is required")
        .hasMessageContaining("bootstrapServers was null but is required unless a producer is given")
        .hasMessageContaining("value.serializer was \"x\" but must not be set (the sink sends byte arrays)");
    assertThatThrownBy(() -> CkafkaSink.builder().topic("a").topicRouter(m -> "b").bootstrapServers("x:1")
            .sasl("ckafka-1#bad", "", SECRET).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topic and topicRouter are both set")
        .hasMessageContaining("instanceId was \"ckafka-1#bad\"")
        .hasMessageContaining("userName was \"\" but must not be blank")
        .message().doesNotContain(SECRET);
  }

  @Test
  @DisplayName("with a host's producer, connection settings are refused")
  void hostProducerExcludesSettings() {
    MockProducer<byte[], byte[]> mock = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    assertThatThrownBy(() -> CkafkaSink.builder().producer(mock).topic("t").bootstrapServers("x:1")
            .sasl("ckafka-1", "u", SECRET).producerProperty("linger.ms", 1).build())
        .hasMessageContaining("bootstrapServers was set but a producer was given")
        .hasMessageContaining("sasl/saslSsl was set but a producer was given")
        .hasMessageContaining("producerProperties [linger.ms]")
        .message().doesNotContain(SECRET);
  }

  @Test
  @DisplayName("toString shows the CKafka user and the security protocol but never the password")
  void toStringMasksPassword() {
    try (CkafkaSink sink = CkafkaSink.builder().bootstrapServers("127.0.0.1:9").topic("t")
        .saslSsl("ckafka-abc123", "forwarder", SECRET).build()) {
      assertThat(sink.toString()).contains("ckafka-abc123#forwarder").contains("SASL_SSL")
          .contains("password=****").doesNotContain(SECRET);
    }
  }

  @Test
  @DisplayName("documents its producer defaults")
  void producerDefaults() {
    assertThat(CkafkaSink.producerDefaults()).containsEntry("acks", "all")
        .containsEntry("enable.idempotence", "true").containsEntry("compression.type", "lz4")
        .containsEntry("linger.ms", "5").containsEntry("batch.size", "65536")
        .containsEntry("max.block.ms", "5000");
  }

  @Test
  @DisplayName("a Kafka error whose message held the password is redacted throughout the chain")
  void redaction() {
    KafkaException leaky = new KafkaException("Failed to construct kafka producer",
        new IllegalArgumentException("bad jaas: password=\"" + SECRET + "\"", new IOException("inner " + SECRET)));
    Throwable safe = Redaction.redact(leaky, SECRET);
    StringWriter out = new StringWriter();
    safe.printStackTrace(new PrintWriter(out));
    assertThat(out.toString()).doesNotContain(SECRET).contains("****")
        .contains(IllegalArgumentException.class.getName()).contains(IOException.class.getName());
    KafkaException clean = new KafkaException("nothing secret");
    assertThat(Redaction.redact(clean, SECRET)).isSameAs(clean);
  }
}
