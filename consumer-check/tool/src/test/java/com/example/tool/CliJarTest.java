package com.example.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The operator tool's published jar runs on its own with java -jar. */
class CliJarTest {
  @Test
  void printsItsVersion() throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("cli.jar"));
    assertTrue(Files.isRegularFile(jar), "resolved " + jar);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "--version")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exited");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains(System.getProperty("iotforwarder.version")), out);
  }
}
