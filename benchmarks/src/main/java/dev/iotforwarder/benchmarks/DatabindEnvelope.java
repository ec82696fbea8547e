package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.iotforwarder.DeviceMessage;

/**
 * The baseline of the codec benchmarks: the envelope as a user would map it by hand with Jackson
 * databind, one field per envelope field in wire order, the payload as {@code byte[]} (which
 * databind writes and reads as standard Base64). Used with a shared {@code ObjectWriter} and {@code
 * ObjectReader}; it writes byte for byte what {@code EnvelopeCodec} writes.
 */
@JsonPropertyOrder({
  "MsgType", "Event", "Topic", "Seq", "PayloadLen", "DeviceId", "ProductName", "DeviceName", "Payload"
})
public final class DatabindEnvelope {
  @JsonProperty("MsgType")
  public String msgType;

  @JsonProperty("Event")
  public String event;

  @JsonProperty("Topic")
  public String topic;

  @JsonProperty("Seq")
  public long seq;

  @JsonProperty("PayloadLen")
  public int payloadLen;

  @JsonProperty("DeviceId")
  public String deviceId;

  @JsonProperty("ProductName")
  public String productName;

  @JsonProperty("DeviceName")
  public String deviceName;

  @JsonProperty("Payload")
  public byte[] payload;

  /** For databind. */
  public DatabindEnvelope() {}

  /**
   * The same fields as a message.
   *
   * @param m the message
   * @return a new POJO
   */
  public static DatabindEnvelope of(DeviceMessage m) {
    DatabindEnvelope e = new DatabindEnvelope();
    e.msgType = m.msgType().wireName();
    e.event = m.event();
    e.topic = m.topic();
    e.seq = m.seq();
    e.payloadLen = m.payloadLen();
    e.deviceId = m.deviceId();
    e.productName = m.productName();
    e.deviceName = m.deviceName();
    e.payload = m.payload();
    return e;
  }
}
