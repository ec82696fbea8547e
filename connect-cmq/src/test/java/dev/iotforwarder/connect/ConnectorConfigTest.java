package dev.iotforwarder.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.connect.internal.CmqSourceTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.junit.jupiter.api.Test;

class ConnectorConfigTest {
  private static Map<String, List<String>> errors(Config config) {
    Map<String, List<String>> out = new HashMap<>();
    for (ConfigValue v : config.configValues()) {
      if (!v.errorMessages().isEmpty()) {
        out.put(v.name(), v.errorMessages());
      }
    }
    return out;
  }

  private static Map<String, String> source() {
    return new HashMap<>(Map.of("cmq.endpoint", "http://127.0.0.1:1", "cmq.secret.id", "AKIDx",
        "cmq.secret.key", "s3cr3t-value", "cmq.queues", "a", "topic", "out"));
  }

  @Test
  void sourceValidationNamesEveryBadKeyAtOnce() {
    Map<String, String> props = Map.of("cmq.endpoint", "ftp://x", "cmq.batch.size", "17",
        "cmq.polling.wait.ms", "40000", "cmq.value.format", "avro", "cmq.undecodable", "topic",
        "cmq.queues", "");
    assertThat(errors(new CmqSourceConnector().validate(props))).containsOnlyKeys("cmq.endpoint",
        "cmq.batch.size", "cmq.polling.wait.ms", "cmq.value.format", "cmq.undecodable.topic", "cmq.queues",
        "cmq.secret.id", "cmq.secret.key", "topic");
    assertThat(errors(new CmqSourceConnector().validate(source()))).isEmpty();
  }

  @Test
  void theUndecodableTopicMustDifferFromTheTopic() {
    Map<String, String> props = source();
    props.put("cmq.undecodable", "topic");
    props.put("cmq.undecodable.topic", "out");
    assertThat(errors(new CmqSourceConnector().validate(props)).get("cmq.undecodable.topic"))
        .containsExactly("cmq.undecodable.topic must differ from topic");
  }

  @Test
  void sinkValidationWantsExactlyOneDestinationAndTopicKeysOnlyWithATopic() {
    Map<String, String> props = new HashMap<>(source());
    props.remove("cmq.queues");
    props.put("cmq.queue", "q");
    props.put("cmq.topic", "t");
    Map<String, List<String>> both = errors(new CmqSinkConnector().validate(props));
    assertThat(both.get("cmq.queue")).containsExactly("set only one of cmq.queue and cmq.topic");
    assertThat(both.get("cmq.topic")).containsExactly("set only one of cmq.queue and cmq.topic");
    props.remove("cmq.topic");
    props.put("cmq.topic.tags", "msgtype");
    assertThat(errors(new CmqSinkConnector().validate(props))).containsOnlyKeys("cmq.topic.tags");
    props.remove("cmq.queue");
    assertThat(errors(new CmqSinkConnector().validate(props)).get("cmq.queue"))
        .containsExactly("set cmq.queue or cmq.topic");
  }

  @Test
  void startRefusesAnInvalidConfigurationListingEveryProblem() {
    Map<String, String> props = source();
    props.put("cmq.batch.size", "0");
    props.put("cmq.undecodable", "topic");
    assertThatThrownBy(() -> new CmqSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cmq.batch.size").hasMessageContaining("cmq.undecodable.topic");
  }

  @Test
  void pollersOfAllQueuesAreSpreadOverAtMostMaxTasks() {
    Map<String, String> props = source();
    props.put("cmq.queues", "a, b");
    props.put("cmq.pollers.per.queue", "2");
    CmqSourceConnector c = new CmqSourceConnector();
    c.start(props);
    List<Map<String, String>> three = c.taskConfigs(3);
    assertThat(three).hasSize(3);
    List<String> pollers = new ArrayList<>();
    three.forEach(t -> pollers.addAll(List.of(t.get(CmqSourceTask.TASK_POLLERS).split(","))));
    assertThat(pollers).containsExactlyInAnyOrder("a", "a", "b", "b");
    assertThat(c.taskConfigs(10)).hasSize(4);
    assertThat(c.taskConfigs(1)).singleElement()
        .satisfies(t -> assertThat(t.get(CmqSourceTask.TASK_POLLERS)).isEqualTo("a,b,a,b"));
  }

  @Test
  void versionExactlyOnceAndThePasswordNeverPrinted() {
    assertThat(new CmqSourceConnector().version()).isNotEqualTo("unknown").isEqualTo(new CmqSinkConnector().version());
    assertThat(new CmqSourceConnector().exactlyOnceSupport(source())).isEqualTo(ExactlyOnceSupport.UNSUPPORTED);
    CmqSourceConfig config = new CmqSourceConfig(source());
    assertThat(config.values().toString()).doesNotContain("s3cr3t-value").contains("[hidden]");
    assertThat(new CmqSourceConnector().validate(source()).toString()).doesNotContain("s3cr3t-value");
  }
}
