package dev.iotforwarder;

/**
 * A failure that may go away if the same message is sent again: a timeout, HTTP 5xx, throttling
 * (CMQ 4420/4480), a full queue (4410/6070), an internal queue error (6000). The pipeline retries
 * these with backoff, within its retry policy. A retried send may duplicate a message the queue had
 * in fact accepted: delivery is at-least-once.
 */
public class RetriableForwardingException extends ForwardingException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what went wrong
   */
  public RetriableForwardingException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure, may be {@code null}
   */
  public RetriableForwardingException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception that names its sink.
   *
   * @param message what went wrong
   * @param sinkName the sink, may be {@code null}
   * @param cause the underlying failure, may be {@code null}
   */
  public RetriableForwardingException(String message, String sinkName, Throwable cause) {
    super(message, sinkName, cause);
  }
}
