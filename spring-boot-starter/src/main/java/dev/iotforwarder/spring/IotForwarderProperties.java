package dev.iotforwarder.spring;

import dev.iotforwarder.MessageType;
import dev.iotforwarder.OverflowPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The forwarder's settings under {@code iot.forwarder}. Sinks are named by their map key; routes,
 * lanes and the health indicator refer to them by that name, as to the host's own {@code Sink}
 * beans. Immutable; {@link #toString()} of the records holding secrets redacts them.
 *
 * @param enabled Whether to configure a forwarder at all.
 * @param closeTimeout How long shutdown waits for accepted messages before failing what is left.
 * @param ckafka CKafka sinks, by sink name.
 * @param cmq CMQ client and CMQ sinks.
 * @param routes Routes from messages to sinks; none means every message goes to every sink.
 * @param lane Lane settings of every sink without settings of its own.
 * @param lanes Lane settings of single sinks, by sink name.
 * @param spool Durable spool; off unless a directory is set.
 * @param deadLetterFile File that collects the messages no sink could deliver (JSON lines).
 * @param metrics Micrometer meters and the delivery timer.
 */
@ConfigurationProperties("iot.forwarder")
public record IotForwarderProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("30s") Duration closeTimeout,
    Map<String, Ckafka> ckafka,
    @DefaultValue Cmq cmq,
    List<Route> routes,
    @DefaultValue Lane lane,
    Map<String, Lane> lanes,
    @DefaultValue Spool spool,
    Path deadLetterFile,
    @DefaultValue Metrics metrics) {

  /** Replaces missing maps and lists by empty ones. */
  public IotForwarderProperties {
    ckafka = ckafka == null ? Map.of() : ckafka;
    routes = routes == null ? List.of() : routes;
    lanes = lanes == null ? Map.of() : lanes;
  }

  /**
   * One CKafka sink. Set either {@code topic}, or both {@code status-topic} and {@code
   * publish-topic} (the Status/Publish split).
   *
   * @param bootstrapServers Bootstrap servers, host:port[,host:port...].
   * @param topic Topic that takes every message.
   * @param statusTopic Topic for Status messages, with publish-topic instead of topic.
   * @param publishTopic Topic for Publish messages, with status-topic instead of topic.
   * @param sasl SASL/PLAIN login of a CKafka instance; none for a plaintext broker.
   * @param producer Kafka producer properties that override the sink's defaults.
   */
  public record Ckafka(
      String bootstrapServers,
      String topic,
      String statusTopic,
      String publishTopic,
      Sasl sasl,
      Map<String, String> producer) {

    /** Replaces a missing producer map by an empty one. */
    public Ckafka {
      producer = producer == null ? Map.of() : producer;
    }
  }

  /**
   * A CKafka SASL/PLAIN login; the broker sees the user as {@code instance-id#username}.
   *
   * @param instanceId CKafka instance id, e.g. ckafka-abc123.
   * @param username User name inside the instance.
   * @param password Password; from the environment or a secret store, never committed.
   * @param ssl Whether to use SASL_SSL rather than SASL_PLAINTEXT (CKafka's public-network access).
   */
  public record Sasl(
      String instanceId, String username, String password, @DefaultValue("false") boolean ssl) {

    /** @return the login with the password redacted */
    @Override
    public String toString() {
      return "Sasl[instanceId=" + instanceId + ", username=" + username + ", password="
          + Redact.secret(password) + ", ssl=" + ssl + "]";
    }
  }

  /**
   * The CMQ client (one per application, shared by the CMQ sinks) and the CMQ sinks.
   *
   * @param endpoint Endpoint URL; instead of region.
   * @param region Region of the TDMQ for CMQ endpoint, e.g. ap-guangzhou; instead of endpoint.
   * @param privateNetwork Whether the region's endpoint is the private-network (VPC) one.
   * @param secretId API secret id.
   * @param secretKey API secret key; from the environment or a secret store, never committed.
   * @param token Temporary credentials' session token, if any.
   * @param sinks CMQ sinks, by sink name.
   */
  public record Cmq(
      String endpoint,
      String region,
      @DefaultValue("false") boolean privateNetwork,
      String secretId,
      String secretKey,
      String token,
      Map<String, CmqSinkProperties> sinks) {

    /** Replaces a missing sink map by an empty one. */
    public Cmq {
      sinks = sinks == null ? Map.of() : sinks;
    }

    /** @return the settings with the secret key and token redacted */
    @Override
    public String toString() {
      return "Cmq[endpoint=" + endpoint + ", region=" + region + ", privateNetwork="
          + privateNetwork + ", secretId=" + secretId + ", secretKey=" + Redact.secret(secretKey)
          + ", token=" + Redact.secret(token) + ", sinks=" + sinks + "]";
    }
  }

  /**
   * One CMQ sink: a queue or a topic.
   *
   * @param queue Queue to send to; instead of topic.
   * @param topic Topic to publish to; instead of queue.
   * @param tags Message tags on every message (topic mode).
   * @param tagByType Whether to tag each message with its type, Status or Publish (topic mode).
   */
  public record CmqSinkProperties(
      String queue, String topic, List<String> tags, @DefaultValue("false") boolean tagByType) {

    /** Replaces a missing tag list by an empty one. */
    public CmqSinkProperties {
      tags = tags == null ? List.of() : tags;
    }
  }

  /**
   * A route: which messages go to which sinks. Several sinks make a fan-out; a backup makes a
   * failover route of exactly one sink.
   *
   * @param sinks Sink names the route sends to (each gets every message the route takes).
   * @param types Message types the route takes; none means all.
   * @param topic MQTT-style topic pattern the route takes (+ and # wildcards); none means all.
   * @param backup Sink that takes the messages the (single) sink cannot deliver.
   */
  public record Route(List<String> sinks, List<MessageType> types, String topic, String backup) {

    /** Replaces missing lists by empty ones. */
    public Route {
      sinks = sinks == null ? List.of() : sinks;
      types = types == null ? List.of() : types;
    }
  }

  /**
   * Lane settings; anything not set keeps the library's default.
   *
   * @param maxMessages Messages the lane holds at most.
   * @param maxInFlight Sends outstanding at the sink at most.
   * @param threads Completer threads.
   * @param ordered Whether one device's messages reach the sink in order.
   * @param sendTimeout Time a send may take before it counts as failed.
   * @param publishOverflow What a full lane does with a Publish message.
   * @param statusOverflow What a full lane does with a Status message.
   * @param retry Retry policy of the lane.
   */
  public record Lane(
      Integer maxMessages,
      Integer maxInFlight,
      Integer threads,
      Boolean ordered,
      Duration sendTimeout,
      OverflowPolicy publishOverflow,
      OverflowPolicy statusOverflow,
      @DefaultValue Retry retry) {}

  /**
   * A retry policy; anything not set keeps the library's default.
   *
   * @param maxAttempts Sends per message at most, the first included.
   * @param initialBackoff Wait before the first retry.
   * @param maxBackoff Longest wait between retries.
   * @param multiplier Growth of the wait from one retry to the next.
   * @param maxElapsed Time budget of one message's retries.
   */
  public record Retry(
      Integer maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      Double multiplier,
      Duration maxElapsed) {}

  /**
   * The durable spool.
   *
   * @param directory Spool directory on a local disk; the spool is off without one.
   * @param maxDisk Disk space the spool may take at most.
   * @param fullPolicy What a full spool does with a new message.
   */
  public record Spool(Path directory, DataSize maxDisk, OverflowPolicy fullPolicy) {}

  /**
   * The Micrometer meters (with a registry in the context).
   *
   * @param enabled Whether to register the forwarder's meters.
   * @param name Value of the forwarder tag on every meter.
   * @param deliveryTimer Whether to time each delivery from forward() to the sink's acknowledgement.
   * @param percentileHistogram Whether the delivery timer publishes a percentile histogram.
   */
  public record Metrics(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("default") String name,
      @DefaultValue("true") boolean deliveryTimer,
      @DefaultValue("false") boolean percentileHistogram) {}
}
