package dev.iotforwarder.cmq;

import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.cmq.internal.CmqErrors;
import dev.iotforwarder.cmq.internal.FailureFactory;

/**
 * A failed CMQ request: the server answered with a non-zero {@code code}, or the request failed in
 * transport (connect or read timeout, dropped connection, HTTP status other than 2xx, a reply that is
 * not JSON or has no {@code code}).
 *
 * <p>{@link #isRetriable()} says whether sending the same request again (with a fresh signature) may
 * help, following the error table of the CMQ documentation: throttling (4420, 4480), a full queue
 * (4410, 6070), internal errors (6000, 6020), HTTP 5xx, 408 and 429, timeouts and I/O errors are
 * retriable; bad parameters, authentication (4100), arrears (4300), sizes (4400, 4470), missing
 * queues or topics (4440), other HTTP 4xx and every code not in the table are not. {@link
 * #isBatchTooLarge()} marks the failures that splitting a batch can cure.
 *
 * <p>{@link dev.iotforwarder.cmq.CmqSink} wraps these into a {@link
 * dev.iotforwarder.RetriableForwardingException} or {@link
 * dev.iotforwarder.PermanentForwardingException} with this exception as the cause. The message holds
 * the action, the codes, the server's message and the request id, never a parameter value, a
 * signature or a credential.
 */
public final class CmqException extends ForwardingException {
  private static final long serialVersionUID = 1L;

  /** The value of {@link #code()}, {@link #moduleCode()} and {@link #httpStatus()} when there is none. */
  public static final int NONE = -1;

  /** How the internal request code makes these exceptions, which it cannot construct itself. */
  static final FailureFactory FACTORY = new FailureFactory() {
    @Override
    public CmqException server(String action, int code, String serverMessage, String requestId, int httpStatus) {
      return CmqException.server(action, code, serverMessage, requestId, httpStatus);
    }

    @Override
    public CmqException transport(String action, String what, int httpStatus, boolean retriable, Throwable cause) {
      return CmqException.transport(action, what, httpStatus, retriable, cause);
    }
  };

  private final String action;
  private final int code;
  private final int moduleCode;
  private final String requestId;
  private final int httpStatus;
  private final boolean retriable;

  CmqException(String message, String action, int code, int moduleCode, String requestId,
      int httpStatus, boolean retriable, Throwable cause) {
    super(message, cause);
    this.action = action;
    this.code = code;
    this.moduleCode = moduleCode;
    this.requestId = requestId;
    this.httpStatus = httpStatus;
    this.retriable = retriable;
  }

  static CmqException server(String action, int code, String serverMessage, String requestId, int httpStatus) {
    int module = CmqErrors.moduleCode(serverMessage);
    String msg = "CMQ " + action + " failed: code " + code
        + (module != NONE ? " (module " + module + ")" : "")
        + ", message \"" + CmqErrors.shorten(serverMessage) + "\""
        + (requestId != null ? ", requestId " + requestId : "");
    return new CmqException(msg, action, code, module, requestId, httpStatus,
        CmqErrors.isRetriable(code, module), null);
  }

  static CmqException transport(String action, String what, int httpStatus, boolean retriable, Throwable cause) {
    return new CmqException("CMQ " + action + " failed in transport: " + what, action, NONE, NONE, null,
        httpStatus, retriable, cause);
  }

  /**
   * The action that failed.
   *
   * @return e.g. {@code "BatchSendMessage"}
   */
  public String action() {
    return action;
  }

  /**
   * The CMQ {@code code} of the reply.
   *
   * @return the code, or {@link #NONE} for a transport failure
   */
  public int code() {
    return code;
  }

  /**
   * The module code, parsed from the start of the server's message, as in {@code "(10250)..."}.
   *
   * @return the module code, or {@link #NONE}
   */
  public int moduleCode() {
    return moduleCode;
  }

  /**
   * The server's request id, for support tickets.
   *
   * @return the request id, or {@code null}
   */
  public String requestId() {
    return requestId;
  }

  /**
   * The HTTP status of the reply.
   *
   * @return the status, or {@link #NONE} if no reply arrived
   */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * Whether the same request, sent again with a fresh signature, may succeed.
   *
   * @return {@code true} if retriable
   */
  public boolean isRetriable() {
    return retriable;
  }

  /**
   * Whether the request was too large as a whole: 4470 (total batch body size) or 4000 with module
   * 10420 (request over 1 MB). Splitting the batch may cure it.
   *
   * @return {@code true} if splitting the batch may help
   */
  public boolean isBatchTooLarge() {
    return code == 4470 || (code == 4000 && moduleCode == 10420);
  }

  /**
   * Whether a message was over the queue's or topic's maximum message size (4400).
   *
   * @return {@code true} for code 4400
   */
  public boolean isMessageTooLarge() {
    return code == 4400;
  }

  /**
   * Whether this was a transport failure rather than a reply with a non-zero code.
   *
   * @return {@code true} if the server gave no CMQ reply
   */
  public boolean isTransportFailure() {
    return code == NONE;
  }
}
