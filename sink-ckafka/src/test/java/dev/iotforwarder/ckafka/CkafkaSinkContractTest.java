package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import dev.iotforwarder.testkit.SinkContract;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** CkafkaSink passes the sink contract kit against the real in-process broker. */
@ExtendWith(LocalKafkaExtension.class)
class CkafkaSinkContractTest extends SinkContract {
  private static LocalKafka kafka;
  private TopicReader reader;

  @BeforeAll
  static void broker(LocalKafka shared) {
    kafka = shared;
  }

  @AfterEach
  void closeReader() {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  @Override
  protected Sink newSink() {
    String topic = kafka.createUniqueTopic("contract", 3);
    closeReader();
    reader = new TopicReader(kafka.bootstrapServers(), topic);
    return CkafkaSink.builder().name("contract").bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
  }

  /**
   * Made to fail: a topic that does not exist. The cluster says so, so the failure is permanent; with
   * the topic check off and a 1 s delivery timeout the sink cannot tell, and fails retriably.
   */
  @Override
  protected Sink newFailingSink(Failure failure) {
    CkafkaSinkBuilder b = CkafkaSink.builder().name("contract-failing").bootstrapServers(kafka.bootstrapServers())
        .topic("missing-" + UUID.randomUUID()).producerProperty("max.block.ms", 300);
    if (failure == Failure.RETRIABLE) {
      b.topicCheck(false).producerProperty("request.timeout.ms", 500).producerProperty("delivery.timeout.ms", 1000);
    }
    return b.build();
  }

  @Override
  protected List<DeviceMessage> received() {
    return reader.readToEnd().stream().map(r -> EnvelopeCodec.standard().decode(r.value())).toList();
  }
}
