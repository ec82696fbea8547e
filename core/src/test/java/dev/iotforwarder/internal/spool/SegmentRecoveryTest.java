package dev.iotforwarder.internal.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Recovery of damaged segments: a segment cut at every byte offset of its last records, or with
 * random bytes flipped anywhere, gives back exactly the intact records, and reports the rest.
 */
class SegmentRecoveryTest {

  /** A segment written by {@link SegmentWriter}, with what went into it. */
  record Written(byte[] bytes, List<DeviceMessage> messages, long[] offsets, long[] ends) {}

  static DeviceMessage message(Random rnd, int i) {
    byte[] payload = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(300)];
    rnd.nextBytes(payload);
    String device = "d" + rnd.nextInt(5) + (rnd.nextBoolean() ? "-温度" : "");
    return rnd.nextInt(4) == 0
        ? DeviceMessage.status("prod", device, Long.toString(9_007_199_254_740_993L + i), "Offline", i)
        : DeviceMessage.publish("prod", device, Long.toString(i), "prod/" + device + "/data", i, payload);
  }

  static Written write(Path dir, long seed, int count) throws IOException {
    Random rnd = new Random(seed);
    List<DeviceMessage> messages = new ArrayList<>();
    long[] offsets = new long[count];
    long[] ends = new long[count];
    try (SegmentWriter w = SegmentWriter.create(dir, 7)) {
      for (int i = 0; i < count; i++) {
        DeviceMessage m = message(rnd, i);
        messages.add(m);
        RecordCodec.Encoded rec = RecordCodec.encode(m, new String[] {"q", "kafka"},
            new String[] {null, "backup"}, 1_700_000_000_000L + i);
        offsets[i] = w.append(rec, 1000 + i);
        ends[i] = offsets[i] + rec.size();
      }
      byte[] bytes = Files.readAllBytes(w.path());
      Files.delete(w.path());
      return new Written(bytes, messages, offsets, ends);
    }
  }

  record Scanned(SegmentScanner.Result result, List<Long> seqs, List<DeviceMessage> messages) {}

  static Scanned scan(Path file) throws IOException {
    List<Long> seqs = new ArrayList<>();
    List<DeviceMessage> messages = new ArrayList<>();
    SegmentScanner.Result res = SegmentScanner.scan(file, r -> {
      SpooledRecord sr = RecordCodec.decode(r.seq(), r.body(), r.offset(), r.end());
      assertThat(sr.sinks()).containsExactly("q", "kafka");
      assertThat(sr.backups()).containsExactly("", "backup");
      assertThat(sr.appendedMillis()).isEqualTo(1_700_000_000_000L + r.seq() - 1000);
      seqs.add(r.seq());
      messages.add(sr.message());
    });
    return new Scanned(res, seqs, messages);
  }

  static Path tempDir() throws IOException {
    return Files.createTempDirectory("segment-recovery");
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void anIntactSegmentGivesBackEveryRecordInOrder() throws IOException {
    Path dir = tempDir();
    try {
      Written w = write(dir, 1, 40);
      Path file = dir.resolve("s.seg");
      Files.write(file, w.bytes());
      Scanned s = scan(file);
      assertThat(s.result().header()).isEqualTo(SpoolFormat.HeaderCheck.OK);
      assertThat(s.result().damaged()).isEmpty();
      assertThat(s.result().tail()).isNull();
      assertThat(s.messages()).containsExactlyElementsOf(w.messages());
      assertThat(s.seqs()).isEqualTo(s.seqs().stream().sorted().toList());
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void cutAtEveryByteOffsetOfTheLastRecordsRecoversEveryRecordBeforeTheCut() throws IOException {
    Path dir = tempDir();
    try {
      Written w = write(dir, 2, 12);
      int n = w.messages().size();
      TreeSet<Long> boundaries = new TreeSet<>();
      boundaries.add((long) SpoolFormat.SEGMENT_HEADER_BYTES);
      Arrays.stream(w.ends()).forEach(boundaries::add);
      List<Long> cuts = new ArrayList<>();
      for (long c = 0; c <= SpoolFormat.SEGMENT_HEADER_BYTES; c++) {
        cuts.add(c);
      }
      for (long c = w.offsets()[n - 3]; c <= w.bytes().length; c++) {
        cuts.add(c);
      }
      Path file = dir.resolve("s.seg");
      for (long cut : cuts) {
        Files.write(file, Arrays.copyOf(w.bytes(), (int) cut));
        Scanned s = scan(file);
        int intact = 0;
        while (intact < n && w.ends()[intact] <= cut) {
          intact++;
        }
        assertThat(s.messages()).as("cut at %d", cut).containsExactlyElementsOf(w.messages().subList(0, intact));
        assertThat(s.result().damaged()).as("cut at %d", cut).isEmpty();
        if (cut < SpoolFormat.SEGMENT_HEADER_BYTES) {
          assertThat(s.result().tail()).as("cut at %d", cut).isNotNull();
          assertThat(s.result().tail().offset()).isZero();
          continue;
        }
        long intactEnd = boundaries.floor(cut);
        if (cut == intactEnd) {
          assertThat(s.result().tail()).as("cut at a record boundary %d", cut).isNull();
        } else {
          assertThat(s.result().tail()).as("cut at %d", cut).isNotNull();
          assertThat(s.result().tail().offset()).as("cut at %d", cut).isEqualTo(intactEnd);
          assertThat(s.result().tail().end()).isEqualTo(cut);
          assertThat(s.result().validEnd()).isEqualTo(intactEnd);
          SegmentScanner.cutTail(file, s.result().tail().offset());
          Scanned again = scan(file);
          assertThat(again.result().tail()).as("after the cut, at %d", cut).isNull();
          assertThat(again.messages()).isEqualTo(s.messages());
        }
      }
    } finally {
      deleteTree(dir);
    }
  }

  @Property(tries = 300)
  void flippedBytesDamageOnlyTheRecordsTheyHit(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 30) int records,
      @ForAll @IntRange(min = 1, max = 4) int flips) throws IOException {
    Path dir = tempDir();
    try {
      Written w = write(dir, seed, records);
      byte[] bytes = w.bytes().clone();
      Random rnd = new Random(seed ^ 0x5DEECE66DL);
      long[] at = new long[flips];
      for (int i = 0; i < flips; i++) {
        at[i] = rnd.nextInt(bytes.length);
        bytes[(int) at[i]] ^= (byte) (1 + rnd.nextInt(255));
      }
      Path file = dir.resolve("s.seg");
      Files.write(file, bytes);
      Scanned s = scan(file);

      List<DeviceMessage> intact = new ArrayList<>();
      List<Long> hitOffsets = new ArrayList<>();
      boolean headerHit = false;
      for (long p : at) {
        headerHit |= p < SpoolFormat.SEGMENT_HEADER_BYTES;
      }
      for (int i = 0; i < records; i++) {
        boolean hit = false;
        for (long p : at) {
          hit |= p >= w.offsets()[i] && p < w.ends()[i];
        }
        if (hit) {
          hitOffsets.add(w.offsets()[i]);
        } else {
          intact.add(w.messages().get(i));
        }
      }
      assertThat(s.messages()).containsExactlyElementsOf(intact);
      assertThat(s.result().header())
          .isEqualTo(headerHit ? SpoolFormat.HeaderCheck.DAMAGED : SpoolFormat.HeaderCheck.OK);
      // Every damaged record is reported: inside a skipped stretch or the cut-off tail.
      List<SegmentReader.Damage> reported = new ArrayList<>(s.result().damaged());
      if (s.result().tail() != null) {
        reported.add(s.result().tail());
      }
      for (long off : hitOffsets) {
        assertThat(reported).as("damage at record offset %d reported", off)
            .anyMatch(d -> d.offset() <= off && off < d.end());
      }
      if (hitOffsets.isEmpty() && !headerHit) {
        assertThat(reported).isEmpty();
      }
      // No reported stretch covers an intact record.
      for (int i = 0; i < records; i++) {
        if (!hitOffsets.contains(w.offsets()[i])) {
          long off = w.offsets()[i];
          assertThat(reported).as("intact record at %d not reported", off)
              .noneMatch(d -> d.offset() <= off && off < d.end() && d.offset() >= SpoolFormat.SEGMENT_HEADER_BYTES);
        }
      }
    } finally {
      deleteTree(dir);
    }
  }

  @Test
  void aHeaderOfANewerVersionIsRecognisedNotTakenForDamage() throws IOException {
    ByteBuffer h = SpoolFormat.segmentHeader(3);
    byte[] b = new byte[h.remaining()];
    h.get(b);
    ByteBuffer.wrap(b).putInt(8, 2);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b, 0, 20);
    ByteBuffer.wrap(b).putInt(20, (int) crc.getValue());
    assertThat(SpoolFormat.checkHeader(ByteBuffer.wrap(b)))
        .isEqualTo(SpoolFormat.HeaderCheck.UNSUPPORTED_VERSION);
    assertThat(SpoolFormat.checkHeader(SpoolFormat.segmentHeader(3))).isEqualTo(SpoolFormat.HeaderCheck.OK);
    assertThat(SpoolFormat.segmentId(SpoolFormat.segmentName(42))).isEqualTo(42);
    assertThat(SpoolFormat.segmentId("checkpoint")).isEqualTo(-1);
  }
}
