package dev.iotforwarder.reliability;

import dev.iotforwarder.reliability.logging.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What every test class of the suite runs under: the capturing SLF4J provider must be the one SLF4J
 * bound to (checked before the class), no secret may have shown up in any captured log line or
 * scanned text (checked after every test), and no thread of the library ({@code iot-forwarder-*},
 * including Kafka producer threads named after our client ids) may outlive the class.
 */
public final class ReliabilityExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  /** JUnit creates it. */
  public ReliabilityExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!LogCapture.active()) {
      throw new IllegalStateException("the suite's capturing SLF4J provider is not active; SLF4J bound to "
          + org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName()
          + " (is -Dslf4j.provider=dev.iotforwarder.reliability.logging.CapturingServiceProvider set?)");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<String> leaks = LogCapture.leaks();
    if (!leaks.isEmpty()) {
      throw new AssertionError(leaks.size() + " secret leak(s) captured:\n" + String.join("\n", leaks));
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      Await.until("no iot-forwarder thread left after " + context.getDisplayName(), Duration.ofSeconds(20),
          () -> Threads.library().isEmpty());
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; still running: "
          + Threads.library().stream().map(Thread::getName).collect(Collectors.joining(", ")), e);
    }
  }
}
