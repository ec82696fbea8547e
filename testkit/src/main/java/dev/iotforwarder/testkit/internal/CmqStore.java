package dev.iotforwarder.testkit.internal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * LocalCmq's queues and topics: the queues by name, the topics with their subscriptions, and the
 * routing of a published message into every subscribed queue whose filter tags and binding keys
 * match. Thread-safe: the maps are concurrent, each {@link LocalQueue} locks itself.
 */
public final class CmqStore {
  private final Clock clock;
  private final Map<String, LocalQueue> queues = new ConcurrentHashMap<>();
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final AtomicLong topicMsgIds = new AtomicLong(1_000_000_000L);

  /**
   * An empty store.
   *
   * @param clock the clock for visibility timeouts and message times
   */
  public CmqStore(Clock clock) {
    this.clock = clock;
  }

  /**
   * Creates a queue, or does nothing if it exists.
   *
   * @param name the name
   * @param visibilityTimeout positive
   * @throws IllegalArgumentException if the name or timeout is invalid
   */
  public void createQueue(String name, Duration visibilityTimeout) {
    checkName(name);
    if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
      throw new IllegalArgumentException("visibilityTimeout must be positive: " + visibilityTimeout);
    }
    queues.computeIfAbsent(name, n -> new LocalQueue(n, visibilityTimeout.toMillis(), clock));
  }

  /**
   * Creates a topic, or does nothing if it exists.
   *
   * @param name the name
   * @throws IllegalArgumentException if the name is invalid
   */
  public void createTopic(String name) {
    checkName(name);
    topics.computeIfAbsent(name, n -> new Topic());
  }

  /**
   * Subscribes an existing queue to an existing topic.
   *
   * @param topic the topic
   * @param queue the queue
   * @param filterTags if not empty, only messages with one of these tags are delivered
   * @param bindingKeys if not empty, only messages whose routing key matches one of these
   * @throws IllegalArgumentException if the topic or queue does not exist
   */
  public void subscribe(String topic, String queue, List<String> filterTags, List<String> bindingKeys) {
    Topic t = topics.get(topic);
    if (t == null) {
      throw new IllegalArgumentException("no topic " + topic);
    }
    if (!queues.containsKey(queue)) {
      throw new IllegalArgumentException("no queue " + queue);
    }
    t.subscriptions.add(new Subscription(queue, Set.copyOf(filterTags), List.copyOf(bindingKeys)));
  }

  /**
   * A queue, for the test's side.
   *
   * @param name the name
   * @return the queue
   * @throws IllegalArgumentException if there is none
   */
  public LocalQueue queue(String name) {
    LocalQueue q = queues.get(name);
    if (q == null) {
      throw new IllegalArgumentException("no queue " + name);
    }
    return q;
  }

  /**
   * The queue a request names in {@code queueName}: 4000/10020 if invalid, 4440 if missing.
   *
   * @param p the request's parameters
   * @return the queue
   */
  public LocalQueue existingQueue(Map<String, String> p) {
    return existing(p, "queueName", queues, 10020, 10100, "queue");
  }


  /**
   * Publishes bodies to a topic, with the tags and routing key of the request: every matching
   * subscribed queue gets them. The bodies must have been checked.
   *
   * @param topic the topic, from {@link #existingTopic(Map)}
   * @param p the request's parameters
   * @param bodies the bodies
   * @return one new message id per body
   */
  public List<String> publish(Topic topic, Map<String, String> p, List<String> bodies) {
    List<String> tags = CmqParams.indexed(p, "msgTag", false);
    if (tags.size() > 5) {
      throw new CmqError(4000, 10720, "msgTag number exceeds 5");
    }
    for (String tag : tags) {
      if (tag.isEmpty() || tag.length() > 16) {
        throw new CmqError(4000, 10720, "msgTag length must be in [1, 16]");
      }
    }
    String routingKey = p.get("routingKey");
    if (routingKey != null) {
      if (routingKey.getBytes(StandardCharsets.UTF_8).length > 64) {
        throw new CmqError(4000, 10000, "routingKey is longer than 64 bytes");
      }
      if (routingKey.chars().filter(c -> c == '.').count() > 15) {
        throw new CmqError(4000, 10691, "routingKey has more than 15 delimiters");
      }
    }
    if (topic.subscriptions.isEmpty()) {
      throw new CmqError(6030, 10650, "topic has no subscription");
    }
    int matched = 0;
    for (Subscription s : topic.subscriptions) {
      if (s.matches(tags, routingKey)) {
        LocalQueue q = queues.get(s.queue);
        if (q != null) {
          q.send(bodies, 0);
          matched++;
        }
      }
    }
    if (matched == 0) {
      throw new CmqError(6030, 10730, "no bindingKey or filterTag matches the routingKey or msgTag");
    }
    List<String> ids = new ArrayList<>(bodies.size());
    for (int i = 0; i < bodies.size(); i++) {
      ids.add(Long.toString(topicMsgIds.incrementAndGet()));
    }
    return ids;
  }

  /**
   * The topic a request names in {@code topicName}: 4000/10590 if invalid, 4440 if missing. Checked
   * before the bodies, as the service does.
   *
   * @param p the request's parameters
   * @return the topic
   */
  public Topic existingTopic(Map<String, String> p) {
    return existing(p, "topicName", topics, 10590, 10600, "topic");
  }

  /** What a request's name parameter names: 4000 with {@code invalidModule}, or 4440 if missing. */
  private static <T> T existing(Map<String, String> p, String param, Map<String, T> byName, int invalidModule,
      int missingModule, String what) {
    String name = CmqParams.required(p, param);
    if (!CmqParams.validName(name)) {
      throw new CmqError(4000, invalidModule, param + " is invalid");
    }
    T t = byName.get(name);
    if (t == null) {
      throw new CmqError(4440, missingModule, what + " is not existed, or deleted");
    }
    return t;
  }


  /** Wakes every receive that waits, so that it sees the server closing. */
  public void wakeUpAll() {
    queues.values().forEach(LocalQueue::wakeUp);
  }

  @Override
  public String toString() {
    return "queues=" + queues.keySet() + ", topics=" + topics.keySet();
  }

  private static void checkName(String name) {
    if (!CmqParams.validName(name)) {
      throw new IllegalArgumentException("invalid queue or topic name: " + name);
    }
  }

  /** A topic: its subscriptions. */
  public static final class Topic {
    final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    Topic() {}
  }

  private record Subscription(String queue, Set<String> filterTags, List<String> bindingKeys) {
    boolean matches(List<String> tags, String routingKey) {
      if (!filterTags.isEmpty()) {
        Set<String> overlap = new HashSet<>(tags);
        overlap.retainAll(filterTags);
        if (overlap.isEmpty()) {
          return false;
        }
      }
      if (!bindingKeys.isEmpty()) {
        if (routingKey == null) {
          return false;
        }
        return bindingKeys.stream().anyMatch(b -> CmqWire.bindingMatches(b, routingKey));
      }
      return true;
    }
  }
}
