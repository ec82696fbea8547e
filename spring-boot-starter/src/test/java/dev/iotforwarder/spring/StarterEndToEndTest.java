package dev.iotforwarder.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An application started from properties alone against an in-process Kafka broker and LocalCmq
 * forwards end to end; its Actuator answers {@code /actuator/health} and {@code
 * /actuator/prometheus} over HTTP with the sinks and the meters.
 */
class StarterEndToEndTest {

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Test
  void anApplicationFromPropertiesAloneForwardsAndReportsOverHttp(@TempDir Path dir)
      throws Exception {
    try (LocalKafka kafka = LocalKafka.start(); LocalCmq cmq = LocalCmq.start()) {
      kafka.createTopic("device-status", 1);
      kafka.createTopic("device-data", 1);
      cmq.createQueue("status-q");
      Map<String, Object> p = new HashMap<>();
      p.put("server.port", "0");
      p.put("management.endpoints.web.exposure.include", "health,prometheus");
      p.put("management.endpoint.health.show-details", "always");
      p.put("iot.forwarder.ckafka.telemetry.bootstrap-servers", kafka.bootstrapServers());
      p.put("iot.forwarder.ckafka.telemetry.status-topic", "device-status");
      p.put("iot.forwarder.ckafka.telemetry.publish-topic", "device-data");
      p.put("iot.forwarder.ckafka.telemetry.producer.linger.ms", "1");
      p.put("iot.forwarder.cmq.endpoint", cmq.url());
      p.put("iot.forwarder.cmq.secret-id", cmq.secretId());
      p.put("iot.forwarder.cmq.secret-key", cmq.secretKey());
      p.put("iot.forwarder.cmq.sinks.status-queue.queue", "status-q");
      p.put("iot.forwarder.routes[0].sinks", "telemetry");
      p.put("iot.forwarder.routes[1].sinks", "status-queue");
      p.put("iot.forwarder.routes[1].types", "STATUS");
      p.put("iot.forwarder.spool.directory", dir.resolve("spool").toString());
      p.put("iot.forwarder.dead-letter-file", dir.resolve("dead.jsonl").toString());
      p.put("iot.forwarder.metrics.name", "gw");
      try (ConfigurableApplicationContext ctx =
          new SpringApplicationBuilder(App.class).properties(p).run()) {
        Forwarder f = ctx.getBean(Forwarder.class);
        List<CompletableFuture<ForwardResult>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          results.add(f.forward(i % 2 == 0
              ? DeviceMessage.status("p", "d" + i, String.valueOf(i), "Online", i)
              : DeviceMessage.publish("p", "d" + i, String.valueOf(i), "p/d/up", i, new byte[] {7})));
        }
        for (CompletableFuture<ForwardResult> r : results) {
          assertThat(r.get().status()).isEqualTo(ForwardResult.Status.DELIVERED);
        }
        assertThat(records(kafka.bootstrapServers(), "device-status", 10)).isEqualTo(10);
        assertThat(records(kafka.bootstrapServers(), "device-data", 10)).isEqualTo(10);
        assertThat(cmq.depth("status-q")).isEqualTo(10);

        String port = ctx.getEnvironment().getProperty("local.server.port");
        JsonNode health = JsonMapper.builder().build().readTree(get(port, "/actuator/health"))
            .at("/components/iotForwarder");
        assertThat(health.at("/status").toString()).isEqualTo("\"UP\"");
        assertThat(health.at("/details/sinks/telemetry/status").toString()).isEqualTo("\"UP\"");
        assertThat(health.at("/details/sinks/status-queue/status").toString()).isEqualTo("\"UP\"");
        assertThat(health.at("/details/sinks/status-queue/queued").toString()).isEqualTo("0");
        assertThat(health.at("/details/spool/backlog").toString()).isEqualTo("false");
        assertThat(health.at("/details/spool/oldestPendingAge").toString()).isEqualTo("\"PT0S\"");
        String scrape = get(port, "/actuator/prometheus");
        assertThat(scrape)
            .contains("# TYPE iot_forwarder_sink_succeeded_messages_total counter")
            .contains("iot_forwarder_sink_succeeded_messages_total{forwarder=\"gw\",sink=\"telemetry\"} 20.0")
            .contains("iot_forwarder_sink_succeeded_messages_total{forwarder=\"gw\",sink=\"status-queue\"} 10.0")
            .contains("iot_forwarder_sink_filtered_messages_total{forwarder=\"gw\",sink=\"status-queue\"} 10.0")
            .contains("iot_forwarder_spool_spooled_messages_total{forwarder=\"gw\"} 20.0")
            .containsPattern("iot_forwarder_delivery_seconds_count\\{forwarder=\"gw\","
                + "sink=\"status-queue\",type=\"Status\"} 10");
      }
    }
  }

  private static String get(String port, String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  private static int records(String bootstrap, String topic, int expected) {
    Map<String, Object> props = Map.of("bootstrap.servers", bootstrap,
        "enable.auto.commit", false, "auto.offset.reset", "earliest");
    int n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props,
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (n < expected && System.nanoTime() < deadline) {
        n += consumer.poll(Duration.ofMillis(200)).count();
      }
    }
    return n;
  }
}
