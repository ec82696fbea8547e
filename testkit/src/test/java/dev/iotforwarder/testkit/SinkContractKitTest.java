package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The kit itself: its results are filed under the sink's test class, and it fails the sinks that get
 * failures wrong. Runs the kit on kit subclasses nested here (surefire runs no nested class itself).
 */
@DisplayName("SinkContract, run on right and wrong sinks")
class SinkContractKitTest {

  @Test
  @DisplayName("every result is filed under the subclass, and a correct sink passes every check, failures included")
  void resultsNameTheSinksTestClass() {
    Map<String, String> results = run(FlakyKit.class);
    assertThat(results).isNotEmpty();
    assertThat(results).allSatisfy((test, result) -> {
      assertThat(test).startsWith(FlakyKit.class.getName() + "#");
      assertThat(result).as(test).isEqualTo("SUCCESSFUL");
    });
    assertThat(results.keySet()).anyMatch(t -> t.endsWith("#retriableFailureIsReportedAsRetriable()"))
        .anyMatch(t -> t.endsWith("#permanentFailureIsReportedAsPermanent()"));
  }

  @Test
  @DisplayName("without newFailingSink the failure checks are skipped, not passed")
  void failureChecksAreSkippedWithoutAFailingSink() {
    Map<String, String> results = run(RecordingSinkContractTest.class);
    assertThat(results.get(RecordingSinkContractTest.class.getName() + "#retriableFailureIsReportedAsRetriable()"))
        .startsWith("ABORTED");
  }

  @Test
  @DisplayName("a sink that throws from send() fails the retriable check")
  void throwingFromSendFails() {
    assertThat(run(ThrowingKit.class, "retriableFailureIsReportedAsRetriable")
        .get(ThrowingKit.class.getName() + "#retriableFailureIsReportedAsRetriable()"))
        .startsWith("FAILED").contains("send() threw");
  }

  @Test
  @DisplayName("a sink that reports a permanent failure with a plain exception fails the permanent check")
  void misclassifiedFailureFails() {
    assertThat(run(ThrowingKit.class, "permanentFailureIsReportedAsPermanent")
        .get(ThrowingKit.class.getName() + "#permanentFailureIsReportedAsPermanent()"))
        .startsWith("FAILED").contains("PermanentForwardingException");
  }

  @Test
  @DisplayName("a flush() that does not wait for sends in flight fails the flush check")
  void flushThatIgnoresSendsFails() {
    assertThat(run(EagerFlushKit.class, "flushCompletes").get(EagerFlushKit.class.getName() + "#flushCompletes()"))
        .startsWith("FAILED").contains("started before flush()");
  }

  /**
   * Runs a kit subclass, or only the named checks of it; test (class#method) to SUCCESSFUL, ABORTED
   * or FAILED: message.
   */
  private static Map<String, String> run(Class<?> kit, String... methods) {
    Map<String, String> results = new TreeMap<>();
    Launcher launcher = LauncherFactory.create();
    List<DiscoverySelector> selectors = new ArrayList<>();
    for (String m : methods) {
      selectors.add(selectMethod(kit, m));
    }
    if (selectors.isEmpty()) {
      selectors.add(selectClass(kit));
    }
    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectors).build(),
        new TestExecutionListener() {
          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.getSource().orElse(null) instanceof MethodSource m) {
              String text = result.getStatus().name()
                  + result.getThrowable().map(t -> ": " + t.getMessage()).orElse("");
              results.put(m.getClassName() + "#" + m.getMethodName() + "(" + m.getMethodParameterTypes() + ")", text);
            }
          }
        });
    return results;
  }

  /** A correct sink, made to fail on purpose with FlakySink. */
  static class FlakyKit extends RecordingSinkContractTest {
    @Override
    protected Sink newFailingSink(Failure failure) {
      FlakySink.Builder b = FlakySink.builder("flaky");
      return (failure == Failure.RETRIABLE ? b.retriableFailureRate(1.0) : b.permanentFailureRate(1.0)).build();
    }
  }

  /** Throws from send for a retriable failure, and reports a permanent one with a plain exception. */
  static class ThrowingKit extends FlakyKit {
    @Override
    protected Sink newFailingSink(Failure failure) {
      return new Sink() {
        @Override
        public String name() {
          return "wrong";
        }

        @Override
        public CompletableFuture<Void> send(DeviceMessage message) {
          if (failure == Failure.RETRIABLE) {
            throw new RetriableForwardingException("refused");
          }
          return CompletableFuture.failedFuture(new IllegalStateException("refused"));
        }

        @Override
        public void close() {}
      };
    }
  }

  /** A sink whose sends complete only at close, with a flush() that does not wait for them. */
  static class EagerFlushKit extends FlakyKit {
    @Override
    protected Sink newSink() {
      Sink recording = super.newSink();
      List<CompletableFuture<Void>> held = new ArrayList<>();
      return new Sink() {
        @Override
        public String name() {
          return "eager-flush";
        }

        @Override
        public synchronized CompletableFuture<Void> send(DeviceMessage message) {
          recording.send(message);
          CompletableFuture<Void> later = new CompletableFuture<>();
          held.add(later);
          return later;
        }

        @Override
        public CompletableFuture<Void> flush() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public synchronized void close() {
          held.forEach(f -> f.completeExceptionally(new RetriableForwardingException("closed")));
        }
      };
    }
  }
}
