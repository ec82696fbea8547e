package dev.iotforwarder.internal;

import dev.iotforwarder.RetryPolicy;

/**
 * Whether a lane's sink answers, and when the lane may send while it does not. A sink that failed
 * {@link #FAILURES_TO_PROBE} sends in a row with a retriable error (a timeout counts) is
 * <em>probing</em>: its lane stops sending the backlog and sends one message at a time, the probe,
 * with a wait before each that starts at the lane's {@link RetryPolicy#initialBackoff()} and grows
 * by its multiplier up to its {@link RetryPolicy#maxBackoff()} (10 s by default): the cap. Any
 * answer that is not a retriable failure (a success, or a permanent error: the sink is reachable)
 * makes it healthy again, and the backlog flows at once; so delivery resumes at most one cap after
 * the sink comes back.
 *
 * <p>A pure state machine: no threads, no clock of its own (callers pass {@link System#nanoTime()}).
 * Thread-safe through this object's monitor, which is taken under the lane's lock (completer,
 * dispatcher) or alone (a route choosing a failover target); it never takes another lock.
 */
final class SinkHealth {
  /** Retriable failures in a row, with no other answer between, that make a sink probing. */
  static final int FAILURES_TO_PROBE = 10;

  private final RetryPolicy policy;
  /** Read without the monitor by stats and routes. */
  private volatile boolean probing;
  private int failuresInARow;
  /** Probes failed since probing began; sets the next wait. */
  private int probesFailed;
  /** While probing: when the next probe may leave. */
  private long nextProbeAt;
  /** While probing: a probe has left and is not answered yet. */
  private boolean probeOut;

  SinkHealth(RetryPolicy policy) {
    this.policy = policy;
  }

  /** @return whether the sink is probing (not healthy) */
  boolean probing() {
    return probing;
  }

  /**
   * An answer to a current send (not a stale one).
   *
   * @param retriableFailure whether the send failed with a retriable error or timed out
   * @param now {@link System#nanoTime()}
   * @return whether the state changed
   */
  synchronized boolean answered(boolean retriableFailure, long now) {
    if (!retriableFailure) {
      failuresInARow = 0;
      probeOut = false;
      probesFailed = 0;
      boolean changed = probing;
      probing = false;
      return changed;
    }
    failuresInARow++;
    if (probing) {
      if (probeOut) { // the probe failed (or a send from before probing: the same news)
        probeOut = false;
        probesFailed++;
        nextProbeAt = now + waitNanos(probesFailed + 1);
      }
      return false;
    }
    if (failuresInARow < FAILURES_TO_PROBE) {
      return false;
    }
    probing = true;
    probeOut = false;
    probesFailed = 0;
    nextProbeAt = now + waitNanos(1);
    return true;
  }

  /**
   * How many of {@code room} free send slots the dispatcher may fill now: all when healthy; while
   * probing, one if no probe is out, nothing else is being sent and the wait has passed, else none.
   * A caller that fills the slot reports it with {@link #probeSent}.
   */
  synchronized int sendable(int room, int sending, long now) {
    if (!probing) {
      return room;
    }
    return !probeOut && sending == 0 && now - nextProbeAt >= 0 ? Math.min(room, 1) : 0;
  }

  /** A send left while probing: it is the probe. */
  synchronized void probeSent() {
    if (probing) {
      probeOut = true;
    }
  }

  /**
   * For a failover route: whether the next message should go to this probing sink as its probe
   * (the wait has passed); if so, that message is the probe, and the next may go one wait later
   * whether or not this one is answered (a route cannot know whether the message it chose was
   * taken).
   */
  synchronized boolean claimProbe(long now) {
    if (!probing || now - nextProbeAt < 0) {
      return false;
    }
    probeOut = true;
    nextProbeAt = now + waitNanos(probesFailed + 1);
    return true;
  }

  /** @return nanoseconds until the next probe may leave (at least 1), or -1 if none is waited for */
  synchronized long nanosToProbe(long now) {
    if (!probing || probeOut) {
      return -1;
    }
    return Math.max(1, nextProbeAt - now);
  }

  /** The wait before probe {@code n} (1-based): the policy's backoff without jitter, capped. */
  long waitNanos(int n) {
    double base = policy.initialBackoff().toNanos() * Math.pow(policy.multiplier(), n - 1);
    return (long) Math.min(base, policy.maxBackoff().toNanos());
  }
}
