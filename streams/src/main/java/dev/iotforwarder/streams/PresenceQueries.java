package dev.iotforwarder.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Queries over the stores of {@link DevicePresenceTopology} on one running {@link KafkaStreams}
 * instance (interactive queries). Thread-safe; each call reads the stores as they are.
 *
 * <p><b>Local reads, and where the rest lives.</b> Every read answers from this instance's stores
 * only. With several instances, each holds the devices and products of its partitions: the host's RPC
 * (HTTP, gRPC: Kafka Streams has none) sends a device query to {@link #hostOfDevice}, a count query
 * to {@link #hostOfProduct}, and fans {@link #onlineDevices} out to {@link #allHosts} and concatenates.
 * Each instance needs a unique {@code application.server=host:port}. {@link ClusterPresenceQueries}
 * does this routing over any RPC, and {@link PresenceHttpServer} with {@link PresenceHttpClient} is a
 * ready RPC.
 *
 * <p>During a rebalance a store may be unavailable: the reads then throw Kafka's {@code
 * InvalidStateStoreException}; retry once the instance is {@code RUNNING} again.
 */
public final class PresenceQueries implements PresenceLookup {
  private final KafkaStreams streams;

  /**
   * Queries over an instance that runs a topology with {@link DevicePresenceTopology}.
   *
   * @param streams the instance
   * @throws NullPointerException if {@code streams} is {@code null}
   */
  public PresenceQueries(KafkaStreams streams) {
    this.streams = Objects.requireNonNull(streams, "streams == null");
  }

  /**
   * One device's presence, if this instance holds it.
   *
   * @param deviceId the device id
   * @return its presence, or empty if it was never seen or is held by another instance
   */
  @Override
  public Optional<DevicePresence> device(String deviceId) {
    Objects.requireNonNull(deviceId, "deviceId == null");
    return Optional.ofNullable(presence().get(deviceId));
  }

  /**
   * The online devices of a product that this instance holds, ordered by {@code DeviceId}.
   *
   * @param productName the product
   * @return its online devices here
   */
  @Override
  public List<DevicePresence> onlineDevices(String productName) {
    Objects.requireNonNull(productName, "productName == null");
    List<DevicePresence> online = new ArrayList<>();
    try (KeyValueIterator<String, DevicePresence> all = presence().all()) {
      while (all.hasNext()) {
        DevicePresence p = all.next().value;
        if (p.online() && p.productName().equals(productName)) {
          online.add(p);
        }
      }
    }
    online.sort((a, b) -> a.deviceId().compareTo(b.deviceId()));
    return online;
  }

  /**
   * The number of online devices of a product, if this instance holds the product's count.
   *
   * @param productName the product
   * @return the count, or empty if no device of it was ever online or the count is held elsewhere
   */
  @Override
  public Optional<Long> onlineCount(String productName) {
    Objects.requireNonNull(productName, "productName == null");
    return Optional.ofNullable(counts().get(productName));
  }

  /**
   * The online counts of all products this instance holds.
   *
   * @return product name to count, sorted, products with a count here only
   */
  @Override
  public Map<String, Long> onlineCounts() {
    Map<String, Long> out = new TreeMap<>();
    try (KeyValueIterator<String, Long> all = counts().all()) {
      all.forEachRemaining(kv -> out.put(kv.key, kv.value));
    }
    return out;
  }

  /**
   * The instance that holds a device's presence.
   *
   * @param deviceId the device id
   * @return its {@code application.server}, or empty while no instance holds the partition
   */
  public Optional<HostInfo> hostOfDevice(String deviceId) {
    return host(DevicePresenceTopology.PRESENCE_STORE, deviceId);
  }

  /**
   * The instance that holds a product's online count.
   *
   * @param productName the product
   * @return its {@code application.server}, or empty while no instance holds the partition
   */
  public Optional<HostInfo> hostOfProduct(String productName) {
    return host(DevicePresenceTopology.ONLINE_COUNTS_STORE, productName);
  }

  /**
   * Every instance of the application, for a query that fans out.
   *
   * @return their {@code application.server}s
   */
  public Set<HostInfo> allHosts() {
    Set<HostInfo> hosts = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
      hosts.add(m.hostInfo());
    }
    return hosts;
  }

  private Optional<HostInfo> host(String store, String key) {
    Objects.requireNonNull(key, "key == null");
    KeyQueryMetadata m = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
    if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      return Optional.empty();
    }
    return Optional.of(m.activeHost());
  }

  private ReadOnlyKeyValueStore<String, DevicePresence> presence() {
    return streams.store(StoreQueryParameters.fromNameAndType(
        DevicePresenceTopology.PRESENCE_STORE, QueryableStoreTypes.keyValueStore()));
  }

  private ReadOnlyKeyValueStore<String, Long> counts() {
    return streams.store(StoreQueryParameters.fromNameAndType(
        DevicePresenceTopology.ONLINE_COUNTS_STORE, QueryableStoreTypes.keyValueStore()));
  }
}
