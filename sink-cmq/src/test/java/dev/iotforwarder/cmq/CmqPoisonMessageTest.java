package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.cmq.internal.PoisonPolicy;
import dev.iotforwarder.testkit.LocalCmq;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link CmqReceiver}'s dead-letter handling of poison messages, end to end against LocalCmq. */
class CmqPoisonMessageTest {
  private final LocalCmq cmq = LocalCmq.start().createQueue("short", Duration.ofMillis(200));
  private final CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url()))
      .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey())).build();
  private final List<CmqReceiver> receivers = new ArrayList<>();

  /** One hand-over to the dead-letter handler. */
  private record DeadLetter(CmqMessage message, Exception reason) {}

  @AfterEach
  void closeAll() {
    receivers.forEach(CmqReceiver::close);
    client.close();
    cmq.close();
  }

  private CmqReceiver receiver(CmqReceiver.Handler handler, CmqDeadLetterHandler deadLetters, int maxReceives) {
    CmqReceiver r = CmqReceiver.builder().client(client).queue("short").handler(handler)
        .pollingWait(Duration.ofSeconds(1)).maxBackoff(Duration.ofMillis(200))
        .deadLetter(deadLetters, maxReceives).build();
    receivers.add(r);
    return r.start();
  }

  private void send(String body) throws Exception {
    client.sendMessage("short", body, 0).get(10, TimeUnit.SECONDS);
  }

  private static String envelope(long seq) {
    return new String(EnvelopeCodec.standard().encode(CmqSinkTest.msg("dev", seq)), StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("a message whose handler always throws goes to the dead-letter handler on its 3rd receive, then is deleted")
  void failingMessageIsDeadLetteredAfterMaxReceives() throws Exception {
    for (int i = 0; i < 6; i++) {
      send(envelope(i));
    }
    Set<Long> handled = ConcurrentHashMap.newKeySet();
    AtomicInteger attemptsOfPoison = new AtomicInteger();
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    CmqReceiver r = receiver((m, raw) -> {
      if (m.seq() == 3) {
        attemptsOfPoison.incrementAndGet();
        throw new IllegalStateException("backend rejects seq 3");
      }
      handled.add(m.seq());
    }, (m, reason) -> dead.add(new DeadLetter(m, reason)), 3);

    Await.until("poison dead-lettered and the queue empty", () -> dead.size() == 1 && cmq.depth("short") == 0);
    assertThat(handled).containsExactlyInAnyOrder(0L, 1L, 2L, 4L, 5L);
    assertThat(attemptsOfPoison).hasValue(3);
    DeadLetter d = dead.get(0);
    assertThat(d.message().dequeueCount()).isEqualTo(3);
    assertThat(d.message().body()).isEqualTo(envelope(3));
    assertThat(d.reason()).isInstanceOf(IllegalStateException.class).hasMessage("backend rejects seq 3");
    assertThat(r.deadLetteredCount()).isEqualTo(1);
    assertThat(r.handlerFailureCount()).isEqualTo(3);
    assertThat(cmq.deletedCount("short")).isEqualTo(6);
  }

  @Test
  @DisplayName("an undecodable body goes to the dead-letter handler at once, with the precise error, then is deleted")
  void undecodableBodyIsDeadLetteredAtOnce() throws Exception {
    send("{\"MsgType\":\"Publish\"}");
    send(envelope(1));
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    List<DeviceMessage> handled = new CopyOnWriteArrayList<>();
    CmqReceiver r = receiver((m, raw) -> handled.add(m), (m, reason) -> dead.add(new DeadLetter(m, reason)), 5);

    Await.until("both messages gone", () -> handled.size() == 1 && dead.size() == 1 && cmq.depth("short") == 0);
    assertThat(dead.get(0).message().body()).isEqualTo("{\"MsgType\":\"Publish\"}");
    assertThat(dead.get(0).message().dequeueCount()).isEqualTo(1);
    assertThat(dead.get(0).reason()).isInstanceOf(EnvelopeFormatException.class);
    assertThat(r.decodeFailureCount()).isEqualTo(1);
    assertThat(r.deadLetteredCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a dead-letter handler that throws leaves the message in the queue; it is handed over again")
  void failingDeadLetterHandlerKeepsTheMessage() throws Exception {
    send("not an envelope");
    AtomicInteger calls = new AtomicInteger();
    List<CmqMessage> parked = new CopyOnWriteArrayList<>();
    CmqReceiver r = receiver((m, raw) -> { }, (m, reason) -> {
      if (calls.incrementAndGet() < 3) {
        throw new IllegalStateException("parking lot full");
      }
      parked.add(m);
    }, 5);

    Await.until("parked on the third hand-over", () -> parked.size() == 1 && cmq.depth("short") == 0);
    assertThat(parked.get(0).dequeueCount()).isEqualTo(3);
    assertThat(r.deadLetterFailureCount()).isEqualTo(2);
    assertThat(r.deadLetteredCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a dequeueCount that is missing or reset still ends after maxReceives own attempts; a high one ends early")
  void wrongDequeueCounts() {
    List<CmqMessage> dead = new ArrayList<>();
    PoisonPolicy policy = new PoisonPolicy("q", (m, reason) -> dead.add(m), 3);
    Exception boom = new IllegalStateException("boom");
    CmqMessage reset = new CmqMessage("m-1", "h", "body", 0, 0, 0, 1); // failover: the count starts over
    assertThat(policy.handlerFailed(reset, boom)).isFalse();
    assertThat(policy.handlerFailed(reset, boom)).isFalse();
    assertThat(policy.handlerFailed(reset, boom)).isTrue();
    CmqMessage missing = new CmqMessage("m-2", "h", "body", 0, 0, 0, 0);
    assertThat(policy.handlerFailed(missing, boom)).isFalse();
    assertThat(policy.handlerFailed(missing, boom)).isFalse();
    assertThat(policy.handlerFailed(missing, boom)).isTrue();
    CmqMessage tooHigh = new CmqMessage("m-3", "h", "body", 0, 0, 0, 100);
    assertThat(policy.handlerFailed(tooHigh, boom)).isTrue();
    CmqMessage recovered = new CmqMessage("m-4", "h", "body", 0, 0, 0, 1);
    assertThat(policy.handlerFailed(recovered, boom)).isFalse();
    policy.handled(recovered); // a success forgets the own count
    assertThat(policy.handlerFailed(recovered, boom)).isFalse();
    assertThat(policy.handlerFailed(recovered, boom)).isFalse();
    assertThat(dead).extracting(CmqMessage::msgId).containsExactly("m-1", "m-2", "m-3");
    assertThat(policy.deadLetteredCount()).isEqualTo(3);
  }

  @Test
  @DisplayName("the builder lists every dead-letter problem at once")
  void builderProblems() {
    assertThatThrownBy(() -> CmqReceiver.builder().client(client).queue("short").handler((m, raw) -> { })
        .deleteUndecodable(true).deadLetter(null, 0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deadLetter handler")
        .hasMessageContaining("maxReceives")
        .hasMessageContaining("deleteUndecodable and deadLetter were both set");
  }
}
