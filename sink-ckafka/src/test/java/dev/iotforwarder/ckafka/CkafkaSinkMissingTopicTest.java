package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A topic that does not exist on a reachable cluster fails its records permanently, naming the
 * topic, once the cluster said so; a broker outage stays retriable ({@link CkafkaSinkBrokerOutageTest}).
 */
@DisplayName("CkafkaSink and a topic that does not exist")
@ExtendWith(LocalKafkaExtension.class)
class CkafkaSinkMissingTopicTest {

  /** A sink with the topic check on (the default) and 1 s for the producer's metadata. */
  private static CkafkaSink checkedSink(LocalKafka kafka, String topic) {
    return CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic)
        .producerProperty("max.block.ms", 1000).build();
  }

  @Test
  @DisplayName("fails the record permanently with \"Topic X does not exist\" once the cluster says so, and later records at once")
  void missingTopicFailsPermanently(LocalKafka kafka) throws Exception {
    String topic = "no-such-topic-" + UUID.randomUUID();
    try (CkafkaSink sink = checkedSink(kafka, topic)) {
      Throwable first = Messages.failureOf(sink.send(Messages.telemetry(1, 1)));
      assertThat(first).isInstanceOf(PermanentForwardingException.class)
          .hasMessageContaining("Topic " + topic + " does not exist")
          .hasMessageContaining("seq 1")
          .hasRootCauseInstanceOf(UnknownTopicOrPartitionException.class);

      // The verdict stands: the next record fails without waiting for the producer's metadata.
      CompletableFuture<Void> second = sink.send(Messages.telemetry(1, 2));
      assertThat(second).as("a record to a topic known to be missing fails at once").isCompletedExceptionally();
      assertThat(Messages.failureOf(second)).isInstanceOf(PermanentForwardingException.class)
          .hasMessageContaining("Topic " + topic + " does not exist");
      assertThat(sink.isHealthy()).as("a missing topic is not a credential failure").isTrue();
    }
  }

  @Test
  @DisplayName("a topic created after the verdict is used once the verdict is asked again")
  void topicCreatedLaterIsUsed(LocalKafka kafka) throws Exception {
    String topic = "late-topic-" + UUID.randomUUID();
    try (CkafkaSink sink = checkedSink(kafka, topic)) {
      assertThat(Messages.failureOf(sink.send(Messages.telemetry(2, 1)))).isInstanceOf(PermanentForwardingException.class);
      kafka.createTopic(topic, 1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      Throwable failure;
      do {
        failure = Messages.failureOf(sink.send(Messages.telemetry(2, 2)));
        assertThat(System.nanoTime() - deadline).as("the created topic is used within 60 s").isNegative();
        if (failure != null) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // waiting out the 10 s verdict
        }
      } while (failure != null);
    }
  }

  @Test
  @DisplayName("with topicCheck(false) a record to a missing topic keeps waiting, and close() fails it as retriable")
  void checkCanBeSwitchedOff(LocalKafka kafka) throws Exception {
    String topic = "unchecked-" + UUID.randomUUID();
    CkafkaSinkBrokerOutageTest.RefusedSends.COUNT.set(0);
    CkafkaSink sink = CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic)
        .producerProperty("max.block.ms", 200)
        .topicCheck(false)
        .producerProperty("interceptor.classes", CkafkaSinkBrokerOutageTest.RefusedSends.class.getName())
        .closeTimeout(Duration.ofMillis(200))
        .build();
    CompletableFuture<CompletableFuture<Void>> sending = new CompletableFuture<>();
    Thread caller = new Thread(() -> sending.complete(sink.send(Messages.telemetry(3, 1))), "unchecked-caller");
    caller.start();
    // Three refused tries without a verdict (with the check on, the first refusal brings one).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (CkafkaSinkBrokerOutageTest.RefusedSends.COUNT.get() < 3) {
      assertThat(System.nanoTime() - deadline).as("the producer refused the record 3 times within 30 s").isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    assertThat(sending).as("no verdict: send keeps trying").isNotDone();
    sink.close();
    Throwable failure = Messages.failureOf(sending.get(30, TimeUnit.SECONDS));
    assertThat(failure).isInstanceOf(RetriableForwardingException.class);
    caller.join(10_000);
  }
}
