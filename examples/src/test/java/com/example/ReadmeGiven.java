package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.spi.Sink;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;

/**
 * What the README's short fragments take as given: the variables and helpers they use without
 * declaring them. {@link ReadmeFragmentsTest} compiles each fragment as a method of a subclass, so a
 * fragment sees these names (and may declare its own, which shadow them). Only compiled, never run.
 *
 * <p>A new fragment that uses another undeclared name gets it here, with the type the README's prose
 * implies.
 */
public abstract class ReadmeGiven {
  /** The Kafka client settings of a consumer or producer. */
  protected Properties props;
  /** The CMQ connection settings of the CMQ section. */
  protected CmqClient cmq;
  /** A CMQ sink of the CMQ section. */
  protected Sink cmqSink;
  /** A CKafka sink of the CKafka section. */
  protected CkafkaSink kafka;
  /** The message a gateway forwards. */
  protected DeviceMessage message;
  /** The bytes of an envelope. */
  protected byte[] bytes;
  /** The gateway's MQTT session (a broker's API, not this library's). */
  protected MqttSession mqtt;
  /** The MQTT packet id of the message being acknowledged. */
  protected int packetId;
  /** A producer that parks undecodable records on a topic of their own. */
  protected KafkaProducer<String, byte[]> parked;
  /** The host's logger. */
  protected Logger log;
  /** A running Kafka Streams instance of the Backend section. */
  protected KafkaStreams streams;
  /** The host's Micrometer registry. */
  protected MeterRegistry registry;

  /**
   * The host's handling of one message.
   *
   * @param message the message
   */
  protected void handle(DeviceMessage message) {}

  /**
   * The host's parking of a message it gives up on.
   *
   * @param id the message's id
   * @param body its body
   * @param reason why
   */
  protected void park(String id, String body, Exception reason) {}

  /** An MQTT broker's session, as far as the README uses it. */
  protected interface MqttSession {
    /**
     * Acknowledges a QoS 1 publish.
     *
     * @param packetId the packet id
     */
    void puback(int packetId);
  }
}
