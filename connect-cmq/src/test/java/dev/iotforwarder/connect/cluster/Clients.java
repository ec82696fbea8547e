package dev.iotforwarder.connect.cluster;

import dev.iotforwarder.testkit.LocalKafka;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The tests' own Kafka clients: string keys, byte-array values. */
final class Clients {
  private Clients() {}

  /** A consumer in a group of its own, from the earliest offset. */
  static KafkaConsumer<String, byte[]> consumer(LocalKafka kafka) {
    return new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
        "group.id", "it-" + UUID.randomUUID(), "auto.offset.reset", "earliest", "enable.auto.commit", "false",
        "max.poll.records", "2000"), new StringDeserializer(), new ByteArrayDeserializer());
  }

  static KafkaProducer<String, byte[]> producer(LocalKafka kafka) {
    return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "5"),
        new StringSerializer(), new ByteArraySerializer());
  }
}
