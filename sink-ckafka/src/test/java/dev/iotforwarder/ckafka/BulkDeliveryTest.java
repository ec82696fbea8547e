package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 100,000 messages from 1,000 devices through a Forwarder with CkafkaSink into 8 partitions, read back
 * with a plain KafkaConsumer.
 */
@ExtendWith(LocalKafkaExtension.class)
@DisplayName("a Forwarder with CkafkaSink under load")
class BulkDeliveryTest {
  private static final int DEVICES = 1_000;
  private static final int PER_DEVICE = 100;

  @Test
  @DisplayName("delivers 100k messages from 1,000 devices: none lost, bytes exact, keyed by device, in order per device")
  void hundredThousand(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("bulk", 8);
    EnvelopeCodec codec = EnvelopeCodec.standard();
    long start = System.nanoTime();
    CkafkaSink sink = CkafkaSink.builder().name("bulk").bootstrapServers(kafka.bootstrapServers())
        .topic(topic).build();
    try (Forwarder forwarder = Forwarder.builder().route(sink).build()) {
      List<CompletableFuture<ForwardResult>> sends = new ArrayList<>(DEVICES * PER_DEVICE);
      for (int seq = 0; seq < PER_DEVICE; seq++) {
        for (int device = 0; device < DEVICES; device++) {
          sends.add(forwarder.forward(Messages.telemetry(device, seq)));
        }
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
      for (CompletableFuture<ForwardResult> f : sends) {
        assertThat(f.join().status()).isEqualTo(ForwardResult.Status.DELIVERED);
      }
      SinkStats stats = forwarder.stats().sink("bulk");
      assertThat(stats.succeeded()).isEqualTo(DEVICES * PER_DEVICE);
      assertThat(stats.failed() + stats.retries() + stats.deadLettered()).isZero();
    }
    long sendMillis = (System.nanoTime() - start) / 1_000_000;

    List<ConsumerRecord<byte[], byte[]>> records;
    try (TopicReader reader = new TopicReader(kafka.bootstrapServers(), topic)) {
      records = reader.readToEnd();
    }
    long totalMillis = (System.nanoTime() - start) / 1_000_000;

    Map<String, List<Long>> seqsByDevice = new HashMap<>();
    Map<String, Integer> partitionByDevice = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) { // in offset order within each partition
      String key = new String(r.key(), StandardCharsets.UTF_8);
      DeviceMessage m = codec.decode(r.value());
      assertThat(key).isEqualTo(m.deviceKey());
      int device = Integer.parseInt(m.deviceName().substring(1));
      byte[] expected = codec.encode(Messages.telemetry(device, m.seq()));
      if (!Arrays.equals(r.value(), expected)) {
        throw new AssertionError("value of " + key + " seq " + m.seq() + " differs from EnvelopeCodec.encode");
      }
      Integer p = partitionByDevice.putIfAbsent(key, r.partition());
      assertThat(p == null ? r.partition() : p).as("partition of " + key).isEqualTo(r.partition());
      seqsByDevice.computeIfAbsent(key, k -> new ArrayList<>()).add(m.seq());
    }
    int duplicates = 0;
    for (Map.Entry<String, List<Long>> e : seqsByDevice.entrySet()) {
      List<Long> seqs = e.getValue();
      List<Long> distinct = new ArrayList<>();
      for (Long s : seqs) {
        if (!distinct.isEmpty() && distinct.get(distinct.size() - 1).equals(s)) {
          duplicates++;
        } else {
          distinct.add(s);
        }
      }
      assertThat(distinct).as("seqs of " + e.getKey() + " in log order").isSorted().hasSize(PER_DEVICE)
          .startsWith(0L).endsWith((long) PER_DEVICE - 1);
    }
    assertThat(seqsByDevice).hasSize(DEVICES);
    assertThat(records.size() - duplicates).as("distinct messages").isEqualTo(DEVICES * PER_DEVICE);
    System.out.printf("BulkDeliveryTest: %,d messages from %,d devices into 8 partitions through a Forwarder with CkafkaSink:"
            + " all acked in %,d ms, read back and checked in %,d ms; records %,d, lost 0, duplicates %d%n",
        DEVICES * PER_DEVICE, DEVICES, sendMillis, totalMillis, records.size(), duplicates);
  }
}
