package dev.iotforwarder.streams.internal;

import dev.iotforwarder.streams.DevicePresence;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The binary form of {@link DevicePresence}: version byte 1, then deviceId, productName, deviceName,
 * online, lastEvent, seq, seenAt ({@link DataOutputStream} encodings). Stateless.
 */
public final class PresenceCodec {
  private static final byte VERSION = 1;

  private PresenceCodec() {}

  /**
   * Encodes a presence value.
   *
   * @param topic unused
   * @param p the value, may be {@code null}
   * @return the bytes, or {@code null} for {@code null}
   */
  public static byte[] serialize(String topic, DevicePresence p) {
    if (p == null) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(p.deviceId());
      out.writeUTF(p.productName());
      out.writeUTF(p.deviceName());
      out.writeBoolean(p.online());
      out.writeUTF(p.lastEvent());
      out.writeLong(p.seq());
      out.writeLong(p.seenAt());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a presence value.
   *
   * @param topic the topic, for the error message
   * @param data the bytes, may be {@code null}
   * @return the value, or {@code null} for {@code null}
   * @throws SerializationException if the bytes are not a presence value of a known version
   */
  public static DevicePresence deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new SerializationException("Presence value on " + topic + " has unknown version " + version);
      }
      DevicePresence p = new DevicePresence(in.readUTF(), in.readUTF(), in.readUTF(), in.readBoolean(),
          in.readUTF(), in.readLong(), in.readLong());
      if (in.available() != 0) {
        throw new SerializationException("Presence value on " + topic + " has " + in.available()
            + " trailing bytes");
      }
      return p;
    } catch (IOException e) {
      throw new SerializationException("Presence value on " + topic + " is truncated or malformed: " + e, e);
    }
  }
}
