package dev.iotforwarder.connect;

import dev.iotforwarder.connect.internal.CmqSourceTask;
import dev.iotforwarder.connect.internal.ConfigChecks;
import dev.iotforwarder.connect.internal.Version;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A Kafka Connect source connector from CMQ queues to a Kafka topic.
 *
 * <p>Each task long-polls its share of the queues' pollers ({@code cmq.queues} times {@code
 * cmq.pollers.per.queue}, spread round-robin over at most {@code tasks.max} tasks) with {@code
 * BatchReceiveMessage}. A message becomes a record keyed {@code ProductName/DeviceName}, whose value
 * is the envelope's bytes or a {@link EnvelopeSchema} Struct ({@code cmq.value.format}). It is
 * deleted from CMQ only once Kafka has the record ({@code commitRecord}), not at Connect's periodic
 * offset flush, which would outlive CMQ's visibility timeout: a worker that dies before the delete
 * leaves the message in CMQ, which delivers it again. Delivery is at least once; CMQ keeps no order,
 * so neither do the records.
 *
 * <p>Exactly-once is {@link ExactlyOnceSupport#UNSUPPORTED}: it needs a source that resumes exactly
 * from stored offsets, and CMQ's receive-then-delete cannot.
 *
 * <p>Configuration: {@link CmqSourceConfig}. Called by Connect's threads, one at a time.
 */
public final class CmqSourceConnector extends SourceConnector {
  private Map<String, String> props;
  private List<String> queues;
  private int pollersPerQueue;

  /** Creates the connector; Connect calls {@link #start(Map)}. */
  public CmqSourceConnector() {}

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public void start(Map<String, String> props) {
    ConfigChecks.throwIfInvalid(CmqSourceConfig.validate(props), "CmqSourceConnector configuration");
    CmqSourceConfig config = new CmqSourceConfig(props);
    this.props = Map.copyOf(props);
    this.queues = config.queues();
    this.pollersPerQueue = config.getInt(CmqSourceConfig.POLLERS_PER_QUEUE);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return CmqSourceTask.class;
  }

  /**
   * Spreads the pollers (every queue, {@code cmq.pollers.per.queue} times) round-robin over at most
   * {@code maxTasks} tasks, one task per poller when there are enough.
   *
   * @param maxTasks {@code tasks.max}
   * @return one configuration per task
   */
  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<String> pollers = new ArrayList<>();
    for (int p = 0; p < pollersPerQueue; p++) {
      pollers.addAll(queues);
    }
    int tasks = Math.min(maxTasks, pollers.size());
    List<List<String>> shares = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      shares.add(new ArrayList<>());
    }
    for (int i = 0; i < pollers.size(); i++) {
      shares.get(i % tasks).add(pollers.get(i));
    }
    List<Map<String, String>> configs = new ArrayList<>(tasks);
    for (List<String> share : shares) {
      Map<String, String> task = new HashMap<>(props);
      task.put(CmqSourceTask.TASK_POLLERS, String.join(",", share));
      configs.add(task);
    }
    return configs;
  }

  @Override
  public void stop() {
    // Nothing to release: the tasks own the CMQ clients.
  }

  @Override
  public ConfigDef config() {
    return CmqSourceConfig.CONFIG_DEF;
  }

  /**
   * Each key's own rule, then the rules across keys ({@code cmq.undecodable.topic} required with
   * {@code cmq.undecodable=topic} and different from {@code topic}); every problem on its key.
   *
   * @param connectorConfigs the properties
   * @return the per-key results
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    return CmqSourceConfig.validate(connectorConfigs);
  }

  /**
   * Always unsupported: see the class comment.
   *
   * @param connectorConfig the configuration
   * @return {@link ExactlyOnceSupport#UNSUPPORTED}
   */
  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    return ExactlyOnceSupport.UNSUPPORTED;
  }
}
