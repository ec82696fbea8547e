package dev.iotforwarder.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.Forwarder;
import dev.iotforwarder.testing.RecordingSink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusScrapeTest {

  @Test
  void theScrapeHoldsEveryMeterWithItsTypeAndTags(@TempDir Path spool) {
    RecordingSink kafka = new RecordingSink("kafka");
    DeliveryTimer timer = DeliveryTimer.withPercentileHistogram();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Forwarder f = Forwarder.builder().route(kafka).spool(spool).listener(timer).build();
        ForwarderMetrics metrics =
            ForwarderMetrics.builder(f).name("gw").deliveryTimer(timer).build()) {
      metrics.bindTo(registry);
      for (int i = 0; i < 10; i++) {
        f.forward(ForwarderMetricsTest.message(i));
      }
      assertThat(f.flush(Duration.ofSeconds(30))).isTrue();
      String text = registry.scrape();

      String sink = "{forwarder=\"gw\",sink=\"kafka\"}";
      for (String counter : new String[] {"received", "filtered", "succeeded", "failed", "dropped",
          "rejected", "retried", "timed_out", "dead_lettered", "dead_letter_failed"}) {
        assertSample(text, "iot_forwarder_sink_" + counter + "_messages_total", "counter", sink);
      }
      assertThat(text).contains("iot_forwarder_sink_received_messages_total" + sink + " 10.0");
      assertThat(text).contains("iot_forwarder_sink_succeeded_messages_total" + sink + " 10.0");
      assertSample(text, "iot_forwarder_sink_queued_messages", "gauge", sink);
      assertSample(text, "iot_forwarder_sink_inflight_messages", "gauge", sink);
      assertSample(text, "iot_forwarder_sink_held_bytes", "gauge", sink);

      String gw = "{forwarder=\"gw\"}";
      assertSample(text, "iot_forwarder_forwarded_messages_total", "counter", gw);
      assertSample(text, "iot_forwarder_filtered_messages_total", "counter", gw);
      assertSample(text, "iot_forwarder_listener_errors_total", "counter", gw);
      for (String counter : new String[] {"recovered", "spooled", "completed", "dropped",
          "rejected", "replayed"}) {
        assertSample(text, "iot_forwarder_spool_" + counter + "_messages_total", "counter", gw);
      }
      assertThat(text).contains("iot_forwarder_spool_spooled_messages_total" + gw + " 10.0");
      assertSample(text, "iot_forwarder_spool_pending_messages", "gauge", gw);
      assertSample(text, "iot_forwarder_spool_disk_bytes", "gauge", gw);
      assertSample(text, "iot_forwarder_spool_segments_files", "gauge", gw);
      assertSample(text, "iot_forwarder_spool_oldest_pending_age_seconds", "gauge", gw);

      assertThat(text).contains("# TYPE iot_forwarder_delivery_seconds histogram");
      assertThat(text).containsPattern(
          "iot_forwarder_delivery_seconds_count\\{forwarder=\"gw\",sink=\"kafka\",type=\"Publish\"} 6");
      assertThat(text).containsPattern(
          "iot_forwarder_delivery_seconds_count\\{forwarder=\"gw\",sink=\"kafka\",type=\"Status\"} 4");
      assertThat(text).contains("iot_forwarder_delivery_seconds_bucket{forwarder=\"gw\"");
    }
  }

  private static void assertSample(String text, String name, String type, String tags) {
    assertThat(text).as(name).contains("# TYPE " + name + " " + type + "\n");
    assertThat(text).as(name).containsPattern("(?m)^" + java.util.regex.Pattern.quote(name + tags)
        + " [0-9.E]+$");
  }
}
