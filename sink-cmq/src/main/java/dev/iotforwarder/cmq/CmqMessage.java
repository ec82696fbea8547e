package dev.iotforwarder.cmq;

import java.util.Objects;

/**
 * One message received from a CMQ queue ({@code ReceiveMessage} / {@code BatchReceiveMessage}).
 *
 * <p>{@link #toString()} leaves the body out.
 *
 * @param msgId the message id the queue assigned
 * @param receiptHandle the handle to delete the message with; valid until {@code nextVisibleTime}
 * @param body the message body ({@code msgBody}): for messages a {@link CmqSink} sent, the JSON
 *     envelope
 * @param enqueueTime when the message was stored, Unix seconds (0 if the reply had none)
 * @param nextVisibleTime when the message becomes visible again unless deleted, Unix seconds
 * @param firstDequeueTime when the message was first received, Unix seconds
 * @param dequeueCount how many times it was received, counting this one (approximate on the server)
 */
public record CmqMessage(
    String msgId,
    String receiptHandle,
    String body,
    long enqueueTime,
    long nextVisibleTime,
    long firstDequeueTime,
    int dequeueCount) {

  /**
   * Checks the fields a message cannot do without.
   *
   * @throws NullPointerException if {@code msgId}, {@code receiptHandle} or {@code body} is null
   */
  public CmqMessage {
    Objects.requireNonNull(msgId, "msgId == null");
    Objects.requireNonNull(receiptHandle, "receiptHandle == null");
    Objects.requireNonNull(body, "body == null");
  }

  /** Shows every field but the body, of which only the length is shown. */
  @Override
  public String toString() {
    return "CmqMessage[msgId=" + msgId + ", receiptHandle=" + receiptHandle
        + ", bodyLength=" + body.length() + ", enqueueTime=" + enqueueTime
        + ", nextVisibleTime=" + nextVisibleTime + ", firstDequeueTime=" + firstDequeueTime
        + ", dequeueCount=" + dequeueCount + "]";
  }
}
