package dev.iotforwarder.internal.spool;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.MessageType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes a record body: the fields of the message (the envelope's and its receive time) and the
 * routes it took, in a compact binary form (big-endian).
 *
 * <pre>
 * body   := msgType u8 (0 Publish, 1 Status) | seq i64 | receivedMillis i64
 *           | deviceId str | productName str | deviceName str | event str | topic str
 *           | routeCount u8 | (sink str | backup str)*  (backup "" when none)
 *           | payloadLength u32 | payload
 * str    := length u32 | UTF-8 bytes
 * </pre>
 *
 * <p>Binary rather than the JSON envelope: the payload stays raw (Base64 would add a third), nothing
 * is parsed on replay, and the spool's format does not move when the wire format or the codec's
 * limits do. The routes are what the spool needs to know which sinks still owe an acknowledgement.
 *
 * <p>{@code receivedMillis} is the message's {@link DeviceMessage#receivedAtMillis() receive time}:
 * the host's, or the forwarder's clock when {@code forward()} was called. Format version 1 named
 * the field {@code appendedMillis} and wrote the forwarder's clock at intake into it, which is the
 * same moment as the stamp {@code forward()} now gives a message without a receive time, so records
 * written before the receive time existed read back with the time they were accepted: no version
 * change. A negative value (never written by this code) reads as not set.
 */
public final class RecordCodec {
  private static final int PUBLISH = 0;
  private static final int STATUS = 1;

  private RecordCodec() {}

  /** A record ready to be written: header space, body, and the body's partial checksum. */
  public static final class Encoded {
    final byte[] buf;
    final CRC32C crc;
    /** The message's receive time, for the segment's bookkeeping. */
    final long receivedMillis;

    Encoded(byte[] buf, CRC32C crc, long receivedMillis) {
      this.buf = buf;
      this.crc = crc;
      this.receivedMillis = receivedMillis;
    }

    /** @return header plus body bytes */
    public int size() {
      return buf.length;
    }
  }

  /**
   * Encodes a record body behind room for its header.
   *
   * @param message the message
   * @param sinks the sinks it is routed to (at most 255)
   * @param backups their failover backups ({@code null} or "" for none), same length
   * @return the record, to hand to {@link SegmentWriter#append}; it keeps the message's receive time
   */
  public static Encoded encode(DeviceMessage message, String[] sinks, String[] backups) {
    if (sinks.length > 255) {
      throw new IllegalArgumentException("more than 255 routes: " + sinks.length);
    }
    byte[][] strings = new byte[5 + 2 * sinks.length][];
    strings[0] = utf8(message.deviceId());
    strings[1] = utf8(message.productName());
    strings[2] = utf8(message.deviceName());
    strings[3] = utf8(message.event());
    strings[4] = utf8(message.topic());
    for (int i = 0; i < sinks.length; i++) {
      strings[5 + 2 * i] = utf8(sinks[i]);
      strings[6 + 2 * i] = utf8(backups[i] == null ? "" : backups[i]);
    }
    ByteBuffer payload = message.payloadBuffer();
    long size = SpoolFormat.RECORD_HEADER_BYTES + 1 + 8 + 8 + 1 + 4 + payload.remaining();
    for (byte[] s : strings) {
      size += 4 + s.length;
    }
    if (size - SpoolFormat.RECORD_HEADER_BYTES > SpoolFormat.MAX_BODY_BYTES) {
      throw new IllegalArgumentException("message too large for the spool: " + size + " bytes");
    }
    byte[] buf = new byte[(int) size];
    ByteBuffer b = ByteBuffer.wrap(buf);
    b.position(SpoolFormat.RECORD_HEADER_BYTES);
    b.put((byte) (message.msgType() == MessageType.STATUS ? STATUS : PUBLISH));
    b.putLong(message.seq());
    b.putLong(message.receivedAtMillis());
    for (int i = 0; i < 5; i++) {
      b.putInt(strings[i].length).put(strings[i]);
    }
    b.put((byte) sinks.length);
    for (int i = 5; i < strings.length; i++) {
      b.putInt(strings[i].length).put(strings[i]);
    }
    b.putInt(payload.remaining()).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(buf, SpoolFormat.RECORD_HEADER_BYTES, buf.length - SpoolFormat.RECORD_HEADER_BYTES);
    return new Encoded(buf, crc, message.receivedAtMillis());
  }

  /**
   * Fills in the record header once the sequence number is known.
   *
   * @param r the record
   * @param seq its sequence number
   */
  static void seal(Encoded r, long seq) {
    int len = r.buf.length - SpoolFormat.RECORD_HEADER_BYTES;
    ByteBuffer h = ByteBuffer.wrap(r.buf, 0, SpoolFormat.RECORD_HEADER_BYTES);
    h.putInt(SpoolFormat.RECORD_MAGIC).putInt(len).putLong(seq);
    r.crc.update(r.buf, 4, 12);
    h.putInt((int) r.crc.getValue());
  }

  /**
   * Decodes a body whose checksum was verified.
   *
   * @param seq the record's sequence number
   * @param body the body
   * @param offset where the record starts in its segment
   * @param end where the next record starts
   * @return the record
   * @throws IllegalArgumentException if the body is malformed
   */
  public static SpooledRecord decode(long seq, ByteBuffer body, long offset, long end) {
    try {
      int type = body.get() & 0xff;
      if (type != PUBLISH && type != STATUS) {
        throw new IllegalArgumentException("unknown message type code " + type);
      }
      long msgSeq = body.getLong();
      long received = Math.max(0, body.getLong());
      String deviceId = str(body);
      String productName = str(body);
      String deviceName = str(body);
      String event = str(body);
      String topic = str(body);
      int routes = body.get() & 0xff;
      List<String> sinks = new ArrayList<>(routes);
      List<String> backups = new ArrayList<>(routes);
      for (int i = 0; i < routes; i++) {
        sinks.add(str(body));
        backups.add(str(body));
      }
      int n = body.getInt();
      if (n < 0 || n != body.remaining()) {
        throw new IllegalArgumentException(
            "payload length " + n + " but " + body.remaining() + " bytes left");
      }
      byte[] payload = new byte[n];
      body.get(payload);
      DeviceMessage m = new DeviceMessage(type == STATUS ? MessageType.STATUS : MessageType.PUBLISH,
          event, topic, msgSeq, deviceId, productName, deviceName, payload, received);
      return new SpooledRecord(seq, m, List.copyOf(sinks), List.copyOf(backups), offset, end);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("record body ends early", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("string length " + n + " but " + b.remaining() + " bytes left");
    }
    String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
    b.position(b.position() + n);
    return s;
  }
}
