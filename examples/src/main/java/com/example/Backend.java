package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageDeserializer;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqReceiver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The backend side of the demo: reads every destination back while the gateway forwards, the way a
 * real backend would, and feeds each envelope to its {@link Stream} for checking.
 *
 * <ul>
 *   <li>Kafka: one consumer on both topics, with {@link DeviceMessageDeserializer} decoding the
 *       record values (kept as raw bytes too, for the byte-exact check).
 *   <li>CMQ: one {@link CmqReceiver} per queue (one poller each, so a queue is read in order), which
 *       decodes each body and deletes it once handled.
 * </ul>
 */
final class Backend implements AutoCloseable {
  private final Map<String, Stream> kafkaStreams;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread kafkaThread;
  private final Map<CmqReceiver, Stream> receivers = new LinkedHashMap<>();
  private final List<Stream> streams = new ArrayList<>();
  private volatile boolean running = true;

  /**
   * Starts reading.
   *
   * @param kafkaProperties consumer connection properties (bootstrap servers, SASL)
   * @param kafkaTopics each Kafka topic with its partition count and stream
   * @param cmqClient the client for the receivers (not closed here)
   * @param cmqQueues each CMQ queue with its stream
   */
  Backend(Map<String, Object> kafkaProperties, Map<String, Map.Entry<Integer, Stream>> kafkaTopics,
      CmqClient cmqClient, Map<String, Stream> cmqQueues) {
    this.kafkaStreams = new HashMap<>();
    List<TopicPartition> partitions = new ArrayList<>();
    kafkaTopics.forEach((topic, e) -> {
      kafkaStreams.put(topic, e.getValue());
      streams.add(e.getValue());
      for (int p = 0; p < e.getKey(); p++) {
        partitions.add(new TopicPartition(topic, p));
      }
    });
    Map<String, Object> props = new HashMap<>(kafkaProperties);
    props.put("client.id", "demo-backend");
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("max.poll.records", "2000");
    this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.assign(partitions); // no consumer group: this backend reads every partition itself
    consumer.seekToBeginning(partitions);
    this.kafkaThread = new Thread(this::consumeKafka, "demo-backend-kafka");
    kafkaThread.setDaemon(true);
    kafkaThread.start();

    cmqQueues.forEach((queue, stream) -> {
      streams.add(stream);
      receivers.put(CmqReceiver.builder()
          .client(cmqClient)
          .queue(queue)
          .pollers(1)
          .pollingWait(Duration.ofSeconds(1))
          .handler((message, raw) -> stream.accept(raw.body().getBytes(StandardCharsets.UTF_8), message))
          .build()
          .start(), stream);
    });
  }

  private void consumeKafka() {
    DeviceMessageDeserializer deserializer = new DeviceMessageDeserializer();
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          Stream stream = kafkaStreams.get(record.topic());
          DeviceMessage message;
          try {
            message = deserializer.deserialize(record.topic(), record.headers(), record.value());
          } catch (SerializationException e) {
            stream.undecodable(1);
            continue;
          }
          stream.accept(record.value(), message);
        }
      }
    } catch (WakeupException stopping) {
      // close() woke the consumer up
    } catch (RuntimeException e) {
      System.err.println("demo: the Kafka consumer failed: " + e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Every stream, Kafka topics first. */
  List<Stream> streams() {
    return streams;
  }

  /** How many envelopes were read back so far, duplicates included. */
  long received() {
    long n = 0;
    for (Stream s : streams) {
      n += s.received();
    }
    return n;
  }

  /** How many distinct expected envelopes were read back so far. */
  long unique() {
    long n = 0;
    for (Stream s : streams) {
      n += s.unique();
    }
    return n;
  }

  long expected() {
    long n = 0;
    for (Stream s : streams) {
      n += s.expected();
    }
    return n;
  }

  /**
   * Waits until every stream holds everything it should, or until nothing new arrived for {@code
   * quiet} (what is missing by then counts as lost).
   *
   * @param quiet how long without progress ends the wait
   * @return whether every stream is complete
   * @throws InterruptedException if interrupted
   */
  boolean awaitComplete(Duration quiet) throws InterruptedException {
    long last = unique();
    long lastProgress = System.nanoTime();
    for (Stream s : streams) {
      while (!s.complete().await(200, TimeUnit.MILLISECONDS)) {
        long now = unique();
        if (now != last) {
          last = now;
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > quiet.toNanos()) {
          return false;
        }
      }
    }
    return true;
  }

  /** Stops the consumers; afterwards the streams are final. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    receivers.keySet().forEach(CmqReceiver::close);
    try {
      kafkaThread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // A body the receiver could not decode stays in the queue; count it against its stream.
    receivers.forEach((receiver, stream) -> stream.undecodable(receiver.decodeFailureCount()));
  }
}
