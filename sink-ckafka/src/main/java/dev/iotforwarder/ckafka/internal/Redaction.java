package dev.iotforwarder.ckafka.internal;

/**
 * Keeps a secret out of exception messages: Kafka's own messages never contain the SASL password,
 * but a message we did not write is checked rather than trusted.
 */
public final class Redaction {
  private Redaction() {}

  /**
   * {@code t} itself if no message in its cause chain contains {@code secret}; otherwise a copy of
   * the chain with the secret replaced by {@code ****}, each link naming the original class and
   * keeping its stack trace.
   */
  public static Throwable redact(Throwable t, String secret) {
    if (t == null || secret == null || secret.isEmpty() || !leaks(t, secret)) {
      return t;
    }
    return copy(t, secret, 0);
  }

  /** Replaces the secret in a string. */
  public static String redact(String s, String secret) {
    return s == null || secret == null || secret.isEmpty() ? s : s.replace(secret, "****");
  }

  private static boolean leaks(Throwable t, String secret) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && c.getMessage().contains(secret)) {
        return true;
      }
      for (Throwable s : c.getSuppressed()) {
        if (leaks(s, secret)) {
          return true;
        }
      }
    }
    return false;
  }

  private static Throwable copy(Throwable t, String secret, int depth) {
    Throwable cause = t.getCause() == null || t.getCause() == t || depth > 20
        ? null : copy(t.getCause(), secret, depth + 1);
    RedactedException r = new RedactedException(
        t.getClass().getName() + ": " + redact(t.getMessage(), secret), cause);
    r.setStackTrace(t.getStackTrace());
    return r;
  }

  /** Stands in for an exception whose message held a secret. */
  static final class RedactedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedactedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
