package dev.iotforwarder;

import java.time.Instant;
import java.util.Objects;

/**
 * A message that a sink could not deliver, with why: what a {@link dev.iotforwarder.spi.DeadLetterSink}
 * receives.
 *
 * @param message the original message
 * @param sinkName the sink that failed to deliver it
 * @param reason the last failure (a {@link PermanentForwardingException}, the last retriable error
 *     once retries were exhausted, or the reason it was dropped)
 * @param attempts how many sends were attempted (0 when it was dropped before any)
 * @param time when it was dead-lettered
 */
public record DeadLetter(
    DeviceMessage message, String sinkName, Throwable reason, int attempts, Instant time) {

  /**
   * Validates.
   *
   * @throws NullPointerException if a component is null
   */
  public DeadLetter {
    Objects.requireNonNull(message, "message == null");
    Objects.requireNonNull(sinkName, "sinkName == null");
    Objects.requireNonNull(reason, "reason == null");
    Objects.requireNonNull(time, "time == null");
  }

  /**
   * A one-line description of the reason: the exception's class and message.
   *
   * @return for example {@code "PermanentForwardingException: CMQ code 4440 ..."}
   */
  public String reasonText() {
    String text = reason.getMessage();
    return reason.getClass().getSimpleName() + (text == null ? "" : ": " + text);
  }
}
