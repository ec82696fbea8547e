package dev.iotforwarder;

import static dev.iotforwarder.EnvelopeFields.DEVICE_ID;
import static dev.iotforwarder.EnvelopeFields.DEVICE_NAME;
import static dev.iotforwarder.EnvelopeFields.EVENT;
import static dev.iotforwarder.EnvelopeFields.MSG_TYPE;
import static dev.iotforwarder.EnvelopeFields.NAMES;
import static dev.iotforwarder.EnvelopeFields.PAYLOAD;
import static dev.iotforwarder.EnvelopeFields.PAYLOAD_LEN;
import static dev.iotforwarder.EnvelopeFields.PRODUCT_NAME;
import static dev.iotforwarder.EnvelopeFields.SEQ;
import static dev.iotforwarder.EnvelopeFields.TOPIC;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.iotforwarder.internal.ByteArrayOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;

/**
 * The envelope writer behind {@link EnvelopeCodec#encode}: the compact fast path (one generator per
 * thread, kept open on a reusable buffer, with the envelope's constant structure written as
 * pre-encoded raw bytes) and the structured path (for pretty printing and for streams). Both write
 * the same bytes for the same message when not pretty-printing (a test compares them).
 *
 * <p>Thread-safe: the per-thread state is in a {@link ThreadLocal} of this writer, which belongs to
 * one codec.
 */
final class EnvelopeWriter {
  /**
   * The envelope's constant structure for the compact fast path: everything but the values, as raw
   * UTF-8 (see {@link #writeCompact}).
   */
  private static final SerializableString OPEN_PUBLISH = raw("{", MSG_TYPE, "\"Publish\",", EVENT);
  private static final SerializableString OPEN_STATUS = raw("{", MSG_TYPE, "\"Status\",", EVENT);
  private static final SerializableString BEFORE_TOPIC = raw(",", TOPIC);
  private static final SerializableString BEFORE_SEQ = raw(",", SEQ);
  private static final SerializableString BEFORE_PAYLOAD_LEN = raw(",", PAYLOAD_LEN);
  private static final SerializableString BEFORE_DEVICE_ID = raw(",", DEVICE_ID);
  private static final SerializableString BEFORE_PRODUCT_NAME = raw(",", PRODUCT_NAME);
  private static final SerializableString BEFORE_DEVICE_NAME = raw(",", DEVICE_NAME);
  private static final SerializableString BEFORE_PAYLOAD = raw(",", PAYLOAD);
  private static final SerializableString CLOSE = new SerializedString("}");

  /** {@code prefix"name":}, or {@code prefix"name1":value"name2":} for two names. */
  private static SerializableString raw(String prefix, String name) {
    return new SerializedString(prefix + "\"" + name + "\":");
  }

  private static SerializableString raw(String prefix, String name1, String value, String name2) {
    return new SerializedString(prefix + "\"" + name1 + "\":" + value + "\"" + name2 + "\":");
  }

  /** The two MsgType values, pre-quoted and pre-encoded. */
  private static final SerializableString PUBLISH = new SerializedString(MessageType.PUBLISH.wireName());
  private static final SerializableString STATUS = new SerializedString(MessageType.STATUS.wireName());

  private static final Base64.Encoder BASE64 = Base64.getEncoder();
  /** A thread's generator is replaced after this many envelopes (its root-level counter is an int). */
  private static final int GENERATOR_RENEWAL = 1 << 20;

  /** Per codec and thread: the compact encoder state (a generator kept open on a reusable buffer). */
  private final ThreadLocal<Encoder> encoders = ThreadLocal.withInitial(Encoder::new);

  private final JsonFactory factory;
  private final boolean pretty;

  /**
   * A writer for one codec.
   *
   * @param factory the codec's factory; it must write no separator between root-level values
   * @param pretty whether to pretty-print
   */
  EnvelopeWriter(JsonFactory factory, boolean pretty) {
    this.factory = factory;
    this.pretty = pretty;
  }

  /** Encodes a message as an envelope: the compact fast path unless pretty-printing. */
  byte[] encode(DeviceMessage message) throws IOException {
    if (pretty) {
      ByteArrayOutput out = new ByteArrayOutput(1024);
      write(message, out);
      return out.toByteArray();
    }
    return encoders.get().encode(message);
  }

  /**
   * One thread's compact encoder. Creating a Jackson generator per envelope costs as much as writing
   * a typical envelope, so each thread keeps one open on its own buffer and writes the envelopes one
   * after the other as root-level values (with no separator), flushing after each. A generator that
   * failed half-way is dropped, never reused.
   */
  private final class Encoder {
    private final Capture out = new Capture();
    private byte[] base64 = new byte[512];
    private JsonGenerator generator;
    private int uses;

    /** A scratch buffer for the payload's Base64 text. */
    byte[] base64(int length) {
      if (base64.length < length) {
        base64 = new byte[length];
      }
      return base64;
    }

    /** Drops buffers that grew for one large message, so a thread does not keep them forever. */
    private void releaseIfLarge() {
      out.more.releaseIfLarge();
      if (base64.length > 64 * 1024) {
        base64 = new byte[512];
      }
    }

