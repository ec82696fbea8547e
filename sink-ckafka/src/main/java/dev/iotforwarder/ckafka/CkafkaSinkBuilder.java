package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.ckafka.internal.ProducerSettings;
import dev.iotforwarder.ckafka.internal.RecordFactory;
import dev.iotforwarder.ckafka.internal.TopicCheck;
import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link CkafkaSink}; start with {@link CkafkaSink#builder()}. Not thread-safe. No setter
 * throws: {@link #build()} checks everything at once and reports every problem in one exception.
 */
public final class CkafkaSinkBuilder {
  private static final Logger log = LoggerFactory.getLogger(CkafkaSink.class);
  private String name = "ckafka";
  private String bootstrapServers;
  private String topic;
  private Function<DeviceMessage, String> topicRouter;
  private KeyStrategy keyStrategy = KeyStrategy.deviceKey();
  private boolean headers;
  private final Map<String, Object> producerProperties = new LinkedHashMap<>();
  private String securityProtocol;
  private String instanceId;
  private String userName;
  private String password;
  private Producer<byte[], byte[]> producer;
  private Duration closeTimeout = Duration.ofSeconds(30);
  private EnvelopeCodec codec = EnvelopeCodec.standard();
  private boolean topicCheck = true;

  CkafkaSinkBuilder() {}

  /**
   * The sink's name, used in thread names, logs and errors. Default: {@code "ckafka"}.
   *
   * @param name a non-blank name, unique within one forwarder
   * @return this builder
   */
  public CkafkaSinkBuilder name(String name) {
    this.name = name;
    return this;
  }

  /**
   * The cluster to connect to: the instance's address from the CKafka console, or any Kafka {@code
   * bootstrap.servers} list. Required unless {@link #producer(Producer)} is used.
   *
   * @param bootstrapServers {@code host:port[,host:port...]}
   * @return this builder
   */
  public CkafkaSinkBuilder bootstrapServers(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
    return this;
  }

  /**
   * Sends every message to one topic. Exactly one of this and {@link #topicRouter(Function)} is
   * required. Create the topic beforehand: do not rely on the broker creating it on first use.
   *
   * @param topic the topic
   * @return this builder
   */
  public CkafkaSinkBuilder topic(String topic) {
    this.topic = topic;
    return this;
  }

  /**
   * Chooses the topic per message, for example {@code m -> m.isStatus() ? "status" : "data"}. It
   * must be thread-safe and fast. A router that throws or returns {@code null} or a blank name
   * fails that message's future with a {@link PermanentForwardingException}.
   *
   * @param topicRouter the router
   * @return this builder
   */
  public CkafkaSinkBuilder topicRouter(Function<DeviceMessage, String> topicRouter) {
    this.topicRouter = topicRouter;
    return this;
  }

  /**
   * How the record key is made. Default: {@link KeyStrategy#deviceKey()} ({@code
   * ProductName/DeviceName}).
   *
   * @param keyStrategy the strategy
   * @return this builder
   */
  public CkafkaSinkBuilder key(KeyStrategy keyStrategy) {
    this.keyStrategy = keyStrategy;
    return this;
  }

  /**
   * Whether records carry the headers {@code MsgType}, {@code Event}, {@code Topic}, {@code Seq},
   * {@code DeviceId}, {@code ProductName} and {@code DeviceName} (UTF-8 strings). Default: {@code
   * false} (the value already holds all of them; headers cost bytes on every record).
   *
   * @param headers {@code true} to add them
   * @return this builder
   */
  public CkafkaSinkBuilder headers(boolean headers) {
    this.headers = headers;
    return this;
  }

  /**
   * Sets a property of the producer the sink creates, overriding {@link
   * CkafkaSink#producerDefaults()}: anything Kafka's producer accepts, such as {@code
   * delivery.timeout.ms}, {@code max.request.size}, {@code ssl.truststore.location}. The key and
   * value serializers cannot be set.
   *
   * @param key the producer config key
   * @param value its value
   * @return this builder
   */
  public CkafkaSinkBuilder producerProperty(String key, Object value) {
    producerProperties.put(key, value);
    return this;
  }

  /**
   * Sets several producer properties; see {@link #producerProperty(String, Object)}.
   *
   * @param properties the properties
   * @return this builder
   */
  public CkafkaSinkBuilder producerProperties(Map<String, ?> properties) {
    producerProperties.putAll(properties);
    return this;
  }

  /**
   * Connects with SASL_PLAINTEXT and mechanism PLAIN as a CKafka user, which is how CKafka is
   * reached over the public network: the SASL user name is {@code <instanceId>#<userName>}. The
   * password appears in no log, {@code toString()} or exception message.
   *
   * @param instanceId the instance id, e.g. {@code ckafka-abc123}
   * @param userName the user created in the console
   * @param password that user's password
   * @return this builder
   */
  public CkafkaSinkBuilder sasl(String instanceId, String userName, String password) {
    return security("SASL_PLAINTEXT", instanceId, userName, password);
  }

  /**
   * Like {@link #sasl(String, String, String)}, over TLS: SASL_SSL with mechanism PLAIN, for
   * instances that offer it. The JVM's default trust store is used unless producer properties such
   * as {@code ssl.truststore.location} say otherwise.
   *
   * @param instanceId the instance id, e.g. {@code ckafka-abc123}
   * @param userName the user created in the console
   * @param password that user's password
   * @return this builder
   */
  public CkafkaSinkBuilder saslSsl(String instanceId, String userName, String password) {
    return security("SASL_SSL", instanceId, userName, password);
  }

  private CkafkaSinkBuilder security(String protocol, String instanceId, String userName, String password) {
    this.securityProtocol = protocol;
    this.instanceId = instanceId;
    this.userName = userName;
    this.password = password;
    return this;
  }

  /**
   * Uses the host's producer instead of creating one. The sink never closes it. The settings of
   * the producer are the host's: bootstrap servers, SASL and producer properties cannot be set on
   * this builder too. Use an idempotent producer (Kafka's default) for the ordering guarantee.
   *
   * @param producer the host's producer, with byte-array keys and values
   * @return this builder
   */
  public CkafkaSinkBuilder producer(Producer<byte[], byte[]> producer) {
    this.producer = producer;
    return this;
  }

  /**
   * How long {@link CkafkaSink#close()} waits for records in flight. Default: 30 s.
   *
   * @param closeTimeout zero or positive
   * @return this builder
   */
  public CkafkaSinkBuilder closeTimeout(Duration closeTimeout) {
    this.closeTimeout = closeTimeout;
    return this;
  }

  /**
   * The codec that writes the record values. Default: {@link EnvelopeCodec#standard()} (compact).
   *
   * @param codec the codec
   * @return this builder
   */
  public CkafkaSinkBuilder codec(EnvelopeCodec codec) {
    this.codec = codec;
    return this;
  }

  /**
   * Whether the sink asks the cluster if a topic exists when the producer cannot get the topic's
   * metadata within {@code max.block.ms}. Default: on. A cluster that answers "no such topic" (an
   * admin {@code describeTopics}) makes the sink fail the record at once with a {@link
   * PermanentForwardingException} "Topic X does not exist", log that once at WARN, and fail further
   * records to that topic at once for 10 s before asking again; without an answer (an outage) the
   * record waits as the class comment of {@link CkafkaSink} describes. Turn it off for a principal
   * whose ACLs forbid describing topics (an authorization error is not taken as an answer, so the
   * check then only costs a short wait), or to keep a record to a missing topic waiting for
   * someone to create it. Always off with {@link #producer(Producer)}: the sink does not know how
   * to reach the host's cluster.
   *
   * @param topicCheck {@code false} to never ask
   * @return this builder
   */
  public CkafkaSinkBuilder topicCheck(boolean topicCheck) {
    this.topicCheck = topicCheck;
    return this;
  }

  /**
   * Checks the settings and builds the sink, creating its producer unless one was given. Creating
   * a producer does not connect yet: a wrong address or password shows in the first sends.
   *
   * @return the sink
   * @throws IllegalArgumentException listing every invalid setting
   * @throws org.apache.kafka.common.KafkaException if Kafka rejects the producer configuration (its
   *     message never contains the password)
   */
  public CkafkaSink build() {
    validate();
    RecordFactory records = new RecordFactory(name, topic, topicRouter, keyStrategy, headers, codec);
    if (producer != null) {
      return new CkafkaSink(name, producer, false, records, closeTimeout, true, describe(false), password,
          ProducerSettings.DEFAULT_DELIVERY_TIMEOUT_MS, TopicCheck.off(name));
    }
    Map<String, Object> props = ProducerSettings.properties(name, bootstrapServers, producerProperties,
        securityProtocol, instanceId + "#" + userName, password);
    KafkaProducer<byte[], byte[]> created = ProducerSettings.create(name, props, password);
    log.debug("CKafka sink '{}' created its producer: {}", name, describe(true));
    return new CkafkaSink(name, created, true, records, closeTimeout, ProducerSettings.preservesOrder(props),
        describe(true), password, ProducerSettings.deliveryTimeoutMillis(props), topicCheck
            ? TopicCheck.of(name, props, ProducerSettings.maxBlockMillis(props)) : TopicCheck.off(name));
  }

  private void validate() {
    Problems p = Problems.of("CkafkaSink configuration");
    p.check(name != null && !name.isBlank(), "name was " + quoted(name) + " but must not be blank");
    if (topic == null && topicRouter == null) {
      p.add("topic or topicRouter is required");
    } else if (topic != null && topicRouter != null) {
      p.add("topic and topicRouter are both set; choose one");
    } else if (topic != null) {
      p.check(!topic.isBlank(), "topic was " + quoted(topic) + " but must not be blank");
    }
    p.required("key", keyStrategy).required("codec", codec).notNegative("closeTimeout", closeTimeout);
    if (producer != null) {
      p.check(bootstrapServers == null,
          "bootstrapServers was set but a producer was given: configure the producer instead");
      p.check(securityProtocol == null, "sasl/saslSsl was set but a producer was given: configure the producer instead");
      p.check(producerProperties.isEmpty(), "producerProperties " + producerProperties.keySet()
          + " were set but a producer was given: configure the producer instead");
    } else {
      p.check(bootstrapServers != null && !bootstrapServers.isBlank(),
          "bootstrapServers was " + quoted(bootstrapServers) + " but is required unless a producer is given");
      for (String k : ProducerSettings.SERIALIZERS) {
        p.check(!producerProperties.containsKey(k), k + " was " + quoted(String.valueOf(producerProperties.get(k)))
            + " but must not be set (the sink sends byte arrays)");
      }
      if (securityProtocol != null) {
        p.check(instanceId != null && !instanceId.isBlank() && !instanceId.contains("#"), "instanceId was "
            + quoted(instanceId) + " but must be the CKafka instance id, e.g. ckafka-abc123");
        p.check(userName != null && !userName.isBlank(), "userName was " + quoted(userName) + " but must not be blank");
        // An empty password is shown as such; any other is never shown.
        p.check(password != null && !password.isEmpty(),
            "password was " + (password == null ? "null" : "\"\"") + " but must not be empty");
        for (String k : ProducerSettings.SASL_KEYS) {
          p.check(!producerProperties.containsKey(k), k + " was set as a producer property and by sasl/saslSsl; use one");
        }
      }
    }
    p.throwIfAny();
  }

  private static String quoted(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }

  private String describe(boolean owned) {
    StringBuilder s = new StringBuilder("CkafkaSink[name=").append(name);
    if (owned) {
      s.append(", bootstrapServers=").append(bootstrapServers);
    } else {
      s.append(", producer=host's");
    }
    s.append(topic != null ? ", topic=" + topic : ", topicRouter");
    if (securityProtocol != null) {
      s.append(", securityProtocol=").append(securityProtocol)
          .append(", saslUser=").append(instanceId).append('#').append(userName)
          .append(", password=****");
    }
    if (headers) {
      s.append(", headers");
    }
    return s.append(']').toString();
  }
}
