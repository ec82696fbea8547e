package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.RoundRobinPartitioner;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How the sink maps what the producer reports, with Kafka's MockProducer as the host's producer. */
@DisplayName("CkafkaSink error mapping and lifecycle (MockProducer)")
class CkafkaSinkErrorMappingTest {

  private static MockProducer<byte[], byte[]> mock() {
    return new MockProducer<>(false, new RoundRobinPartitioner(), new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static CkafkaSink sink(MockProducer<byte[], byte[]> producer) {
    return CkafkaSink.builder().name("mock").producer(producer).topic("t").closeTimeout(Duration.ofMillis(200)).build();
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of(new SaslAuthenticationException("Authentication failed"), PermanentForwardingException.class, "authentication failed"),
        Arguments.of(new TopicAuthorizationException("Not authorized to access topics: [t]"), PermanentForwardingException.class, "authorization failed"),
        Arguments.of(new RecordBatchTooLargeException("batch too large"), PermanentForwardingException.class, "too large"),
        Arguments.of(new InvalidTopicException("bad name"), PermanentForwardingException.class, "Invalid Kafka topic"),
        Arguments.of(new UnsupportedVersionException("old broker"), PermanentForwardingException.class, "kafka-clients 3.9"),
        Arguments.of(new TimeoutException("Expiring 1 record(s) for t-0:120000 ms has passed since batch creation"),
            RetriableForwardingException.class, "did not acknowledge the record within delivery.timeout.ms"),
        Arguments.of(new NotEnoughReplicasException("not enough"), RetriableForwardingException.class, "Kafka send failed"),
        Arguments.of(new KafkaException("Producer is closed forcefully."), RetriableForwardingException.class, "producer failed"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("errors")
  @DisplayName("maps each Kafka failure to a permanent or retriable ForwardingException with context and cause")
  void mapsErrors(RuntimeException kafkaError, Class<? extends ForwardingException> expected, String text) throws Exception {
    MockProducer<byte[], byte[]> producer = mock();
    try (CkafkaSink sink = sink(producer)) {
      CompletableFuture<Void> f = sink.send(Messages.telemetry(3, 17));
      assertThat(f).isNotDone();
      assertThat(producer.errorNext(kafkaError)).isTrue();
      Throwable failure = Messages.failureOf(f);
      assertThat(failure).isInstanceOf(expected).hasMessageContaining(text)
          .hasMessageContaining("sink 'mock'").hasMessageContaining("topic t")
          .hasMessageContaining("device p3/d3").hasMessageContaining("seq 17")
          .hasCause(kafkaError);
      assertThat(((ForwardingException) failure).sinkName()).isEqualTo("mock");
    }
  }

  @Test
  @DisplayName("an authentication failure makes the sink unhealthy until the next success")
  void healthFollowsCredentials() throws Exception {
    MockProducer<byte[], byte[]> producer = mock();
    try (CkafkaSink sink = sink(producer)) {
      CompletableFuture<Void> first = sink.send(Messages.telemetry(1, 1));
      producer.errorNext(new SaslAuthenticationException("Authentication failed"));
      Messages.failureOf(first);
      assertThat(sink.isHealthy()).isFalse();
      CompletableFuture<Void> second = sink.send(Messages.telemetry(1, 2));
      producer.completeNext();
      assertThat(Messages.failureOf(second)).isNull();
      assertThat(sink.isHealthy()).isTrue();
    }
  }

  @Test
  @DisplayName("a router that throws or returns no topic fails that message permanently")
  void badRouter() throws Exception {
    MockProducer<byte[], byte[]> producer = mock();
    try (CkafkaSink sink = CkafkaSink.builder().producer(producer)
        .topicRouter(m -> m.seq() == 1 ? null : m.seq() == 2 ? " " : m.seq() == 3 ? "ok" : fail()).build()) {
      assertThat(Messages.failureOf(sink.send(Messages.telemetry(1, 1))))
          .isInstanceOf(PermanentForwardingException.class).hasMessageContaining("returned no topic");
      assertThat(Messages.failureOf(sink.send(Messages.telemetry(1, 2))))
          .isInstanceOf(PermanentForwardingException.class).hasMessageContaining("returned no topic");
      assertThat(Messages.failureOf(sink.send(Messages.telemetry(1, 4))))
          .isInstanceOf(PermanentForwardingException.class).hasMessageContaining("Could not build")
          .hasRootCauseMessage("router bug");
      CompletableFuture<Void> ok = sink.send(Messages.telemetry(1, 3));
      producer.completeNext();
      assertThat(Messages.failureOf(ok)).isNull();
      assertThat(producer.history()).hasSize(1).first().extracting(r -> r.topic()).isEqualTo("ok");
    }
  }

  private static String fail() {
    throw new IllegalStateException("router bug");
  }

  @Test
  @DisplayName("flush() pushes the producer's buffer and completes after the pending sends")
  void flushWaitsForPending() throws Exception {
    MockProducer<byte[], byte[]> producer = mock();
    try (CkafkaSink sink = sink(producer)) {
      CompletableFuture<Void> a = sink.send(Messages.telemetry(1, 1));
      CompletableFuture<Void> b = sink.send(Messages.telemetry(1, 2));
      sink.flush().get(30, TimeUnit.SECONDS); // MockProducer.flush() completes everything pending
      assertThat(producer.flushed()).isTrue();
      assertThat(a).isCompleted();
      assertThat(b).isCompleted();
    }
  }

  @Test
  @DisplayName("close() never closes the host's producer; sends still pending fail as retriable; later sends fail")
  void closeLeavesHostProducerOpen() throws Exception {
    MockProducer<byte[], byte[]> producer = mock();
    CkafkaSink sink = sink(producer);
    CompletableFuture<Void> pending = sink.send(Messages.telemetry(1, 1));
    sink.close();
    assertThat(producer.closed()).isFalse();
    assertThat(Messages.failureOf(pending)).isInstanceOf(RetriableForwardingException.class)
        .hasMessageContaining("closed before Kafka acknowledged");
    assertThat(Messages.failureOf(sink.send(Messages.telemetry(1, 2))))
        .isInstanceOf(PermanentForwardingException.class).hasMessageContaining("is closed");
    assertThat(sink.isHealthy()).isFalse();
    sink.close();
  }

  @Test
  @DisplayName("a producer that throws from send() fails the future instead of the caller")
  void producerThrows() throws Exception {
    MockProducer<byte[], byte[]> producer = mock();
    producer.close(); // MockProducer.send then throws IllegalStateException
    try (CkafkaSink sink = sink(producer)) {
      assertThat(Messages.failureOf(sink.send(Messages.telemetry(1, 1))))
          .isInstanceOf(RetriableForwardingException.class).hasCauseInstanceOf(IllegalStateException.class);
    }
  }
}
