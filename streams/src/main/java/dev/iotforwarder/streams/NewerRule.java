package dev.iotforwarder.streams;

import dev.iotforwarder.StatusEvent;
import java.time.Duration;
import java.util.Objects;

/**
 * Decides whether a status message is newer than the state a device has in the presence table, so
 * that a late message never overwrites a newer one. Immutable and thread-safe.
 *
 * <p>Each message has a {@code Seq} and a time {@code t} (the record timestamp given by the
 * topology's timestamp extractor). With the current state at ({@code seq0}, {@code t0}), {@code dt =
 * t - t0} and the reorder window {@code W}:
 *
 * <ol>
 *   <li><b>Same message.</b> {@code seq == seq0} and {@code |dt| <= W}: a duplicate, not newer.
 *   <li><b>Across reconnects: time decides.</b> {@code |dt| > W}: newer if and only if {@code dt > 0}.
 *       Messages more than {@code W} apart belong to different connections (possibly through different
 *       gateways), where Seqs need not compare, and a device that rebooted may have restarted its Seq.
 *   <li><b>Seq restart.</b> {@code |dt| <= W}, and of the two messages the later one (by time) is an
 *       {@code Online} with the lower Seq: the device rebooted quickly and restarted its Seq, so the
 *       later one is newer (a late copy of the old session's last messages loses to it).
 *   <li><b>Within a session: Seq decides.</b> Otherwise ({@code |dt| <= W}): newer if and only if
 *       {@code seq > seq0}.
 * </ol>
 *
 * <p><b>The time.</b> {@code CkafkaSink} writes each record with the message's receive time ({@code
 * DeviceMessage.receivedAtMillis()}, stamped by the gateway's forwarder and kept by its spool), so
 * with the default timestamp extractor {@code t} is when the gateway received the message, however
 * late a retry or a spool replay sent it: an old {@code Online} replayed from a spool after a newer
 * {@code Offline} was sent loses to it. That needs the topic's {@code message.timestamp.type} to be
 * {@code CreateTime} (Kafka's default): with {@code LogAppendTime} the broker stamps each record when
 * it appends it, and a replayed record is judged by that later time again.
 *
 * <p>What it cannot tell: two messages less than {@code W} apart where a reboot restarted the Seq and
 * the new session's first message is not {@code Online}; two gateways whose clocks differ by more
 * than the Seq order can bear (the receive time is each gateway's clock); and records written by
 * another producer than {@code CkafkaSink} (or through a CMQ queue and a bridge), whose timestamps
 * need not be receive times. Keep {@code W} larger than the reorder a queue introduces and smaller
 * than a device's reboot.
 */
public final class NewerRule {
  private final long windowMillis;

  private NewerRule(long windowMillis) {
    this.windowMillis = windowMillis;
  }

  /**
   * The rule with a reorder window.
   *
   * @param reorderWindow {@code W}: messages closer than this are ordered by Seq, further apart by time
   * @return the rule
   * @throws NullPointerException if {@code reorderWindow} is {@code null}
   * @throws IllegalArgumentException if it is negative
   */
  public static NewerRule withReorderWindow(Duration reorderWindow) {
    Objects.requireNonNull(reorderWindow, "reorderWindow == null");
    if (reorderWindow.isNegative()) {
      throw new IllegalArgumentException("reorderWindow must not be negative, got " + reorderWindow);
    }
    return new NewerRule(reorderWindow.toMillis());
  }

  /**
   * The reorder window {@code W}.
   *
   * @return the window
   */
  public Duration reorderWindow() {
    return Duration.ofMillis(windowMillis);
  }

  /**
   * Whether a message is newer than the current state.
   *
   * @param current the device's current state, or {@code null} if it has none (then any message is
   *     newer)
   * @param event the message's status event
   * @param seq the message's {@code Seq}
   * @param time the message's time, epoch milliseconds
   * @return {@code true} if the message should replace the state
   */
  public boolean isNewer(DevicePresence current, String event, long seq, long time) {
    if (current == null) {
      return true;
    }
    long dt = time - current.seenAt();
    if (Math.abs(dt) > windowMillis) {
      return dt > 0;
    }
    if (seq == current.seq()) {
      return false;
    }
    if (dt > 0 && seq < current.seq() && StatusEvent.ONLINE.equals(event)) {
      return true; // this message restarted the Seq
    }
    if (dt < 0 && current.seq() < seq && StatusEvent.ONLINE.equals(current.lastEvent())) {
      return false; // the current state restarted the Seq; this is from the session before
    }
    return seq > current.seq();
  }

  @Override
  public String toString() {
    return "NewerRule[reorderWindow=" + reorderWindow() + "]";
  }
}
