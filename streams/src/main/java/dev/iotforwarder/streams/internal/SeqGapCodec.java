package dev.iotforwarder.streams.internal;

import dev.iotforwarder.streams.SeqGap;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The binary form of {@link SeqGap}: version byte 1, then deviceId, firstMissing, lastMissing,
 * openedAt, reportedAt ({@link DataOutputStream} encodings). Stateless.
 */
public final class SeqGapCodec {
  private static final byte VERSION = 1;

  private SeqGapCodec() {}

  /**
   * Encodes a gap.
   *
   * @param topic unused
   * @param g the gap, may be {@code null}
   * @return the bytes, or {@code null}
   */
  public static byte[] serialize(String topic, SeqGap g) {
    if (g == null) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(g.deviceId());
      out.writeLong(g.firstMissing());
      out.writeLong(g.lastMissing());
      out.writeLong(g.openedAt());
      out.writeLong(g.reportedAt());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a gap.
   *
   * @param topic the topic, for the error message
   * @param data the bytes, may be {@code null}
   * @return the gap, or {@code null}
   * @throws SerializationException if the bytes are not a gap of a known version
   */
  public static SeqGap deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new SerializationException("Seq gap on " + topic + " has unknown version " + version);
      }
      SeqGap g = new SeqGap(in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
      if (in.available() != 0) {
        throw new SerializationException("Seq gap on " + topic + " has " + in.available() + " trailing bytes");
      }
      return g;
    } catch (IOException | IllegalArgumentException e) {
      throw new SerializationException("Seq gap on " + topic + " is truncated or malformed: " + e, e);
    }
  }
}
