package dev.iotforwarder;

/**
 * A failure that sending the same message again cannot fix: authentication or authorization, a
 * queue or topic that does not exist, a message over the queue's size limit, a bad parameter. The
 * pipeline never retries these; the message goes to the dead-letter sink with this exception as the
 * reason.
 */
public class PermanentForwardingException extends ForwardingException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what went wrong
   */
  public PermanentForwardingException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure, may be {@code null}
   */
  public PermanentForwardingException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception that names its sink.
   *
   * @param message what went wrong
   * @param sinkName the sink, may be {@code null}
   * @param cause the underlying failure, may be {@code null}
   */
  public PermanentForwardingException(String message, String sinkName, Throwable cause) {
    super(message, sinkName, cause);
  }
}
