package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What close() reports for a message it gives up on, and how long sinks stuck in send hold it. */
@DisplayName("Forwarder close: the error keeps its cause; stuck sends share one stop budget")
class CloseErrorsTest {

  @Test
  @DisplayName("a message waiting for its retry fails at close with the sink's failure as cause, the close text once")
  void closeErrorKeepsTheOriginalCause() throws Exception {
    FlakySink refusing = FlakySink.builder("refusing").retriableFailureRate(1.0).build();
    CompletableFuture<ForwardResult> f;
    try (Forwarder forwarder = Forwarder.builder()
        .route(refusing)
        .laneDefaults(LaneOptions.builder().retryPolicy(RetryPolicy.builder()
            .maxAttempts(5).initialBackoff(Duration.ofMinutes(1)).maxBackoff(Duration.ofMinutes(1)).build()).build())
        .closeTimeout(Duration.ofMillis(100))
        .build()) {
      f = forwarder.forward(Fixtures.publish(1, 1));
      Fixtures.await("the first retry to be scheduled", Duration.ofSeconds(30),
          () -> forwarder.stats().sink("refusing").retries() == 1);
    }
    Throwable failure = Fixtures.failureOf(f);
    assertThat(failure.getMessage())
        .startsWith("the forwarder closed before sink refusing delivered the")
        .endsWith(": injected retriable failure for p1/d1 seq 1");
    assertThat(failure.getMessage().split("the forwarder closed before", -1)).as("the close text, once").hasSize(2);
    assertThat(failure.getCause()).isInstanceOf(RetriableForwardingException.class)
        .hasMessage("injected retriable failure for p1/d1 seq 1");
  }

  @Test
  @DisplayName("three sinks blocked in send hold close() for one short stop budget, not 5 s each")
  void stuckSendsShareOneStopBudget() throws Exception {
    int lanes = 3;
    CountDownLatch entered = new CountDownLatch(lanes);
    Forwarder forwarder = Forwarder.builder()
        .route(new BlockedSink("a", entered)).route(new BlockedSink("b", entered)).route(new BlockedSink("c", entered))
        .closeTimeout(Duration.ofMillis(100))
        .build();
    forwarder.forward(Fixtures.publish(1, 1));
    assertThat(entered.await(30, TimeUnit.SECONDS)).as("every lane's thread is in send").isTrue();
    long start = System.nanoTime();
    forwarder.close();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // 5 s per lane (the old bound) would take at least 15 s; one shared budget takes about 0.6 s.
    assertThat(tookMillis).as("close() with %d lanes blocked in send, ms", lanes).isLessThan(10_000);
  }

  /** A sink whose send blocks its caller until interrupted. */
  private static final class BlockedSink implements Sink {
    private final String name;
    private final CountDownLatch entered;

    BlockedSink(String name, CountDownLatch entered) {
      this.name = name;
      this.entered = entered;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      entered.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return CompletableFuture.failedFuture(new RetriableForwardingException("interrupted"));
    }

    @Override
    public void close() {}
  }
}
