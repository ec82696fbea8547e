package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog larger than the heap, built and drained by one process: a forked JVM ({@link
 * BacklogChild}) with a small heap enqueues ({@code Forwarder.enqueue}) messages of 1,000 devices
 * through a spool while its only sink fails every send, until the spool holds several times the
 * heap on disk; then the sink comes back and the backlog drains. Before that, the same forwarder
 * and sink (up) take an eighth as many messages flat out: the normal rate the drain is compared
 * with ({@code docs/performance.md}). The JVM runs with {@code
 * -XX:+ExitOnOutOfMemoryError}, so running out of heap fails the test.
 *
 * <p>CI: {@code -Xmx64m}, 800,000 messages of 200 payload bytes (about 300 MB on disk, 4.5 times
 * the heap; the lane's {@code maxBytes} at 8 MiB, since its default of 64 MiB is the whole heap).
 * {@code -Psoak}: {@code -Xmx256m}, 3,500,000 messages (about 1.3 GB), lane options at their
 * defaults. With {@code -Dreliability.backlog.handoff=forward} the child uses {@code forward()}, whose
 * completion future per message is what {@code enqueue} does without: at these sizes that run ends
 * in an {@code OutOfMemoryError} (the test then fails; docs/reliability.md gives the run).
 *
 * <p>Checked: every message delivered once, per device in order, 0 dead-lettered, 0 refused, the
 * stats balanced in every sample (each 250 ms) and at the end, the spool empty, and the backlog on
 * disk at least three times the heap bound.
 */
@ExtendWith(ReliabilityExtension.class)
class BacklogMemoryTest {
  static final long MESSAGES = Long.getLong("reliability.backlog.messages", 800_000);
  static final int HEAP_MIB = Integer.getInteger("reliability.backlog.heapMiB", 64);
  static final long LANE_BYTES = Long.getLong("reliability.backlog.laneBytes", 8L << 20);
  static final String HANDOFF = System.getProperty("reliability.backlog.handoff", "enqueue");
  static final int DEVICES = 1000;
  static final int PAYLOAD_BYTES = 200;
  static final long MAX_DISK = 4L << 30;

  @TempDir Path tmp;

  @Test
  @DisplayName("a backlog several times the heap, built while the same process runs, drains without running out of heap")
  void backlogLargerThanTheHeapDrains() throws Exception {
    long start = System.nanoTime();
    Path log = ChildJvm.log("backlog-child.log");
    List<String> cmd = ChildJvm.command(
        List.of("-Xmx" + HEAP_MIB + "m", "-XX:+ExitOnOutOfMemoryError"), BacklogChild.class,
        tmp.resolve("spool").toString(), Long.toString(MESSAGES), Integer.toString(DEVICES),
        Integer.toString(PAYLOAD_BYTES), Long.toString(MAX_DISK), Long.toString(LANE_BYTES),
        HANDOFF);
    Process child = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
      String line;
      while ((line = out.readLine()) != null) {
        System.out.println("[backlog] " + line);
        lines.add(line);
      }
    } catch (IOException e) {
      child.destroyForcibly();
      throw e;
    }
    if (!child.waitFor(30, TimeUnit.MINUTES)) {
      child.destroyForcibly();
    }
    int exit = child.exitValue();
    Map<String, String> normal = fields(lines, "NORMAL");
    Map<String, String> backlog = fields(lines, "BACKLOG");
    Map<String, String> result = fields(lines, "RESULT");
    assertThat(backlog).as("the child built its backlog (exit %d; see %s)", exit, log).isNotEmpty();
    assertThat(result).as("the child finished (exit %d; see %s)", exit, log).isNotEmpty();

    long diskBytes = Long.parseLong(backlog.get("diskBytes"));
    Figures.report(new Figures.Row("Backlog larger than the heap (-Xmx" + HEAP_MIB + "m)",
        MESSAGES, MESSAGES - Long.parseLong(result.get("delivered")),
        Long.parseLong(result.get("duplicates")), "probing",
        Long.parseLong(result.get("deadLettered")), Long.parseLong(result.get("maxHeapMiB")),
        Duration.ofNanos(System.nanoTime() - start),
        String.format("forked JVM, %s(), %d devices, %d payload bytes; sink failing every send"
                + " while %,d messages were handed off in %s s; backlog %,d MiB on disk (%.1f times"
                + " the heap), heap after GC with the backlog %,d MiB; drained in %s s (%s msg/s;"
                + " normal rate with the sink up %s msg/s), per device in order; stats balanced in"
                + " every sample", HANDOFF, DEVICES,
            PAYLOAD_BYTES, MESSAGES, backlog.get("enqueueSeconds"), diskBytes >> 20,
            (double) diskBytes / (HEAP_MIB << 20),
            Long.parseLong(backlog.get("heapAfterGcBytes")) >> 20, result.get("drainSeconds"),
            result.get("drainRate"), normal.get("rate"))));

    assertThat(exit).as("the child's exit status (see %s): %s", log, result).isZero();
    assertThat(normal.get("flushed")).as("the first part, with the sink up").isEqualTo("true");
    assertThat(diskBytes).as("the backlog on disk, against the heap bound")
        .isGreaterThanOrEqualTo(3L * (HEAP_MIB << 20));
    assertThat(Long.parseLong(backlog.get("pending"))).isEqualTo(MESSAGES);
    assertThat(result.get("delivered")).isEqualTo(Long.toString(MESSAGES));
    assertThat(result.get("outOfOrder")).isEqualTo("0");
    assertThat(result.get("deadLettered")).isEqualTo("0");
    assertThat(result.get("balanced")).isEqualTo("true");
    assertThat(result.get("samplerFailures")).isEqualTo("[]");
  }

  /** The key=value pairs of the child's line that starts with {@code tag}; empty if none. */
  private static Map<String, String> fields(List<String> lines, String tag) {
    Map<String, String> out = new HashMap<>();
    for (String line : lines) {
      if (line.startsWith(tag + " ")) {
        for (String pair : line.substring(tag.length() + 1).split(" ")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
          }
        }
      }
    }
    return out;
  }
}
