package dev.iotforwarder.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.MessageType;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.testing.RecordingSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by format version 1 (committed fixtures, {@link FormatV1}) are read by this
 * version: an upgrade never strands a gateway's spool or its dead-letter file. A change that fails
 * here changed the on-disk format: it needs a new format version that still reads these files.
 */
class FormatFixturesTest {
  @TempDir Path tmp;

  @Test
  @DisplayName("a version 1 spool left with every record pending is replayed to the routes it recorded")
  void replaysAVersion1Spool() throws IOException {
    Path spool = copy(FormatV1.FOLDER.resolve("spool"), tmp.resolve("spool"));
    RecordingSink kafka = new RecordingSink(FormatV1.KAFKA);
    RecordingSink cmq = new RecordingSink(FormatV1.CMQ);
    RecordingSink backup = new RecordingSink(FormatV1.CMQ_BACKUP);
    List<DeviceMessage> all = FormatV1.messages();
    List<DeviceMessage> statuses =
        all.stream().filter(m -> m.msgType() == MessageType.STATUS).toList();
    try (Forwarder f = FormatV1.routes(kafka, cmq, backup).spool(spool).build()) {
      assertThat(f.stats().spool().recovered()).isEqualTo(all.size());
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      SpoolStats stats = f.stats().spool();
      assertThat(stats.replayed()).isEqualTo(all.size());
      assertThat(stats.corruptSkipped()).isZero();
      assertThat(stats.tornTails()).isZero();
      assertThat(stats.pending()).isZero();
    }
    assertThat(kafka.received()).containsExactlyInAnyOrderElementsOf(all);
    assertThat(seqsByDevice(kafka.received())).isEqualTo(seqsByDevice(all));
    assertThat(cmq.received()).containsExactlyElementsOf(statuses);
    assertThat(backup.received()).isEmpty();
    try (Stream<Path> left = Files.list(spool)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("every replayed segment is deleted once done").noneMatch(n -> n.endsWith(".seg"));
    }
  }

  @Test
  @DisplayName("each version 1 dead-letter line decodes to its message, with sink, attempts, reason and time")
  void readsAVersion1DeadLetterFile() throws IOException {
    List<String> lines = Files.readAllLines(FormatV1.FOLDER.resolve("dead-letters.jsonl"));
    List<DeviceMessage> expected = FormatV1.deadLettered();
    assertThat(lines).hasSameSizeAs(expected);
    EnvelopeCodec codec = EnvelopeCodec.standard();
    for (int i = 0; i < lines.size(); i++) {
      byte[] line = lines.get(i).getBytes(StandardCharsets.UTF_8);
      assertThat(codec.decode(line)).isEqualTo(expected.get(i));
      Map<String, String> deadLetter = deadLetterField(line);
      assertThat(deadLetter).containsEntry("Sink", FormatV1.CMQ).containsEntry("Attempts", "1");
      assertThat(deadLetter.get("Reason")).startsWith("PermanentForwardingException: ");
      assertThat(Instant.parse(deadLetter.get("Time"))).isBefore(Instant.now());
    }
  }

  /** The fields of a line's DeadLetter object, as text. */
  private static Map<String, String> deadLetterField(byte[] line) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    try (JsonParser p = new JsonFactory().createParser(line)) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (!name.equals("DeadLetter")) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          p.nextToken();
          fields.put(field, p.getText());
        }
      }
    }
    return fields;
  }

  private static Map<String, List<Long>> seqsByDevice(List<DeviceMessage> messages) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (DeviceMessage m : messages) {
      out.computeIfAbsent(m.deviceKey(), k -> new ArrayList<>()).add(m.seq());
    }
    return out;
  }

  private static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }
}
