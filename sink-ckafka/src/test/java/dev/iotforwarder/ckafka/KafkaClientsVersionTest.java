package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the build")
class KafkaClientsVersionTest {
  @Test
  @DisplayName("runs the tests on the kafka-clients version it compiled against (4.x, or 3.9 with -Pkafka-3.9)")
  void clientsVersion() throws Exception {
    String expected = System.getProperty("iotforwarder.expectedKafkaClientsVersion");
    assertThat(expected).as("set by the surefire configuration").isNotBlank();
    assertThat(KafkaProducer.class.getProtectionDomain().getCodeSource().getLocation().getPath())
        .endsWith("kafka-clients-" + expected + ".jar");
    Properties version = new Properties();
    try (InputStream in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      version.load(in);
    }
    assertThat(version.getProperty("version")).isEqualTo(expected);
  }
}
