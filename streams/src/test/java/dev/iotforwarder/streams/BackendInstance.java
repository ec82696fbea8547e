package dev.iotforwarder.streams;

import dev.iotforwarder.DeviceMessage;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The backend application of {@link PresenceFailoverTest}: presence and deduplication over one input
 * topic, exactly_once_v2, group and transaction timeouts low enough for a test.
 */
final class BackendInstance {
  static final String APPLICATION_ID = "presence-failover";
  static final String INPUT = "status";
  static final String DEDUPED = "status-once";

  private BackendInstance() {}

  static KafkaStreams create(String bootstrap, String stateDir, String applicationServer) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, DeviceMessage> in =
        builder.stream(INPUT, Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage()));
    DevicePresenceTopology.addTo(builder, in, NewerRule.withReorderWindow(Duration.ofSeconds(10)));
    DeviceDeduplication.apply(builder, in, "status-dedup", 1024, Duration.ofHours(1))
        .to(DEDUPED, Produced.with(Serdes.String(), DeviceSerdes.deviceMessage()));

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 10000);
    return new KafkaStreams(builder.build(), p);
  }
}
