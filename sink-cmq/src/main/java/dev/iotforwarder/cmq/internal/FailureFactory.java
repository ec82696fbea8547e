package dev.iotforwarder.cmq.internal;

/**
 * Makes the public {@code CmqException}, whose constructor its package keeps to itself: the internal
 * request code says what failed, the API package makes the exception ({@code CmqException.FACTORY}).
 */
public interface FailureFactory {

  /**
   * A reply with a non-zero {@code code}.
   *
   * @param action the action, e.g. {@code "BatchSendMessage"}
   * @param code the reply's code
   * @param serverMessage the reply's message, may be null
   * @param requestId the reply's request id, may be null
   * @param httpStatus the HTTP status
   * @return the exception
   */
  RuntimeException server(String action, int code, String serverMessage, String requestId, int httpStatus);

  /**
   * A request that got no CMQ reply: an I/O error, a timeout, a cancel, a non-2xx status, a body that
   * is not a CMQ reply.
   *
   * @param action the action
   * @param what what happened, without parameter values or secrets
   * @param httpStatus the HTTP status, or -1 if no reply arrived
   * @param retriable whether the same request, signed anew, may succeed
   * @param cause the cause, may be null
   * @return the exception
   */
  RuntimeException transport(String action, String what, int httpStatus, boolean retriable, Throwable cause);
}