    byte[] encode(DeviceMessage message) throws IOException {
      out.reset(message.payloadLen() > 4096);
      JsonGenerator g = generator;
      if (g == null || uses >= GENERATOR_RENEWAL) {
        if (g != null) {
          g.close(); // between envelopes: writes nothing, returns its buffers to Jackson's pool
        }
        g = factory.createGenerator(out, JsonEncoding.UTF8);
        generator = g;
        uses = 0;
      }
      boolean written = false;
      try {
        writeCompact(g, message, this);
        g.flush();
        written = true;
      } finally {
        if (!written) {
          generator = null;
          releaseIfLarge();
        }
      }
      uses++;
      byte[] bytes = out.bytes();
      releaseIfLarge();
      return bytes;
    }
  }

  /**
   * Where a thread's generator writes. The generator flushes an envelope that fits its buffer (8,000
   * bytes) in one write, which becomes the result array directly; larger ones are gathered.
   */
  private static final class Capture extends OutputStream {
    final ByteArrayOutput more = new ByteArrayOutput(1024);
    private byte[] single;
    private boolean gathering;

    /** Starts an envelope; one that may not fit the generator's buffer is gathered from the start. */
    void reset(boolean large) {
      single = null;
      gathering = large;
      more.reset();
    }

    @Override
    public void write(int b) {
      gather();
      more.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (!gathering && single == null) {
        single = Arrays.copyOfRange(b, off, off + len);
        return;
      }
      gather();
      more.write(b, off, len);
    }

    private void gather() {
      if (!gathering) {
        gathering = true;
        if (single != null) {
          more.write(single, 0, single.length);
          single = null;
        }
      }
    }

    byte[] bytes() {
      return gathering ? more.toByteArray() : single != null ? single : new byte[0];
    }
  }

  /** The structured path: writes one envelope onto a stream with a new generator, then flushes it. */
  void write(DeviceMessage m, OutputStream out) throws IOException {
    try (JsonGenerator g = factory.createGenerator(out, JsonEncoding.UTF8)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      writeFields(g, m);
    }
  }

  /**
   * The compact fast path of a thread's generator: the constant structure (braces, field names,
   * colons, commas) goes in as pre-encoded raw bytes, and only the values go through the generator,
   * which escapes text exactly as {@link #writeFields} does. The generator sees a series of
   * root-level values with no separator between them (the factory has none), so it writes no
   * structure of its own; the bytes are identical to those of {@link #writeFields} without pretty
   * printing (a test compares them), for a fraction of the per-field bookkeeping.
   */
  private static void writeCompact(JsonGenerator g, DeviceMessage m, Encoder scratch) throws IOException {
    byte[] payload = m.payloadArray();
    g.writeRaw(m.msgType() == MessageType.PUBLISH ? OPEN_PUBLISH : OPEN_STATUS);
    g.writeString(m.event());
    g.writeRaw(BEFORE_TOPIC);
    g.writeString(m.topic());
    g.writeRaw(BEFORE_SEQ);
    g.writeNumber(m.seq());
    g.writeRaw(BEFORE_PAYLOAD_LEN);
    g.writeNumber(payload.length);
    g.writeRaw(BEFORE_DEVICE_ID);
    g.writeString(m.deviceId());
    g.writeRaw(BEFORE_PRODUCT_NAME);
    g.writeString(m.productName());
    g.writeRaw(BEFORE_DEVICE_NAME);
    g.writeString(m.deviceName());
    g.writeRaw(BEFORE_PAYLOAD);
    int length = (payload.length + 2) / 3 * 4;
    byte[] base64 = scratch.base64(length);
    BASE64.encode(payload, base64);
    g.writeRawUTF8String(base64, 0, length);
    g.writeRaw(CLOSE);
  }

  /** The structured writer: for pretty printing and for streams. */
  private static void writeFields(JsonGenerator g, DeviceMessage m) throws IOException {
    byte[] payload = m.payloadArray();
    g.writeStartObject();
    g.writeFieldName(NAMES[0]);
    g.writeString(m.msgType() == MessageType.PUBLISH ? PUBLISH : STATUS);
    g.writeFieldName(NAMES[1]);
    g.writeString(m.event());
    g.writeFieldName(NAMES[2]);
    g.writeString(m.topic());
    g.writeFieldName(NAMES[3]);
    g.writeNumber(m.seq());
    g.writeFieldName(NAMES[4]);
    g.writeNumber(payload.length);
    g.writeFieldName(NAMES[5]);
    g.writeString(m.deviceId());
    g.writeFieldName(NAMES[6]);
    g.writeString(m.productName());
    g.writeFieldName(NAMES[7]);
    g.writeString(m.deviceName());
    g.writeFieldName(NAMES[8]);
    // Standard Base64 needs no JSON escaping; the JDK's encoder is much faster than Jackson's.
    byte[] base64 = BASE64.encode(payload);
    g.writeRawUTF8String(base64, 0, base64.length);
    g.writeEndObject();
  }
}
