package dev.iotforwarder;

import java.util.List;
import java.util.Objects;

/**
 * How a forwarded message ended, when it ended well: every sink it was routed to accepted it ({@link
 * Status#DELIVERED}), or no route took it ({@link Status#FILTERED}). A message that a sink could not
 * deliver completes its future exceptionally instead, with a {@link ForwardingException} naming the
 * sink and the reason.
 *
 * @param message the message
 * @param status delivered or filtered
 * @param sinks the names of the sinks that accepted it, in route order; empty when filtered
 */
public record ForwardResult(DeviceMessage message, Status status, List<String> sinks) {

  /** The two good endings. */
  public enum Status {
    /** Every routed sink has the message. */
    DELIVERED,
    /** No route (or the forwarder's global filter) took the message; nothing was sent. */
    FILTERED
  }

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if a component is null
   */
  public ForwardResult {
    Objects.requireNonNull(message, "message == null");
    Objects.requireNonNull(status, "status == null");
    sinks = List.copyOf(sinks);
  }

  /**
   * Whether the message was filtered out.
   *
   * @return {@code status() == FILTERED}
   */
  public boolean filtered() {
    return status == Status.FILTERED;
  }
}
