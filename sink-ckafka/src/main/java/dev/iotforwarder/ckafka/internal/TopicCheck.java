package dev.iotforwarder.ckafka.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a missing topic from a broker outage. Both look the same to the producer ("not present in
 * metadata after max.block.ms"); only a reachable cluster's own answer, an admin {@code
 * describeTopics} that fails with {@link UnknownTopicOrPartitionException}, makes the sink fail a
 * record permanently. No answer (a timeout, an outage), an authorization error (ACLs that forbid
 * describing) or any other error leave the record to the sink's usual retries.
 *
 * <p>Invariants: thread-safe without a lock of its own; the verdicts live in concurrent maps, the
 * admin client is created once, on the first check (most sinks never need it), under {@code this}.
 * A topic found missing fails sends at once for {@link #RECHECK} before the cluster is asked again,
 * so a topic created meanwhile is used from then on. Each topic is reported once at WARN per spell of
 * being missing.
 */
public final class TopicCheck implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.iotforwarder.ckafka.CkafkaSink");
  /** How long a "does not exist" verdict stands before the cluster is asked again. */
  static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** The shortest and longest wait for the cluster's answer. */
  private static final long MIN_ANSWER_MS = 500;
  private static final long MAX_ANSWER_MS = 3_000;
  private static final Duration RECHECK = Duration.ofNanos(RECHECK_NANOS);

  private final String sink;
  private final Map<String, Object> adminProps;
  private final long answerMillis;
  private final Map<String, Long> missingSince = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private Admin admin; // guarded by this
  private boolean closed; // guarded by this

  private TopicCheck(String sink, Map<String, Object> adminProps, long answerMillis) {
    this.sink = sink;
    this.adminProps = adminProps;
    this.answerMillis = answerMillis;
  }

  /**
   * A check that asks the cluster the producer's properties point at.
   *
   * @param sink the sink's name
   * @param producerProps the producer's properties; the admin client takes those it knows
   *     (servers, security, timeouts)
   * @param maxBlockMillis the producer's {@code max.block.ms}, which bounds the wait for an answer
   *     (at least 0.5 s, at most 3 s)
   * @return the check
   */
  public static TopicCheck of(String sink, Map<String, Object> producerProps, long maxBlockMillis) {
    Map<String, Object> props = new java.util.LinkedHashMap<>();
    Set<String> known = AdminClientConfig.configNames();
    producerProps.forEach((k, v) -> {
      if (known.contains(k)) {
        props.put(k, v);
      }
    });
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "iot-forwarder-" + sink + "-topic-check");
    return new TopicCheck(sink, props, Math.max(MIN_ANSWER_MS, Math.min(MAX_ANSWER_MS, maxBlockMillis)));
  }

  /**
   * A check that never asks and never fails a record: for a host's producer, or a principal whose
   * ACLs forbid describing topics.
   *
   * @param sink the sink's name
   * @return the check
   */
  public static TopicCheck off(String sink) {
    return new TopicCheck(sink, null, 0);
  }

  /**
   * The failure for a send to a topic the cluster said, less than {@link #RECHECK} ago, does not
   * exist; asks nothing.
   *
   * @param topic the record's topic
   * @return the failure to report, or {@code null} if the topic is not known to be missing
   */
  public Missing knownMissing(String topic) {
    Long since = missingSince.get(topic);
    return since != null && System.nanoTime() - since < RECHECK_NANOS ? new Missing(topic, null) : null;
  }

  /**
   * Asks the cluster whether the topic exists, after the producer could not get its metadata.
   * Blocks up to the answer wait given to {@link #of}.
   *
   * @param topic the record's topic
   * @return the failure to report if the cluster answered that the topic does not exist, else {@code
   *     null}
   */
  public Missing check(String topic) {
    try {
      Admin a = admin();
      if (a == null) {
        return null;
      }
      a.describeTopics(Set.of(topic), new DescribeTopicsOptions().timeoutMs((int) answerMillis))
          .topicNameValues().get(topic).get(answerMillis + 500, TimeUnit.MILLISECONDS);
      forget(topic);
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        missingSince.put(topic, System.nanoTime());
        if (reported.add(topic)) {
          log.warn("CKafka sink '{}': topic '{}' does not exist (the cluster says so); its messages fail "
              + "permanently until it is created (asked again every {} s)", sink, topic, RECHECK.toSeconds());
        }
        return new Missing(topic, e.getCause());
      }
      log.debug("CKafka sink '{}': could not tell whether topic '{}' exists: {}", sink, topic, e.getCause().toString());
      return null;
    } catch (TimeoutException e) {
      return null; // no answer: an outage looks like this; the sink keeps retrying
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (RuntimeException e) {
      log.debug("CKafka sink '{}': could not ask whether topic '{}' exists: {}", sink, topic, e.toString());
      return null;
    }
  }

  /** Called when a record to the topic was taken: the topic exists (again). */
  public void forget(String topic) {
    if (missingSince.remove(topic) != null) {
      reported.remove(topic);
    }
  }

  /** The cluster said the record's topic does not exist; {@link KafkaErrors} maps it to a permanent failure. */
  public static final class Missing extends KafkaException {
    private static final long serialVersionUID = 1L;

    Missing(String topic, Throwable answer) {
      super("topic " + topic + " does not exist", answer);
    }
  }

  private synchronized Admin admin() {
    if (adminProps == null || closed) {
      return null;
    }
    if (admin == null) {
      admin = Admin.create(adminProps);
    }
    return admin;
  }

  /** Closes the admin client, if one was created. */
  @Override
  public synchronized void close() {
    closed = true;
    if (admin != null) {
      admin.close(Duration.ofSeconds(1));
    }
  }
}
