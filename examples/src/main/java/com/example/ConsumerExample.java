package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageDeserializer;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The backend side: reads the envelopes the forwarder wrote, from Kafka and from a CMQ queue, as
 * {@link DeviceMessage}s. Both are at-least-once: deduplicate by ({@code DeviceId}, {@code Seq}) where
 * it matters.
 */
public final class ConsumerExample {
  private ConsumerExample() {}

  public static void main(String[] args) {
    Map<String, Object> kafka = new HashMap<>();
    kafka.put("bootstrap.servers", "ckafka-abc123.ap-guangzhou.ckafka.tencentcloudmq.com:50000");
    kafka.put("security.protocol", "SASL_PLAINTEXT");
    kafka.put("sasl.mechanism", "PLAIN");
    kafka.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"ckafka-abc123#backend\" password=\"" + System.getenv("CKAFKA_PASSWORD") + "\";");
    CmqCredentials credentials = CmqCredentials.of(System.getenv("CMQ_SECRET_ID"), System.getenv("CMQ_SECRET_KEY"));
    try (CmqClient cmq = CmqClient.builder().endpoint(CmqEndpoint.tdmqPublic("gz")).credentials(credentials).build();
        CmqReceiver alarms = receiveCmq(cmq, "alarms",
        m -> System.out.println("alarm from " + m.deviceKey() + ": " + new String(m.payload(), StandardCharsets.UTF_8)))) {
      consumeKafka(kafka, "device-telemetry",
          m -> System.out.println(m.deviceKey() + " seq " + m.seq() + ": " + new String(m.payload(), StandardCharsets.UTF_8)),
          new AtomicBoolean(true));
    }
  }

  /**
   * Reads a Kafka topic in the consumer group {@code device-backend} until {@code running} turns
   * false, handing each message to the handler and committing the offsets after each batch.
   *
   * @param connection {@code bootstrap.servers} and, for CKafka, the SASL settings
   */
  static void consumeKafka(Map<String, Object> connection, String topic, Consumer<DeviceMessage> handler,
      AtomicBoolean running) {
    Map<String, Object> props = new HashMap<>(connection);
    props.putIfAbsent("group.id", "device-backend");
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, DeviceMessage> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new DeviceMessageDeserializer())) {
      consumer.subscribe(List.of(topic));
      while (running.get()) {
        for (ConsumerRecord<String, DeviceMessage> record : consumer.poll(Duration.ofMillis(200))) {
          handler.accept(record.value()); // key: ProductName/DeviceName; one device = one partition
        }
        consumer.commitSync(); // after handling: a crash re-reads, never skips
      }
    }
  }

  /**
   * Starts reading a CMQ queue: each message is decoded, handed to the handler, and deleted from the
   * queue only once the handler returned (if it throws, CMQ delivers the message again later). The
   * receiver uses the client and never closes it: close the client after the receiver.
   */
  static CmqReceiver receiveCmq(CmqClient client, String queue, Consumer<DeviceMessage> handler) {
    return CmqReceiver.builder()
        .client(client)
        .queue(queue)
        .handler((message, raw) -> handler.accept(message))
        .build()
        .start();
  }
}
