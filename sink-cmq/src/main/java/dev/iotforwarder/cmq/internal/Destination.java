package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.cmq.CmqClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Where a {@code CmqSink} sends: a queue ({@code BatchSendMessage}, one batch key for every message)
 * or a topic ({@code BatchPublishMessage}, keyed by each message's tags and routing key, since one
 * request carries one set of them). Immutable.
 */
public final class Destination {
  private final CmqClient client;
  private final String queue;
  private final String topic;
  private final int delaySeconds;
  private final Function<DeviceMessage, List<String>> msgTags;
  private final Function<DeviceMessage, String> routingKey;

  /**
   * A queue or a topic: exactly one of {@code queue} and {@code topic} is not null.
   *
   * @param client the client that sends
   * @param queue the queue, or null
   * @param topic the topic, or null
   * @param delaySeconds queue mode: the delay of every message
   * @param msgTags topic mode: the tag function, or null for no tags
   * @param routingKey topic mode: the routing-key function, or null for none
   */
  public Destination(CmqClient client, String queue, String topic, int delaySeconds,
      Function<DeviceMessage, List<String>> msgTags, Function<DeviceMessage, String> routingKey) {
    this.client = client;
    this.queue = queue;
    this.topic = topic;
    this.delaySeconds = delaySeconds;
    this.msgTags = msgTags;
    this.routingKey = routingKey;
  }

  /**
   * A message's batch key.
   *
   * @param m the message
   * @return {@link BatchKeys#QUEUE}, or the message's {@link BatchKeys.TopicKey}
   * @throws RuntimeException if a tag or routing-key function fails, or gives more than 5 tags
   */
  public Object keyOf(DeviceMessage m) {
    return queue != null ? BatchKeys.QUEUE : BatchKeys.topicKey(m, msgTags, routingKey);
  }

  /**
   * Sends one request.
   *
   * @param key the batch key of every message of the request
   * @param bodies their envelopes, 1 to 16
   * @return the request's future (its value, the message ids, is not used)
   */
  public CompletableFuture<?> send(Object key, List<String> bodies) {
    if (queue != null) {
      return client.batchSendMessage(queue, bodies, delaySeconds);
    }
    BatchKeys.TopicKey k = (BatchKeys.TopicKey) key;
    return client.batchPublishMessage(topic, bodies, k.tags(), k.routingKey());
  }

  @Override
  public String toString() {
    return (queue != null ? "queue=" + queue : "topic=" + topic) + ", endpoint=" + client.endpoint();
  }
}
