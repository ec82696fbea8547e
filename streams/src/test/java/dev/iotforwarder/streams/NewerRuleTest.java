package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NewerRuleTest {
  private static final NewerRule RULE = NewerRule.withReorderWindow(Duration.ofSeconds(10));
  private static final long T0 = 1_000_000L;

  private static DevicePresence state(String event, long seq, long time) {
    return new DevicePresence("1", "p", "d", "Online".equals(event), event, seq, time);
  }

  @Test
  void anyMessageIsNewerThanNoState() {
    assertThat(RULE.isNewer(null, "Offline", 0, 0)).isTrue();
  }

  @Test
  void sameSeqCloseInTimeIsARepeat() {
    assertThat(RULE.isNewer(state("Online", 5, T0), "Online", 5, T0 + 3_000)).isFalse();
  }

  @Test
  void withinTheWindowSeqDecidesBothWays() {
    assertThat(RULE.isNewer(state("Offline", 5, T0), "Online", 6, T0 - 9_000)).isTrue();
    assertThat(RULE.isNewer(state("Offline", 6, T0), "Online", 5, T0 - 1)).isFalse();
    // A late Offline with a lower Seq but a later time (queue reorder) does not win either.
    assertThat(RULE.isNewer(state("Online", 6, T0), "Offline", 5, T0 + 2_000)).isFalse();
  }

  @Test
  void acrossReconnectsTimeDecidesWhateverTheSeq() {
    // Through another gateway, 30 s later, with an unrelated Seq.
    assertThat(RULE.isNewer(state("Offline", 900, T0), "Online", 3, T0 + 30_000)).isTrue();
    // An old Online from an earlier session, replayed late: its time is older, it loses.
    assertThat(RULE.isNewer(state("Offline", 3, T0), "Online", 900, T0 - 30_000)).isFalse();
  }

  @Test
  void aQuickRebootThatRestartsTheSeqWinsWithItsOnline() {
    assertThat(RULE.isNewer(state("Offline", 700, T0), "Online", 0, T0 + 4_000)).isTrue();
    // ... but not with a non-Online first message (a documented limit), nor from the past.
    assertThat(RULE.isNewer(state("Offline", 700, T0), "Offline", 1, T0 + 4_000)).isFalse();
    assertThat(RULE.isNewer(state("Offline", 700, T0), "Online", 0, T0 - 4_000)).isFalse();
  }

  @Test
  void afterARestartTheOldSessionsLateMessagesLose() {
    // The state is the restarted session's Online (Seq 0); a late copy of the old Offline arrives.
    assertThat(RULE.isNewer(state("Online", 0, T0), "Offline", 700, T0 - 3_000)).isFalse();
    // The restarted session's next message still wins by Seq.
    assertThat(RULE.isNewer(state("Online", 0, T0), "Offline", 1, T0 + 3_000)).isTrue();
  }

  @Test
  void theWindowEdgeBelongsToSeq() {
    assertThat(RULE.isNewer(state("Online", 5, T0), "Offline", 4, T0 + 10_000)).isFalse();
    assertThat(RULE.isNewer(state("Online", 5, T0), "Offline", 4, T0 + 10_001)).isTrue();
  }

  @Test
  void rejectsANegativeWindow() {
    assertThatThrownBy(() -> NewerRule.withReorderWindow(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-0.001S");
    assertThat(NewerRule.withReorderWindow(Duration.ZERO).reorderWindow()).isZero();
  }
}
