package dev.iotforwarder.testkit.internal;

import static dev.iotforwarder.testkit.internal.CmqParams.indexed;
import static dev.iotforwarder.testkit.internal.CmqParams.required;

import dev.iotforwarder.testkit.CmqFault;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LocalCmq's action dispatch, like OkHttp's {@code Dispatcher}: one handler per CMQ data-flow
 * action, each turning a verified request's parameters into the fields of its reply (or a {@link
 * CmqError}). The HTTP side ({@link CmqHttpServer}) has parsed, faulted and verified the request
 * before; it writes the reply after. Thread-safe: the handlers keep no state of their own.
 */
public final class CmqActions {
  /** One action: fills {@code reply} (a {@code code} and {@code message} in it replace 0 and ""). */
  @FunctionalInterface
  private interface Handler {
    void handle(Map<String, String> p, Map<String, Object> reply, CmqFault fault) throws InterruptedException;
  }

  private final CmqStore store;
  private final int maxMsgSize;
  private final int maxBatchBytes;
  private final Map<String, Handler> handlers = Map.of(
      "SendMessage", this::sendMessage,
      "BatchSendMessage", this::batchSendMessage,
      "PublishMessage", this::publishMessage,
      "BatchPublishMessage", this::batchPublishMessage,
      "ReceiveMessage", this::receiveMessage,
      "BatchReceiveMessage", this::batchReceiveMessage,
      "DeleteMessage", this::deleteMessage,
      "BatchDeleteMessage", this::batchDeleteMessage);

  /**
   * The actions on a store.
   *
   * @param store the queues and topics
   * @param maxMsgSize the largest body in UTF-8 bytes (4400 above it)
   * @param maxBatchBytes the largest total of a request's bodies (4470 above it)
   */
  public CmqActions(CmqStore store, int maxMsgSize, int maxBatchBytes) {
    this.store = store;
    this.maxMsgSize = maxMsgSize;
    this.maxBatchBytes = maxBatchBytes;
  }

  /**
   * Handles one request.
   *
   * @param action the {@code Action} parameter
   * @param p every parameter
   * @param reply the reply's fields, filled in
   * @param fault the fault injected for this request, or null ({@link CmqFault.Kind#DELETE_FAILURES}
   *     is applied here)
   * @throws CmqError for an unknown action (4000/10430) or whatever the action rejects
   * @throws InterruptedException if a long-polling receive is interrupted
   */
  public void dispatch(String action, Map<String, String> p, Map<String, Object> reply, CmqFault fault)
      throws InterruptedException {
    Handler h = handlers.get(action);
    if (h == null) {
      throw unknown(action);
    }
    h.handle(p, reply, fault);
  }

  /**
   * Whether an action exists.
   *
   * @param action the {@code Action} parameter
   * @throws CmqError 4000/10430 if it does not
   */
  public void checkKnown(String action) {
    if (!handlers.containsKey(action)) {
      throw unknown(action);
    }
  }

  private static CmqError unknown(String action) {
    return new CmqError(4000, 10430, "action name " + action + " is not existed");
  }

