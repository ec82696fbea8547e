package dev.iotforwarder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSigner;
import dev.iotforwarder.testkit.LocalCmq;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The harness's parts that decide what a figure means: whose CPU counts, and what (f) sends. No timing. */
class HarnessTest {
  @Test
  @DisplayName("the client's threads are main, the forwarder's, the producer's I/O thread, OkHttp's and bench-*")
  void clientThreads() {
    assertThat(CpuMeter.clientGroup("main")).isNotNull();
    assertThat(CpuMeter.clientGroup("iot-forwarder-kafka-1")).isEqualTo("lane dispatcher");
    assertThat(CpuMeter.clientGroup("iot-forwarder-kafka-2")).isEqualTo("lane completer");
    assertThat(CpuMeter.clientGroup("iot-forwarder-cmq-http-1")).isEqualTo("CmqClient HTTP");
    assertThat(CpuMeter.clientGroup("iot-forwarder-scheduler")).isEqualTo("forwarder, other");
    assertThat(CpuMeter.clientGroup("kafka-producer-network-thread | bench-raw")).isEqualTo("producer I/O");
    assertThat(CpuMeter.clientGroup("OkHttp http://127.0.0.1:4711/...")).isEqualTo("OkHttp");
    assertThat(CpuMeter.clientGroup("bench-cmq-3")).isEqualTo("sending threads");
    // The broker's and LocalCmq's threads are the server's.
    assertThat(CpuMeter.clientGroup("data-plane-kafka-request-handler-0")).isNull();
    assertThat(CpuMeter.clientGroup("data-plane-kafka-network-thread-1-ListenerName(PLAINTEXT)-PLAINTEXT-0")).isNull();
    assertThat(CpuMeter.clientGroup("local-cmq-4711-2")).isNull();
    assertThat(CpuMeter.clientGroup("HTTP-Dispatcher")).isNull();
  }

  @Test
  @DisplayName("a meter's client CPU is the process's minus the server's, split into groups that add up")
  void usageAddsUp() {
    CpuMeter meter = new CpuMeter();
    long sum = 0;
    for (int i = 0; i < 2_000_000; i++) {
      sum += Integer.toString(i).hashCode();
    }
    CpuMeter.Usage u = meter.stop(1000);
    assertThat(sum).isNotZero();
    assertThat(u.processNanos()).isPositive();
    assertThat(u.groups()).containsKeys("caller (main)", CpuMeter.JVM, CpuMeter.SERVER);
    assertThat(u.clientNanos()).isEqualTo(u.processNanos() - u.groups().get(CpuMeter.SERVER));
    assertThat(u.clientPerMessage()).isEqualTo(u.clientNanos() / 1000.0);
  }

  @Test
  @DisplayName("(f) stores every message in LocalCmq, in batches of 16 from several threads")
  void batchLoopStoresEverything() throws Exception {
    DeviceMessage[] pool = Workload.typicalPool(50);
    try (LocalCmq cmq = LocalCmq.builder().start()) {
      cmq.createQueue("q");
      CmqBatchLoop loop = new CmqBatchLoop(CmqEndpoint.of(cmq.url()),
          CmqSigner.of(CmqCredentials.of(cmq.secretId(), cmq.secretKey())), "q", pool);
      CpuMeter.Usage u = loop.run(100, 3);
      assertThat(u.messages()).isEqualTo(100);
      assertThat(u.groups()).containsKey("sending threads"); // measured while the threads were alive
      assertThat(cmq.storedCount("q")).isEqualTo(100);
      assertThat(cmq.requests()).filteredOn(r -> "BatchSendMessage".equals(r.action())).hasSize(7);
    }
  }

  @Test
  @DisplayName("(f) fails loudly when the endpoint refuses a batch")
  void batchLoopFails() throws Exception {
    try (LocalCmq cmq = LocalCmq.builder().start()) {
      CmqBatchLoop loop = new CmqBatchLoop(CmqEndpoint.of(cmq.url()),
          CmqSigner.of(CmqCredentials.of(cmq.secretId(), cmq.secretKey())), "no-such-queue",
          Workload.typicalPool(16));
      assertThatThrownBy(() -> loop.run(32, 2)).hasMessageContaining("batch loop failed")
          .rootCause().hasMessageContaining("BatchSendMessage failed");
    }
  }
}
