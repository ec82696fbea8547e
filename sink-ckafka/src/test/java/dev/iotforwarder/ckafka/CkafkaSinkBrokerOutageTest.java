package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.testkit.LocalKafka;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** CkafkaSink while its broker is down: a record the producer cannot take yet is not lost. */
@DisplayName("CkafkaSink during a broker outage")
class CkafkaSinkBrokerOutageTest {

  @Test
  @DisplayName("a record the producer cannot take while the broker is down (no metadata within max.block.ms) is sent once the broker is back, not failed")
  void recordNotTakenDuringOutageIsSentWhenTheBrokerReturns() throws Exception {
    try (LocalKafka kafka = LocalKafka.start()) {
      String topic = kafka.createUniqueTopic("outage", 1);
      kafka.stop();
      RefusedSends.COUNT.set(0);
      try (CkafkaSink sink = CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic)
          .producerProperty("max.block.ms", 200)
          .producerProperty("interceptor.classes", RefusedSends.class.getName())
          .build()) {
        CompletableFuture<CompletableFuture<Void>> sending = new CompletableFuture<>();
        Thread caller = new Thread(() -> sending.complete(sink.send(Messages.telemetry(1, 1))), "outage-caller");
        caller.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (RefusedSends.COUNT.get() < 2) {
          assertThat(System.nanoTime() - deadline).as("the producer refused the record twice within 30 s").isNegative();
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertThat(sending).as("send keeps trying while the broker is down").isNotDone();
        kafka.restart();
        sending.get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
        caller.join(10_000);
      }
      try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
        assertThat(r.readToEnd()).extracting(rec -> EnvelopeCodec.standard().decode(rec.value()).seq())
            .containsExactly(1L);
      }
    }
  }

  /** Counts the sends the producer refused before taking the record (its interceptors see them). */
  public static final class RefusedSends implements ProducerInterceptor<byte[], byte[]> {
    static final AtomicInteger COUNT = new AtomicInteger();

    /** Created by the producer. */
    public RefusedSends() {}

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
      return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
      if (exception != null) {
        COUNT.incrementAndGet();
      }
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }
}
