package dev.iotforwarder.compat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.FileDeadLetterSink;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.MessageType;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.Submission;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The files of on-disk format version 1 (spool segments, checkpoint, dead-letter lines), as this
 * version wrote them, kept under src/test/resources/format-fixtures/v1 so that every later version
 * is tested against them ({@link FormatFixturesTest}). {@link #main} wrote them once, on 2026-12-06;
 * never regenerate them (that would test nothing): a new format version adds a v2 folder and keeps v1.
 * Nor change {@link #messages()}: it is what the fixtures hold.
 */
public final class FormatV1 {
  /** The fixtures' folder, relative to the core module. */
  static final Path FOLDER = Path.of("src/test/resources/format-fixtures/v1");
  static final String KAFKA = "kafka";
  static final String CMQ = "cmq";
  static final String CMQ_BACKUP = "cmq-backup";

  private FormatV1() {}

  /** What the fixtures hold: both types, empty and binary payloads, non-ASCII names, a 3 KiB payload. */
  static List<DeviceMessage> messages() {
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    byte[] large = new byte[3 * 1024];
    for (int i = 0; i < large.length; i++) {
      large[i] = (byte) ('a' + i % 26);
    }
    List<DeviceMessage> m = new ArrayList<>();
    m.add(DeviceMessage.status("thermostat", "t-1", "144115205259838664", "Online", 1));
    m.add(DeviceMessage.publish("thermostat", "t-1", "144115205259838664", "thermostat/t-1/data", 2,
        "{\"tempC\":21.5}".getBytes(StandardCharsets.UTF_8)));
    m.add(DeviceMessage.publish("meter", "m-2", "144115205259838665", "meter/m-2/raw", 7, binary));
    m.add(DeviceMessage.builder().msgType(MessageType.STATUS).productName("温控器").deviceName("设备-3")
        .deviceId("144115205259838666").event("Offline").topic("$sys/温控器/设备-3/status").seq(9)
        .payload("{\"reason\":\"keepalive\"}".getBytes(StandardCharsets.UTF_8)).build());
    m.add(DeviceMessage.publish("meter", "m-2", "144115205259838665", "meter/m-2/bulk", 8, large));
    m.add(DeviceMessage.publish("meter", "m-2", "144115205259838665", "meter/m-2/empty", 9, new byte[0]));
    IntStream.range(0, 6).forEach(i -> m.add(DeviceMessage.publish("thermostat", "t-4",
        "144115205259838667", "thermostat/t-4/data", 100 + i,
        ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8))));
    return List.copyOf(m);
  }

  /** The messages the dead-letter fixture holds: the first three. */
  static List<DeviceMessage> deadLettered() {
    return messages().subList(0, 3);
  }

  /** The routes the spooled records carry: everything to kafka, Status to cmq with a backup. */
  static ForwarderBuilder routes(Sink kafka, Sink cmq, Sink cmqBackup) {
    return Forwarder.builder()
        .route(kafka)
        .failover(MessageFilter.statusOnly(), cmq, cmqBackup);
  }

  /**
   * Wrote the fixtures (run once from the core module with the test classpath; kept to show how).
   * The spool: every message accepted while no sink answered, then a close that did not wait, so
   * every record is still pending in small segments. The dead letters: a sink that fails every send
   * permanently, with a {@link FileDeadLetterSink}.
   *
   * @param args none
   * @throws Exception if writing fails
   */
  public static void main(String[] args) throws Exception {
    Path spool = FOLDER.resolve("spool");
    Path deadLetters = FOLDER.resolve("dead-letters.jsonl");
    if (Files.exists(FOLDER)) {
      throw new IllegalStateException(FOLDER + " exists: the fixtures are written once, never again");
    }
    FlakySink kafka = FlakySink.builder(KAFKA).build();
    FlakySink cmq = FlakySink.builder(CMQ).build();
    FlakySink backup = FlakySink.builder(CMQ_BACKUP).build();
    kafka.pause();
    cmq.pause();
    backup.pause();
    try (Forwarder f = routes(kafka, cmq, backup)
        .spool(spool, SpoolOptions.builder().segmentBytes(2048).fsyncEveryWrite().build())
        .closeTimeout(Duration.ZERO).build()) {
      List<Submission> submitted = messages().stream().map(f::submit).toList();
      for (Submission s : submitted) {
        s.accepted().get(10, TimeUnit.SECONDS);
      }
    }
    try (Stream<Path> files = Files.list(spool)) {
      for (Path p : files.filter(p -> p.getFileName().toString().equals("spool.lock")).toList()) {
        Files.delete(p);   // a lock file is not part of the format; a gateway recreates it
      }
    }
    FlakySink refusing = FlakySink.builder(CMQ).permanentFailureRate(1.0).seed(1).build();
    try (Forwarder f = Forwarder.builder().route(refusing)
        .deadLetter(FileDeadLetterSink.open(deadLetters)).build()) {
      for (DeviceMessage m : deadLettered()) {
        f.forward(m).handle((r, e) -> null).get(10, TimeUnit.SECONDS);
      }
    }
    try (Stream<Path> all = Files.walk(FOLDER)) {
      all.sorted(Comparator.naturalOrder()).forEach(p -> System.out.println("wrote " + p));
    }
  }
}
