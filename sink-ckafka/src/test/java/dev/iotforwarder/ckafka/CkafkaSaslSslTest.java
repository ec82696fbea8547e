package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.testkit.LocalKafka;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code saslSsl(...)} against a LocalKafka SASL_SSL listener whose certificate is made at test time
 * with keytool: the right trust delivers; a client that does not trust the certificate is refused
 * in the handshake (verification is on, as it always is).
 */
@DisplayName("CkafkaSink with saslSsl(instanceId, userName, password)")
class CkafkaSaslSslTest {
  private static final String INSTANCE = "ckafka-tls";
  private static final String USER = "gateway";
  private static final String PASSWORD = "tls-test-password";
  private static LocalKafka kafka;

  @BeforeAll
  static void start() {
    kafka = LocalKafka.builder().saslUser(INSTANCE + "#" + USER, PASSWORD).saslSsl().start();
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  @DisplayName("delivers over TLS with the test certificate trusted")
  void deliversOverTls() throws Exception {
    String topic = kafka.createUniqueTopic("tls", 1);
    assertThat(kafka.saslClientProperties("u", "p")).containsEntry("security.protocol", "SASL_SSL");
    try (CkafkaSink sink = CkafkaSink.builder().bootstrapServers(kafka.saslBootstrapServers())
        .saslSsl(INSTANCE, USER, PASSWORD).producerProperties(kafka.tlsClientProperties())
        .topic(topic).build()) {
      sink.send(Messages.telemetry(7, 1)).get(30, TimeUnit.SECONDS);
    }
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      assertThat(r.readToEnd()).extracting(rec -> EnvelopeCodec.standard().decode(rec.value()))
          .containsExactly(Messages.telemetry(7, 1));
    }
  }

  @Test
  @DisplayName("a client that does not trust the certificate fails the handshake")
  void untrustedCertificateIsRefused() {
    Map<String, Object> p = new HashMap<>(kafka.saslClientProperties(INSTANCE + "#" + USER, PASSWORD));
    p.keySet().removeAll(kafka.tlsClientProperties().keySet()); // the JDK's default trust only
    p.put("max.block.ms", 10_000);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      Throwable failure;
      try {
        producer.send(new ProducerRecord<>("any", new byte[] {1})).get(30, TimeUnit.SECONDS);
        failure = null;
      } catch (ExecutionException e) {
        failure = e.getCause();
      } catch (Exception e) {
        failure = e;
      }
      assertThat(failure).isInstanceOf(SslAuthenticationException.class);
    }
  }
}
