package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.testkit.LocalCmq;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The spool survives SIGKILL. A child JVM ({@link SpoolCrashChild}) forwards 5,000 messages through
 * a spool (fsync on every write) and a {@link CmqSink} to LocalCmq in this JVM, and reports each
 * message whose accepted stage completed. This test kills it with {@code destroyForcibly()} once it
 * has read a given number of such reports, then starts a second child on the same spool directory,
 * which replays what is left and forwards 100 new messages. Every reported message must be in the
 * queue: duplicates are allowed (and counted), lost messages are not. Each device's replayed
 * messages must reach the queue before its new ones.
 */
class SpoolCrashTest {
  private static final int FIRST_RUN = 5000;
  private static final int SECOND_RUN = 100;
  private static final long WAIT_SECONDS = 120;

  private static LocalCmq cmq;

  @BeforeAll
  static void startCmq() {
    cmq = LocalCmq.builder().requestLogCapacity(0).start();
  }

  @AfterAll
  static void stopCmq() {
    cmq.close();
  }

  /** A running child and the lines it printed. */
  private static final class Child {
    final Process process;
    final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Thread reader;
    volatile boolean eof;

    Child(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process was killed
        } finally {
          eof = true;
        }
      }, "crash-child-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line, or null at the end of the output; fails after the bound. */
    String next(long deadlineNanos) throws InterruptedException {
      while (true) {
        String line = lines.poll(50, TimeUnit.MILLISECONDS);
        if (line != null) {
          return line;
        }
        if (eof && lines.isEmpty()) {
          return null;
        }
        if (System.nanoTime() > deadlineNanos) {
          throw new AssertionError("the child printed nothing for too long; see its log");
        }
      }
    }
  }

  private static Child start(Path spool, String queue, long first, int count, Path log)
      throws IOException {
    return start(spool, queue, first, count, log, List.of());
  }

  private static Child start(Path spool, String queue, long first, int count, Path log,
      List<String> extra) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
        "-cp", System.getProperty("java.class.path"), SpoolCrashChild.class.getName(),
        spool.toString(), cmq.url(), cmq.secretId(), cmq.secretKey(), queue,
        Long.toString(first), Integer.toString(count)));
    cmd.addAll(extra);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return new Child(pb.start());
  }

  @Test
  @DisplayName("a forwarder in another process holds the spool: build() here fails and names it")
  void theSpoolDirectoryBelongsToOneProcess() throws Exception {
    String queue = "lock";
    cmq.createQueue(queue);
    Path work = Files.createTempDirectory("spool-lock");
    Path spool = work.resolve("spool");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    Child holder = start(spool, queue, 0, 1, work.resolve("child.log"), List.of("hold"));
    try {
      String line = holder.next(deadline);
      assertThat(line).startsWith("START");
      CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
          .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
      CmqSink sink = CmqSink.builder().client(client).queue(queue).build();
      assertThatThrownBy(() -> Forwarder.builder().route(sink).spool(spool).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is in use by another forwarder (process " + holder.process.pid() + ")");
      sink.close();
      holder.process.getOutputStream().write('\n');
      holder.process.getOutputStream().flush();
      assertThat(holder.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(holder.process.exitValue()).isZero();
      try (Forwarder again = Forwarder.builder().route(CmqSink.builder().client(client).queue(queue).build())
          .spool(spool).build()) {
        assertThat(again.stats().spool().pending()).isZero();
      }
      client.close();
    } finally {
      holder.process.destroyForcibly();
    }
    deleteTree(work);
  }

  @Test
  @DisplayName("damage left in the spool is logged with its place, counted, and skipped by the next process")
  void damageIsReportedAndSkipped() throws Exception {
    String queue = "damage";
    cmq.createQueue(queue);
    Path work = Files.createTempDirectory("spool-damage");
    Path spool = work.resolve("spool");
    Path log = work.resolve("children.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    cmq.faultRate(1.0, 1, List.of("BatchSendMessage"), LocalCmq.Fault.error(6000));
    // The queue fails every send, so everything accepted stays in the spool; then SIGKILL.
    Set<Long> accepted = killWhileDown(spool, queue, 2000, 300, log, deadline);

    // Flip a byte inside the third record of the first segment; tear the end of the last.
    // Walk the format of docs/spool.md: a 24-byte segment header, then records of a 20-byte header
    // (magic "SPR1", body length, spool seq, crc) and a body that starts with the type byte and Seq.
    List<Path> segments;
    try (Stream<Path> files = Files.list(spool)) {
      segments = files.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
    }
    Path firstSegment = segments.get(0);
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(firstSegment));
    assertThat(new String(bytes.array(), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("IOTFWSPL");
    assertThat(bytes.getInt(8)).as("format version").isEqualTo(1);
    long victimOffset = 24;
    for (int i = 0; i < 2; i++) {
      assertThat(bytes.getInt((int) victimOffset)).isEqualTo(0x53505231);
      victimOffset += 20 + bytes.getInt((int) victimOffset + 4);
    }
    long victimId = bytes.getLong((int) victimOffset + 20 + 1);
    try (RandomAccessFile raf = new RandomAccessFile(firstSegment.toFile(), "rw")) {
      raf.seek(victimOffset + 20 + 5);
      int b = raf.read();
      raf.seek(victimOffset + 20 + 5);
      raf.write(b ^ 0xff);
    }
    Path lastSegment = segments.get(segments.size() - 1);
    long lastSize = Files.size(lastSegment);
    Files.write(lastSegment, new byte[] {0x53, 0x50, 0x52, 0x31, 0, 0, 1, 0, 9, 9, 9},
        StandardOpenOption.APPEND);

    Child second = start(spool, queue, FIRST_RUN, 0, log);
    String startLine = null;
    String line;
    while ((line = second.next(deadline)) != null) {
      if (line.startsWith("START")) {
        startLine = line;
      }
    }
    assertThat(second.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process.exitValue()).isZero();
    assertThat(startLine).contains("corruptSkipped=1").contains("tornTails=1");
    String logged = Files.readString(log);
    assertThat(logged).contains("Spool segment " + firstSegment + ": ")
        .contains("corrupt bytes at offset " + victimOffset + " ")
        .contains("checksum mismatch");
    assertThat(logged).contains("Spool segment " + lastSegment + ": damaged tail of 11 bytes at"
        + " offset " + lastSize + " cut off");
    assertThat(Files.exists(lastSegment)).as("finished segments are deleted").isFalse();

    Set<Long> delivered = new HashSet<>();
    for (String body : cmq.bodies(queue)) {
      delivered.add(EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8)).seq());
    }
    Set<Long> missing = new HashSet<>(accepted);
    missing.removeAll(delivered);
    assertThat(missing).as("only the damaged record is missing")
        .isSubsetOf(Set.of(victimId));
    assertThat(delivered).doesNotContain(victimId);
    System.out.printf("spool damage test: %d accepted before the kill, %d delivered after the"
        + " restart, damaged record %d (offset %d of %s) skipped; %s%n", accepted.size(),
        delivered.size(), victimId, victimOffset, firstSegment.getFileName(), startLine);
    deleteTree(work);
  }

  @ParameterizedTest(name = "killed after {0} accepted messages")
  @ValueSource(ints = {1, 250, 1200, 3500})
  @DisplayName("every message accepted before SIGKILL is delivered after the restart")
  void acceptedMessagesSurviveAKill(int killAfter) throws Exception {
    String queue = "crash-" + killAfter;
    cmq.createQueue(queue);
    Path work = Files.createTempDirectory("spool-crash-" + killAfter);
    Path spool = work.resolve("spool");
    Path log = work.resolve("children.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);

    Set<Long> acceptedBeforeKill = new HashSet<>();
    Child first = start(spool, queue, 0, FIRST_RUN, log);
    boolean killed = false;
    String line;
    while ((line = first.next(deadline)) != null) {
      if (line.startsWith("A ")) {
        acceptedBeforeKill.add(Long.parseLong(line.substring(2)));
        if (!killed && acceptedBeforeKill.size() >= killAfter) {
          first.process.destroyForcibly();
          killed = true;
        }
      }
    }
    assertThat(first.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(killed).as("the first child was killed mid-stream").isTrue();
    assertThat(first.process.exitValue()).as("killed by SIGKILL").isNotZero();

    Set<Long> acceptedAfter = new HashSet<>();
    String stats = null;
    String startLine = null;
    Child second = start(spool, queue, FIRST_RUN, SECOND_RUN, log);
    while ((line = second.next(deadline)) != null) {
      if (line.startsWith("A ")) {
        acceptedAfter.add(Long.parseLong(line.substring(2)));
      } else if (line.startsWith("STATS")) {
        stats = line;
      } else if (line.startsWith("START")) {
        startLine = line;
      }
    }
    assertThat(second.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process.exitValue()).as("second child's exit code; see " + log).isZero();
    assertThat(stats).as("second child's stats").contains("flushed=true").contains("pending=0")
        .contains("balanced=true");
    assertThat(acceptedAfter).hasSize(SECOND_RUN);

    // What reached the queue, in order.
    List<DeviceMessage> stored = new ArrayList<>();
    for (String body : cmq.bodies(queue)) {
      stored.add(EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8)));
    }
    Map<Long, Integer> copies = new HashMap<>();
    for (DeviceMessage m : stored) {
      copies.merge(m.seq(), 1, Integer::sum);
      assertThat(m).as("body of message %d", m.seq()).isEqualTo(SpoolCrashChild.message(m.seq()));
    }
    Set<Long> lost = new HashSet<>();
    for (long id : acceptedBeforeKill) {
      if (!copies.containsKey(id)) {
        lost.add(id);
      }
    }
    for (long id : acceptedAfter) {
      if (!copies.containsKey(id)) {
        lost.add(id);
      }
    }
    long duplicates = copies.values().stream().mapToLong(c -> c - 1).sum();
    System.out.printf("spool crash test: killed after %d accepted; accepted before kill %d, after"
            + " restart %d; in queue %d (%d distinct); duplicates %d; lost %d; restart: %s; %s%n",
        killAfter, acceptedBeforeKill.size(), acceptedAfter.size(), stored.size(), copies.size(),
        duplicates, lost.size(), startLine, stats);
    assertThat(lost).as("accepted but never delivered").isEmpty();

    // Per device: every message accepted before the kill reaches the queue before the device's
    // first new message.
    Map<String, Integer> firstNew = new HashMap<>();
    Map<Long, Integer> firstSeen = new HashMap<>();
    for (int i = 0; i < stored.size(); i++) {
      DeviceMessage m = stored.get(i);
      firstSeen.putIfAbsent(m.seq(), i);
      if (m.seq() >= FIRST_RUN) {
        firstNew.putIfAbsent(m.deviceKey(), i);
      }
    }
    for (long id : acceptedBeforeKill) {
      String device = SpoolCrashChild.message(id).deviceKey();
      assertThat(firstSeen.get(id)).as("message %d before device %s's new messages", id, device)
          .isLessThan(firstNew.getOrDefault(device, Integer.MAX_VALUE));
    }
    deleteTree(work); // kept when an assertion failed, for its log
  }

  @Test
  @DisplayName("the queue down, SIGKILL during the backlog, the queue back, restart: every accepted message delivered once drained, per device in order")
  void killDuringAnOutageThenDrain() throws Exception {
    String queue = "outage-kill";
    cmq.createQueue(queue);
    Path work = Files.createTempDirectory("spool-outage-kill");
    Path spool = work.resolve("spool");
    Path log = work.resolve("children.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    cmq.faultRate(1.0, 2, List.of(), LocalCmq.Fault.httpStatus(503)); // the queue is down
    // All of it in the backlog, the lane retrying: SIGKILL.
    Set<Long> accepted = killWhileDown(spool, queue, 1000, 1000, log, deadline);

    Child second = start(spool, queue, FIRST_RUN, 0, log);
    String stats = null;
    String line;
    while ((line = second.next(deadline)) != null) {
      if (line.startsWith("STATS")) {
        stats = line;
      }
    }
    assertThat(second.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process.exitValue()).as("second child's exit code; see " + log).isZero();
    assertThat(stats).contains("flushed=true").contains("pending=0").contains("balanced=true");
    Map<String, List<Long>> firstCopies = new HashMap<>();
    Set<Long> seen = new HashSet<>();
    for (String body : cmq.bodies(queue)) {
      DeviceMessage m = EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8));
      if (seen.add(m.seq())) {
        firstCopies.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
      }
    }
    Set<Long> lost = new HashSet<>(accepted);
    lost.removeAll(seen);
    assertThat(lost).as("accepted before the kill, never delivered").isEmpty();
    Map<String, List<Long>> expected = new HashMap<>();
    for (long id = 0; id < 1000; id++) {
      expected.computeIfAbsent(SpoolCrashChild.message(id).deviceKey(), k -> new ArrayList<>()).add(id);
    }
    assertThat(firstCopies).as("per device in order").isEqualTo(expected);
    System.out.printf("spool outage kill test: %d accepted while the queue was down, %d delivered"
        + " after the restart; %s%n", accepted.size(), seen.size(), stats);
    deleteTree(work);
  }

  /**
   * With the faults the caller injected (the queue down): a child forwards {@code count} messages
   * and is killed (SIGKILL) once {@code killAfter} were accepted; then the faults are cleared.
   *
   * @return the ids accepted before the kill, none of them in the queue
   */
  private static Set<Long> killWhileDown(Path spool, String queue, int count, int killAfter, Path log,
      long deadline) throws Exception {
    Set<Long> accepted = new HashSet<>();
    try {
      Child first = start(spool, queue, 0, count, log);
      String line;
      while ((line = first.next(deadline)) != null) {
        if (line.startsWith("A ")) {
          accepted.add(Long.parseLong(line.substring(2)));
          if (accepted.size() == killAfter) {
            first.process.destroyForcibly();
          }
        }
      }
      assertThat(first.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(first.process.exitValue()).as("killed by SIGKILL").isNotZero();
    } finally {
      cmq.clearFaults();
    }
    assertThat(cmq.bodies(queue)).as("nothing got through while down").isEmpty();
    return accepted;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
