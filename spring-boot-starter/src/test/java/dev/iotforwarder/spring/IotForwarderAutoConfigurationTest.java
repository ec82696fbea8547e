package dev.iotforwarder.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.micrometer.DeliveryTimer;
import dev.iotforwarder.micrometer.ForwarderMetrics;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testing.RecordingSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class IotForwarderAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(IotForwarderAutoConfiguration.class));

  @Configuration(proxyBeanMethods = false)
  static class HostSink {
    @Bean
    RecordingSink hostSink() {
      return new RecordingSink("archive");
    }
  }

  @Test
  void aBadConfigurationFailsStartupNamingEveryBadProperty() {
    runner.withPropertyValues(
            "iot.forwarder.ckafka.telemetry.topic=t",
            "iot.forwarder.ckafka.split.bootstrap-servers=localhost:9092",
            "iot.forwarder.ckafka.split.status-topic=s",
            "iot.forwarder.ckafka.split.sasl.instance-id=ckafka-1",
            "iot.forwarder.ckafka.split.sasl.password=top-secret-password",
            "iot.forwarder.cmq.region=ap-guangzhou",
            "iot.forwarder.cmq.secret-key=another-secret",
            "iot.forwarder.cmq.sinks.status.queue=q",
            "iot.forwarder.cmq.sinks.status.topic=t",
            "iot.forwarder.routes[0].sinks=nowhere",
            "iot.forwarder.routes[1].sinks=telemetry,split",
            "iot.forwarder.routes[1].backup=status")
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          Throwable root = ctx.getStartupFailure();
          while (!(root instanceof InvalidForwarderPropertiesException) && root.getCause() != null) {
            root = root.getCause();
          }
          assertThat(root).isInstanceOf(InvalidForwarderPropertiesException.class);
          assertThat(((InvalidForwarderPropertiesException) root).problems()).containsExactly(
              "iot.forwarder.ckafka.telemetry.bootstrap-servers is required",
              "iot.forwarder.ckafka.split.publish-topic is required",
              "iot.forwarder.ckafka.split.sasl.username is required",
              "iot.forwarder.cmq.secret-id is required",
              "iot.forwarder.cmq.sinks.status.queue or .topic is required (one of them)",
              "iot.forwarder.routes[0].sinks names nowhere, which is no sink; sinks: []",
              "iot.forwarder.routes[1].backup needs exactly one sink in iot.forwarder.routes[1].sinks,"
                  + " had [telemetry, split]");
          FailureAnalysis analysis =
              new InvalidForwarderPropertiesFailureAnalyzer().analyze(ctx.getStartupFailure());
          assertThat(analysis.getDescription()).startsWith("Invalid iot.forwarder properties (7 problems):")
              .contains("  - iot.forwarder.cmq.secret-id is required");
          assertThat(ctx.getStartupFailure()).rootCause()
              .hasMessageNotContaining("top-secret-password")
              .hasMessageNotContaining("another-secret");
        });
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void aFailedStartupShowsTheProblemsNotAStackOfExceptions(CapturedOutput output) {
    SpringApplicationBuilder app = new SpringApplicationBuilder(App.class)
        .properties("spring.main.web-application-type=none", "iot.forwarder.ckafka.k.topic=t");
    assertThatThrownBy(app::run).isInstanceOf(RuntimeException.class);
    assertThat(output.getOut() + output.getErr()).contains("APPLICATION FAILED TO START")
        .contains("Invalid iot.forwarder properties (1 problem):\n"
            + "  - iot.forwarder.ckafka.k.bootstrap-servers is required")
        .contains("Correct the iot.forwarder properties listed above");
  }

  @Test
  void libraryBuilderProblemsAreReportedUnderTheirProperty() {
    runner.withUserConfiguration(HostSink.class)
        .withPropertyValues("iot.forwarder.lane.max-messages=0", "iot.forwarder.lanes.ghost.threads=2")
        .run(ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(ctx.getStartupFailure()).rootCause()
              .hasMessageContaining("iot.forwarder.lane.*: Invalid LaneOptions")
              .hasMessageContaining("maxMessages")
              .hasMessageContaining("iot.forwarder.lanes.ghost.* names no sink; sinks: [archive]");
        });
  }

  @Test
  void aHostSinkBeanIsRoutableByNameAndTheForwarderClosesWithTheContext() {
    runner.withUserConfiguration(HostSink.class)
        .withPropertyValues("iot.forwarder.routes[0].sinks=archive",
            "iot.forwarder.routes[0].types=STATUS", "iot.forwarder.close-timeout=5s")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(Forwarder.class)
              .hasSingleBean(ForwarderHealthIndicator.class);
          Forwarder f = ctx.getBean(Forwarder.class);
          DeviceMessage status = DeviceMessage.status("p", "d", "1", "Online", 1);
          DeviceMessage publish = DeviceMessage.publish("p", "d", "1", "p/d/x", 2, new byte[0]);
          assertThat(f.forward(status).get().status()).isEqualTo(ForwardResult.Status.DELIVERED);
          assertThat(f.forward(publish).get().status()).isEqualTo(ForwardResult.Status.FILTERED);
          assertThat(ctx.getBean(RecordingSink.class).received()).containsExactly(status);
          assertThat(f.flush(Duration.ofSeconds(5))).isTrue();
          ctx.close();
          assertThat(f.forward(status)).isCompletedExceptionally();
        });
  }

  @Test
  void theMetersComeWithMicrometerAndGoWithout() {
    runner.withUserConfiguration(HostSink.class)
        .run(ctx -> assertThat(ctx).hasSingleBean(ForwarderMetrics.class)
            .hasSingleBean(DeliveryTimer.class));
    runner.withUserConfiguration(HostSink.class)
        .withPropertyValues("iot.forwarder.metrics.delivery-timer=false")
        .run(ctx -> assertThat(ctx).hasSingleBean(ForwarderMetrics.class)
            .doesNotHaveBean(DeliveryTimer.class));
    runner.withUserConfiguration(HostSink.class)
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Forwarder.class)
            .doesNotHaveBean(ForwarderMetrics.class));
  }

  @Test
  void thePropertiesRedactSecretsInToString() {
    Map<String, String> values = Map.of("iot.forwarder.cmq.secret-id", "AKID1",
        "iot.forwarder.cmq.secret-key", "sk-123", "iot.forwarder.cmq.token", "tok-456",
        "iot.forwarder.ckafka.k.sasl.password", "pw-789");
    IotForwarderProperties props = new Binder(new MapConfigurationPropertySource(values))
        .bind("iot.forwarder", IotForwarderProperties.class).get();
    assertThat(props.cmq().secretKey()).isEqualTo("sk-123");
    assertThat(props.toString()).contains("AKID1").contains("secretKey=******")
        .contains("password=******")
        .doesNotContain("sk-123").doesNotContain("tok-456").doesNotContain("pw-789");
  }

  @Configuration(proxyBeanMethods = false)
  static class UnhealthySink {
    @Bean
    Sink downSink() {
      return new DownSink("down");
    }
  }

  /** A sink that reports itself unhealthy and accepts everything. */
  record DownSink(String name) implements Sink {
    @Override
    public CompletableFuture<Void> send(DeviceMessage message) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean isHealthy() {
      return false;
    }

    @Override
    public void close() {}
  }

  @Test
  void theHealthIsDownWhileASinkIsUnhealthy() {
    runner.withUserConfiguration(HostSink.class).run(ctx -> {
      Health h = ctx.getBean(ForwarderHealthIndicator.class).health();
      assertThat(h.getStatus()).isEqualTo(Status.UP);
      assertThat(h.getDetails()).containsOnlyKeys("sinks");
    });
    runner.withUserConfiguration(HostSink.class, UnhealthySink.class).run(ctx -> {
      Health h = ctx.getBean(ForwarderHealthIndicator.class).health();
      assertThat(h.getStatus()).isEqualTo(Status.DOWN);
      assertThat(h.getDetails().get("sinks").toString())
          .contains("archive={status=UP").contains("down={status=DOWN");
    });
    runner.withUserConfiguration(HostSink.class)
        .withPropertyValues("management.health.iotForwarder.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean(ForwarderHealthIndicator.class));
  }

  @Test
  void disabledMeansNoForwarder() {
    runner.withUserConfiguration(HostSink.class).withPropertyValues("iot.forwarder.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean(Forwarder.class));
  }
}
