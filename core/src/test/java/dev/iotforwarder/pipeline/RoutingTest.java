package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.FileDeadLetterSink;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderBuilder;
import dev.iotforwarder.ForwarderListener;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutingTest {

  private static ForwardResult get(CompletableFuture<ForwardResult> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the global filter is the product's forwarding switch: rejected messages complete as FILTERED and are counted")
  void globalFilter() throws Exception {
    RecordingSink sink = new RecordingSink("kafka");
    AtomicInteger filteredEvents = new AtomicInteger();
    try (Forwarder f = Forwarder.builder()
        .filter(MessageFilter.statusOnly())
        .route(sink)
        .listener(new ForwarderListener() {
          @Override
          public void onFiltered(DeviceMessage message) {
            filteredEvents.incrementAndGet();
          }
        })
        .build()) {
      ForwardResult r = get(f.forward(Fixtures.publish(1, 1)));
      assertThat(r.filtered()).isTrue();
      assertThat(r.sinks()).isEmpty();
      assertThat(get(f.forward(Fixtures.status(1, 2, StatusEvent.ONLINE))).status())
          .isEqualTo(ForwardResult.Status.DELIVERED);
      assertThat(sink.received()).extracting(DeviceMessage::isStatus).containsExactly(true);
      assertThat(f.stats().filtered()).isEqualTo(1);
      assertThat(f.stats().sink("kafka").filtered()).isEqualTo(1);
      assertThat(filteredEvents).hasValue(1);
    }
  }

  @Test
  @DisplayName("topic patterns, products and predicates route; several matching routes fan out, once per sink")
  void routesAndFanOut() throws Exception {
    RecordingSink alarms = new RecordingSink("alarms");
    RecordingSink p1 = new RecordingSink("p1");
    RecordingSink everything = new RecordingSink("everything");
    try (Forwarder f = Forwarder.builder()
        .route(MessageFilter.topic("+/+/alarm/#"), alarms)
        .route(MessageFilter.products("p1"), p1)
        .route(MessageFilter.of(m -> m.seq() >= 0), everything)
        .route(MessageFilter.all(), everything) // the same sink twice: still one delivery
        .build()) {
      DeviceMessage alarm = DeviceMessage.publish("p1", "d1", "1", "p1/d1/alarm/fire", 1, new byte[] {1});
      DeviceMessage telemetry = DeviceMessage.publish("p2", "d2", "2", "p2/d2/telemetry", 2, new byte[] {2});
      assertThat(get(f.forward(alarm)).sinks()).containsExactlyInAnyOrder("alarms", "p1", "everything");
      assertThat(get(f.forward(telemetry)).sinks()).containsExactly("everything");
      assertThat(alarms.received()).containsExactly(alarm);
      assertThat(everything.received()).containsExactly(alarm, telemetry);
      assertThat(f.stats().sink("alarms").filtered()).isEqualTo(1);
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("messages that one route alone takes, interleaved across routes, each reach only their own sink")
  void singleRouteTargetsAreNotShared() throws Exception {
    RecordingSink[] byParity = {new RecordingSink("even"), new RecordingSink("odd")};
    RecordingSink even = byParity[0];
    RecordingSink odd = byParity[1];
    ForwarderBuilder b = Forwarder.builder();
    for (int parity = 0; parity < 2; parity++) {
      int p = parity;
      b.route(MessageFilter.of(m -> m.seq() % 2 == p), byParity[p]);
    }
    try (Forwarder f = b.build()) {
      List<CompletableFuture<ForwardResult>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        results.add(f.forward(Fixtures.publish(i % 7, i)));
      }
      for (int i = 0; i < 200; i++) {
        assertThat(get(results.get(i)).sinks()).containsExactly(i % 2 == 0 ? "even" : "odd");
      }
      assertThat(even.received()).allSatisfy(m -> assertThat(m.seq() % 2).isZero()).hasSize(100);
      assertThat(odd.received()).allSatisfy(m -> assertThat(m.seq() % 2).isEqualTo(1)).hasSize(100);
      assertThat(f.stats().sink("even").filtered()).isEqualTo(100);
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("a failover route sends to the backup when the primary fails permanently or is unhealthy")
  void failover() throws Exception {
    FlakySink primary = FlakySink.builder("primary").permanentFailureRate(1.0).build();
    RecordingSink backup = new RecordingSink("backup");
    try (Forwarder f = Forwarder.builder().failover(MessageFilter.all(), primary, backup).build()) {
      ForwardResult r = get(f.forward(Fixtures.status(1, 1, StatusEvent.OFFLINE)));
      assertThat(r.sinks()).containsExactly("backup");
      assertThat(backup.count()).isEqualTo(1);
      assertThat(f.stats().sink("primary").failed()).isEqualTo(1);
      assertThat(f.stats().sink("backup").succeeded()).isEqualTo(1);
    }
    RecordingSink down = new RecordingSink("down");
    Sink unhealthy = new Sink() {
      @Override
      public String name() {
        return "unhealthy";
      }

      @Override
      public CompletableFuture<Void> send(DeviceMessage message) {
        return down.send(message);
      }

      @Override
      public boolean isHealthy() {
        return false;
      }

      @Override
      public void close() {}
    };
    RecordingSink backup2 = new RecordingSink("backup2");
    try (Forwarder f = Forwarder.builder().failover(MessageFilter.all(), unhealthy, backup2).build()) {
      assertThat(get(f.forward(Fixtures.publish(1, 1))).sinks()).containsExactly("backup2");
      assertThat(down.count()).isZero();
    }
  }

  @Test
  @DisplayName("a route filter that throws fails that message for that sink, naming it; other sinks still get it")
  void throwingFilter() throws Exception {
    RecordingSink ok = new RecordingSink("ok");
    RecordingSink guarded = new RecordingSink("guarded");
    try (Forwarder f = Forwarder.builder()
        .route(ok)
        .route(m -> {
          throw new IllegalArgumentException("bad filter");
        }, guarded)
        .build()) {
      CompletableFuture<ForwardResult> r = f.forward(Fixtures.publish(1, 1));
      assertThatThrownBy(() -> r.get(10, TimeUnit.SECONDS))
          .hasMessageContaining("filter of the route to sink guarded threw");
      assertThat(ok.count()).isEqualTo(1);
      assertThat(f.stats().sink("guarded").failed()).isEqualTo(1);
      assertThat(f.stats().balanced()).isTrue();
    }
  }

  @Test
  @DisplayName("a listener that throws is counted and never breaks forwarding")
  void throwingListener() throws Exception {
    RecordingSink sink = new RecordingSink("s");
    try (Forwarder f = Forwarder.builder()
        .route(sink)
        .listener(new ForwarderListener() {
          @Override
          public void onDelivered(DeviceMessage m, String s, int attempts, Duration latency) {
            throw new IllegalStateException("listener bug");
          }
        })
        .build()) {
      for (int i = 0; i < 10; i++) {
        assertThat(get(f.forward(Fixtures.publish(1, i))).status()).isEqualTo(ForwardResult.Status.DELIVERED);
      }
      assertThat(f.stats().listenerErrors()).isEqualTo(10);
    }
  }

  @Test
  @DisplayName("build() reports every configuration problem in one exception")
  void buildReportsEveryProblem() {
    RecordingSink a = new RecordingSink("same");
    RecordingSink b = new RecordingSink("same");
    assertThatThrownBy(() -> Forwarder.builder()
        .route(a)
        .route(b)
        .route(null)
        .lane("missing", LaneOptions.DEFAULTS)
        .closeTimeout(Duration.ofSeconds(-1))
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid Forwarder configuration: route sink was null but is required;"
            + " closeTimeout was PT-1S but must be >= 0; two different sinks are named same: sink"
            + " names must be unique; lane options for missing but no route uses a sink of that name;"
            + " sinks: [same]"); // the four problems, all at once
    assertThatThrownBy(() -> Forwarder.builder().build())
        .hasMessageContaining("no route");
    assertThatThrownBy(() -> LaneOptions.builder().maxMessages(0).maxInFlight(-1).threads(0).build())
        .hasMessageContaining("maxMessages was 0").hasMessageContaining("maxInFlight was -1")
        .hasMessageContaining("threads was 0");
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0).jitter(2).multiplier(0.5).build())
        .hasMessageContaining("maxAttempts was 0").hasMessageContaining("jitter was 2.0")
        .hasMessageContaining("multiplier was 0.5");
  }

  @Test
  @DisplayName("threads come from the injected factory and are named iot-forwarder-<sink>-N")
  void threadNames() throws Exception {
    AtomicInteger made = new AtomicInteger();
    RecordingSink sink = new RecordingSink("named");
    try (Forwarder f = Forwarder.builder()
        .route(sink)
        .threadFactory(r -> {
          made.incrementAndGet();
          Thread t = new Thread(r);
          t.setDaemon(true);
          return t;
        })
        .build()) {
      get(f.forward(Fixtures.publish(1, 1)));
      assertThat(made.get()).isGreaterThanOrEqualTo(3);
      assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
          .contains("iot-forwarder-named-1", "iot-forwarder-named-2", "iot-forwarder-scheduler");
    }
  }

  @Test
  @DisplayName("FileDeadLetterSink writes one JSON line per message that decodes back to the message")
  void fileDeadLetters(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dead/letters.jsonl");
    FlakySink failing = FlakySink.builder("cmq").permanentFailureRate(1.0).build();
    DeviceMessage m1 = Fixtures.publish(1, 1);
    DeviceMessage m2 = DeviceMessage.status("产品", "d\"2", "2", "Offline", 2);
    try (Forwarder f = Forwarder.builder().route(failing).deadLetter(FileDeadLetterSink.open(file)).build()) {
      assertThatThrownBy(() -> f.forward(m1).join()).hasMessageContaining("is in dead-letter sink file:letters.jsonl");
      assertThatThrownBy(() -> f.forward(m2).join()).isNotNull();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    assertThat(EnvelopeCodec.standard().decode(lines.get(0).getBytes(StandardCharsets.UTF_8))).isEqualTo(m1);
    assertThat(EnvelopeCodec.standard().decode(lines.get(1).getBytes(StandardCharsets.UTF_8))).isEqualTo(m2);
    assertThat(lines.get(0)).contains("\"DeadLetter\":{\"Sink\":\"cmq\",\"Attempts\":1,\"Reason\":\"PermanentForwardingException: injected permanent failure");
  }
}
