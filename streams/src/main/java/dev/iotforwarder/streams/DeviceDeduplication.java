package dev.iotforwarder.streams;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.streams.internal.DedupProcessor;
import dev.iotforwarder.streams.internal.SeqWindow;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.Stores;

/**
 * Deduplication by ({@code DeviceId}, {@code Seq}) for any topology: both queues deliver at least
 * once, and this drops the repeats.
 *
 * <pre>{@code
 * KStream<String, DeviceMessage> once = DeviceDeduplication.apply(builder, messages,
 *     "telemetry-dedup", 1024, Duration.ofHours(1));
 * }</pre>
 *
 * <p><b>State.</b> Per device, a persistent, changelogged store (key {@code DeviceId}) remembers the
 * last {@code maxSeqsPerDevice} Seqs and when each was seen: memory per device is bounded at {@code 16
 * * maxSeqsPerDevice} bytes plus the key. A Seq is forgotten after {@code retention} of record time.
 *
 * <p><b>Partitioning.</b> The input must be partitioned by device, so that every copy of a message
 * reaches the same task: {@code CkafkaSink}'s default key ({@code ProductName/DeviceName}) does that, as
 * does keying by {@code DeviceId}. Re-key (and repartition) first otherwise.
 *
 * <p><b>Limits: what it cannot catch.</b> A repeat that arrives after {@code maxSeqsPerDevice} other
 * Seqs of its device, or more than {@code retention} (record time) after the first copy, passes. And
 * it can drop a message that is not a repeat: a device that restarts its Seq (after a reboot) and
 * reuses a Seq it sent within {@code retention} and the last {@code maxSeqsPerDevice} messages.
 * Choose the retention to cover the queue's redelivery and replay delays, and no longer.
 *
 * <p><b>Guarantee.</b> With {@code processing.guarantee=exactly_once_v2} the output holds each
 * message once as a {@code read_committed} consumer sees it, even across crashes; with {@code
 * at_least_once} a crash may re-emit what was emitted since the last commit.
 */
public final class DeviceDeduplication {
  private DeviceDeduplication() {}

  /**
   * Adds the dedup store and operator to a topology.
   *
   * @param <K> the record key
   * @param builder the topology's builder
   * @param messages device messages, partitioned by device; {@code null} values (tombstones) are dropped
   * @param storeName the store's name, unique in the topology
   * @param maxSeqsPerDevice the most Seqs remembered per device, {@code >= 1}
   * @param retention how long a Seq is remembered, in record time, positive
   * @return the messages without repeats
   * @throws NullPointerException if an argument is {@code null}
   * @throws IllegalArgumentException if {@code storeName} is blank, {@code maxSeqsPerDevice < 1} or
   *     {@code retention} is not positive (all problems in one message)
   */
  public static <K> KStream<K, DeviceMessage> apply(StreamsBuilder builder, KStream<K, DeviceMessage> messages,
      String storeName, int maxSeqsPerDevice, Duration retention) {
    Objects.requireNonNull(builder, "builder == null");
    Objects.requireNonNull(messages, "messages == null");
    Objects.requireNonNull(storeName, "storeName == null");
    Objects.requireNonNull(retention, "retention == null");
    StringBuilder problems = new StringBuilder();
    if (storeName.isBlank()) {
      problems.append("; storeName is blank");
    }
    if (maxSeqsPerDevice < 1) {
      problems.append("; maxSeqsPerDevice must be >= 1, got ").append(maxSeqsPerDevice);
    }
    if (retention.isZero() || retention.isNegative()) {
      problems.append("; retention must be positive, got ").append(retention);
    }
    if (problems.length() > 0) {
      throw new IllegalArgumentException("Invalid deduplication: " + problems.substring(2));
    }
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName),
        Serdes.String(), Serdes.serdeFrom(SeqWindow::serialize, SeqWindow::deserialize)));
    long retentionMillis = retention.toMillis();
    return messages
        .processValues(() -> new DedupProcessor<K>(storeName, maxSeqsPerDevice, retentionMillis), storeName)
        .filter((k, m) -> m != null);
  }
}
