package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.ckafka.KeyStrategy;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Builds the Kafka record of a message: the topic (fixed or routed), the key ({@link KeyStrategy}),
 * the envelope as the value, the optional envelope headers ({@link EnvelopeHeader}), and as its
 * timestamp the message's receive time ({@link DeviceMessage#receivedAtMillis()}; the producer's
 * clock only for a message without one), so that a retried or replayed record keeps the time the
 * gateway received it. Immutable and thread-safe if the router and key strategy are.
 */
public final class RecordFactory {
  private final String sink;
  private final String fixedTopic;
  private final Function<DeviceMessage, String> router;
  private final KeyStrategy keys;
  private final boolean headers;
  private final EnvelopeCodec codec;

  /**
   * A factory.
   *
   * @param sink the sink's name, for errors
   * @param fixedTopic the topic of every record, or {@code null} to route
   * @param router chooses the topic per message when {@code fixedTopic} is {@code null}
   * @param keys makes the key
   * @param headers whether to add the envelope headers
   * @param codec writes the value
   */
  public RecordFactory(String sink, String fixedTopic, Function<DeviceMessage, String> router, KeyStrategy keys,
      boolean headers, EnvelopeCodec codec) {
    this.sink = sink;
    this.fixedTopic = fixedTopic;
    this.router = router;
    this.keys = keys;
    this.headers = headers;
    this.codec = codec;
  }

  /**
   * The record of one message.
   *
   * @param m the message
   * @return the record
   * @throws ForwardingException a {@link PermanentForwardingException} if the router returns no
   *     topic, or if the router, the key strategy or the codec throws (the same message would fail
   *     again); a {@link ForwardingException} any of them threw, as it is
   */
  public ProducerRecord<byte[], byte[]> record(DeviceMessage m) {
    try {
      String topic = fixedTopic != null ? fixedTopic : router.apply(m);
      if (topic == null || topic.isBlank()) {
        throw new PermanentForwardingException("The topic router of sink '" + sink
            + "' returned no topic for device " + m.deviceKey() + ", seq " + m.seq(), sink, null);
      }
      byte[] key = keys.key(m);
      byte[] value = codec.encode(m);
      List<Header> hs = headers ? EnvelopeHeader.of(m) : null;
      long received = m.receivedAtMillis();
      return new ProducerRecord<>(topic, null, received == 0 ? null : received, key, value, hs);
    } catch (ForwardingException e) {
      throw e; // the router's, the key strategy's or the codec's own verdict
    } catch (RuntimeException e) {
      throw new PermanentForwardingException("Could not build the Kafka record for device " + m.deviceKey()
          + ", seq " + m.seq() + " (sink '" + sink + "'): " + e, sink, e);
    }
  }
}
