package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevicePresenceTopologyTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, DeviceMessage> in;
  private TestOutputTopic<String, DevicePresence> changes;
  private KeyValueStore<String, DevicePresence> presence;
  private KeyValueStore<String, Long> counts;

  @BeforeEach
  void start() {
    StreamsBuilder builder = new StreamsBuilder();
    DevicePresenceTopology.addTo(builder,
            builder.stream("status", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage())),
            NewerRule.withReorderWindow(Duration.ofSeconds(10)))
        .to("presence", Produced.with(Serdes.String(), DeviceSerdes.devicePresence()));
    driver = TestDrivers.of(builder, "presence-test", stateDir);
    in = driver.createInputTopic("status", new StringSerializer(), DeviceSerdes.deviceMessage().serializer());
    changes = driver.createOutputTopic("presence", Serdes.String().deserializer(),
        DeviceSerdes.devicePresence().deserializer());
    presence = driver.getKeyValueStore(DevicePresenceTopology.PRESENCE_STORE);
    counts = driver.getKeyValueStore(DevicePresenceTopology.ONLINE_COUNTS_STORE);
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void send(String deviceId, String product, String event, long seq, long atSeconds) {
    DeviceMessage m = DeviceMessage.status(product, "dev-" + deviceId, deviceId, event, seq);
    in.pipeInput(product + "/dev-" + deviceId, m, T0.plusSeconds(atSeconds));
  }

  @Test
  void aLateOfflineWithinASessionDoesNotOverwriteTheNewerOnline() {
    send("1", "lamp", "Online", 10, 0);
    send("1", "lamp", "Offline", 11, 5);
    send("1", "lamp", "Online", 12, 6);
    send("1", "lamp", "Offline", 11, 7); // a redelivered copy, arriving late
    DevicePresence p = presence.get("1");
    assertThat(p.online()).isTrue();
    assertThat(p.seq()).isEqualTo(12);
    assertThat(p.seenAt()).isEqualTo(T0.plusSeconds(6).toEpochMilli());
    assertThat(changes.readValuesToList()).extracting(DevicePresence::seq).containsExactly(10L, 11L, 12L);
    assertThat(counts.get("lamp")).isEqualTo(1L);
  }

  @Test
  void aReplayedOldOnlineFromAnEarlierSessionLoses() {
    send("1", "lamp", "Online", 900, 100);
    send("1", "lamp", "Offline", 3, 200); // reconnected elsewhere, Seq unrelated, 100 s later
    send("1", "lamp", "Online", 900, 100); // the old Online again, with its old time
    assertThat(presence.get("1").online()).isFalse();
    assertThat(counts.get("lamp")).isZero();
  }

  @Test
  void aRebootThatRestartsTheSeqBringsTheDeviceBackOnline() {
    send("1", "lamp", "Online", 500, 0);
    send("1", "lamp", "Offline", 501, 60);
    send("1", "lamp", "Online", 0, 63); // rebooted 3 s later, Seq from 0
    send("1", "lamp", "Offline", 501, 60); // a late copy of the old Offline, with its own time
    assertThat(presence.get("1")).extracting(DevicePresence::online, DevicePresence::seq).containsExactly(true, 0L);
    assertThat(counts.get("lamp")).isEqualTo(1L);
  }

  @Test
  void otherEventsUpdateTheLastEventButNotTheOnlineState() {
    send("1", "lamp", "Online", 1, 0);
    send("1", "lamp", "Upgrading", 2, 1);
    assertThat(presence.get("1")).extracting(DevicePresence::online, DevicePresence::lastEvent)
        .containsExactly(true, "Upgrading");
    send("2", "lamp", "Upgrading", 1, 1);
    assertThat(presence.get("2").online()).isFalse();
    assertThat(counts.get("lamp")).isEqualTo(1L);
  }

  @Test
  void countsOnlineDevicesPerProductAndIgnoresPublish() {
    send("1", "lamp", "Online", 1, 0);
    send("2", "lamp", "Online", 1, 0);
    send("3", "meter", "Online", 1, 0);
    send("2", "lamp", "Online", 2, 1); // still online: no double count
    send("1", "lamp", "Offline", 2, 2);
    in.pipeInput("lamp/dev-3", DeviceMessage.publish("lamp", "dev-3", "3", "t/telemetry", 5, new byte[] {1}),
        T0.plusSeconds(3));
    assertThat(counts.get("lamp")).isEqualTo(1L);
    assertThat(counts.get("meter")).isEqualTo(1L);
    assertThat(presence.get("3").productName()).isEqualTo("meter");
  }

  @Test
  void aDeviceThatMovesToAnotherProductIsCountedOnlyThere() {
    send("1", "lamp", "Online", 1, 0);
    send("1", "meter", "Online", 2, 1);
    assertThat(counts.get("lamp")).isZero();
    assertThat(counts.get("meter")).isEqualTo(1L);
  }
}
