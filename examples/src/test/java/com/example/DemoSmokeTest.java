package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.SinkStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the whole demo in this JVM, with small counts: embedded Kafka and CMQ, gateway, backend, checks. */
@DisplayName("The demo")
class DemoSmokeTest {

  @Test
  @DisplayName("forwards 2,000 messages of 50 devices, reads every one back, and exits with 0")
  void smallRunPasses() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Demo.Result result = Demo.execute(new String[] {"--messages", "2000", "--devices", "50"}, print(out),
        print(err), false);
    String output = out.toString(StandardCharsets.UTF_8);

    assertThat(result.exitCode()).as(output + err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(result.lost()).isZero();
    Fleet fleet = Fleet.plan(50, 2000, DemoOptions.DEFAULTS.seed());
    SinkStats kafka = result.stats().sink(Demo.KAFKA_SINK);
    assertThat(kafka.succeeded()).isEqualTo(2000);
    assertThat(result.stats().sink(Demo.CMQ_STATUS_SINK).succeeded())
        .isEqualTo(fleet.count(Fleet.Kind.ONLINE, Fleet.Kind.OFFLINE));
    assertThat(result.stats().sink(Demo.CMQ_ALARMS_SINK).succeeded()).isEqualTo(fleet.count(Fleet.Kind.ALARM));
    assertThat(result.stats().sinks().values()).allSatisfy(s -> {
      assertThat(s.failed()).isZero();
      assertThat(s.deadLettered()).isZero();
    });
    assertThat(output)
        .contains("sink", "sent", "delivered", "retried", "dead-lettered", "lost", "duplicates", "msg/s",
            "p50 ms", "p99 ms", "max ms")
        .containsPattern("(?m)^ckafka +2,000 +2,000 ")
        // The default run's two phases: nine tenths flat out (throughput), the last tenth paced (latency).
        .containsPattern("(?m)^ckafka +flat out +1,800 +[0-9,]+ ")
        .containsPattern("(?m)^ckafka +paced 2,000/s +200 +- ")
        .contains("paced 2,000/s: the gateway forwards 2,000 msg/s", "flat out: the gateway forwards as fast as it can")
        .containsPattern("(?m)^  nothing lost +ok +2,[0-9]{3} of 2,[0-9]{3} envelopes read back")
        .containsPattern("(?m)^  per-device order +ok ")
        .containsPattern("(?m)^  envelopes byte-exact +ok ")
        .containsPattern("(?m)^  Status events complete +ok +50 of 50 devices")
        .containsPattern("(?m)^  routing +ok ")
        .containsPattern("(?m)^  forwarder counters +ok ")
        .containsPattern("(?m)^  presence table: online devices per product now \\{.+=0")
        .containsPattern("(?m)^  presence table +ok +50 of 50 devices hold their last Status.*0 online, per product as the fleet says")
        .contains("PASS")
        .doesNotContain("FAIL");
  }

  @Test
  @DisplayName("loses nothing when 30 % of the CMQ sends fail and the Kafka broker goes down for a second")
  void faultsAndOutageLoseNothing() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Demo.Result result = Demo.execute(new String[] {"--messages", "3000", "--devices", "60",
        "--cmq-fault-rate", "0.3", "--kafka-outage-seconds", "1"}, print(out), print(err), false);
    String output = out.toString(StandardCharsets.UTF_8);

    assertThat(result.exitCode()).as(output + err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(result.lost()).isZero();
    assertThat(result.cmqFaultsInjected()).isPositive();
    long cmqRetries = result.stats().sink(Demo.CMQ_STATUS_SINK).retries()
        + result.stats().sink(Demo.CMQ_ALARMS_SINK).retries();
    assertThat(cmqRetries).as("every injected fault failed a batch, so each caused retries")
        .isGreaterThanOrEqualTo(result.cmqFaultsInjected());
    assertThat(result.stats().sink(Demo.KAFKA_SINK).succeeded()).isEqualTo(3000);
    assertThat(output).contains("the Kafka broker stops after 1,000 messages and restarts 1 s later")
        .contains("PASS");
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
