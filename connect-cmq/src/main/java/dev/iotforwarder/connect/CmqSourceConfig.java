package dev.iotforwarder.connect;

import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.connect.internal.CmqConnection;
import dev.iotforwarder.connect.internal.ConfigChecks;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The configuration of {@link CmqSourceConnector}: the CMQ connection ({@code cmq.endpoint}, {@code
 * cmq.secret.id}, {@code cmq.secret.key}, ...), the queues to read, the Kafka topic to write, and
 * what to do with a body that is not an envelope. {@code docs/connect.md} describes every key.
 *
 * <p>Immutable once built; parsing fails with a {@link org.apache.kafka.common.config.ConfigException}.
 * {@link CmqSourceConnector#validate(Map)} reports every problem at once, per key, as the Connect
 * REST API shows them.
 */
public final class CmqSourceConfig extends AbstractConfig {
  /** The CMQ queues to read, a comma-separated list. */
  public static final String QUEUES = "cmq.queues";
  /** The Kafka topic every record goes to. */
  public static final String TOPIC = "topic";
  /** Long-polling receivers per queue; all of them are spread over the tasks. */
  public static final String POLLERS_PER_QUEUE = "cmq.pollers.per.queue";
  /** Messages per receive request, 1 to 16. */
  public static final String BATCH_SIZE = "cmq.batch.size";
  /** The long-polling wait of a receive, in milliseconds, 0 to 30,000. */
  public static final String POLLING_WAIT_MS = "cmq.polling.wait.ms";
  /** The most messages a task holds that Kafka has not yet acknowledged before it stops receiving. */
  public static final String MAX_UNACKED = "cmq.max.unacked";
  /** {@code bytes} (the envelope) or {@code struct} (a {@link EnvelopeSchema} Struct). */
  public static final String VALUE_FORMAT = "cmq.value.format";
  /** {@code fail} (the task fails) or {@code topic} (the body goes to {@link #UNDECODABLE_TOPIC}). */
  public static final String UNDECODABLE = "cmq.undecodable";
  /** The Kafka topic for bodies that are not envelopes when {@link #UNDECODABLE} is {@code topic}. */
  public static final String UNDECODABLE_TOPIC = "cmq.undecodable.topic";

  /** {@link #VALUE_FORMAT}: the envelope's UTF-8 JSON bytes, with an optional bytes schema. */
  public static final String FORMAT_BYTES = "bytes";
  /** {@link #VALUE_FORMAT}: a Struct of {@link EnvelopeSchema#SCHEMA}. */
  public static final String FORMAT_STRUCT = "struct";
  /** {@link #UNDECODABLE}: fail the task; the message stays in CMQ. */
  public static final String UNDECODABLE_FAIL = "fail";
  /** {@link #UNDECODABLE}: write the body to {@link #UNDECODABLE_TOPIC} and delete it from CMQ. */
  public static final String UNDECODABLE_TO_TOPIC = "topic";

  /** The definition, with documentation and validators for every key. */
  public static final ConfigDef CONFIG_DEF = definition();

  /**
   * Parses a configuration.
   *
   * @param props the connector's or task's properties
   * @throws org.apache.kafka.common.config.ConfigException on the first invalid value
   */
  public CmqSourceConfig(Map<String, String> props) {
    super(CONFIG_DEF, props, false);
  }

  private static ConfigDef definition() {
    ConfigDef def = CmqConnection.define(new ConfigDef());
    String group = "Source";
    int order = 0;
    return def
        .define(QUEUES, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ConfigChecks.nonEmptyList(), Importance.HIGH,
            "The CMQ queues to read, comma-separated.", group, ++order, Width.LONG, "Queues")
        .define(TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
            ConfigDef.NonEmptyStringWithoutControlChars.nonEmptyStringWithoutControlChars(), Importance.HIGH,
            "The Kafka topic the messages go to; the key is ProductName/DeviceName.",
            group, ++order, Width.MEDIUM, "Topic")
        .define(POLLERS_PER_QUEUE, Type.INT, 1, ConfigDef.Range.between(1, 64), Importance.MEDIUM,
            "Long-polling receivers per queue. All pollers of all queues are spread over at most tasks.max "
                + "tasks; more pollers receive more in parallel.", group, ++order, Width.SHORT, "Pollers per queue")
        .define(BATCH_SIZE, Type.INT, CmqClient.MAX_BATCH, ConfigDef.Range.between(1, CmqClient.MAX_BATCH),
            Importance.LOW, "Messages per BatchReceiveMessage request.", group, ++order, Width.SHORT, "Batch size")
        .define(POLLING_WAIT_MS, Type.LONG, 10_000L,
            ConfigDef.Range.between(0, CmqClient.MAX_POLLING_WAIT.toMillis()), Importance.LOW,
            "How long a receive waits for messages (long polling), in milliseconds; sent in whole seconds.",
            group, ++order, Width.SHORT, "Polling wait (ms)")
        .define(MAX_UNACKED, Type.INT, 1000, ConfigDef.Range.between(CmqClient.MAX_BATCH, 1_000_000),
            Importance.LOW, "The most messages a task holds that Kafka has not acknowledged yet (and so are "
                + "not deleted from CMQ); the pollers wait above it. Keep what this many take to reach Kafka "
                + "well under the queue's visibility timeout, or CMQ delivers them again.",
            group, ++order, Width.SHORT, "Max unacknowledged")
        .define(VALUE_FORMAT, Type.STRING, FORMAT_BYTES, ConfigDef.ValidString.in(FORMAT_BYTES, FORMAT_STRUCT),
            Importance.MEDIUM, "bytes: the value is the envelope's UTF-8 JSON (use the ByteArrayConverter, or "
                + "the StringConverter); struct: a Struct with the envelope's fields for converters that "
                + "want a schema (JsonConverter, Avro, Protobuf).", group, ++order, Width.SHORT, "Value format")
        .define(UNDECODABLE, Type.STRING, UNDECODABLE_FAIL,
            ConfigDef.ValidString.in(UNDECODABLE_FAIL, UNDECODABLE_TO_TOPIC), Importance.MEDIUM,
            "A body that is not an envelope: fail (the task fails, naming the message; the message stays in "
                + "CMQ) or topic (the raw body goes to cmq.undecodable.topic with cmq.error headers, then "
                + "it is deleted from CMQ).", group, ++order, Width.SHORT, "Undecodable bodies")
        .define(UNDECODABLE_TOPIC, Type.STRING, "", Importance.MEDIUM,
            "The Kafka topic for bodies that are not envelopes; required when cmq.undecodable=topic.",
            group, ++order, Width.MEDIUM, "Undecodable topic");
  }

  /**
   * Validates a configuration: each key's own rule, then the rules across keys, every problem
   * recorded on the key it concerns.
   *
   * @param props the properties
   * @return the per-key results
   */
  static Config validate(Map<String, String> props) {
    Config config = new Config(CONFIG_DEF.validate(props));
    String policy = props.getOrDefault(UNDECODABLE, UNDECODABLE_FAIL);
    String errorTopic = props.getOrDefault(UNDECODABLE_TOPIC, "");
    if (UNDECODABLE_TO_TOPIC.equals(policy) && errorTopic.isBlank()) {
      ConfigChecks.addError(config, UNDECODABLE_TOPIC,
          UNDECODABLE_TOPIC + " is required when " + UNDECODABLE + "=" + UNDECODABLE_TO_TOPIC);
    }
    if (!errorTopic.isBlank() && errorTopic.trim().equals(props.getOrDefault(TOPIC, "").trim())) {
      ConfigChecks.addError(config, UNDECODABLE_TOPIC, UNDECODABLE_TOPIC + " must differ from " + TOPIC);
    }
    return config;
  }

  /**
   * The queues, trimmed.
   *
   * @return the queues
   */
  public List<String> queues() {
    return getList(QUEUES).stream().map(String::trim).toList();
  }
}
