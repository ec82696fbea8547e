package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.Submission;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receive time (issue 18): stamped by {@code forward()}/{@code submit()} when the host left it
 * unset, kept when it set one, kept by the spool across a restart, what {@code SpoolOptions.maxAge}
 * counts from, and what {@code SpoolStats.oldestPendingAgeMillis} (issue 17) ages.
 */
class ReceiveTimeTest {
  private static final long T0 = 1_765_000_000_000L;
  private static final long HOUR = 3_600_000L;

  @TempDir Path tmp;

  /** The forwarder's clock, stopped at {@code millis}. */
  private static Clock at(long millis) {
    return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  @Test
  @DisplayName("forward() and submit() stamp the forwarder's clock; the sink and the result see it")
  void forwardStampsTheClock() throws Exception {
    RecordingSink sink = new RecordingSink("q");
    DeviceMessage m = Fixtures.publish(1, 7);
    try (Forwarder f = Forwarder.builder().route(sink).clock(at(T0)).build()) {
      ForwardResult r = f.forward(m).get(10, TimeUnit.SECONDS);
      Submission s = f.submit(Fixtures.publish(1, 8));
      s.completion().get(10, TimeUnit.SECONDS);

      assertThat(r.message().receivedAtMillis()).isEqualTo(T0);
      assertThat(r.message()).isEqualTo(m); // equals ignores the time
      assertThat(sink.received()).extracting(DeviceMessage::receivedAtMillis)
          .containsExactly(T0, T0);
    }
    assertThat(m.receivedAtMillis()).as("the host's message is unchanged").isZero();
  }

  @Test
  @DisplayName("a receive time the host set is kept, with and without a spool")
  void theHostsTimeIsKept() throws Exception {
    DeviceMessage m = Fixtures.publish(1, 7).withReceivedAtMillis(T0 - 5_000);
    RecordingSink plain = new RecordingSink("q");
    try (Forwarder f = Forwarder.builder().route(plain).clock(at(T0)).build()) {
      f.forward(m).get(10, TimeUnit.SECONDS);
    }
    RecordingSink spooled = new RecordingSink("q");
    try (Forwarder f = Forwarder.builder().route(spooled).clock(at(T0))
        .spool(tmp.resolve("spool")).build()) {
      f.forward(m).get(10, TimeUnit.SECONDS);
    }
    assertThat(plain.received().get(0).receivedAtMillis()).isEqualTo(T0 - 5_000);
    assertThat(spooled.received().get(0).receivedAtMillis()).isEqualTo(T0 - 5_000);
  }

  @Test
  @DisplayName("the spool keeps the receive time across a restart; the oldest pending age counts from it")
  void theSpoolKeepsTheTimeAcrossARestart() throws Exception {
    Path dir = tmp.resolve("spool");
    List<DeviceMessage> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sent.add(Fixtures.status(i % 3, i, i % 2 == 0 ? "Online" : "Offline"));
    }
    FlakySink first = FlakySink.builder("q").build();
    first.pause();
    try (Forwarder f = Forwarder.builder().route(first).clock(at(T0 + 90_000)).spool(dir)
        .closeTimeout(Duration.ofMillis(100)).build()) {
      for (DeviceMessage m : sent) { // the host stamped them 90 s before the forwarder's now
        f.submit(m.withReceivedAtMillis(T0)).accepted().get(10, TimeUnit.SECONDS);
      }
      SpoolStats during = f.stats().spool();
      assertThat(during.pending()).isEqualTo(6);
      assertThat(during.oldestPendingAgeMillis()).isEqualTo(90_000);
      assertThat(during.oldestPendingAge()).isEqualTo(Duration.ofSeconds(90));
    } // closes with everything pending: it stays in the spool

    FlakySink second = FlakySink.builder("q").build();
    second.pause();
    try (Forwarder f = Forwarder.builder().route(second).clock(at(T0 + HOUR)).spool(dir).build()) {
      assertThat(f.stats().spool().recovered()).isEqualTo(6);
      assertThat(f.stats().spool().oldestPendingAgeMillis()).isEqualTo(HOUR);
      second.resume();
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      SpoolStats after = f.stats().spool();
      assertThat(after.pending()).isZero();
      assertThat(after.oldestPendingAgeMillis()).isZero();
    }
    assertThat(second.delivered()).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(second.delivered()).extracting(DeviceMessage::receivedAtMillis)
        .containsOnly(T0);
  }

  @Test
  @DisplayName("maxAge counts from the receive time, across a restart")
  void maxAgeCountsFromTheReceiveTime() throws Exception {
    Path dir = tmp.resolve("spool");
    FlakySink first = FlakySink.builder("q").build();
    first.pause();
    DeviceMessage m = Fixtures.publish(1, 1);
    try (Forwarder f = Forwarder.builder().route(first).clock(at(T0)).spool(dir)
        .closeTimeout(Duration.ofMillis(100)).build()) {
      f.submit(m).accepted().get(10, TimeUnit.SECONDS);
    }
    // An hour later the sink fails every send: with a maximum age of 30 minutes the replayed
    // message is past it at its first failure, so it is dead-lettered at once.
    FlakySink failing = FlakySink.builder("q").retriableFailureRate(1.0).build();
    Fixtures.RecordingDeadLetters dlq = new Fixtures.RecordingDeadLetters();
    try (Forwarder f = Forwarder.builder().route(failing).deadLetter(dlq)
        .clock(at(T0 + HOUR))
        .spool(dir, SpoolOptions.builder().maxAge(Duration.ofMinutes(30)).build()).build()) {
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(f.stats().spool().pending()).isZero();
    }
    assertThat(dlq.letters()).hasSize(1);
    assertThat(failing.retriableFailures()).isEqualTo(1);
  }
}
