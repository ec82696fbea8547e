package com.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqReceiver;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalKafkaExtension.class)
@DisplayName("ConsumerExample")
class ConsumerExampleTest {

  private static List<DeviceMessage> messages(int devices, int perDevice) {
    List<DeviceMessage> out = new ArrayList<>();
    for (int seq = 1; seq <= perDevice; seq++) {
      for (int d = 0; d < devices; d++) {
        out.add(DeviceMessage.publish("p", "d" + d, String.valueOf(d), "p/d" + d + "/data", seq,
            ("{\"n\":" + seq + "}").getBytes(StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  private static void forwardAll(Sink sink, List<DeviceMessage> messages) throws Exception {
    List<CompletableFuture<ForwardResult>> results = new ArrayList<>();
    try (Forwarder forwarder = Forwarder.builder().route(sink).build()) {
      messages.forEach(m -> results.add(forwarder.forward(m)));
      CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("reads every message from Kafka in a consumer group, each device in order")
  void readsKafka(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("device-telemetry", 3);
    List<DeviceMessage> sent = messages(6, 50);
    forwardAll(CkafkaSink.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build(), sent);

    List<DeviceMessage> got = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> ConsumerExample.consumeKafka(
        Map.of("bootstrap.servers", kafka.bootstrapServers(), "group.id", "backend-" + topic), topic,
        m -> {
          got.add(m);
          if (got.size() == sent.size()) {
            running.set(false);
          }
        }, running));

    assertThat(got).containsExactlyInAnyOrderElementsOf(sent);
    for (int d = 0; d < 6; d++) {
      String name = "d" + d;
      assertThat(got.stream().filter(m -> m.deviceName().equals(name)).map(DeviceMessage::seq).toList())
          .isSorted();
    }
  }

  @Test
  @DisplayName("reads every message from a CMQ queue and deletes each once handled")
  void readsCmq() throws Exception {
    try (LocalCmq cmq = LocalCmq.start();
        CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
            .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build()) {
      cmq.createQueue("alarms");
      List<DeviceMessage> sent = messages(4, 10);
      forwardAll(CmqSink.builder().client(client).queue("alarms").build(), sent);
      // The queue's order: a device's messages in order (the forwarder keeps one per device in flight);
      // across devices, the order in which concurrent requests were stored.
      List<DeviceMessage> queued = cmq.bodies("alarms").stream()
          .map(body -> EnvelopeCodec.standard().decode(body.getBytes(StandardCharsets.UTF_8))).toList();
      assertThat(queued).containsExactlyInAnyOrderElementsOf(sent);

      BlockingQueue<DeviceMessage> got = new LinkedBlockingQueue<>();
      List<DeviceMessage> received = new ArrayList<>();
      CmqReceiver receiver = ConsumerExample.receiveCmq(client, "alarms", got::add);
      try (receiver) {
        for (int i = 0; i < sent.size(); i++) {
          DeviceMessage m = got.poll(30, TimeUnit.SECONDS);
          assertThat(m).as("message %d of %d", i + 1, sent.size()).isNotNull();
          received.add(m);
        }
      }
      assertThat(received).as("handled in queue order").containsExactlyElementsOf(queued);
      for (int d = 0; d < 4; d++) {
        String name = "d" + d;
        assertThat(received.stream().filter(m -> m.deviceName().equals(name)).map(DeviceMessage::seq).toList())
            .isSorted();
      }
      assertThat(receiver.deletedCount()).isEqualTo(sent.size());
      assertThat(cmq.depth("alarms")).isZero();
    }
  }
}
