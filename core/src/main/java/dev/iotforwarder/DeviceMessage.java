// Why this file is a little over 500 lines: it is the library's central value type, with the class
// Javadoc (validation, receive time, equality), nine documented accessors (written out: a class, not
// a record, see below), and its public nested Builder (DeviceMessage.Builder), one documented
// setter per field.
package dev.iotforwarder;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One device message: the nine fields of the wire envelope, with the payload held as raw bytes.
 *
 * <p>Immutable and thread-safe. The constructor copies the payload array and {@link #payload()}
 * returns a copy, so no caller can change a message after it was made; {@link #payloadBuffer()} gives
 * a read-only view without copying. {@link #payloadLen()} is derived from the payload and never
 * supplied separately. {@link #equals(Object)} and {@link #hashCode()} compare the payload bytes;
 * {@link #toString()} shows the payload's length only, never its content.
 *
 * <p>Validation, with messages that name the field:
 *
 * <ul>
 *   <li>{@code msgType}, {@code event}, {@code topic}, {@code deviceId}, {@code productName},
 *       {@code deviceName} and {@code payload} are not {@code null};
 *   <li>{@code seq} is {@code >= 0};
 *   <li>{@code productName} and {@code deviceName} are not empty (together they identify the device);
 *   <li>a {@link MessageType#PUBLISH} message has an empty {@code event} and a non-empty {@code topic};
 *   <li>a {@link MessageType#STATUS} message has a non-empty {@code event} (any name: see {@link
 *       StatusEvent}); its topic may be empty.
 * </ul>
 *
 * <p><b>Receive time.</b> {@link #receivedAtMillis()} is when the gateway received the message
 * (epoch milliseconds; {@code 0}: not set). Not an envelope field: it travels with the message in
 * the forwarder, the spool keeps it across restarts, and {@code CkafkaSink} makes it the record
 * timestamp, so a backend orders by receipt, not by when a retry or replay sent it. A host sets it
 * with {@link Builder#receivedAt(Instant)}; otherwise {@link Forwarder#forward}, {@link
 * Forwarder#submit} and {@link Forwarder#enqueue} stamp the forwarder's clock, and sinks, listeners
 * and {@link ForwardResult#message()} see the stamped message. A message decoded from an envelope has none.
 *
 * <p>{@link #equals(Object)} and {@link #hashCode()} <b>ignore the receive time</b>: it is this
 * gateway's fact about the message, not its content, so a message read back from a queue (no time
 * in the envelope) equals the one forwarded. Compare {@link #receivedAtMillis()} where it matters.
 *
 * <p>An empty {@code deviceId} is accepted, deliberately: the field is the platform's and passes
 * through untouched, and nothing in the forwarder keys on it (per-device order and the Kafka key use
 * {@link #deviceKey()}, {@code ProductName/DeviceName}). Refusing it would drop messages that the
 * platform did send. A consumer that deduplicates by ({@code DeviceId}, {@code Seq}) must not treat
 * all messages with an empty id as one device: use ({@code ProductName}, {@code DeviceName}, {@code
 * Seq}) for them, as the README's consumer section says.
 */
public final class DeviceMessage {
  // A final class rather than a record: withReceivedAtMillis, which the forwarder calls for every
  // message it stamps, copies the fields as they are (valid already, payload shared) without going
  // through the validating, payload-copying public constructor (docs/performance.md, "The
  // receive-time stamp").

  private static final byte[] EMPTY = new byte[0];

  private final MessageType msgType;
  private final String event;
  private final String topic;
  private final long seq;
  private final String deviceId;
  private final String productName;
  private final String deviceName;
  /** Never handed out nor changed: {@link #payload()} returns a copy. */
  private final byte[] payload;
  private final long receivedAtMillis;

  /**
   * Validates and copies.
   *
   * @param msgType the message type ({@code MsgType})
   * @param event the status event ({@code Event}); empty for Publish
   * @param topic the topic ({@code Topic}); may be empty for Status
   * @param seq the platform's serial number ({@code Seq}), passed through untouched
   * @param deviceId the device id ({@code DeviceId}), a decimal string that may exceed 2^53
   * @param productName the product ({@code ProductName})
   * @param deviceName the device's name inside its product ({@code DeviceName})
   * @param payload the raw payload bytes (Base64 in {@code Payload} on the wire; copied)
   * @param receivedAtMillis when the gateway received the message, in epoch milliseconds; {@code 0}
   *     when not set (the forwarder then stamps it); not part of the envelope, ignored by {@code
   *     equals}
   * @throws IllegalArgumentException listing every field that is invalid
   */
  public DeviceMessage(MessageType msgType, String event, String topic, long seq, String deviceId,
      String productName, String deviceName, byte[] payload, long receivedAtMillis) {
    if (!MessageRules.valid(msgType, event, topic, seq, deviceId, productName, deviceName,
        payload, receivedAtMillis)) {
      MessageRules.throwProblems(msgType, event, topic, seq, deviceId, productName, deviceName,
          payload, receivedAtMillis);
    }
    this.msgType = msgType;
    this.event = event;
    this.topic = topic;
    this.seq = seq;
    this.deviceId = deviceId;
    this.productName = productName;
    this.deviceName = deviceName;
    this.payload = payload.length == 0 ? EMPTY : payload.clone();
    this.receivedAtMillis = receivedAtMillis;
  }

  /** A copy of {@code m} with another receive time: nothing validated again, the payload shared. */
  private DeviceMessage(DeviceMessage m, long receivedAtMillis) {
    this.msgType = m.msgType;
    this.event = m.event;
    this.topic = m.topic;
    this.seq = m.seq;
    this.deviceId = m.deviceId;
    this.productName = m.productName;
    this.deviceName = m.deviceName;
    this.payload = m.payload;
    this.receivedAtMillis = receivedAtMillis;
  }

  /**
   * A message without a receive time ({@code receivedAtMillis} 0): the constructor of the eight
   * envelope fields, as before the receive time existed.
   *
   * @param msgType the message type ({@code MsgType})
   * @param event the status event ({@code Event}); empty for Publish
   * @param topic the topic ({@code Topic}); may be empty for Status
   * @param seq the platform's serial number ({@code Seq}), passed through untouched
   * @param deviceId the device id ({@code DeviceId})
   * @param productName the product ({@code ProductName})
   * @param deviceName the device's name inside its product ({@code DeviceName})
   * @param payload the raw payload bytes (copied)
   * @throws IllegalArgumentException listing every field that is invalid
   */
  public DeviceMessage(MessageType msgType, String event, String topic, long seq, String deviceId,
      String productName, String deviceName, byte[] payload) {
    this(msgType, event, topic, seq, deviceId, productName, deviceName, payload, 0);
  }

  /**
   * A Publish message: what a device published on one of its topics.
   *
   * @param productName the product
   * @param deviceName the device's name inside the product
   * @param deviceId the device id
   * @param topic the topic it was published on, not empty
   * @param seq the platform's serial number, {@code >= 0}
   * @param payload the raw bytes the device sent (copied)
   * @return the message
   * @throws IllegalArgumentException if a field is invalid
   */
  public static DeviceMessage publish(
      String productName, String deviceName, String deviceId, String topic, long seq, byte[] payload) {
    return new DeviceMessage(
        MessageType.PUBLISH, "", topic, seq, deviceId, productName, deviceName, payload);
  }

  /**
   * A Status message with an empty topic and payload, e.g. {@code status("p", "d", "1", "Online", 7)}.
   *
   * @param productName the product
   * @param deviceName the device's name inside the product
   * @param deviceId the device id
   * @param event the event name, not empty; see {@link StatusEvent}
   * @param seq the platform's serial number, {@code >= 0}
   * @return the message
   * @throws IllegalArgumentException if a field is invalid
   */
  public static DeviceMessage status(
      String productName, String deviceName, String deviceId, String event, long seq) {
    return new DeviceMessage(
        MessageType.STATUS, event, "", seq, deviceId, productName, deviceName, EMPTY);
  }

  /**
   * A builder, for messages that the two factories do not fit (a Status message with a topic or a
   * payload, say). Defaults: event and topic empty, seq 0, payload empty.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder pre-filled with this message's fields, its receive time included.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder()
        .msgType(msgType)
        .event(event)
        .topic(topic)
        .seq(seq)
        .deviceId(deviceId)
        .productName(productName)
        .deviceName(deviceName)
        .payloadNoCopy(payload)
        .receivedAtMillis(receivedAtMillis);
  }

  /**
   * This message with another receive time; {@code this} if it has that time already.
   *
   * @param receivedAtMillis when the gateway received the message, epoch milliseconds, {@code >=
   *     0} ({@code 0}: not set)
   * @return the message with that receive time
   * @throws IllegalArgumentException if {@code receivedAtMillis} is negative
   */
  public DeviceMessage withReceivedAtMillis(long receivedAtMillis) {
    if (receivedAtMillis == this.receivedAtMillis) {
      return this;
    }
    if (receivedAtMillis < 0) { // the validating constructor says why
      return new DeviceMessage(
          msgType, event, topic, seq, deviceId, productName, deviceName, payload, receivedAtMillis);
    }
    return new DeviceMessage(this, receivedAtMillis);
  }

  /**
   * The message type ({@code MsgType}).
   *
   * @return Status or Publish
   */
  public MessageType msgType() {
    return msgType;
  }

  /**
   * The status event ({@code Event}), e.g. {@code Online}; empty for Publish.
   *
   * @return the event, never {@code null}
   */
  public String event() {
    return event;
  }

  /**
   * The topic ({@code Topic}); may be empty for Status.
   *
   * @return the topic, never {@code null}
   */
  public String topic() {
    return topic;
  }

  /**
   * The platform's serial number ({@code Seq}), passed through untouched.
   *
   * @return {@code >= 0}
   */
  public long seq() {
    return seq;
  }

  /**
   * The device id ({@code DeviceId}): a decimal string that may exceed 2^53, possibly empty (see the
   * class comment).
   *
   * @return the device id, never {@code null}
   */
  public String deviceId() {
    return deviceId;
  }

  /**
   * The product ({@code ProductName}).
   *
   * @return not empty
   */
  public String productName() {
    return productName;
  }

  /**
   * The device's name inside its product ({@code DeviceName}).
   *
   * @return not empty
   */
  public String deviceName() {
    return deviceName;
  }

  /**
   * When the gateway received the message, in epoch milliseconds: see the class comment.
   *
   * @return the time, or {@code 0} when not set
   */
  public long receivedAtMillis() {
    return receivedAtMillis;
  }

  /**
   * When the gateway received the message, if known: see the class comment.
   *
   * @return {@link #receivedAtMillis()} as an instant, or empty when it is {@code 0} (not set)
   */
  public Optional<Instant> receivedAt() {
    return receivedAtMillis == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(receivedAtMillis));
  }

  /**
   * A copy of the payload bytes.
   *
   * @return a new array on every call
   */
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * A read-only view of the payload, without copying.
   *
   * @return a read-only buffer positioned at 0 with the payload's length as its limit
   */
  public ByteBuffer payloadBuffer() {
    return ByteBuffer.wrap(payload).asReadOnlyBuffer();
  }

  /**
   * The payload's length in bytes: the envelope's {@code PayloadLen}.
   *
   * @return the number of raw payload bytes
   */
  public int payloadLen() {
    return payload.length;
  }

  /**
   * Whether this is a Status message.
   *
   * @return {@code msgType() == MessageType.STATUS}
   */
  public boolean isStatus() {
    return msgType == MessageType.STATUS;
  }

  /**
   * The device key {@code ProductName/DeviceName}: what identifies a device, the default Kafka
   * record key, and the unit of ordering in the pipeline.
   *
   * @return {@code productName() + "/" + deviceName()}
   */
  public String deviceKey() {
    return productName + "/" + deviceName;
  }

  /** The payload array itself, for the codec in this package. Never hand it out. */
  byte[] payloadArray() {
    return payload;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof DeviceMessage m
        && seq == m.seq
        && msgType == m.msgType
        && event.equals(m.event)
        && topic.equals(m.topic)
        && deviceId.equals(m.deviceId)
        && productName.equals(m.productName)
        && deviceName.equals(m.deviceName)
        && Arrays.equals(payload, m.payload);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(msgType, event, topic, seq, deviceId, productName, deviceName);
    return 31 * h + Arrays.hashCode(payload);
  }

  /**
   * Shows every field but the payload, of which only the length is shown, and the receive time when
   * it is set.
   */
  @Override
  public String toString() {
    return "DeviceMessage[msgType=" + msgType.wireName()
        + ", event=" + event
        + ", topic=" + topic
        + ", seq=" + seq
        + ", deviceId=" + deviceId
        + ", productName=" + productName
        + ", deviceName=" + deviceName
        + ", payloadLen=" + payload.length
        + (receivedAtMillis == 0 ? "" : ", receivedAt=" + Instant.ofEpochMilli(receivedAtMillis))
        + "]";
  }

  /** Builds a {@link DeviceMessage}. Not thread-safe. */
  public static final class Builder {
    private MessageType msgType;
    private String event = "";
    private String topic = "";
    private long seq;
    private String deviceId;
    private String productName;
    private String deviceName;
    private byte[] payload = EMPTY;
    private long receivedAtMillis;

    private Builder() {}

    /**
     * Sets the message type.
     *
     * @param msgType Publish or Status
     * @return this builder
     */
    public Builder msgType(MessageType msgType) {
      this.msgType = msgType;
      return this;
    }

    /**
     * Sets the event (empty for Publish). Default: empty.
     *
     * @param event the event name
     * @return this builder
     */
    public Builder event(String event) {
      this.event = event;
      return this;
    }

    /**
     * Sets the topic. Default: empty.
     *
     * @param topic the topic
     * @return this builder
     */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /**
     * Sets the serial number. Default: 0.
     *
     * @param seq the serial number, {@code >= 0}
     * @return this builder
     */
    public Builder seq(long seq) {
      this.seq = seq;
      return this;
    }

    /**
     * Sets the device id.
     *
     * @param deviceId the device id
     * @return this builder
     */
    public Builder deviceId(String deviceId) {
      this.deviceId = deviceId;
      return this;
    }

    /**
     * Sets the product name.
     *
     * @param productName the product
     * @return this builder
     */
    public Builder productName(String productName) {
      this.productName = productName;
      return this;
    }

    /**
     * Sets the device name.
     *
     * @param deviceName the device's name inside its product
     * @return this builder
     */
    public Builder deviceName(String deviceName) {
      this.deviceName = deviceName;
      return this;
    }

    /**
     * Sets the payload. The array is copied when the message is built. Default: empty.
     *
     * @param payload the raw bytes
     * @return this builder
     */
    public Builder payload(byte[] payload) {
      this.payload = payload;
      return this;
    }

    private Builder payloadNoCopy(byte[] payload) {
      this.payload = payload;
      return this;
    }

    /**
     * Sets when the gateway received the message (from its MQTT layer, say). Default: not set, and
     * the forwarder stamps it when the message is forwarded. See the class comment.
     *
     * @param receivedAt the receive time, not before the epoch; {@code null} for not set
     * @return this builder
     */
    public Builder receivedAt(Instant receivedAt) {
      this.receivedAtMillis = receivedAt == null ? 0 : receivedAt.toEpochMilli();
      return this;
    }

    /**
     * Sets when the gateway received the message, in epoch milliseconds. Default: {@code 0}, not
     * set.
     *
     * @param receivedAtMillis epoch milliseconds, {@code >= 0}; {@code 0} for not set
     * @return this builder
     */
    public Builder receivedAtMillis(long receivedAtMillis) {
      this.receivedAtMillis = receivedAtMillis;
      return this;
    }

    /**
     * Builds the message.
     *
     * @return the message
     * @throws IllegalArgumentException listing every invalid field
     */
    public DeviceMessage build() {
      return new DeviceMessage(
          msgType, event, topic, seq, deviceId, productName, deviceName, payload, receivedAtMillis);
    }
  }
}
