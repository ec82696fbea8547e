package dev.iotforwarder.streams;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The presence queries, answered by someone: one instance's own stores ({@link PresenceQueries}),
 * another instance over the host's RPC ({@link PresenceHttpClient}, or the host's own), or the whole
 * application ({@link ClusterPresenceQueries}).
 *
 * <p>Implementations are thread-safe. A query that cannot be answered now (a store in a rebalance, a
 * remote instance that does not answer) throws an unchecked exception that says why; "not found" is
 * an empty result, never an exception.
 */
public interface PresenceLookup {
  /**
   * One device's presence.
   *
   * @param deviceId the device id ({@code DeviceId})
   * @return its presence, or empty if this lookup does not know the device
   * @throws NullPointerException if {@code deviceId} is {@code null}
   */
  Optional<DevicePresence> device(String deviceId);

  /**
   * The online devices of a product, ordered by {@code DeviceId}.
   *
   * @param productName the product ({@code ProductName})
   * @return its online devices that this lookup knows
   * @throws NullPointerException if {@code productName} is {@code null}
   */
  List<DevicePresence> onlineDevices(String productName);

  /**
   * The number of online devices of a product.
   *
   * @param productName the product ({@code ProductName})
   * @return the count, or empty if this lookup holds no count for the product
   * @throws NullPointerException if {@code productName} is {@code null}
   */
  Optional<Long> onlineCount(String productName);

  /**
   * The online counts of every product this lookup holds.
   *
   * @return product name to count, sorted by product name
   */
  Map<String, Long> onlineCounts();
}
