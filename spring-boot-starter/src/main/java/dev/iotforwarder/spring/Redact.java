package dev.iotforwarder.spring;

/** How {@code toString()} shows a secret: whether it is set, never its value. */
final class Redact {
  private Redact() {}

  static String secret(String value) {
    return value == null ? "null" : "******";
  }
}