  private void sendMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault) {
    LocalQueue q = store.existingQueue(p);
    String body = required(p, "msgBody");
    checkBodies(List.of(body));
    List<String> ids = q.send(List.of(body), CmqParams.delayMillis(p));
    reply.put("msgId", ids.get(0));
  }

  private void batchSendMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault) {
    LocalQueue q = store.existingQueue(p);
    List<String> bodies = indexed(p, "msgBody", true);
    checkBodies(bodies);
    reply.put("msgList", idList(q.send(bodies, CmqParams.delayMillis(p))));
  }

  private void publishMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault) {
    List<String> ids = publish(p, List.of(required(p, "msgBody")));
    reply.put("msgId", ids.get(0));
  }

  private void batchPublishMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault) {
    reply.put("msgList", idList(publish(p, indexed(p, "msgBody", true))));
  }

  private List<String> publish(Map<String, String> p, List<String> bodies) {
    CmqStore.Topic topic = store.existingTopic(p);
    checkBodies(bodies);
    return store.publish(topic, p, bodies);
  }

  private void receiveMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault)
      throws InterruptedException {
    LocalQueue q = store.existingQueue(p);
    List<LocalQueue.Received> got = q.receive(1, CmqParams.pollingWaitMillis(p));
    if (got.isEmpty()) {
      throw new CmqError(7000, 10200, "no message");
    }
    reply.putAll(messageFields(got.get(0)));
  }

  private void batchReceiveMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault)
      throws InterruptedException {
    LocalQueue q = store.existingQueue(p);
    int n = CmqParams.intParam(p, "numOfMsg", true, 1, 16, 10370);
    List<LocalQueue.Received> got = q.receive(n, CmqParams.pollingWaitMillis(p));
    if (got.isEmpty()) {
      throw new CmqError(7000, 10200, "no message");
    }
    List<Object> list = new ArrayList<>();
    for (LocalQueue.Received r : got) {
      list.add(messageFields(r));
    }
    reply.put("msgInfoList", list);
  }

  private void deleteMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault) {
    LocalQueue q = store.existingQueue(p);
    if (!q.delete(required(p, "receiptHandle"))) {
      throw new CmqError(4430, 10260, "invalid receiptHandle");
    }
  }

  private void batchDeleteMessage(Map<String, String> p, Map<String, Object> reply, CmqFault fault) {
    LocalQueue q = store.existingQueue(p);
    List<String> handles = indexed(p, "receiptHandle", true);
    int forcedFailures = fault != null && fault.kind() == CmqFault.Kind.DELETE_FAILURES ? fault.count() : 0;
    List<Object> errors = new ArrayList<>();
    for (String h : handles) {
      if (forcedFailures > 0) {
        forcedFailures--;
        errors.add(handleError(fault.code(), fault.moduleCode(), fault.message(), h));
      } else if (!q.delete(h)) {
        errors.add(handleError(4430, 10260, "invalid receiptHandle", h));
      }
    }
    if (!errors.isEmpty()) {
      boolean all = errors.size() == handles.size();
      reply.put("code", all ? 6020 : 6010);
      reply.put("message", all ? "(10290)batch delete message failed" : "(10150)delete message partially failed");
      reply.put("errorList", errors);
    }
  }

  private static Map<String, Object> handleError(int code, int module, String text, String handle) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("code", code);
    e.put("message", "(" + module + ")" + text);
    e.put("receiptHandle", handle);
    return e;
  }

  private static List<Object> idList(List<String> ids) {
    List<Object> list = new ArrayList<>(ids.size());
    for (String id : ids) {
      list.add(Map.of("msgId", id));
    }
    return list;
  }

  private static Map<String, Object> messageFields(LocalQueue.Received r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("msgBody", r.body());
    m.put("msgId", r.msgId());
    m.put("receiptHandle", r.receiptHandle());
    m.put("enqueueTime", r.enqueueTime());
    m.put("nextVisibleTime", r.nextVisibleTime());
    m.put("firstDequeueTime", r.firstDequeueTime());
    m.put("dequeueCount", r.dequeueCount());
    return m;
  }

  private void checkBodies(List<String> bodies) {
    long total = 0;
    for (String body : bodies) {
      if (body.isEmpty()) {
        throw new CmqError(4000, 10120, "msgBody is empty");
      }
      int size = body.getBytes(StandardCharsets.UTF_8).length;
      if (size > maxMsgSize) {
        throw new CmqError(4400, 10230, "message size is larger than maxMsgSize " + maxMsgSize);
      }
      total += size;
    }
    if (total > maxBatchBytes) {
      throw new CmqError(4470, 10300, "total message size exceed " + maxBatchBytes);
    }
  }
}
