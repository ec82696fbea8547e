package dev.iotforwarder.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import dev.iotforwarder.testkit.SinkContract;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The testkit, built against JUnit 5.14, on the JUnit a Spring Boot 4 user gets (Boot's BOM: JUnit 6,
 * which Spring Framework 7's SpringExtension needs): its contract kit runs here, failure checks
 * included, so a Boot user keeps Boot's JUnit (the README's "Spring Boot starter" section says so).
 */
class TestkitOnBootJUnitTest extends SinkContract {
  private RecordingSink sink;

  @Override
  protected Sink newSink() {
    sink = new RecordingSink("recording");
    return sink;
  }

  @Override
  protected List<DeviceMessage> received() {
    return sink.received();
  }

  @Override
  protected Sink newFailingSink(Failure failure) {
    FlakySink.Builder b = FlakySink.builder("failing");
    return (failure == Failure.RETRIABLE ? b.retriableFailureRate(1.0) : b.permanentFailureRate(1.0)).build();
  }

  @Test
  void runsOnBootsJUnit6() throws Exception {
    Path jar = Path.of(Test.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Matcher m = Pattern.compile("junit-jupiter-api-(\\d+)\\..+\\.jar").matcher(jar.getFileName().toString());
    assertThat(m.matches()).as("junit-jupiter-api jar name: " + jar).isTrue();
    assertThat(m.group(1)).as("JUnit major version from Spring Boot's BOM").isEqualTo("6");
  }
}
