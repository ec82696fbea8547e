package dev.iotforwarder;

/**
 * What a sink's lane does with a new message when its buffer (messages or bytes) is full.
 *
 * <p>Set per message type in {@link LaneOptions}. A Status message is never dropped silently: {@link
 * #DROP_OLDEST} for Status is accepted only when the forwarder has a dead-letter sink.
 */
public enum OverflowPolicy {
  /**
   * Wait for room, up to {@link LaneOptions#blockTimeout()}, then fail as {@link #REJECT} does. The
   * caller of {@link Forwarder#forward(DeviceMessage)} is blocked for at most that long per lane.
   */
  BLOCK,
  /** Fail the new message's future at once with a {@link BufferFullException}. */
  REJECT,
  /**
   * Make room by dropping the oldest queued message of the same type (never one already being sent):
   * it goes to the dead-letter sink, its future fails, and it is counted as dropped. If no such
   * message is queued, the new message is rejected as with {@link #REJECT}.
   */
  DROP_OLDEST
}
