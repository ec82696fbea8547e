package dev.iotforwarder.connect;

import dev.iotforwarder.connect.internal.CmqSinkTask;
import dev.iotforwarder.connect.internal.ConfigChecks;
import dev.iotforwarder.connect.internal.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A Kafka Connect sink connector from Kafka topics to a CMQ queue or topic, through a {@link
 * dev.iotforwarder.cmq.CmqSink}.
 *
 * <p>A record's value is an envelope (bytes or a string, from the ByteArrayConverter or the
 * StringConverter) or a Struct with the fields of {@link EnvelopeSchema}. Each {@code put} sends its
 * records in batches of up to 16 and returns only when CMQ stored every one of them, so the offsets
 * Connect commits are never ahead of what CMQ holds. A retriable CMQ failure (throttling, a full
 * queue, an internal error, a transport failure) becomes Connect's {@code RetriableException}: Connect
 * gives the batch again after {@code cmq.retry.backoff.ms}, and the task skips the records CMQ
 * already stored. A record CMQ or the task refuses (not an envelope, too large) goes to Connect's
 * error handling: the dead-letter queue ({@code errors.deadletterqueue.topic.name}) and {@code
 * errors.tolerance}; without either, the task fails naming the record. A failure of the destination
 * as a whole (bad key, missing queue) always fails the task. Delivery is at least once; CMQ keeps no
 * order.
 *
 * <p>Configuration: {@link CmqSinkConfig}. Called by Connect's threads, one at a time.
 */
public final class CmqSinkConnector extends SinkConnector {
  private Map<String, String> props;

  /** Creates the connector; Connect calls {@link #start(Map)}. */
  public CmqSinkConnector() {}

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public void start(Map<String, String> props) {
    ConfigChecks.throwIfInvalid(CmqSinkConfig.validate(props), "CmqSinkConnector configuration");
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return CmqSinkTask.class;
  }

  /**
   * {@code maxTasks} copies of the configuration: Connect spreads the topics' partitions over them.
   *
   * @param maxTasks {@code tasks.max}
   * @return one configuration per task
   */
  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>(maxTasks);
    for (int i = 0; i < maxTasks; i++) {
      configs.add(props);
    }
    return configs;
  }

  @Override
  public void stop() {
    // Nothing to release: the tasks own the CMQ clients.
  }

  @Override
  public ConfigDef config() {
    return CmqSinkConfig.CONFIG_DEF;
  }

  /**
   * Each key's own rule, then the rules across keys (exactly one of {@code cmq.queue} and {@code
   * cmq.topic}; the topic-only keys only with a topic); every problem on its key.
   *
   * @param connectorConfigs the properties
   * @return the per-key results
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    return CmqSinkConfig.validate(connectorConfigs);
  }
}
