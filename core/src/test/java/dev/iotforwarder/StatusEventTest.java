package dev.iotforwarder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusEventTest {
  @Test
  void knownEventsAreOnlineAndOffline() {
    assertThat(StatusEvent.ONLINE).isEqualTo("Online");
    assertThat(StatusEvent.OFFLINE).isEqualTo("Offline");
    assertThat(StatusEvent.isKnown("Online")).isTrue();
    assertThat(StatusEvent.isKnown("Offline")).isTrue();
  }

  @Test
  void isKnownIsCaseSensitiveAndNullSafe() {
    assertThat(StatusEvent.isKnown("online")).isFalse();
    assertThat(StatusEvent.isKnown("OFFLINE")).isFalse();
    assertThat(StatusEvent.isKnown("")).isFalse();
    assertThat(StatusEvent.isKnown(null)).isFalse();
  }

  @Test
  void unknownEventsAreAcceptedAndKeptUnchanged() {
    DeviceMessage m = DeviceMessage.status("p", "d", "1", "FirmwareUpgraded", 3);
    assertThat(StatusEvent.isKnown(m.event())).isFalse();
    assertThat(m.event()).isEqualTo("FirmwareUpgraded");
  }

  @Test
  void unknownEventsSurviveTheEnvelopeUnchanged() {
    DeviceMessage m = DeviceMessage.status("p", "d", "1", "online", 3);
    assertThat(EnvelopeCodec.standard().decode(EnvelopeCodec.standard().encode(m)).event())
        .isEqualTo("online");
  }
}
