package dev.iotforwarder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The testkit never overrides the host's logging: its jar carries no logging configuration. */
class TestkitLoggingTest {
  private static final List<String> CONFIGS = List.of("simplelogger.properties", "logback.xml",
      "logback-test.xml", "log4j2.xml", "log4j2-test.xml", "log4j.properties", "log4j2.component.properties");

  @Test
  void theJarShipsNoLoggingConfiguration() throws Exception {
    Path classes = Path.of("target", "classes");
    assertThat(classes).isDirectory();
    try (Stream<Path> files = Files.walk(classes)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(CONFIGS::contains);
    }
  }
}
