package dev.iotforwarder.streams;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageSerializer;
import dev.iotforwarder.testkit.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;

/**
 * A measurement, not a test (docs/performance.md): the presence topology's throughput on LocalKafka,
 * one and two instances in this JVM, exactly_once_v2. Pre-produces the input (1,000 devices, 8
 * partitions), then times from start() until the application's committed offsets reach the end of
 * the input and of its repartition topics.
 *
 * <p>Run: {@code java -cp <test classpath> dev.iotforwarder.streams.PresenceThroughput [messages]}.
 */
public final class PresenceThroughput {
  private PresenceThroughput() {}

  /**
   * Runs the measurement.
   *
   * @param args the number of messages (default 200,000)
   * @throws Exception if the broker or a client fails
   */
  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    try (LocalKafka kafka = LocalKafka.start()) {
      kafka.createTopic("status", 8);
      produce(kafka, messages);
      for (int instances : new int[] {1, 2, 1, 2}) {
        double seconds = run(kafka, instances, "presence-" + instances + "-" + System.nanoTime());
        System.out.printf("instances=%d messages=%d seconds=%.1f msg/s=%.0f%n", instances, messages, seconds,
            messages / seconds);
      }
    }
  }

  private static void produce(LocalKafka kafka, int messages) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    long base = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
    try (KafkaProducer<String, DeviceMessage> producer =
        new KafkaProducer<>(p, new StringSerializer(), new DeviceMessageSerializer())) {
      for (int i = 0; i < messages; i++) {
        int device = i % 1000;
        long seq = i / 1000;
        DeviceMessage m = DeviceMessage.status("p" + device % 5, "d" + device, Integer.toString(device),
            seq % 2 == 0 ? "Online" : "Offline", seq);
        producer.send(new ProducerRecord<>("status", null, base + i, "p/d" + device, m));
      }
    }
  }

  private static double run(LocalKafka kafka, int instances, String appId) throws Exception {
    List<KafkaStreams> all = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < instances; i++) {
      StreamsBuilder builder = new StreamsBuilder();
      DevicePresenceTopology.addTo(builder,
          builder.stream("status", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage())),
          NewerRule.withReorderWindow(Duration.ofSeconds(10)));
      Properties props = new Properties();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("presence-throughput-").toString());
      props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      KafkaStreams s = new KafkaStreams(builder.build(), props);
      s.start();
      all.add(s);
    }
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      while (!caughtUp(admin, appId)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      all.forEach(s -> s.close(Duration.ofSeconds(30))); // their threads would keep the JVM alive
    }
  }

  /** Whether the group's committed offsets reach the end of every topic it reads. */
  private static boolean caughtUp(Admin admin, String appId) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
    List<String> topics = List.of("status", appId + "-iotf-presence-by-device-repartition",
        appId + "-iotf-online-deltas-repartition");
    Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
    for (String t : topics) {
      for (int p = 0; p < 8; p++) {
        ask.put(new TopicPartition(t, p), OffsetSpec.latest());
      }
    }
    Map<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> ends;
    try {
      ends = admin.listOffsets(ask).all().get();
    } catch (java.util.concurrent.ExecutionException notYetCreated) {
      return false; // the application has not created its repartition topics yet
    }
    for (var e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      if (e.getValue().offset() == 0) {
        continue; // a partition nothing was written to (the deltas go to 5 products' partitions)
      }
      // Under exactly_once_v2 the end holds one transaction marker past the last record.
      if (c == null || c.offset() < e.getValue().offset() - (e.getKey().topic().equals("status") ? 0 : 1)) {
        return false;
      }
    }
    return true;
  }
}
