package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The README's complete examples compile as written: each block marked {@code <!-- quoted from
 * PATH -->} is a verbatim part of that source file, which this module compiles (and tests).
 */
@DisplayName("README code blocks quoted from compiled sources")
class ReadmeSnippetsTest {
  private static final Pattern QUOTE = Pattern.compile(
      "<!-- quoted from (\\S+) [^\\n]*-->\\n```java\\n(.*?)\\n```", Pattern.DOTALL);

  @Test
  @DisplayName("every quoted block is exactly the text of its source file")
  void quotedBlocksMatchTheirSources() throws Exception {
    Path root = Path.of("..");
    String readme = Files.readString(root.resolve("README.md"));
    Matcher m = QUOTE.matcher(readme);
    List<String> quoted = new ArrayList<>();
    while (m.find()) {
      String source = Files.readString(root.resolve(m.group(1)));
      assertThat(source).as("%s holds the README's block verbatim", m.group(1)).contains(m.group(2));
      quoted.add(m.group(1));
    }
    assertThat(quoted).as("quoted blocks").contains(
        "examples/src/main/java/com/example/GatewayExample.java",
        "examples/src/main/java/com/example/RoutingExample.java",
        "examples/src/main/java/com/example/StdoutSink.java",
        "examples/src/test/java/com/example/TelemetryForwardingTest.java");
  }
}
