package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.iotforwarder.DeviceMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rule of {@link DeviceGapDetection}, on a TopologyTestDriver: grace 10 s, at most 2 open gaps. */
class DeviceGapDetectionTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final long GRACE_SECONDS = 10;
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, DeviceMessage> in;
  private TestOutputTopic<String, SeqGap> gaps;

  @BeforeEach
  void start() {
    StreamsBuilder builder = new StreamsBuilder();
    DeviceGapDetection.apply(builder,
            builder.stream("telemetry", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage())),
            "gaps", Duration.ofSeconds(GRACE_SECONDS), 2)
        .to("gaps", Produced.with(Serdes.String(), DeviceSerdes.seqGap()));
    driver = TestDrivers.of(builder, "gaps-test", stateDir);
    in = driver.createInputTopic("telemetry", new StringSerializer(), DeviceSerdes.deviceMessage().serializer());
    gaps = driver.createOutputTopic("gaps", Serdes.String().deserializer(), DeviceSerdes.seqGap().deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void send(String deviceId, long seq, double atSeconds) {
    DeviceMessage m = DeviceMessage.publish("meter", "dev-" + deviceId, deviceId, "t/data", seq, new byte[] {1});
    in.pipeInput("meter/dev-" + deviceId, m, T0.plusMillis((long) (atSeconds * 1000)));
  }

  /** Moves stream time with another device's message, so that punctuations run. */
  private void tick(double atSeconds) {
    send("clock", 0, atSeconds);
  }

  /** The gaps reported once stream time is far past every grace: "first-last" each. */
  private List<String> reportedLater() {
    tick(60);
    return gaps.readValuesToList().stream().map(g -> g.firstMissing() + "-" + g.lastMissing()).toList();
  }

  private static long at(double seconds) {
    return T0.plusMillis((long) (seconds * 1000)).toEpochMilli();
  }

  @Test
  void aJumpIsReportedOnceWhenItIsStillOpenAfterGrace() {
    send("1", 1, 0);
    send("1", 2, 1);
    send("1", 5, 2); // 3 and 4 missing
    tick(2 + GRACE_SECONDS - 1);
    assertThat(gaps.isEmpty()).as("not due before grace").isTrue();
    tick(2 + GRACE_SECONDS * 1.5 + 1);
    List<SeqGap> reported = gaps.readValuesToList();
    assertThat(reported).hasSize(1);
    SeqGap g = reported.get(0);
    assertThat(g).extracting(SeqGap::deviceId, SeqGap::firstMissing, SeqGap::lastMissing, SeqGap::openedAt)
        .containsExactly("1", 3L, 4L, at(2));
    assertThat(g.missing()).isEqualTo(2);
    assertThat(g.reportedAt()).isBetween(at(2 + GRACE_SECONDS), at(2 + GRACE_SECONDS * 1.5 + 1));
    tick(100);
    send("1", 6, 101);
    tick(200);
    assertThat(gaps.isEmpty()).as("reported once").isTrue();
  }

  @Test
  void aSeqThatArrivesLateFillsItsPlaceAndSplitsTheGap() {
    send("1", 1, 0);
    send("1", 6, 1); // 2..5 missing
    send("1", 3, 2); // late
    send("1", 2, 3); // late
    assertThat(reportedLater()).containsExactly("4-5");
  }

  @Test
  void aGapFilledWithinGraceIsNotReported() {
    send("1", 1, 0);
    send("1", 3, 1);
    send("1", 2, 0.5); // reordered upstream: its own, older time
    send("1", 4, 2);
    assertThat(reportedLater()).isEmpty();
  }

  @Test
  void repeatsAndLateMessagesOpenNoGap() {
    send("1", 1, 0);
    send("1", 2, 1);
    send("1", 3, 2);
    send("1", 3, 3); // a repeat of the newest
    send("1", 2, 4); // a repeat within grace: not a restart
    send("1", 9, 1.5); // older than the newest that moved the Seq: never opens a gap
    send("1", 4, 5); // continues from 3, so the repeat did not restart tracking
    assertThat(reportedLater()).isEmpty();
  }

  @Test
  void aLowerSeqAfterAPauseIsARestartNotAGapAndTrackingGoesOnFromIt() {
    send("1", 500, 0);
    send("1", 501, 1);
    send("1", 0, 1 + GRACE_SECONDS); // rebooted: Seq from 0
    send("1", 1, 12);
    send("1", 3, 13); // 2 missing in the new session
    assertThat(reportedLater()).containsExactly("2-2");
  }

  @Test
  void beyondTheOpenGapsAllowedTheOldestIsReportedAtOnce() {
    send("1", 1, 0);
    send("1", 3, 1); // gap 2
    send("1", 5, 2); // gap 4
    assertThat(gaps.isEmpty()).isTrue();
    send("1", 7, 3); // gap 6: three open, two allowed
    assertThat(gaps.readValuesToList()).extracting(SeqGap::firstMissing, SeqGap::reportedAt)
        .containsExactly(tuple(2L, at(3)));
    assertThat(reportedLater()).containsExactly("4-4", "6-6");
  }

  @Test
  void devicesAreTrackedApart() {
    send("1", 1, 0);
    send("2", 10, 0);
    send("2", 11, 1);
    send("1", 2, 1);
    send("2", 13, 2);
    tick(60);
    assertThat(gaps.readKeyValuesToList()).extracting(kv -> kv.key, kv -> kv.value.firstMissing())
        .containsExactly(tuple("2", 12L));
  }

  @Test
  void invalidSettingsAreAllReportedAtOnce() {
    StreamsBuilder builder = new StreamsBuilder();
    assertThatThrownBy(() -> DeviceGapDetection.apply(builder,
            builder.stream("t", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage())), " ",
            Duration.ZERO, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid gap detection: storeName is blank; grace must be positive, got PT0S; "
            + "maxOpenGapsPerDevice must be >= 1, got 0");
  }

  @Test
  void theGapSerdeRoundTripsAndRejectsWhatIsNotAGap() {
    Serde<SeqGap> serde = DeviceSerdes.seqGap();
    SeqGap g = new SeqGap("id ü", Long.MIN_VALUE, Long.MAX_VALUE, -1, 0);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", g))).isEqualTo(g);
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThatThrownBy(() -> serde.deserializer().deserialize("gaps", new byte[] {9}))
        .isInstanceOf(SerializationException.class).hasMessage("Seq gap on gaps has unknown version 9");
    assertThatThrownBy(() -> new SeqGap("1", 5, 4, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lastMissing < firstMissing: 4 < 5");
  }
}
