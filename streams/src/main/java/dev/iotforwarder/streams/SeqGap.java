package dev.iotforwarder.streams;

/**
 * A run of {@code Seq}s missing from one device's messages, as {@link DeviceGapDetection} reports
 * it: {@code firstMissing} to {@code lastMissing}, both included, none of which arrived within the
 * grace period after the gap opened. Immutable.
 *
 * @param deviceId the device ({@code DeviceId})
 * @param firstMissing the first missing Seq
 * @param lastMissing the last missing Seq, {@code >= firstMissing}
 * @param openedAt the time of the message whose Seq jumped past the gap, epoch milliseconds (record
 *     time)
 * @param reportedAt the stream time when it was reported, epoch milliseconds
 */
public record SeqGap(String deviceId, long firstMissing, long lastMissing, long openedAt, long reportedAt) {
  /**
   * Validates the fields.
   *
   * @throws NullPointerException if {@code deviceId} is {@code null}
   * @throws IllegalArgumentException if {@code lastMissing < firstMissing}
   */
  public SeqGap {
    java.util.Objects.requireNonNull(deviceId, "deviceId == null");
    if (lastMissing < firstMissing) {
      throw new IllegalArgumentException("lastMissing < firstMissing: " + lastMissing + " < " + firstMissing);
    }
  }

  /**
   * How many Seqs are missing.
   *
   * @return {@code lastMissing - firstMissing + 1}
   */
  public long missing() {
    return lastMissing - firstMissing + 1;
  }
}
