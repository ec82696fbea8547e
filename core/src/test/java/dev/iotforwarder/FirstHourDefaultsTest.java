package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults a new user meets in the first hour: the dead-letter file's fsync, an empty DeviceId. */
@DisplayName("first-hour defaults")
class FirstHourDefaultsTest {

  @Test
  @DisplayName("FileDeadLetterSink.open(path) forces each line to disk, as the spool does by default")
  void deadLetterFileFsyncsByDefault(@TempDir Path dir) {
    FileDeadLetterSink byDefault = FileDeadLetterSink.open(dir.resolve("dead.jsonl"));
    FileDeadLetterSink fast = FileDeadLetterSink.open(dir.resolve("fast.jsonl"), false);
    try {
      assertThat(byDefault.toString()).endsWith("fsync=true]");
      assertThat(fast.toString()).endsWith("fsync=false]");
    } finally {
      byDefault.close();
      fast.close();
    }
  }

  @Test
  @DisplayName("an empty DeviceId is accepted and survives the codec; the device key does not use it")
  void emptyDeviceIdIsKeptAsIs() {
    DeviceMessage m = DeviceMessage.publish("meter", "m-1", "", "meter/m-1/data", 7,
        "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(m.deviceKey()).isEqualTo("meter/m-1");
    DeviceMessage back = EnvelopeCodec.standard().decode(EnvelopeCodec.standard().encode(m));
    assertThat(back).isEqualTo(m);
    assertThat(back.deviceId()).isEmpty();
  }
}
