package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.testkit.LocalCmq;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link CmqReceiver.Builder#deduplicate(int, int)} end to end through LocalCmq. */
class CmqReceiverDedupTest {
  private LocalCmq cmq;
  private CmqClient client;
  private CmqReceiver receiver;
  private final Queue<String> handled = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws Exception {
    cmq = LocalCmq.start().createQueue("q");
    client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
        .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
    List<String> bodies = new ArrayList<>();
    for (int seq = 0; seq < 10; seq++) { // each message twice, the second copy later
      bodies.add(body(seq));
    }
    for (int seq = 0; seq < 10; seq += 2) {
      bodies.add(body(seq));
    }
    client.batchSendMessage("q", bodies.subList(0, 10), 0).get(10, TimeUnit.SECONDS);
    client.batchSendMessage("q", bodies.subList(10, bodies.size()), 0).get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
    client.close();
    cmq.close();
  }

  private static String body(long seq) {
    DeviceMessage m = CmqSinkTest.msg("dev", seq);
    return new String(EnvelopeCodec.standard().encode(m), StandardCharsets.UTF_8);
  }

  private CmqReceiver.Builder builder() {
    return CmqReceiver.builder().client(client).queue("q").pollingWait(Duration.ofSeconds(1))
        .handler((m, raw) -> handled.add(m.deviceId() + ":" + m.seq()));
  }

  @Test
  void offByDefaultEveryCopyReachesTheHandler() {
    receiver = builder().build().start();
    Await.until("all 15 copies deleted", () -> cmq.deletedCount("q") == 15);
    assertThat(handled).hasSize(15);
    assertThat(receiver.duplicateCount()).isZero();
  }

  @Test
  void onEachMessageReachesTheHandlerOnceAndEveryCopyIsDeleted() {
    receiver = builder().deduplicate(1024, 10_000).build().start();
    Await.until("all 15 copies deleted", () -> cmq.deletedCount("q") == 15);
    assertThat(handled).hasSize(10).doesNotHaveDuplicates();
    assertThat(receiver.duplicateCount()).isEqualTo(5);
    assertThat(cmq.depth("q")).isZero();
  }

  @Test
  void listsBothBadLimitsAtOnce() {
    assertThatThrownBy(() -> builder().deduplicate(0, -1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deduplicate seqsPerDevice")
        .hasMessageContaining("deduplicate maxDevices");
  }
}
