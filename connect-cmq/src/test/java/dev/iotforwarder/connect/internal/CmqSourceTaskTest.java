package dev.iotforwarder.connect.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.connect.EnvelopeSchema;
import dev.iotforwarder.testkit.LocalCmq;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CmqSourceTaskTest {
  private LocalCmq cmq;
  private CmqClient client;
  private final CmqSourceTask task = new CmqSourceTask();

  @BeforeEach
  void start() {
    cmq = LocalCmq.start();
    cmq.createQueue("in");
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
  }

  @AfterEach
  void stop() {
    task.stop();
    client.close();
    cmq.close();
  }

  private Map<String, String> props(String... extra) {
    Map<String, String> p = new HashMap<>(Map.of("cmq.endpoint", cmq.url(), "cmq.secret.id", cmq.secretId(),
        "cmq.secret.key", cmq.secretKey(), "cmq.queues", "in", "topic", "out", "cmq.polling.wait.ms", "1000"));
    for (int i = 0; i < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    return p;
  }

  private static DeviceMessage message(int i) {
    return DeviceMessage.publish("p" + (i % 3), "d" + i, "1", "p/d/data", i, new byte[] {(byte) i});
  }

  private void send(int count) {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      bodies.add(new String(EnvelopeCodec.standard().encode(message(i)), StandardCharsets.UTF_8));
    }
    for (int from = 0; from < count; from += 16) {
      client.batchSendMessage("in", bodies.subList(from, Math.min(count, from + 16)), 0).join();
    }
  }

  private List<SourceRecord> pollAll(int count) throws InterruptedException {
    List<SourceRecord> out = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (out.size() < count && System.nanoTime() < deadline) {
      List<SourceRecord> got = task.poll();
      if (got != null) {
        out.addAll(got);
      }
    }
    return out;
  }

  @Test
  void recordsAreKeyedByDeviceAndDeletedFromCmqOnlyOnceKafkaHasThem() throws Exception {
    send(40);
    task.start(props());
    List<SourceRecord> records = pollAll(40);
    assertThat(records).hasSize(40);
    for (SourceRecord r : records) {
      DeviceMessage m = EnvelopeCodec.standard().decode((byte[]) r.value());
      assertThat(r.topic()).isEqualTo("out");
      assertThat(r.key()).isEqualTo(m.productName() + "/" + m.deviceName());
      assertThat(m).isEqualTo(message((int) m.seq()));
      assertThat(r.headers().lastWithName(CmqSourceTask.HEADER_QUEUE).value()).isEqualTo("in");
    }
    task.commit();
    assertThat(cmq.depth("in")).isEqualTo(40); // nothing acknowledged yet: nothing deleted
    for (SourceRecord r : records) {
      task.commitRecord(r, null);
    }
    task.commit();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (cmq.depth("in") > 0 && System.nanoTime() < deadline) {
      task.poll(); // waits up to 0.5 s for messages, flushing deletes
    }
    assertThat(cmq.depth("in")).isZero();
    assertThat(cmq.deletedCount("in")).isEqualTo(40);
  }

  @Test
  void structValuesCarryTheEnvelopeSchema() throws Exception {
    send(1);
    task.start(props("cmq.value.format", "struct"));
    SourceRecord r = pollAll(1).get(0);
    assertThat(r.valueSchema()).isEqualTo(EnvelopeSchema.SCHEMA);
    assertThat(EnvelopeSchema.fromStruct((Struct) r.value())).isEqualTo(message(0));
  }

  @Test
  void anUndecodableBodyFailsTheTaskByDefaultAndStaysInCmq() throws Exception {
    String msgId = client.sendMessage("in", "{\"not\":\"an envelope\"}", 0).join();
    task.start(props());
    assertThatThrownBy(() -> pollAll(1)).isInstanceOf(ConnectException.class)
        .hasMessageContaining(msgId).hasMessageContaining("not an envelope");
    assertThat(cmq.depth("in")).isEqualTo(1);
  }

  @Test
  void anUndecodableBodyGoesToTheErrorTopicWhenConfigured() throws Exception {
    client.sendMessage("in", "garbage", 0).join();
    task.start(props("cmq.undecodable", "topic", "cmq.undecodable.topic", "bad"));
    SourceRecord r = pollAll(1).get(0);
    assertThat(r.topic()).isEqualTo("bad");
    assertThat(r.key()).isNull();
    assertThat(new String((byte[]) r.value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
    assertThat((String) r.headers().lastWithName(CmqSourceTask.HEADER_ERROR).value()).isNotBlank();
  }

  @Test
  void aWrongSecretFailsPollNamingTheAuthenticationError() {
    task.start(props("cmq.secret.key", "not-the-key"));
    assertThatThrownBy(() -> pollAll(1)).isInstanceOf(ConnectException.class)
        .hasMessageContaining("4100").hasMessageContaining("queue in").hasMessageNotContaining("not-the-key");
  }
}
