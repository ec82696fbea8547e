package dev.iotforwarder.benchmarks;

import dev.iotforwarder.ckafka.CkafkaSink;
import java.util.LinkedHashMap;
import java.util.Map;

/** The producer settings both sides of the Kafka comparison use, for the results file. */
final class CkafkaSinkDefaults {
  private CkafkaSinkDefaults() {}

  static Map<String, Object> describe() {
    return new LinkedHashMap<>(CkafkaSink.producerDefaults());
  }
}
