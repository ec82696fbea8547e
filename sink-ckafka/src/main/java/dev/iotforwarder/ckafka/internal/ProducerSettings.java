package dev.iotforwarder.ckafka.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The configuration of the producer a {@code CkafkaSink} creates: the documented defaults, the SASL
 * settings CKafka expects, what the sink reads back from the result (ordering, delivery timeout), and
 * the creation itself, which keeps the password out of any error. The defaults are documented in a
 * table on {@code CkafkaSink}; {@code CkafkaSink.producerDefaults()} returns {@link #DEFAULTS}.
 */
public final class ProducerSettings {
  /** Kafka's default {@code delivery.timeout.ms}. */
  public static final long DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;

  /** The producer properties the sink starts from, in the order of the documented table. */
  public static final Map<String, Object> DEFAULTS = defaults();

  /** Properties the sink sets itself: it always sends byte arrays. */
  public static final List<String> SERIALIZERS = List.of("key.serializer", "value.serializer");

  /** Properties that {@code sasl}/{@code saslSsl} set, which a producer property must not set too. */
  public static final List<String> SASL_KEYS = List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config");

  private ProducerSettings() {}

  private static Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("acks", "all");
    d.put("enable.idempotence", "true");
    d.put("compression.type", "lz4");
    d.put("linger.ms", "5");
    d.put("batch.size", "65536");
    d.put("max.block.ms", "5000");
    return Collections.unmodifiableMap(d);
  }

  /**
   * The properties of the sink's producer: the defaults, {@code client.id=iot-forwarder-<sink>}, the
   * host's overrides, the bootstrap servers, and SASL/PLAIN when a security protocol is given.
   *
   * @param sink the sink's name
   * @param bootstrapServers the cluster
   * @param overrides the host's producer properties
   * @param securityProtocol {@code SASL_PLAINTEXT}, {@code SASL_SSL}, or {@code null} for none
   * @param saslUser the SASL user, {@code <instanceId>#<userName>}
   * @param password its password (held as a Kafka {@link Password}, which never prints itself)
   * @return a new mutable map
   */
  public static Map<String, Object> properties(String sink, String bootstrapServers, Map<String, Object> overrides,
      String securityProtocol, String saslUser, String password) {
    Map<String, Object> props = new LinkedHashMap<>(DEFAULTS);
    props.put("client.id", "iot-forwarder-" + sink);
    props.putAll(overrides);
    props.put("bootstrap.servers", bootstrapServers);
    if (securityProtocol != null) {
      props.put("security.protocol", securityProtocol);
      props.put("sasl.mechanism", "PLAIN");
      props.put("sasl.jaas.config", new Password(
          "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
              + jaasEscape(saslUser) + "\" password=\"" + jaasEscape(password) + "\";"));
    }
    return props;
  }

  /**
   * Whether a producer with these properties keeps one partition's order across its retries: an
   * idempotent producer with up to 5 requests in flight, or any producer with one.
   *
   * @param props the producer's properties
   * @return {@code true} with the defaults
   */
  public static boolean preservesOrder(Map<String, Object> props) {
    boolean idempotent = !"false".equalsIgnoreCase(String.valueOf(props.get("enable.idempotence")).trim());
    int maxInFlight = Integer.parseInt(String.valueOf(
        props.getOrDefault("max.in.flight.requests.per.connection", "5")).trim());
    return idempotent ? maxInFlight <= 5 : maxInFlight == 1;
  }

  /**
   * The {@code delivery.timeout.ms} of these properties, Kafka's default if unset.
   *
   * @param props the producer's properties
   * @return milliseconds
   */
  public static long deliveryTimeoutMillis(Map<String, Object> props) {
    return Long.parseLong(String.valueOf(props.getOrDefault("delivery.timeout.ms", DEFAULT_DELIVERY_TIMEOUT_MS)).trim());
  }

  /**
   * The {@code max.block.ms} of these properties, Kafka's default (60 s) if unset.
   *
   * @param props the producer's properties
   * @return milliseconds
   */
  public static long maxBlockMillis(Map<String, Object> props) {
    return Long.parseLong(String.valueOf(props.getOrDefault("max.block.ms", 60_000L)).trim());
  }

  /**
   * Creates the producer. Creating does not connect yet.
   *
   * @param sink the sink's name, for the error
   * @param props the properties
   * @param password a secret to keep out of the error, may be {@code null}
   * @return the producer
   * @throws KafkaException if Kafka rejects the configuration; its message and causes never hold the
   *     password
   */
  public static KafkaProducer<byte[], byte[]> create(String sink, Map<String, Object> props, String password) {
    try {
      return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    } catch (RuntimeException e) {
      Throwable safe = Redaction.redact(e, password);
      if (safe == e) {
        throw e;
      }
      throw new KafkaException("Failed to construct the Kafka producer of sink '" + sink + "'", safe);
    }
  }

  private static String jaasEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
