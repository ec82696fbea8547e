package dev.iotforwarder.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.Submission;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.SpoolStats;
import dev.iotforwarder.StatusEvent;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A queue outage longer than the memory buffers hold: the spool takes the backlog on disk. */
class SpoolOutageTest {
  private static final int MESSAGES = 3000;
  private static final int DEVICES = 60;
  private static final int LANE_MESSAGES = 50;
  private static final long MAX_DISK = 1024 * 1024;

  @TempDir Path tmp;

  @Test
  void aSinkDownLongerThanItsBufferHoldsIsAbsorbedOnDiskThenDrainedInOrder() throws Exception {
    FlakySink down = FlakySink.builder("down").build();
    RecordingSink up = new RecordingSink("up");
    down.pause();
    SpoolOptions spool = SpoolOptions.builder()
        .segmentBytes(16 * 1024).maxDiskBytes(MAX_DISK).fsyncEvery(Duration.ofMillis(10)).build();
    List<DeviceMessage> sent = new ArrayList<>();
    try (Forwarder f = Forwarder.builder().route(down).route(up)
        .spool(tmp.resolve("spool"), spool)
        .laneDefaults(LaneOptions.builder().maxMessages(LANE_MESSAGES).build())
        .build()) {
      List<Submission> stages = new ArrayList<>();
      for (int i = 0; i < MESSAGES; i++) {
        int device = i % DEVICES;
        DeviceMessage m = i % 10 == 0
            ? Fixtures.status(device, i, StatusEvent.ONLINE) : Fixtures.publish(device, i);
        sent.add(m);
        stages.add(f.submit(m));
      }
      for (Submission s : stages) {
        s.accepted().get(30, TimeUnit.SECONDS);
      }

      // The healthy sink is not held up by the one that is down.
      Fixtures.await("the healthy sink has every message", Duration.ofSeconds(30),
          () -> up.count() == MESSAGES);
      ForwarderStats during = f.stats();
      SinkStats lane = during.sink("down");
      SpoolStats disk = during.spool();
      assertThat(lane.queued() + lane.inflight()).as("memory holds one buffer")
          .isLessThanOrEqualTo(LANE_MESSAGES);
      assertThat(down.heldCount()).isLessThanOrEqualTo(LANE_MESSAGES);
      assertThat(disk.pending()).as("the backlog waits on disk").isEqualTo(MESSAGES);
      assertThat(disk.diskBytes()).isLessThanOrEqualTo(MAX_DISK);
      assertThat(disk.segments()).isGreaterThan(1);
      assertThat(disk.rejected()).isZero();
      assertThat(during.balanced()).isTrue();

      down.resume();
      assertThat(f.flush(Duration.ofSeconds(60))).isTrue();
      ForwarderStats after = f.stats();
      assertThat(after.spool().completed()).isEqualTo(MESSAGES);
      assertThat(after.spool().pending()).isZero();
      assertThat(after.spool().segments()).as("every finished segment deleted").isEqualTo(1);
      assertThat(after.sink("down").succeeded()).isEqualTo(MESSAGES);
      assertThat(after.balanced()).isTrue();
    }
    assertThat(down.delivered()).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(SpoolTest.seqsByDevice(down.delivered())).isEqualTo(SpoolTest.seqsByDevice(sent));
    assertThat(SpoolTest.seqsByDevice(up.received())).isEqualTo(SpoolTest.seqsByDevice(sent));
  }
}
