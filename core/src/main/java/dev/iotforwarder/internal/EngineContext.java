package dev.iotforwarder.internal;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.spi.DeadLetterSink;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * What the engine's parts (lanes, the spooler) share, handed to each when the forwarder is built,
 * so that none of them reaches back into {@link Pipeline}: the listeners, the clock, the one
 * scheduler thread, the retry jitter and the dead-letter sink.
 *
 * <p>Thread-safe: every field is immutable or thread-safe itself; {@link #random} is used under its
 * own monitor.
 */
final class EngineContext {
  final Listeners listeners;
  final Clock clock;
  /** One thread, {@code iot-forwarder-scheduler}: retry timers and the send-timeout check. */
  final ScheduledThreadPoolExecutor scheduler;
  private final Random random;
  /** Null when the host configured none. */
  private final DeadLetterSink deadLetter;
  /** Whether the forwarder has a spool. */
  final boolean spooled;
  /** The spool's maximum age of a message in milliseconds; {@link Long#MAX_VALUE} for none. */
  final long spoolMaxAgeMillis;

  EngineContext(Listeners listeners, Clock clock, ScheduledThreadPoolExecutor scheduler,
      Random random, DeadLetterSink deadLetter, boolean spooled, long spoolMaxAgeMillis) {
    this.listeners = listeners;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.deadLetter = deadLetter;
    this.spooled = spooled;
    this.spoolMaxAgeMillis = spoolMaxAgeMillis;
  }

  /** The backoff before retry {@code attempt + 1}, with the policy's jitter. Any thread. */
  long backoffNanos(RetryPolicy policy, int attempt) {
    synchronized (random) {
      return policy.backoffNanos(attempt, random);
    }
  }

  /** The dead-letter sink's name for messages and logs; {@code "(none)"} if there is none. */
  String deadLetterName() {
    return deadLetter == null ? "(none)" : deadLetter.name();
  }

  /** The dead-letter sink, or null; for close only. */
  DeadLetterSink deadLetterSink() {
    return deadLetter;
  }

  /**
   * Sends a letter to the dead-letter sink. Never throws: what the sink throws or a null it returns
   * becomes a failed future.
   *
   * @return the sink's future, or null if there is no dead-letter sink
   */
  CompletableFuture<Void> deadLetter(DeadLetter letter) {
    if (deadLetter == null) {
      return null;
    }
    try {
      CompletableFuture<Void> f = deadLetter.send(letter);
      if (f == null) {
        return CompletableFuture.failedFuture(new RetriableForwardingException(
            "dead-letter sink " + deadLetter.name() + " returned null from send()"));
      }
      return f;
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
