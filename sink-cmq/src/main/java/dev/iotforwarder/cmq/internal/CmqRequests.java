package dev.iotforwarder.cmq.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Request building: the action parameters of each CMQ data-flow action, checked before anything is
 * signed or sent. The signer adds the common parameters and sorts them; the order here is only the
 * documentation's.
 */
public final class CmqRequests {
  /** The most messages or handles in one batch action. */
  public static final int MAX_BATCH = 16;
  /** The longest {@code pollingWaitSeconds} CMQ accepts. */
  public static final Duration MAX_POLLING_WAIT = Duration.ofSeconds(30);
  /** The most filter tags of one published message. */
  public static final int MAX_TAGS = 5;

  private CmqRequests() {}

  /**
   * {@code SendMessage}.
   *
   * @param queueName the queue
   * @param msgBody the body
   * @param delaySeconds the delay, {@code >= 0}
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> sendMessage(String queueName, String msgBody, int delaySeconds) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", notEmpty(queueName, "queueName"));
    p.put("msgBody", notEmpty(msgBody, "msgBody"));
    p.put("delaySeconds", Integer.toString(nonNegative(delaySeconds, "delaySeconds")));
    return p;
  }

  /**
   * {@code BatchSendMessage}.
   *
   * @param queueName the queue
   * @param msgBodies 1 to 16 bodies
   * @param delaySeconds the delay, {@code >= 0}
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> batchSendMessage(String queueName, List<String> msgBodies, int delaySeconds) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", notEmpty(queueName, "queueName"));
    indexed(p, "msgBody", msgBodies);
    p.put("delaySeconds", Integer.toString(nonNegative(delaySeconds, "delaySeconds")));
    return p;
  }

  /**
   * {@code PublishMessage}.
   *
   * @param topicName the topic
   * @param msgBody the body
   * @param msgTags at most 5 tags, or null
   * @param routingKey the routing key, or null
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> publishMessage(String topicName, String msgBody, List<String> msgTags,
      String routingKey) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("topicName", notEmpty(topicName, "topicName"));
    p.put("msgBody", notEmpty(msgBody, "msgBody"));
    tagsAndKey(p, msgTags, routingKey);
    return p;
  }

  /**
   * {@code BatchPublishMessage}.
   *
   * @param topicName the topic
   * @param msgBodies 1 to 16 bodies
   * @param msgTags at most 5 tags, or null
   * @param routingKey the routing key, or null
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> batchPublishMessage(String topicName, List<String> msgBodies,
      List<String> msgTags, String routingKey) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("topicName", notEmpty(topicName, "topicName"));
    indexed(p, "msgBody", msgBodies);
    tagsAndKey(p, msgTags, routingKey);
    return p;
  }

  /**
   * {@code ReceiveMessage}.
   *
   * @param queueName the queue
   * @param pollingWait 0 to 30 s, or null for the queue's setting
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> receiveMessage(String queueName, Duration pollingWait) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", notEmpty(queueName, "queueName"));
    pollingWait(p, pollingWait);
    return p;
  }

  /**
   * {@code BatchReceiveMessage}.
   *
   * @param queueName the queue
   * @param numOfMsg 1 to 16
   * @param pollingWait 0 to 30 s, or null for the queue's setting
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> batchReceiveMessage(String queueName, int numOfMsg, Duration pollingWait) {
    if (numOfMsg < 1 || numOfMsg > MAX_BATCH) {
      throw new IllegalArgumentException("numOfMsg was " + numOfMsg + " but must be in [1, 16]");
    }
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", notEmpty(queueName, "queueName"));
    p.put("numOfMsg", Integer.toString(numOfMsg));
    pollingWait(p, pollingWait);
    return p;
  }

  /**
   * {@code DeleteMessage}.
   *
   * @param queueName the queue
   * @param receiptHandle the handle
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> deleteMessage(String queueName, String receiptHandle) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", notEmpty(queueName, "queueName"));
    p.put("receiptHandle", notEmpty(receiptHandle, "receiptHandle"));
    return p;
  }

  /**
   * {@code BatchDeleteMessage}.
   *
   * @param queueName the queue
   * @param receiptHandles 1 to 16 handles
   * @return the parameters
   * @throws IllegalArgumentException if an argument is invalid
   */
  public static Map<String, String> batchDeleteMessage(String queueName, List<String> receiptHandles) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", notEmpty(queueName, "queueName"));
    indexed(p, "receiptHandle", receiptHandles);
    return p;
  }

  private static String notEmpty(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " is " + (value == null ? "null" : "empty"));
    }
    return value;
  }

  private static int nonNegative(int value, String what) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " < 0: " + value);
    }
    return value;
  }

  private static void indexed(Map<String, String> p, String prefix, List<String> values) {
    Objects.requireNonNull(values, prefix + " list == null");
    if (values.isEmpty() || values.size() > MAX_BATCH) {
      throw new IllegalArgumentException(
          "number of " + prefix + " values was " + values.size() + " but must be in [1, 16]");
    }
    for (int i = 0; i < values.size(); i++) {
      String name = prefix + "." + (i + 1);
      p.put(name, notEmpty(values.get(i), name));
    }
  }

  private static void tagsAndKey(Map<String, String> p, List<String> tags, String routingKey) {
    if (tags != null) {
      if (tags.size() > MAX_TAGS) {
        throw new IllegalArgumentException("number of msgTag values was " + tags.size() + " but must be <= 5");
      }
      for (int i = 0; i < tags.size(); i++) {
        String name = "msgTag." + (i + 1);
        p.put(name, notEmpty(tags.get(i), name));
      }
    }
    if (routingKey != null) {
      p.put("routingKey", routingKey);
    }
  }

  private static void pollingWait(Map<String, String> p, Duration wait) {
    if (wait == null) {
      return;
    }
    if (wait.isNegative() || wait.compareTo(MAX_POLLING_WAIT) > 0) {
      throw new IllegalArgumentException("pollingWait was " + wait + " but must be in [PT0S, PT30S]");
    }
    p.put("pollingWaitSeconds", Long.toString(wait.getSeconds()));
  }
}
