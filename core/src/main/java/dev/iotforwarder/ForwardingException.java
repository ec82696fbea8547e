package dev.iotforwarder;

/**
 * The root of every exception the library throws or completes a future with. Unchecked.
 *
 * <p>Subtypes say whether trying again can help: {@link RetriableForwardingException} (a timeout,
 * throttling, a queue that is briefly unavailable) and {@link PermanentForwardingException} (bad
 * credentials, a missing queue, a message that is too large). {@link EnvelopeFormatException} reports
 * an envelope that cannot be decoded.
 *
 * <p>Messages carry context (the sink name, the device, the queue's error code) but never a payload,
 * a signature or a credential.
 */
public class ForwardingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String sinkName;

  /**
   * Creates an exception.
   *
   * @param message what went wrong; never a payload or a secret
   */
  public ForwardingException(String message) {
    this(message, null, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param message what went wrong; never a payload or a secret
   * @param cause the underlying failure, may be {@code null}
   */
  public ForwardingException(String message, Throwable cause) {
    this(message, null, cause);
  }

  /**
   * Creates an exception that names the sink it comes from.
   *
   * @param message what went wrong; never a payload or a secret
   * @param sinkName the sink the failure belongs to, may be {@code null}
   * @param cause the underlying failure, may be {@code null}
   */
  public ForwardingException(String message, String sinkName, Throwable cause) {
    super(message, cause);
    this.sinkName = sinkName;
  }

  /**
   * The name of the sink the failure belongs to.
   *
   * @return the sink name, or {@code null} when the failure is not tied to one sink
   */
  public String sinkName() {
    return sinkName;
  }
}
