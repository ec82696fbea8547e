package dev.iotforwarder.streams;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.streams.internal.PresenceProcessor;
import dev.iotforwarder.streams.internal.PresenceUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Device presence in any topology: from a stream of device messages, a table of each device's current
 * state ({@link DevicePresence}, store {@link #PRESENCE_STORE}, key {@code DeviceId}) and the number
 * of online devices per product (store {@link #ONLINE_COUNTS_STORE}, key {@code ProductName}), both
 * persistent, changelogged and queryable with {@link PresenceQueries}.
 *
 * <pre>{@code
 * StreamsBuilder builder = new StreamsBuilder();
 * KStream<String, DeviceMessage> status =
 *     builder.stream("device-status", Consumed.with(Serdes.String(), DeviceSerdes.deviceMessage()));
 * DevicePresenceTopology.addTo(builder, status, NewerRule.withReorderWindow(Duration.ofSeconds(10)));
 * }</pre>
 *
 * <p><b>Order.</b> A late message never overwrites a newer one: {@link NewerRule} defines "newer" from
 * {@code Seq} and the record's time. The time is what the application's {@code
 * default.timestamp.extractor} gives: the record timestamp by default, which {@code CkafkaSink} sets
 * to the gateway's receive time, so retries and spool replays do not make a message look newer
 * (on a topic with {@code message.timestamp.type=CreateTime}, Kafka's default; see {@link
 * NewerRule}).
 *
 * <p><b>Partitioning.</b> The stream is re-keyed by {@code DeviceId} through a repartition topic ({@code
 * <application.id>-iotf-presence-by-device-repartition}), so any input key works and a device's
 * state lives on the partition {@code queryMetadataForKey} names for its {@code DeviceId}.
 *
 * <p><b>Guarantee.</b> Run with {@code processing.guarantee=exactly_once_v2} (recommended): the store,
 * its changelog and the counts then move together, and a crash never counts a device twice. With
 * {@code at_least_once} the presence table stays right (a re-processed message is not newer), but an
 * online count may be off after a crash. Install an uncaught-exception handler that answers {@code
 * REPLACE_THREAD}: by default a failed stream thread (a transaction that timed out while the broker
 * was away, say) leaves the application in {@code ERROR}; a replaced thread resumes from the last
 * commit.
 */
public final class DevicePresenceTopology {
  /** The name of the presence store: {@code DeviceId} to {@link DevicePresence}. */
  public static final String PRESENCE_STORE = "iotf-device-presence";

  /** The name of the online-count store: {@code ProductName} to the number of online devices. */
  public static final String ONLINE_COUNTS_STORE = "iotf-online-counts";

  private DevicePresenceTopology() {}

  /**
   * Adds the presence stores and processors to a topology.
   *
   * @param builder the topology's builder
   * @param messages device messages, any key; Publish messages and {@code null} values are skipped
   * @param rule what "newer" means
   * @return every accepted presence change, keyed by {@code DeviceId} (a late or repeated message
   *     makes none)
   * @throws NullPointerException if an argument is {@code null}
   */
  public static KStream<String, DevicePresence> addTo(
      StreamsBuilder builder, KStream<?, DeviceMessage> messages, NewerRule rule) {
    Objects.requireNonNull(builder, "builder == null");
    Objects.requireNonNull(messages, "messages == null");
    Objects.requireNonNull(rule, "rule == null");
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(PRESENCE_STORE), Serdes.String(), DeviceSerdes.devicePresence()));

    KStream<String, PresenceUpdate> updates = messages
        .filter((k, m) -> m != null && m.isStatus())
        .selectKey((k, m) -> m.deviceId())
        .repartition(Repartitioned.with(Serdes.String(), DeviceSerdes.deviceMessage())
            .withName("iotf-presence-by-device"))
        .process(() -> new PresenceProcessor(PRESENCE_STORE, rule), PRESENCE_STORE);

    updates
        .flatMap((deviceId, u) -> countDeltas(u))
        .groupByKey(Grouped.with("iotf-online-deltas", Serdes.String(), Serdes.Long()))
        .reduce(Long::sum, Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(ONLINE_COUNTS_STORE)
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.Long()));
    return updates.mapValues(PresenceUpdate::current);
  }

  /** +1 for the product a device came online in, -1 for the one it left; nothing if unchanged. */
  private static List<KeyValue<String, Long>> countDeltas(PresenceUpdate u) {
    DevicePresence before = u.previous();
    DevicePresence after = u.current();
    boolean was = before != null && before.online();
    List<KeyValue<String, Long>> deltas = new ArrayList<>(2);
    if (was && after.online() && before.productName().equals(after.productName())) {
      return deltas;
    }
    if (was) {
      deltas.add(KeyValue.pair(before.productName(), -1L));
    }
    if (after.online()) {
      deltas.add(KeyValue.pair(after.productName(), 1L));
    }
    return deltas;
  }
}
