package dev.iotforwarder.testkit.internal;

/**
 * How LocalKafka waits for a condition it cannot be told about (a broker becoming ready, a
 * partition accepting writes, a child JVM printing a line): it checks, pauses 50 ms, checks again,
 * up to a deadline. An interrupt ends the wait with an {@link IllegalStateException} and keeps the
 * thread's interrupt status.
 */
public final class Polling {
  private static final long PAUSE_MILLIS = 50;

  private Polling() {}

  /** Pauses between two checks. */
  public static void pause() {
    try {
      Thread.sleep(PAUSE_MILLIS);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
  }

  /**
   * Restores the interrupt status and wraps the exception.
   *
   * @param e the interrupt
   * @return the exception to throw
   */
  public static IllegalStateException interrupted(InterruptedException e) {
    Thread.currentThread().interrupt();
    return new IllegalStateException("interrupted", e);
  }
}
