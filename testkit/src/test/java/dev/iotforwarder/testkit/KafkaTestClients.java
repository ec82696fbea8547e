package dev.iotforwarder.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for the testkit's own tests. */
final class KafkaTestClients {
  private KafkaTestClients() {}

  static KafkaProducer<String, String> producer(Map<String, Object> connection) {
    Map<String, Object> props = new HashMap<>(connection);
    props.put("acks", "all");
    props.put("enable.idempotence", true);
    props.put("linger.ms", 5);
    props.put("max.block.ms", 10_000);
    props.put("delivery.timeout.ms", 20_000);
    props.put("request.timeout.ms", 10_000);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** Reads every record of the topic from the beginning until {@code expected} arrived or 30 s passed. */
  static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic, int partitions, int expected) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put("enable.auto.commit", false);
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
