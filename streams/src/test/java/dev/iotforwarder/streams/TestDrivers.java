package dev.iotforwarder.streams;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;

/** The TopologyTestDriver of the unit tests: no broker, state under a test's directory. */
final class TestDrivers {
  private TestDrivers() {}

  static TopologyTestDriver of(StreamsBuilder builder, String applicationId, Path stateDir) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return new TopologyTestDriver(builder.build(), props);
  }
}
