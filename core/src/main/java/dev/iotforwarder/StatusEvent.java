package dev.iotforwarder;

/**
 * Names of the status events the platform is known to send. Any other non-empty event name is legal
 * as well and is passed through unchanged: the library never rejects or renames an unknown event.
 */
public final class StatusEvent {
  /** The device connected. */
  public static final String ONLINE = "Online";
  /** The device disconnected. */
  public static final String OFFLINE = "Offline";

  private StatusEvent() {}

  /**
   * Whether the event is one of the names this library knows ({@link #ONLINE}, {@link #OFFLINE}).
   * Unknown names are still valid events.
   *
   * @param event an event name, may be {@code null}
   * @return {@code true} for {@code "Online"} and {@code "Offline"}
   */
  public static boolean isKnown(String event) {
    return ONLINE.equals(event) || OFFLINE.equals(event);
  }
}
