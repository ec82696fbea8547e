package dev.iotforwarder.ckafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A plain KafkaConsumer that reads a whole topic from the beginning, keeping what it read: {@link
 * #readToEnd()} returns every record up to the end offsets as they are at the time of the call.
 */
final class TopicReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

  TopicReader(String bootstrapServers, String topic) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("enable.auto.commit", false);
    props.put("auto.offset.reset", "earliest");
    props.put("max.poll.records", 5000);
    props.put("fetch.min.bytes", 1);
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
      partitions.add(new TopicPartition(topic, p.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads every record written before this call (bounded by 60 s) and returns all read so far. */
  List<ConsumerRecord<byte[], byte[]>> readToEnd() {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && !reached(end)) {
      consumer.poll(Duration.ofMillis(100)).forEach(records::add);
    }
    if (!reached(end)) {
      throw new AssertionError("could not read " + partitions + " to " + end + " within 60 s");
    }
    return new ArrayList<>(records);
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
