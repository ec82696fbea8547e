package dev.iotforwarder;

import dev.iotforwarder.internal.shared.Problems;

/**
 * {@link DeviceMessage}'s validation rules (listed in its class comment): a check that allocates
 * nothing, run for every message, and the report naming every broken rule, built only when the
 * check fails. Stateless.
 */
final class MessageRules {
  private MessageRules() {}

  /** The rules of {@link #throwProblems}, without allocating: the fast path of every valid message. */
  static boolean valid(MessageType msgType, String event, String topic, long seq,
      String deviceId, String productName, String deviceName, byte[] payload,
      long receivedAtMillis) {
    return msgType != null && event != null && topic != null && seq >= 0 && deviceId != null
        && productName != null && !productName.isEmpty() && deviceName != null
        && !deviceName.isEmpty() && payload != null && receivedAtMillis >= 0
        && (msgType == MessageType.PUBLISH ? event.isEmpty() && !topic.isEmpty()
            : !event.isEmpty());
  }

  /** Throws naming every rule the fields break (see the class comment). */
  static void throwProblems(MessageType msgType, String event, String topic, long seq,
      String deviceId, String productName, String deviceName, byte[] payload,
      long receivedAtMillis) {
    Problems p = Problems.of("DeviceMessage");
    p.required("msgType", msgType);
    p.required("event", event);
    p.required("topic", topic);
    p.atLeast("seq", seq, 0);
    p.required("deviceId", deviceId);
    p.required("productName", productName);
    p.check(productName == null || !productName.isEmpty(), "productName is empty");
    p.required("deviceName", deviceName);
    p.check(deviceName == null || !deviceName.isEmpty(), "deviceName is empty");
    p.required("payload", payload);
    p.atLeast("receivedAtMillis", receivedAtMillis, 0);
    if (msgType == MessageType.PUBLISH) {
      if (event != null && !event.isEmpty()) { // the message text only when it is needed
        p.add("event was \"" + event + "\" but must be empty for a Publish message");
      }
      p.check(topic == null || !topic.isEmpty(),
          "topic is empty but a Publish message needs the topic it was published on");
    } else if (msgType == MessageType.STATUS) {
      p.check(event == null || !event.isEmpty(),
          "event is empty but a Status message needs an event (e.g. \"Online\")");
    }
    p.throwIfAny();
    // valid() said no: the two must agree, or an invalid message would pass unreported
    throw new IllegalStateException("MessageRules.valid and throwProblems disagree: " + msgType
        + ", seq=" + seq + ", receivedAtMillis=" + receivedAtMillis);
  }
}
