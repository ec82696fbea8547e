package dev.iotforwarder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool reads a spool written by on-disk format version 1: core's committed fixtures
 * (core/src/test/resources/format-fixtures/v1, docs/releasing.md), so that an operator's tool of a
 * later version still checks and dumps an old gateway's spool.
 */
class FormatFixturesCliTest {
  private static final Path FIXTURE = Path.of("../core/src/test/resources/format-fixtures/v1/spool");

  @TempDir Path tmp;

  @Test
  void verifiesAndDumpsAVersion1Spool() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("spool"));
    for (String name : List.of("00000000000000000001.seg", "00000000000000000002.seg",
        "00000000000000000003.seg", "checkpoint")) {
      Files.copy(FIXTURE.resolve(name), dir.resolve(name));
    }

    Cli.Run verify = Cli.run("verify", dir.toString());
    Cli.Run dump = Cli.run("spool", "dump", dir.toString());

    assertThat(verify.exit()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains("verify: ok");
    assertThat(dump.exit()).as(dump.toString()).isZero();
    assertThat(dump.err()).contains("dumped 12 messages from 3 segments");
    EnvelopeCodec codec = EnvelopeCodec.standard();
    List<String> devicesAndSeqs = dump.outLines().stream()
        .map(l -> codec.decode(l.getBytes(StandardCharsets.UTF_8)))
        .map(m -> m.deviceName() + "#" + m.seq()).toList();
    assertThat(devicesAndSeqs).containsExactly("t-1#1", "t-1#2", "m-2#7", "设备-3#9", "m-2#8",
        "m-2#9", "t-4#100", "t-4#101", "t-4#102", "t-4#103", "t-4#104", "t-4#105");
  }
}
