package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceDeduplicationTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, DeviceMessage> in;
  private TestOutputTopic<String, DeviceMessage> out;

  @BeforeEach
  void start() {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, DeviceMessage> messages =
        builder.stream("in", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage()));
    DeviceDeduplication.apply(builder, messages, "dedup", 3, Duration.ofMinutes(10))
        .to("out", Produced.with(Serdes.String(), DeviceSerdes.deviceMessage()));
    driver = TestDrivers.of(builder, "dedup-test", stateDir);
    in = driver.createInputTopic("in", new StringSerializer(), DeviceSerdes.deviceMessage().serializer());
    out = driver.createOutputTopic("out", Serdes.String().deserializer(), DeviceSerdes.deviceMessage().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void send(String deviceId, long seq, long atSeconds) {
    DeviceMessage m = DeviceMessage.publish("p", "d" + deviceId, deviceId, "t", seq, new byte[] {(byte) seq});
    in.pipeInput("p/d" + deviceId, m, T0.plusSeconds(atSeconds));
  }

  private String outputs() {
    StringBuilder s = new StringBuilder();
    for (DeviceMessage m : out.readValuesToList()) {
      s.append(m.deviceId()).append(':').append(m.seq()).append(' ');
    }
    return s.toString().trim();
  }

  @Test
  void dropsRepeatsOfTheSameDeviceAndSeqOnly() {
    send("1", 1, 0);
    send("1", 2, 1);
    send("1", 1, 2); // repeat
    send("2", 1, 2); // same Seq, other device
    send("1", 2, 3); // repeat
    send("1", 3, 4);
    assertThat(outputs()).isEqualTo("1:1 1:2 2:1 1:3");
  }

  @Test
  void remembersAtMostTheLastSeqsOfADevice() {
    send("1", 1, 0);
    send("1", 2, 0);
    send("1", 3, 0);
    send("1", 4, 0); // Seq 1 leaves the window of 3
    send("1", 2, 1); // still remembered
    send("1", 1, 1); // forgotten: passes (a documented limit)
    assertThat(outputs()).isEqualTo("1:1 1:2 1:3 1:4 1:1");
  }

  @Test
  void forgetsASeqAfterTheRetention() {
    send("1", 7, 0);
    send("1", 7, 599); // within 10 minutes: repeat
    send("1", 7, 601); // after: passes, as a restarted Seq would
    assertThat(outputs()).isEqualTo("1:7 1:7");
  }

  @Test
  void listsEveryProblemAtOnce() {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, DeviceMessage> s = builder.stream("x");
    assertThatThrownBy(() -> DeviceDeduplication.apply(builder, s, " ", 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid deduplication: storeName is blank; maxSeqsPerDevice must be >= 1, got 0; "
            + "retention must be positive, got PT0S");
  }
}
