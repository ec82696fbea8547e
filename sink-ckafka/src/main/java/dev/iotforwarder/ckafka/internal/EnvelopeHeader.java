package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.DeviceMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Header;

/** A record header with a UTF-8 string value; our own so as not to depend on Kafka's internals. */
public record EnvelopeHeader(String key, byte[] value) implements Header {

  /** The optional envelope headers of a message, named like the envelope's fields. */
  public static List<Header> of(DeviceMessage m) {
    return List.of(
        utf8("MsgType", m.msgType().wireName()),
        utf8("Event", m.event()),
        utf8("Topic", m.topic()),
        utf8("Seq", Long.toString(m.seq())),
        utf8("DeviceId", m.deviceId()),
        utf8("ProductName", m.productName()),
        utf8("DeviceName", m.deviceName()));
  }

  private static Header utf8(String key, String value) {
    return new EnvelopeHeader(key, value.getBytes(StandardCharsets.UTF_8));
  }
}
