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
   * Make room by dropping the oldest message of the same type that the sink has not been given yet
   * (never one already being sent): it goes to the dead-letter sink, its future fails with a {@link
   * PermanentForwardingException}, and it is counted as dropped. When every held message of that type
   * is already with the sink (a sink that takes the whole buffer in flight, such as a Kafka producer
   * just after its broker came back), the new message is the oldest one not yet sent, so it is the
   * one dropped, the same way. The caller is never blocked and never rejected with a {@link
   * BufferFullException}; every message that does not fit ends in the dead-letter sink.
   */
  DROP_OLDEST
}
