package dev.iotforwarder.spi;

import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;

/**
 * The batches a {@link BatchSink} takes: an immutable value.
 *
 * @param maxCount the most messages in one batch, at least 1
 * @param maxBytes the most envelope bytes in one batch (as the lane estimates them), at least 1; a
 *     message that alone is larger travels in a batch of its own
 * @param linger how long the oldest message of a batch that is not full may wait for more, zero to
 *     send at once; at most one hour
 * @param maxInFlight the most batches of this sink outstanding at once, at least 1; further messages
 *     wait in the lane (and so form fuller batches)
 */
public record BatchLimits(int maxCount, long maxBytes, Duration linger, int maxInFlight) {

  /**
   * Checks the limits.
   *
   * @throws IllegalArgumentException listing every limit out of range
   */
  public BatchLimits {
    Problems p = Problems.of("BatchLimits");
    p.atLeast("maxCount", maxCount, 1);
    p.atLeast("maxBytes", maxBytes, 1);
    p.range("linger", linger, Duration.ZERO, Duration.ofHours(1));
    p.atLeast("maxInFlight", maxInFlight, 1);
    p.throwIfAny();
  }
}
