package dev.iotforwarder;

import java.time.Duration;

/**
 * Sees what happens to each message, for metrics, logs or alerts. Every method has an empty default,
 * so implement only what you need. Methods run on the forwarder's threads (or the caller's, for
 * {@link #onFiltered} and {@link #onRejected}); keep them fast and thread-safe. A listener that throws
 * is logged at WARN with its {@code toString()} and counted in {@link ForwarderStats#listenerErrors()};
 * it never breaks forwarding.
 */
public interface ForwarderListener {

  /**
   * No route took the message.
   *
   * @param message the message
   */
  default void onFiltered(DeviceMessage message) {}

  /**
   * A sink accepted the message.
   *
   * @param message the message
   * @param sinkName the sink
   * @param attempts how many sends it took
   * @param latency from {@code forward()} to the sink's acknowledgement
   */
  default void onDelivered(DeviceMessage message, String sinkName, int attempts, Duration latency) {}

  /**
   * A send failed with a retriable error and will be retried.
   *
   * @param message the message
   * @param sinkName the sink
   * @param attempt the attempt that failed (1 for the first send)
   * @param error the failure
   * @param backoff the wait before the next attempt
   */
  default void onRetry(
      DeviceMessage message, String sinkName, int attempt, Throwable error, Duration backoff) {}

  /**
   * The message ended without delivery to a sink (it then goes to the dead-letter sink, if any).
   *
   * @param message the message
   * @param sinkName the sink
   * @param attempts how many sends were made
   * @param error the last failure
   */
  default void onFailed(DeviceMessage message, String sinkName, int attempts, Throwable error) {}

  /**
   * A full buffer refused the message.
   *
   * @param message the message
   * @param sinkName the sink whose lane was full
   */
  default void onRejected(DeviceMessage message, String sinkName) {}

  /**
   * The overflow policy dropped the message to make room.
   *
   * @param message the message
   * @param sinkName the sink whose lane was full
   */
  default void onDropped(DeviceMessage message, String sinkName) {}

  /**
   * The dead-letter sink stored the message.
   *
   * @param letter the message and why it failed
   */
  default void onDeadLettered(DeadLetter letter) {}
}
