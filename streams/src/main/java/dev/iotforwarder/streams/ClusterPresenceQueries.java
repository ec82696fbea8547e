package dev.iotforwarder.streams;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Presence queries over the whole application, whichever instance holds the state: a query for one
 * key (a device, a product's count) goes to the instance that {@code queryMetadataForKey} names, and a
 * query over many keys (a product's online devices, all counts) is scattered to every instance that
 * {@code streamsMetadataForStore} lists as an active holder of the store, and gathered here. Thread-safe; it holds no state of its own.
 *
 * <p>This instance's part is read from its own stores ({@link PresenceQueries}); another instance's
 * part is fetched through {@code remote}, the host's RPC: a function from that instance's {@code
 * application.server} to a {@link PresenceLookup} that asks it (and that must answer from that
 * instance's <em>own</em> stores, never scatter again). {@link PresenceHttpClient} with {@link
 * PresenceHttpServer} is a ready one; a host with gRPC or its own HTTP API supplies its own.
 *
 * <pre>{@code
 * PresenceQueries local = new PresenceQueries(streams);
 * PresenceHttpServer server = PresenceHttpServer.start(local, new InetSocketAddress(8080));
 * ClusterPresenceQueries presence = new ClusterPresenceQueries(
 *     streams, new HostInfo("10.0.0.5", 8080), PresenceHttpClient.create(Duration.ofSeconds(2))::at);
 * presence.onlineDevices("lamp");   // every instance's lamps
 * }</pre>
 *
 * <p><b>Consistency.</b> Each instance answers from its stores as they are; a gathered answer is not a
 * snapshot across instances. During a rebalance an instance may not hold a partition yet: the query
 * then throws Kafka's {@code InvalidStateStoreException}; retry once every instance is {@code
 * RUNNING}. An exception from {@code remote} (the instance is down, a timeout) propagates as it is.
 */
public final class ClusterPresenceQueries implements PresenceLookup {
  private final KafkaStreams streams;
  private final HostInfo self;
  private final PresenceQueries local;
  private final Function<HostInfo, PresenceLookup> remote;

  /**
   * Queries over the application that {@code streams} is an instance of.
   *
   * @param streams this instance, running a topology with {@link DevicePresenceTopology}
   * @param self this instance's {@code application.server}, exactly as configured
   * @param remote the host's RPC: the lookup that asks the instance at a given {@code
   *     application.server}; called only for instances other than {@code self}
   * @throws NullPointerException if an argument is {@code null}
   */
  public ClusterPresenceQueries(KafkaStreams streams, HostInfo self, Function<HostInfo, PresenceLookup> remote) {
    this.streams = Objects.requireNonNull(streams, "streams == null");
    this.self = Objects.requireNonNull(self, "self == null");
    this.remote = Objects.requireNonNull(remote, "remote == null");
    this.local = new PresenceQueries(streams);
  }

  /** {@inheritDoc} Asked of the instance that holds the device. */
  @Override
  public Optional<DevicePresence> device(String deviceId) {
    Objects.requireNonNull(deviceId, "deviceId == null");
    return at(host(DevicePresenceTopology.PRESENCE_STORE, deviceId)).device(deviceId);
  }

  /** {@inheritDoc} Gathered from every instance that holds presence. */
  @Override
  public List<DevicePresence> onlineDevices(String productName) {
    Objects.requireNonNull(productName, "productName == null");
    List<DevicePresence> all = new ArrayList<>();
    for (HostInfo host : hosts(DevicePresenceTopology.PRESENCE_STORE)) {
      all.addAll(at(host).onlineDevices(productName));
    }
    all.sort(Comparator.comparing(DevicePresence::deviceId));
    return all;
  }

  /** {@inheritDoc} Asked of the instance that holds the product's count. */
  @Override
  public Optional<Long> onlineCount(String productName) {
    Objects.requireNonNull(productName, "productName == null");
    return at(host(DevicePresenceTopology.ONLINE_COUNTS_STORE, productName)).onlineCount(productName);
  }

  /**
   * {@inheritDoc} Gathered from every instance that holds counts; each product's count lives on one
   * instance.
   */
  @Override
  public Map<String, Long> onlineCounts() {
    Map<String, Long> all = new TreeMap<>();
    for (HostInfo host : hosts(DevicePresenceTopology.ONLINE_COUNTS_STORE)) {
      all.putAll(at(host).onlineCounts());
    }
    return all;
  }

  private PresenceLookup at(HostInfo host) {
    if (host.equals(self)) {
      return local;
    }
    return Objects.requireNonNull(remote.apply(host), () -> "remote returned null for " + host);
  }

  private HostInfo host(String store, String key) {
    KeyQueryMetadata m = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
    if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new InvalidStateStoreException("No instance holds the partition of key " + key + " in store "
          + store + " now (state " + streams.state() + "); retry when every instance is RUNNING");
    }
    return m.activeHost();
  }

  private List<HostInfo> hosts(String store) {
    List<HostInfo> hosts = new ArrayList<>();
    for (StreamsMetadata m : streams.streamsMetadataForStore(store)) {
      if (m.stateStoreNames().contains(store)) { // the list also names instances with standbys only
        hosts.add(m.hostInfo());
      }
    }
    if (hosts.isEmpty()) {
      throw new InvalidStateStoreException("No instance holds store " + store + " now (state "
          + streams.state() + "); retry when every instance is RUNNING");
    }
    return hosts;
  }
}
