package dev.iotforwarder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every rule of what a lane does with a sink's answer. */
class VerdictTest {
  private static final RetryPolicy POLICY =
      RetryPolicy.builder().maxAttempts(3).maxElapsed(Duration.ofSeconds(10)).build();
  private static final Throwable BUSY = new RetriableForwardingException("busy");
  private static final Throwable GONE = new PermanentForwardingException("gone");

  private static Verdict of(boolean current, Throwable error, int attempts, long elapsed,
      boolean pipelineRetries, boolean closing, boolean hasBackup) {
    return Verdict.of(current, error, attempts, elapsed, POLICY, pipelineRetries, closing, hasBackup);
  }

  @Test
  @DisplayName("success is done; any answer to an old send is stale")
  void doneAndStale() {
    assertThat(of(true, null, 1, 0, true, false, false)).isEqualTo(Verdict.DONE);
    assertThat(of(true, null, 9, 99_999, false, true, true)).isEqualTo(Verdict.DONE);
    assertThat(of(false, null, 1, 0, true, false, false)).isEqualTo(Verdict.STALE);
    assertThat(of(false, BUSY, 1, 0, true, false, true)).isEqualTo(Verdict.STALE);
  }

  @Test
  @DisplayName("a retriable failure retries within the attempts and the time budget")
  void retries() {
    assertThat(of(true, BUSY, 1, 0, true, false, false)).isEqualTo(Verdict.RETRY);
    assertThat(of(true, new java.io.IOException("reset"), 2, 9_999, true, false, true))
        .isEqualTo(Verdict.RETRY);
    assertThat(of(true, BUSY, 3, 0, true, false, false)).isEqualTo(Verdict.DEAD_LETTER);
    assertThat(of(true, BUSY, 1, 10_000, true, false, false)).isEqualTo(Verdict.DEAD_LETTER);
  }

  @Test
  @DisplayName("no retry when permanent, closing, or the sink retries by itself")
  void noRetry() {
    assertThat(of(true, GONE, 1, 0, true, false, false)).isEqualTo(Verdict.DEAD_LETTER);
    assertThat(of(true, BUSY, 1, 0, true, true, false)).isEqualTo(Verdict.DEAD_LETTER);
    assertThat(of(true, BUSY, 1, 0, false, false, false)).isEqualTo(Verdict.DEAD_LETTER);
  }

  @Test
  @DisplayName("a message given up fails over when its route has a backup, unless closing")
  void failover() {
    assertThat(of(true, GONE, 1, 0, true, false, true)).isEqualTo(Verdict.FAIL_OVER);
    assertThat(of(true, BUSY, 3, 0, true, false, true)).isEqualTo(Verdict.FAIL_OVER);
    assertThat(of(true, GONE, 1, 0, true, true, true)).isEqualTo(Verdict.DEAD_LETTER);
  }

  @Test
  @DisplayName("a spooled message without a backup retries regardless of the policy, until its max age")
  void spooled() {
    long none = Long.MAX_VALUE;
    assertThat(
        Verdict.of(true, BUSY, 1_000, 86_400_000, POLICY, true, false, false, true, 1, none, false))
        .isEqualTo(Verdict.RETRY);
    assertThat(Verdict.of(true, BUSY, 1_000, 0, POLICY, true, false, false, true, 999, 1_000, false))
        .isEqualTo(Verdict.RETRY);
    assertThat(Verdict.of(true, BUSY, 1, 0, POLICY, true, false, false, true, 1_000, 1_000, false))
        .isEqualTo(Verdict.DEAD_LETTER);
    assertThat(Verdict.of(true, GONE, 1, 0, POLICY, true, false, false, true, 0, none, false))
        .isEqualTo(Verdict.DEAD_LETTER);
    assertThat(Verdict.of(true, BUSY, 1, 0, POLICY, true, true, false, true, 0, none, false))
        .isEqualTo(Verdict.DEAD_LETTER);
    assertThat(Verdict.of(true, BUSY, 3, 0, POLICY, true, false, false, false, 0, none, false))
        .as("not spooled, or spooled with a backup: the bounded policy").isEqualTo(Verdict.DEAD_LETTER);
    assertThat(Verdict.of(false, BUSY, 1, 0, POLICY, true, false, false, true, 0, none, false))
        .isEqualTo(Verdict.STALE);
  }

  @Test
  @DisplayName("while the sink is probing, a message with a failover sink fails over at once")
  void probingFailsOver() {
    long none = Long.MAX_VALUE;
    assertThat(Verdict.of(true, BUSY, 1, 0, POLICY, true, false, true, false, 0, none, true))
        .isEqualTo(Verdict.FAIL_OVER);
    assertThat(Verdict.of(true, BUSY, 1, 0, POLICY, true, false, true, false, 0, none, false))
        .isEqualTo(Verdict.RETRY);
    assertThat(Verdict.of(true, BUSY, 1, 0, POLICY, true, false, false, false, 0, none, true))
        .as("no backup: retry as the policy says").isEqualTo(Verdict.RETRY);
  }

  @Test
  @DisplayName("unwrap removes the wrappers a future adds")
  void unwrap() {
    assertThat(Verdict.unwrap(new CompletionException(new ExecutionException(GONE)))).isSameAs(GONE);
    assertThat(Verdict.unwrap(BUSY)).isSameAs(BUSY);
    CompletionException bare = new CompletionException("no cause", null);
    assertThat(Verdict.unwrap(bare)).isSameAs(bare);
  }
}
