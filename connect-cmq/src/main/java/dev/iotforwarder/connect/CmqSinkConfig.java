package dev.iotforwarder.connect;

import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.connect.internal.CmqConnection;
import dev.iotforwarder.connect.internal.ConfigChecks;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The configuration of {@link CmqSinkConnector}: the CMQ connection ({@code cmq.endpoint}, {@code
 * cmq.secret.id}, {@code cmq.secret.key}, ...), the destination ({@code cmq.queue} or {@code
 * cmq.topic}) and the request limits. The Kafka side is Connect's own {@code topics} or {@code
 * topics.regex}. {@code docs/connect.md} describes every key.
 *
 * <p>Immutable once built; parsing fails with a {@link org.apache.kafka.common.config.ConfigException}.
 * {@link CmqSinkConnector#validate(Map)} reports every problem at once, per key.
 */
public final class CmqSinkConfig extends AbstractConfig {
  /** The CMQ queue to send to ({@code BatchSendMessage}); exactly one of this and {@link #CMQ_TOPIC}. */
  public static final String QUEUE = "cmq.queue";
  /** The CMQ topic to publish to ({@code BatchPublishMessage}); exactly one of this and {@link #QUEUE}. */
  public static final String CMQ_TOPIC = "cmq.topic";
  /** Topic mode: {@code none} or {@code msgtype} (the tag is {@code Publish} or {@code Status}). */
  public static final String TAGS = "cmq.topic.tags";
  /** Topic mode: {@code none} or {@code device} (the routing key is {@code ProductName.DeviceName}). */
  public static final String ROUTING_KEY = "cmq.topic.routing.key";
  /** Seconds before a message sent to a queue becomes visible. */
  public static final String DELAY_SECONDS = "cmq.delay.seconds";
  /** Messages per CMQ request, 1 to 16. */
  public static final String BATCH_SIZE = "cmq.batch.size";
  /** About how many envelope bytes go in one CMQ request. */
  public static final String MAX_BATCH_BYTES = "cmq.max.batch.bytes";
  /** The largest envelope sent; a larger one is a record error. */
  public static final String MAX_MESSAGE_BYTES = "cmq.max.message.bytes";
  /** How long {@code put} waits for CMQ's answers before Connect retries the batch. */
  public static final String PUT_TIMEOUT_MS = "cmq.put.timeout.ms";
  /** How long Connect waits before it retries a batch that failed retriably. */
  public static final String RETRY_BACKOFF_MS = "cmq.retry.backoff.ms";

  /** {@link #TAGS} and {@link #ROUTING_KEY}: no tags, no routing key. */
  public static final String NONE = "none";
  /** {@link #TAGS}: the message type as the one tag. */
  public static final String TAGS_MSGTYPE = "msgtype";
  /** {@link #ROUTING_KEY}: {@code ProductName.DeviceName}. */
  public static final String ROUTING_DEVICE = "device";

  /** The definition, with documentation and validators for every key. */
  public static final ConfigDef CONFIG_DEF = definition();

  /**
   * Parses a configuration.
   *
   * @param props the connector's or task's properties
   * @throws org.apache.kafka.common.config.ConfigException on the first invalid value
   */
  public CmqSinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props, false);
  }

  private static ConfigDef definition() {
    ConfigDef def = CmqConnection.define(new ConfigDef());
    String group = "Sink";
    int order = 0;
    return def
        .define(QUEUE, Type.STRING, "", Importance.HIGH,
            "The CMQ queue the records go to. Set this or cmq.topic.", group, ++order, Width.MEDIUM, "Queue")
        .define(CMQ_TOPIC, Type.STRING, "", Importance.HIGH,
            "The CMQ topic the records are published to. Set this or cmq.queue.", group, ++order, Width.MEDIUM,
            "CMQ topic")
        .define(TAGS, Type.STRING, NONE, ConfigDef.ValidString.in(NONE, TAGS_MSGTYPE), Importance.LOW,
            "Topic mode: the filter tag of each message: none, or msgtype (Publish or Status).",
            group, ++order, Width.SHORT, "Tags")
        .define(ROUTING_KEY, Type.STRING, NONE, ConfigDef.ValidString.in(NONE, ROUTING_DEVICE), Importance.LOW,
            "Topic mode: the routing key of each message: none, or device (ProductName.DeviceName).",
            group, ++order, Width.SHORT, "Routing key")
        .define(DELAY_SECONDS, Type.INT, 0, ConfigDef.Range.between(0, 3600), Importance.LOW,
            "Queue mode: seconds before a sent message becomes visible.", group, ++order, Width.SHORT, "Delay (s)")
        .define(BATCH_SIZE, Type.INT, CmqClient.MAX_BATCH, ConfigDef.Range.between(1, CmqClient.MAX_BATCH),
            Importance.LOW, "Messages per BatchSendMessage or BatchPublishMessage request.",
            group, ++order, Width.SHORT, "Batch size")
        .define(MAX_BATCH_BYTES, Type.INT, CmqSink.DEFAULT_MAX_BATCH_BYTES,
            ConfigDef.Range.between(1024, 16 * 1024 * 1024), Importance.LOW,
            "About how many envelope bytes go in one request (64 KiB suits the legacy service; TDMQ for CMQ "
                + "takes 1 MiB).", group, ++order, Width.SHORT, "Max batch bytes")
        .define(MAX_MESSAGE_BYTES, Type.INT, CmqSink.DEFAULT_MAX_MESSAGE_BYTES,
            ConfigDef.Range.between(1024, 16 * 1024 * 1024), Importance.LOW,
            "The largest envelope sent; a larger record is a record error (errors.tolerance and the "
                + "dead-letter queue apply).", group, ++order, Width.SHORT, "Max message bytes")
        .define(PUT_TIMEOUT_MS, Type.LONG, 30_000L, ConfigDef.Range.between(1_000, 600_000), Importance.LOW,
            "How long a batch waits for CMQ's answers before it counts as failed retriably, in milliseconds.",
            group, ++order, Width.SHORT, "Put timeout (ms)")
        .define(RETRY_BACKOFF_MS, Type.LONG, 1_000L, ConfigDef.Range.between(0, 600_000), Importance.LOW,
            "After a retriable CMQ failure, how long Connect waits before it gives the batch's records again "
                + "(those CMQ already stored are not sent twice), in milliseconds.",
            group, ++order, Width.SHORT, "Retry backoff (ms)");
  }

  /**
   * Validates a configuration: each key's own rule, then exactly one of {@code cmq.queue} and {@code
   * cmq.topic}, and the topic-only keys only with a topic.
   *
   * @param props the properties
   * @return the per-key results
   */
  static Config validate(Map<String, String> props) {
    Config config = new Config(CONFIG_DEF.validate(props));
    boolean queue = !ConfigChecks.get(props, QUEUE, "").isEmpty();
    boolean topic = !ConfigChecks.get(props, CMQ_TOPIC, "").isEmpty();
    if (queue == topic) {
      String problem = queue ? "set only one of cmq.queue and cmq.topic" : "set cmq.queue or cmq.topic";
      ConfigChecks.addError(config, QUEUE, problem);
      ConfigChecks.addError(config, CMQ_TOPIC, problem);
    }
    if (queue && !NONE.equals(ConfigChecks.get(props, TAGS, NONE))) {
      ConfigChecks.addError(config, TAGS, TAGS + " applies to cmq.topic only");
    }
    if (queue && !NONE.equals(ConfigChecks.get(props, ROUTING_KEY, NONE))) {
      ConfigChecks.addError(config, ROUTING_KEY, ROUTING_KEY + " applies to cmq.topic only");
    }
    return config;
  }
}
