package dev.iotforwarder;

/**
 * A sink's lane had no room for a message (its {@link OverflowPolicy} rejected it, or a {@link
 * OverflowPolicy#BLOCK} wait timed out). Retriable: the caller may try again later.
 */
public final class BufferFullException extends RetriableForwardingException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what happened, naming the sink and the bound
   * @param sinkName the sink whose lane is full
   */
  public BufferFullException(String message, String sinkName) {
    super(message, sinkName, null);
  }
}
