package com.example.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The example gateway, with its own application.yml, against LocalKafka and LocalCmq. */
class GatewayApplicationTest {

  @Test
  void envelopesPostedToTheGatewayReachTheQueueAndTheTopics(@TempDir Path dir) throws Exception {
    try (LocalKafka kafka = LocalKafka.start(); LocalCmq cmq = LocalCmq.start()) {
      for (String topic : List.of("device-status", "device-data")) { // application.yml's topics
        kafka.createTopic(topic, 1);
      }
      cmq.createQueue("device-status");
      Map<String, Object> p = new HashMap<>();
      p.put("CKAFKA_BOOTSTRAP", kafka.bootstrapServers());
      p.put("CMQ_REGION", "");
      p.put("iot.forwarder.cmq.endpoint", cmq.url());
      p.put("CMQ_SECRET_ID", cmq.secretId());
      p.put("CMQ_SECRET_KEY", cmq.secretKey());
      p.put("GATEWAY_SPOOL", dir.resolve("spool").toString());
      p.put("GATEWAY_DEAD_LETTERS", dir.resolve("dead.jsonl").toString());
      try (ConfigurableApplicationContext ctx =
          // A free port: a command-line argument, since application.yml's server.port beats default
          // properties (a default server.port=0 left the test on 8080, failing when it was taken).
          new SpringApplicationBuilder(GatewayApplication.class).properties(p).run("--server.port=0")) {
        String port = ctx.getEnvironment().getProperty("local.server.port");
        assertThat(port).as("a free port, not application.yml's").isNotEqualTo("8080");
        EnvelopeCodec codec = EnvelopeCodec.standard();
        assertThat(post(port, codec.encode(DeviceMessage.status("p", "d", "1", "Online", 1))))
            .isEqualTo(202);
        assertThat(post(port, codec.encode(
            DeviceMessage.publish("p", "d", "1", "p/d/up", 2, new byte[] {1})))).isEqualTo(202);
        assertThat(post(port, "{\"MsgType\":\"Nope\"}".getBytes())).isEqualTo(400);

        Forwarder forwarder = ctx.getBean(Forwarder.class);
        assertThat(forwarder.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(forwarder.stats().sink("telemetry").succeeded()).isEqualTo(2);
        assertThat(forwarder.stats().sink("status-queue").succeeded()).isEqualTo(1);
        assertThat(cmq.depth("device-status")).isEqualTo(1);
      }
    }
  }

  private static int post(String port, byte[] body) throws Exception {
    return HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/messages"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
