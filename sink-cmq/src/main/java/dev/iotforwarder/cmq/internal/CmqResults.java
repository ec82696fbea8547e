package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.cmq.CmqDeleteFailure;
import dev.iotforwarder.cmq.CmqMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The public results an action's successful reply yields: ids, received messages, failed handles. */
public final class CmqResults {
  private CmqResults() {}

  /**
   * The message ids of a batch send or publish, in reply order; a missing id is {@code ""}.
   *
   * @param r the reply
   * @return the ids, empty if the reply lists none
   */
  public static List<String> ids(CmqReply r) {
    if (r.msgIds == null) {
      return List.of();
    }
    List<String> ids = new ArrayList<>(r.msgIds.size());
    for (String id : r.msgIds) {
      ids.add(id == null ? "" : id);
    }
    return List.copyOf(ids);
  }

  /**
   * The message of a {@code ReceiveMessage} reply.
   *
   * @param r the reply
   * @return the message, or empty if the reply holds none
   */
  public static Optional<CmqMessage> message(CmqReply r) {
    return r.message1 == null ? Optional.empty() : Optional.of(toMessage(r.message1));
  }

  /**
   * The messages of a {@code BatchReceiveMessage} reply.
   *
   * @param r the reply
   * @return the messages, in reply order
   */
  public static List<CmqMessage> messages(CmqReply r) {
    if (r.messages == null) {
      return List.of();
    }
    List<CmqMessage> list = new ArrayList<>(r.messages.size());
    for (CmqReply.Message m : r.messages) {
      list.add(toMessage(m));
    }
    return List.copyOf(list);
  }

  /**
   * The handles a {@code BatchDeleteMessage} reply lists as not deleted.
   *
   * @param r the reply
   * @return the failures, empty if every handle was deleted
   */
  public static List<CmqDeleteFailure> deleteFailures(CmqReply r) {
    if (r.errors == null) {
      return List.of();
    }
    List<CmqDeleteFailure> list = new ArrayList<>(r.errors.size());
    for (CmqReply.HandleError e : r.errors) {
      if (e.receiptHandle != null) {
        list.add(new CmqDeleteFailure(e.receiptHandle, e.code, e.message));
      }
    }
    return List.copyOf(list);
  }

  private static CmqMessage toMessage(CmqReply.Message m) {
    return new CmqMessage(
        m.msgId == null ? "" : m.msgId,
        m.receiptHandle == null ? "" : m.receiptHandle,
        m.msgBody == null ? "" : m.msgBody,
        m.enqueueTime, m.nextVisibleTime, m.firstDequeueTime, m.dequeueCount);
  }
}
