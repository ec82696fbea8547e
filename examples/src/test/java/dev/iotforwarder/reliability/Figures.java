package dev.iotforwarder.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The figures of one scenario run: printed, and written to {@code
 * target/reliability/<scenario>.md} (one table row) so that {@code docs/reliability.md} can quote the
 * last run.
 */
final class Figures {
  private Figures() {}

  /**
   * One scenario's figures.
   *
   * @param scenario the scenario
   * @param messages messages forwarded (or envelopes decoded)
   * @param lost messages neither delivered, nor dead-lettered, nor failed back to the caller
   * @param duplicates messages delivered more than once
   * @param retries retries (pipeline plus sink-internal, as noted)
   * @param deadLettered messages in the dead-letter sink
   * @param maxHeapMiB the most heap in use while it ran
   * @param took how long it ran
   * @param notes the rest
   */
  record Row(String scenario, long messages, long lost, long duplicates, String retries,
      long deadLettered, long maxHeapMiB, Duration took, String notes) {
    String markdown() {
      return "| " + scenario + " | " + messages + " | " + lost + " | " + duplicates + " | " + retries
          + " | " + deadLettered + " | " + maxHeapMiB + " | " + String.format("%.1f", took.toMillis() / 1000.0)
          + " | " + notes + " |";
    }
  }

  static void report(Row row) {
    String line = row.markdown();
    System.out.println("[reliability] " + line);
    Path dir = Path.of("target", "reliability");
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(row.scenario().replaceAll("[^A-Za-z0-9]+", "-") + ".md"),
          "<!-- " + Instant.now() + " -->\n" + line + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
