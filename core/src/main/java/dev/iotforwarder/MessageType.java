package dev.iotforwarder;

/**
 * The two kinds of device message that are forwarded, with their exact wire names.
 */
public enum MessageType {
  /** A message a device published on one of its topics; wire name {@code "Publish"}. */
  PUBLISH("Publish"),
  /** A status notification about a device (online, offline, ...); wire name {@code "Status"}. */
  STATUS("Status");

  private final String wireName;

  MessageType(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The value of the envelope's {@code MsgType} field for this type.
   *
   * @return {@code "Publish"} or {@code "Status"}
   */
  public String wireName() {
    return wireName;
  }

  /**
   * Looks up a type by its exact (case-sensitive) wire name.
   *
   * @param wireName {@code "Publish"} or {@code "Status"}
   * @return the type
   * @throws IllegalArgumentException if the name is not one of the two wire names
   */
  public static MessageType fromWireName(String wireName) {
    MessageType type = lookup(wireName);
    if (type == null) {
      throw new IllegalArgumentException(
          "MsgType was \"" + wireName + "\" but must be \"Publish\" or \"Status\"");
    }
    return type;
  }

  /** Returns the type with this wire name, or {@code null}. */
  static MessageType lookup(String wireName) {
    if ("Publish".equals(wireName)) {
      return PUBLISH;
    }
    if ("Status".equals(wireName)) {
      return STATUS;
    }
    return null;
  }
}
