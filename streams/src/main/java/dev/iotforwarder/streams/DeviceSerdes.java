package dev.iotforwarder.streams;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ckafka.DeviceMessageDeserializer;
import dev.iotforwarder.ckafka.DeviceMessageSerializer;
import dev.iotforwarder.streams.internal.PresenceCodec;
import dev.iotforwarder.streams.internal.SeqGapCodec;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Serdes for any topology: the device-message envelope, as {@code CkafkaSink} writes it, the presence
 * values of {@link DevicePresenceTopology} and the gaps of {@link DeviceGapDetection}. Each call
 * returns a new, thread-safe serde.
 */
public final class DeviceSerdes {
  private DeviceSerdes() {}

  /**
   * The JSON envelope ({@code EnvelopeCodec.standard()}); {@code null} maps to {@code null}, and bytes
   * that are not an envelope throw a {@code SerializationException} naming the field.
   *
   * @return the serde
   */
  public static Serde<DeviceMessage> deviceMessage() {
    return Serdes.serdeFrom(new DeviceMessageSerializer(), new DeviceMessageDeserializer());
  }

  /**
   * A compact binary form of {@link DevicePresence} (a version byte, then the fields), for the
   * presence store and for topics that carry presence.
   *
   * @return the serde
   */
  public static Serde<DevicePresence> devicePresence() {
    return Serdes.serdeFrom(PresenceCodec::serialize, PresenceCodec::deserialize);
  }

  /**
   * A compact binary form of {@link SeqGap} (a version byte, then the fields), for topics that carry
   * the gaps of {@link DeviceGapDetection}.
   *
   * @return the serde
   */
  public static Serde<SeqGap> seqGap() {
    return Serdes.serdeFrom(SeqGapCodec::serialize, SeqGapCodec::deserialize);
  }
}
