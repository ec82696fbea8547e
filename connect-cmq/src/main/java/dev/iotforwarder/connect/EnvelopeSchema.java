package dev.iotforwarder.connect;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.MessageType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * The Connect schema of a device message, for converters that want one ({@code cmq.value.format=struct}
 * on the source; accepted by the sink): the envelope's fields under their wire names, {@code
 * PayloadLen} left out (it is the payload's length) and {@code Payload} as raw bytes.
 *
 * <p>Fields: {@code MsgType} (string, {@code Publish} or {@code Status}), {@code Event}, {@code
 * Topic} (strings), {@code Seq} (int64), {@code DeviceId}, {@code ProductName}, {@code DeviceName}
 * (strings), {@code Payload} (bytes). The schema is named {@value #NAME}, version 1.
 */
public final class EnvelopeSchema {
  /** The schema's name. */
  public static final String NAME = "dev.iotforwarder.DeviceMessage";

  /** The schema. */
  public static final Schema SCHEMA = SchemaBuilder.struct()
      .name(NAME)
      .version(1)
      .doc("An IoT device message (the iot-forwarder envelope)")
      .field("MsgType", Schema.STRING_SCHEMA)
      .field("Event", Schema.STRING_SCHEMA)
      .field("Topic", Schema.STRING_SCHEMA)
      .field("Seq", Schema.INT64_SCHEMA)
      .field("DeviceId", Schema.STRING_SCHEMA)
      .field("ProductName", Schema.STRING_SCHEMA)
      .field("DeviceName", Schema.STRING_SCHEMA)
      .field("Payload", Schema.BYTES_SCHEMA)
      .build();

  private EnvelopeSchema() {}

  /**
   * A message as a Struct of {@link #SCHEMA}.
   *
   * @param m the message
   * @return the struct
   */
  public static Struct toStruct(DeviceMessage m) {
    return new Struct(SCHEMA)
        .put("MsgType", m.msgType().wireName())
        .put("Event", m.event())
        .put("Topic", m.topic())
        .put("Seq", m.seq())
        .put("DeviceId", m.deviceId())
        .put("ProductName", m.productName())
        .put("DeviceName", m.deviceName())
        .put("Payload", m.payload());
  }

  /**
   * A Struct with the fields of {@link #SCHEMA} (by name; its schema's name is not checked) as a
   * message.
   *
   * @param s the struct
   * @return the message
   * @throws DataException naming the missing or wrongly typed field, or the invalid message
   */
  public static DeviceMessage fromStruct(Struct s) {
    try {
      Object payload = s.get("Payload");
      byte[] bytes = payload instanceof java.nio.ByteBuffer b ? bufferBytes(b) : (byte[]) payload;
      return new DeviceMessage(MessageType.fromWireName(s.getString("MsgType")), s.getString("Event"),
          s.getString("Topic"), s.getInt64("Seq"), s.getString("DeviceId"), s.getString("ProductName"),
          s.getString("DeviceName"), bytes);
    } catch (RuntimeException e) {
      throw new DataException("Not a device message: " + e.getMessage(), e);
    }
  }

  private static byte[] bufferBytes(java.nio.ByteBuffer b) {
    byte[] bytes = new byte[b.remaining()];
    b.duplicate().get(bytes);
    return bytes;
  }
}
