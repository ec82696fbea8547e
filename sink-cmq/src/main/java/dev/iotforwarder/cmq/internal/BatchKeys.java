package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.DeviceMessage;
import java.util.List;
import java.util.function.Function;

/**
 * The batch keys of a {@code CmqSink}: messages that may share one request. In queue mode every
 * message has {@link #QUEUE}; in topic mode one request carries one set of filter tags and one
 * routing key, so the key is the message's {@link TopicKey}.
 */
public final class BatchKeys {
  /** The one key of queue mode. */
  public static final Object QUEUE = new Object() {
    @Override
    public String toString() {
      return "QueueKey";
    }
  };

  private BatchKeys() {}

  /**
   * The filter tags and routing key of a published batch.
   *
   * @param tags the tags, at most 5, none empty
   * @param routingKey the routing key, or null for none
   */
  public record TopicKey(List<String> tags, String routingKey) {}

  /**
   * The key of a message whose tag or routing-key function failed: equal only to itself, so the
   * message travels alone, and sending it fails it permanently with the function's error.
   */
  public static final class Unkeyable {
    @Override
    public String toString() {
      return "Unkeyable";
    }
  }

  /**
   * A message's topic key.
   *
   * @param m the message
   * @param msgTags the tag function, or null for no tags
   * @param routingKey the routing-key function, or null for none
   * @return the key
   * @throws IllegalArgumentException if the tags are more than 5 or one is empty
   * @throws RuntimeException whatever a function throws
   */
  public static TopicKey topicKey(DeviceMessage m, Function<DeviceMessage, List<String>> msgTags,
      Function<DeviceMessage, String> routingKey) {
    List<String> tags = msgTags == null ? List.of() : List.copyOf(msgTags.apply(m));
    if (tags.size() > CmqRequests.MAX_TAGS) {
      throw new IllegalArgumentException("msgTags gave " + tags.size() + " tags but CMQ allows at most 5");
    }
    for (String t : tags) {
      if (t.isEmpty()) {
        throw new IllegalArgumentException("msgTags gave an empty tag");
      }
    }
    return new TopicKey(tags, routingKey == null ? null : routingKey.apply(m));
  }
}
