package dev.iotforwarder.cmq.internal;

/** The classification of CMQ codes, after the error table of the CMQ documentation. */
public final class CmqErrors {
  /** "no message": not an error for receives. */
  public static final int NO_MESSAGE = 7000;
  /** BatchDeleteMessage partly failed. */
  public static final int DELETE_PARTLY_FAILED = 6010;
  /** BatchDeleteMessage failed. */
  public static final int DELETE_FAILED = 6020;

  private CmqErrors() {}

  /**
   * Whether a request that failed with this code may succeed if sent again.
   *
   * @param code the reply's code
   * @param moduleCode the module code, or -1
   * @return {@code true} for throttling, full queues and internal errors
   */
  public static boolean isRetriable(int code, int moduleCode) {
    switch (code) {
      case 4410: // queue backlog full
      case 4420: // QPS throttling
      case 4480: // interface frequency limit
      case 6000: // internal error
      case 6020: // batch delete failed
      case 6070: // too many unacked or delayed messages
        return true;
      default:
        return false;
    }
  }

  /**
   * The module code at the start of a server message such as {@code "(10250)qps limit"}.
   *
   * @param message the message, may be null
   * @return the module code, or -1 if there is none
   */
  public static int moduleCode(String message) {
    if (message == null || message.length() < 3 || message.charAt(0) != '(') {
      return -1;
    }
    int end = message.indexOf(')');
    if (end < 2 || end > 10) {
      return -1;
    }
    int value = 0;
    for (int i = 1; i < end; i++) {
      char c = message.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /**
   * A server message cut to a length fit for an exception message.
   *
   * @param message the message, may be null
   * @return at most 200 characters
   */
  public static String shorten(String message) {
    if (message == null) {
      return "";
    }
    return message.length() <= 200 ? message : message.substring(0, 200) + "...";
  }
}
