package dev.iotforwarder.cmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.cmq.CmqMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReceiverDedupTest {
  private static final CmqMessage RAW = new CmqMessage("id", "handle", "{}", 0, 0, 0, 1);
  private final List<String> handled = new ArrayList<>();

  private static DeviceMessage msg(String device, long seq) {
    return DeviceMessage.status("p", "d" + device, device, "Online", seq);
  }

  private void handle(ReceiverDedup dedup, String device, long seq) throws Exception {
    dedup.handle(msg(device, seq), RAW);
  }

  @Test
  void handsEachDeviceAndSeqOnceAndCountsTheRepeats() throws Exception {
    ReceiverDedup dedup = new ReceiverDedup((m, raw) -> handled.add(m.deviceId() + ":" + m.seq()), 8, 100);
    handle(dedup, "1", 5);
    handle(dedup, "1", 5);
    handle(dedup, "2", 5);
    handle(dedup, "1", 6);
    handle(dedup, "2", 5);
    assertThat(handled).containsExactly("1:5", "2:5", "1:6");
    assertThat(dedup.duplicates()).isEqualTo(2);
  }

  @Test
  void aMessageWhoseHandlerThrewIsHandledAgain() throws Exception {
    int[] calls = {0};
    ReceiverDedup dedup = new ReceiverDedup((m, raw) -> {
      if (calls[0]++ == 0) {
        throw new IllegalStateException("backend down");
      }
    }, 8, 100);
    assertThatThrownBy(() -> handle(dedup, "1", 1)).hasMessage("backend down");
    handle(dedup, "1", 1);
    handle(dedup, "1", 1);
    assertThat(calls[0]).isEqualTo(2);
    assertThat(dedup.duplicates()).isEqualTo(1);
  }

  @Test
  void remembersTheLastSeqsOfTheMostRecentDevicesOnly() throws Exception {
    ReceiverDedup dedup = new ReceiverDedup((m, raw) -> handled.add(m.deviceId() + ":" + m.seq()), 2, 2);
    for (long seq = 1; seq <= 7; seq++) { // wraps the ring of 2 several times
      handle(dedup, "1", seq);
    }
    handle(dedup, "1", 6); // remembered
    handle(dedup, "1", 7); // remembered
    handle(dedup, "1", 5); // forgotten: handled again (a documented limit)
    handle(dedup, "2", 1);
    handle(dedup, "3", 1); // device 1 (least recently seen) is forgotten
    handle(dedup, "1", 5);
    assertThat(handled).containsExactly("1:1", "1:2", "1:3", "1:4", "1:5", "1:6", "1:7", "1:5", "2:1", "3:1", "1:5");
  }

  @Test
  void aCopyWhoseTwinIsBeingHandledStaysInTheQueue() throws Exception {
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ReceiverDedup dedup = new ReceiverDedup((m, raw) -> {
      inHandler.countDown();
      release.await();
    }, 8, 100);
    CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
      try {
        handle(dedup, "1", 9);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(inHandler.await(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> handle(dedup, "1", 9))
        .isInstanceOf(ReceiverDedup.InFlightException.class)
        .hasMessageContaining("Device 1 seq 9 is being handled by another poller");
    release.countDown();
    first.get(10, TimeUnit.SECONDS);
    handle(dedup, "1", 9); // the redelivered copy: now a known repeat
    assertThat(dedup.duplicates()).isEqualTo(1);
  }
}
