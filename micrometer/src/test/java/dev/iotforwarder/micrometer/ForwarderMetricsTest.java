package dev.iotforwarder.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

class ForwarderMetricsTest {

  static DeviceMessage message(int i) {
    return i % 3 == 0
        ? DeviceMessage.status("p", "d" + (i % 7), String.valueOf(i % 7), "Online", i)
        : DeviceMessage.publish("p", "d" + (i % 7), String.valueOf(i % 7), "p/d/data", i,
            new byte[] {1, 2, 3});
  }

  static LaneOptions quickRetries() {
    return LaneOptions.builder().retryPolicy(RetryPolicy.builder().maxAttempts(2)
        .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(1)).build()).build();
  }

  @Test
  void registryFiguresEqualStatsAfterARunWithFailuresAndDeadLetters() {
    FlakySink flaky = FlakySink.builder("flaky").retriableFailureRate(0.2)
        .permanentFailureRate(0.2).seed(7).build();
    RecordingSink ok = new RecordingSink("ok");
    RecordingSink dlq = new RecordingSink("dlq");
    DeliveryTimer timer = DeliveryTimer.create();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Forwarder f = Forwarder.builder().route(flaky).route(MessageFilter.statusOnly(), ok)
        .deadLetter(dlq).laneDefaults(quickRetries()).listener(timer).build();
        ForwarderMetrics metrics = ForwarderMetrics.builder(f).name("gw")
            .tags(Tags.of("region", "gz")).deliveryTimer(timer).build()) {
      metrics.bindTo(registry);
      for (int i = 0; i < 300; i++) {
        f.forward(message(i));
      }
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      ForwarderStats stats = f.stats();
      SinkStats fs = stats.sink("flaky");
      assertThat(fs.failed()).as("the seed makes failures").isPositive();
      assertThat(fs.deadLettered()).isPositive();
      assertThat(fs.retries()).isPositive();
      assertThat(stats.sink("ok").filtered()).isPositive();

      assertThat(counter(registry, "iot.forwarder.forwarded", null)).isEqualTo(stats.forwarded());
      assertThat(counter(registry, "iot.forwarder.filtered", null)).isEqualTo(stats.filtered());
      assertThat(counter(registry, "iot.forwarder.listener.errors", null))
          .isEqualTo(stats.listenerErrors());
      for (SinkStats s : stats.sinks().values()) {
        Map<String, ToLongFunction<SinkStats>> expected = Map.ofEntries(
            Map.entry("received", SinkStats::received), Map.entry("filtered", SinkStats::filtered),
            Map.entry("succeeded", SinkStats::succeeded), Map.entry("failed", SinkStats::failed),
            Map.entry("dropped", SinkStats::dropped), Map.entry("rejected", SinkStats::rejected),
            Map.entry("retried", SinkStats::retries), Map.entry("timed.out", SinkStats::timeouts),
            Map.entry("dead.lettered", SinkStats::deadLettered),
            Map.entry("dead.letter.failed", SinkStats::deadLetterFailures));
        expected.forEach((meter, value) -> assertThat(
            counter(registry, "iot.forwarder.sink." + meter, s.name()))
            .as(meter + " of " + s.name()).isEqualTo(value.applyAsLong(s)));
        assertThat(gauge(registry, "iot.forwarder.sink.queued", s.name())).isZero();
        assertThat(gauge(registry, "iot.forwarder.sink.inflight", s.name())).isZero();
        assertThat(gauge(registry, "iot.forwarder.sink.held", s.name())).isZero();
        long timed = registry.get(DeliveryTimer.NAME).tags("sink", s.name()).timers().stream()
            .mapToLong(t -> t.count()).sum();
        assertThat(timed).as("deliveries timed for " + s.name()).isEqualTo(s.succeeded());
      }
      assertThat(registry.get(DeliveryTimer.NAME).tags("sink", "ok", "type", "Publish").timer()
          .count()).isZero();
      assertThat(registry.get("iot.forwarder.sink.received").tags("sink", "ok").meter().getId()
          .getTags()).contains(Tag.of("forwarder", "gw"), Tag.of("region", "gz"));
      assertThat(registry.find("iot.forwarder.spool.pending").meters()).as("no spool").isEmpty();

      metrics.close();
      assertThat(registry.getMeters()).as("close removes every meter").isEmpty();
    }
  }

  @Test
  void aScrapeShowsOneBalancedSnapshotWhileMessagesFlow() {
    FlakySink sink = FlakySink.builder("slow").build();
    long[] now = {0};
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Forwarder f = Forwarder.builder().route(sink).build();
        ForwarderMetrics metrics = ForwarderMetrics.builder(f).snapshotTtl(Duration.ofSeconds(1))
            .nanoTime(() -> now[0]).build()) {
      metrics.bindTo(registry);
      sink.pause();
      for (int i = 0; i < 500; i++) {
        f.forward(message(i));
      }
      now[0] += Duration.ofSeconds(1).toNanos();
      long[] first = scrape(registry);
      assertThat(first[0]).as("received").isEqualTo(500);
      assertThat(first[4] + first[5]).as("held back by the paused sink").isPositive();
      assertThat(balances(first)).isTrue();

      Thread producer = new Thread(() -> {
        for (int i = 500; i < 5_000; i++) {
          f.forward(message(i));
        }
      });
      producer.start();
      sink.resume();
      int scrapes = 0;
      long[] last;
      do {
        now[0] += Duration.ofSeconds(1).toNanos();
        last = scrape(registry);
        scrapes++;
        assertThat(balances(last)).as("scrape %d: %s", scrapes, List.of(last)).isTrue();
      } while (last[0] < 5_000 || last[2] < 5_000);
      assertThat(scrapes).isGreaterThan(1);
      producer.join();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theBuilderListsEveryProblem() {
    assertThatThrownBy(() -> ForwarderMetrics.builder(null).name(" ")
        .snapshotTtl(Duration.ZERO).tags(Tags.of("sink", "x")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("forwarder").hasMessageContaining("name")
        .hasMessageContaining("snapshotTtl").hasMessageContaining("key sink");
  }

  /** received, filtered, succeeded, failed, dropped, inflight, queued. */
  private static long[] scrape(SimpleMeterRegistry r) {
    String p = "iot.forwarder.sink.";
    return new long[] {counter(r, p + "received", "slow"), counter(r, p + "filtered", "slow"),
        counter(r, p + "succeeded", "slow"), counter(r, p + "failed", "slow"),
        gauge(r, p + "inflight", "slow"), gauge(r, p + "queued", "slow"),
        counter(r, p + "dropped", "slow")};
  }

  private static boolean balances(long[] s) {
    return s[0] == s[1] + s[2] + s[3] + s[4] + s[5] + s[6];
  }

  private static long counter(SimpleMeterRegistry r, String name, String sink) {
    var search = r.get(name);
    return (long) (sink == null ? search : search.tags("sink", sink)).functionCounter().count();
  }

  private static long gauge(SimpleMeterRegistry r, String name, String sink) {
    return (long) r.get(name).tags("sink", sink).gauge().value();
  }
  @Test
  void theOldestPendingAgeGaugeReadsTheSpoolsFigureInSeconds(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path spool) throws Exception {
    FlakySink sink = FlakySink.builder("kafka").build();
    sink.pause();
    long now = 1_765_000_000_000L;
    java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.ofEpochMilli(now),
        java.time.ZoneOffset.UTC);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Forwarder f = Forwarder.builder().route(sink).clock(clock).spool(spool).build();
        ForwarderMetrics metrics = ForwarderMetrics.builder(f).name("gw")
            .snapshotTtl(Duration.ofNanos(1)).build()) {
      metrics.bindTo(registry);
      io.micrometer.core.instrument.TimeGauge age =
          registry.get("iot.forwarder.spool.oldest.pending.age").timeGauge();
      assertThat(age.value(java.util.concurrent.TimeUnit.SECONDS)).isZero();
      for (int i = 0; i < 3; i++) { // received 90.5 s before the forwarder's (stopped) clock
        f.submit(message(i).withReceivedAtMillis(now - 90_500 + i)).accepted()
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
      }
      assertThat(f.stats().spool().oldestPendingAgeMillis()).isEqualTo(90_500);
      assertThat(age.value(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(90.5);
      assertThat(age.getId().getTags()).containsExactly(Tag.of("forwarder", "gw"));
      sink.resume();
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(age.value(java.util.concurrent.TimeUnit.SECONDS)).isZero();
    }
  }
}
