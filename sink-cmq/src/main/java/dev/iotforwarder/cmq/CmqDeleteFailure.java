package dev.iotforwarder.cmq;

import dev.iotforwarder.cmq.internal.CmqErrors;

/**
 * One receipt handle that {@code BatchDeleteMessage} could not delete (an entry of the reply's
 * {@code errorList}).
 *
 * @param receiptHandle the handle
 * @param code the CMQ code for this handle, e.g. 4430 (handle invalid or expired) or 6000
 * @param message the server's message for it
 */
public record CmqDeleteFailure(String receiptHandle, int code, String message) {

  /**
   * Whether deleting this handle again may succeed. 4430 (expired handle) is not retriable: the
   * message becomes visible again and will be received anew with a new handle.
   *
   * @return {@code true} for retriable codes such as 6000
   */
  public boolean isRetriable() {
    return CmqErrors.isRetriable(code, CmqErrors.moduleCode(message));
  }
}
