package dev.iotforwarder.testkit.internal;

/**
 * A CMQ error reply of LocalCmq: thrown anywhere while a request is handled, answered as {@code
 * {"code": code, "message": "(module)text"}}. Carries no stack trace: it is a reply, not a bug.
 */
public final class CmqError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** The CMQ code, e.g. 4000. */
  public final int code;
  /** The module code, e.g. 10010. */
  public final int module;
  /** The text after the module code. */
  public final String text;

  /**
   * An error reply.
   *
   * @param code the CMQ code
   * @param module the module code
   * @param text the text
   */
  public CmqError(int code, int module, String text) {
    super(null, null, false, false);
    this.code = code;
    this.module = module;
    this.text = text;
  }

  /**
   * The reply's message.
   *
   * @return {@code "(module)text"}
   */
  public String replyMessage() {
    return "(" + module + ")" + text;
  }
}
