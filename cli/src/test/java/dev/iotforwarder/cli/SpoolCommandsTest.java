package dev.iotforwarder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.testing.FlakySink;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool status}, {@code spool dump} and {@code verify}, run as a process on real spools. */
class SpoolCommandsTest {
  @TempDir Path tmp;

  @Test
  void statusOfAClosedSpoolCountsItsPendingMessagesAsAnUpperBound() throws Exception {
    Path dir = tmp.resolve("spool");
    Spools.closedSpool(dir, Spools.messages(10));

    Cli.Run run = Cli.run("spool", "status", dir.toString());

    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("lock:             free")
        .contains("segments:         1")
        .contains("pending:          at most 10 messages (an upper bound")
        .contains("sink kafka: at most 10")
        .containsPattern("oldest pending:   received \\S+, \\d+ s ago \\(sequence number 0,")
        .contains("corrupt skipped:  0")
        .contains("torn tails:       0");
    assertThat(run.out()).contains("bytes:            " + segmentBytes(dir));
  }

  @Test
  void statusAgesTheFirstPendingMessageFromItsReceiveTime() throws Exception {
    Path dir = tmp.resolve("spool");
    java.time.Instant received = java.time.Instant.now().minus(java.time.Duration.ofHours(2))
        .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    List<DeviceMessage> messages = new java.util.ArrayList<>();
    for (DeviceMessage m : Spools.messages(5)) {
      // the gateway received them two hours ago (its MQTT layer says so), one a second apart
      messages.add(m.withReceivedAtMillis(received.toEpochMilli() + 1000 * m.seq()));
    }
    Spools.closedSpool(dir, messages);

    Cli.Run run = Cli.run("spool", "status", dir.toString());

    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out()).containsPattern(java.util.regex.Pattern.quote(
        "oldest pending:   received " + received + ", 2 h ") + "\\d+ min ago"
        + java.util.regex.Pattern.quote(
            " (sequence number 0, the first record at or above the checkpoint)"));
  }

  @Test
  void statusAndVerifyReadASpoolThatALiveForwarderHolds() throws Exception {
    Path dir = tmp.resolve("live");
    FlakySink sink = FlakySink.builder("kafka").build();
    try (Forwarder f = Spools.pausedForwarder(dir, sink)) {
      Spools.submitAll(f, Spools.messages(7));

      Cli.Run status = Cli.run("spool", "status", dir.toString());
      Cli.Run verify = Cli.run("verify", dir.toString());
      Cli.Run dump = Cli.run("spool", "dump", dir.toString());

      assertThat(status.exit()).as(status.toString()).isZero();
      assertThat(status.out())
          .contains("held by a running forwarder (process " + ProcessHandle.current().pid() + ")")
          .contains("at most 7 messages");
      assertThat(verify.exit()).as(verify.toString()).isZero();
      assertThat(verify.out()).contains("verify: ok");
      assertThat(dump.outLines()).hasSize(7);
      assertThat(dump.err()).contains("a forwarder holds the directory");
      // the tool took nothing from the forwarder: it still runs and delivers everything
      sink.resume();
      assertThat(f.flush(java.time.Duration.ofSeconds(30))).isTrue();
      assertThat(sink.delivered()).hasSize(7);
    }
  }

  @Test
  void dumpWritesThePendingMessagesAsEnvelopeLinesAndNothingElse() throws Exception {
    Path dir = tmp.resolve("spool");
    List<DeviceMessage> messages = Spools.messages(12);
    Spools.closedSpool(dir, messages);

    Cli.Run run = Cli.run("spool", "dump", dir.toString());

    assertThat(run.exit()).as(run.toString()).isZero();
    List<DeviceMessage> dumped = run.outLines().stream()
        .map(l -> EnvelopeCodec.standard().decode(l.getBytes(StandardCharsets.UTF_8)))
        .toList();
    assertThat(dumped).containsExactlyElementsOf(messages);
    assertThat(run.err()).contains("dumped 12 messages from 1 segments");
  }

  @Test
  void aDamagedRecordIsSkippedByStatusAndDumpAndFailsVerifyWithoutChangingAFile()
      throws Exception {
    Path dir = tmp.resolve("spool");
    List<DeviceMessage> messages = Spools.messages(5);
    Spools.closedSpool(dir, messages);
    Path segment = segments(dir).get(0);
    // the first record: after the 24-byte segment header and its own 20-byte header
    flipByte(segment, 24 + 20 + 3);
    Map<Path, byte[]> before = snapshot(dir);

    Cli.Run verify = Cli.run("verify", dir.toString());
    Cli.Run status = Cli.run("spool", "status", dir.toString());
    Cli.Run dump = Cli.run("spool", "dump", dir.toString());

    assertThat(verify.exit()).as(verify.toString()).isEqualTo(Main.PROBLEMS);
    assertThat(verify.out())
        .contains("checked 1 segments, 4 intact records")
        .contains("DAMAGED " + segment.getFileName() + " offset 24")
        .contains("checksum mismatch")
        .contains("verify: damage found");
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out()).contains("corrupt skipped:  1").contains("at most 4 messages");
    assertThat(dump.outLines()).hasSize(4);
    assertThat(dump.outLines().get(0)).contains("\"Seq\":1");
    assertThat(snapshot(dir)).as("read-only").containsOnlyKeys(before.keySet());
    Map<Path, byte[]> after = snapshot(dir);
    before.forEach((p, b) -> assertThat(after.get(p)).as(p.toString()).isEqualTo(b));
  }

  @Test
  void aTornTailFailsVerify() throws Exception {
    Path dir = tmp.resolve("spool");
    Spools.closedSpool(dir, Spools.messages(3));
    Path segment = segments(dir).get(0);
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.setLength(f.length() - 5);
    }

    Cli.Run verify = Cli.run("verify", dir.toString());

    assertThat(verify.exit()).as(verify.toString()).isEqualTo(Main.PROBLEMS);
    assertThat(verify.out()).contains("TORN TAIL " + segment.getFileName())
        .contains("checked 1 segments, 2 intact records");
  }

  @Test
  void aDirectoryThatIsNoSpoolIsRefusedWithExitThree() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("empty"));

    Cli.Run status = Cli.run("spool", "status", empty.toString());
    Cli.Run missing = Cli.run("verify", tmp.resolve("nope").toString());

    assertThat(status.exit()).isEqualTo(Main.UNUSABLE);
    assertThat(status.err()).contains("holds no spool files");
    assertThat(status.out()).isEmpty();
    assertThat(missing.exit()).isEqualTo(Main.UNUSABLE);
    assertThat(missing.err()).contains("is not a directory");
  }

  @Test
  void everyCommandHasHelpWithItsExitCodesAndABadCommandLineExitsTwo() throws Exception {
    for (String[] cmd : List.of(new String[] {"--help"}, new String[] {"spool", "--help"},
        new String[] {"spool", "status", "--help"}, new String[] {"spool", "dump", "--help"},
        new String[] {"verify", "--help"}, new String[] {"dead-letters", "--help"},
        new String[] {"dead-letters", "replay", "--help"})) {
      Cli.Run run = Cli.run(cmd);
      assertThat(run.exit()).as(String.join(" ", cmd)).isZero();
      assertThat(run.out()).as(String.join(" ", cmd)).contains("Usage:").contains("Exit codes:");
    }
    Cli.Run replayHelp = Cli.run("dead-letters", "replay", "--help");
    assertThat(replayHelp.out()).contains("IOTFWD_CMQ_SECRET_ID").contains("IOTFWD_CMQ_SECRET_KEY")
        .contains("IOTFWD_KAFKA_USERNAME").contains("IOTFWD_KAFKA_PASSWORD");

    Cli.Run noDir = Cli.run("spool", "status");
    Cli.Run nothing = Cli.run();
    assertThat(noDir.exit()).isEqualTo(Main.USAGE);
    assertThat(noDir.err()).contains("Missing required parameter");
    assertThat(nothing.exit()).isEqualTo(Main.USAGE);
  }

  private static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  private static long segmentBytes(Path dir) throws IOException {
    long sum = 0;
    for (Path p : segments(dir)) {
      sum += Files.size(p);
    }
    return sum;
  }

  private static void flipByte(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x5a);
    }
  }

  private static Map<Path, byte[]> snapshot(Path dir) throws IOException {
    Map<Path, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        m.put(p, Files.readAllBytes(p));
      }
    }
    return m;
  }
}
