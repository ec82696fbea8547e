package dev.iotforwarder;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.iotforwarder.internal.ByteArrayOutput;
import dev.iotforwarder.internal.LimitedInputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Encodes {@link DeviceMessage}s as the JSON envelope of the wire format and decodes envelopes back.
 *
 * <p>Encoding writes UTF-8 JSON with the nine fields in the specified order ({@code MsgType, Event,
 * Topic, Seq, PayloadLen, DeviceId, ProductName, DeviceName, Payload}), compact unless {@link
 * Builder#pretty(boolean) pretty} printing was asked for, non-ASCII characters as UTF-8 and the
 * payload as standard Base64.
 *
 * <p>Decoding accepts the fields in any order and with any whitespace, reads a {@code DeviceId}
 * given as a JSON number as its exact decimal text, ignores unknown fields unless {@link
 * Builder#strict(boolean) strict}, and rejects everything else with an {@link
 * EnvelopeFormatException} that names the field and the problem: a missing, duplicated or wrongly
 * typed field, an unknown {@code MsgType}, invalid Base64, a {@code PayloadLen} that differs from the
 * decoded payload, input that is not JSON, truncated, over {@link Builder#maxEnvelopeBytes(int)} or
 * nested deeper than {@link Builder#maxNestingDepth(int)}. It never runs out of memory or hangs on
 * hostile input of bounded size.
 *
 * <p>Instances are immutable, thread-safe and meant to be shared; {@link #standard()} is the default
 * one.
 */
public final class EnvelopeCodec {
  /** Default for {@link Builder#maxEnvelopeBytes(int)}: 4 MiB. */
  public static final int DEFAULT_MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;
  /** Default for {@link Builder#maxNestingDepth(int)}: 32. */
  public static final int DEFAULT_MAX_NESTING_DEPTH = 32;

  static final String MSG_TYPE = "MsgType";
  static final String EVENT = "Event";
  static final String TOPIC = "Topic";
  static final String SEQ = "Seq";
  static final String PAYLOAD_LEN = "PayloadLen";
  static final String DEVICE_ID = "DeviceId";
  static final String PRODUCT_NAME = "ProductName";
  static final String DEVICE_NAME = "DeviceName";
  static final String PAYLOAD = "Payload";

  private static final String[] FIELDS = {
    MSG_TYPE, EVENT, TOPIC, SEQ, PAYLOAD_LEN, DEVICE_ID, PRODUCT_NAME, DEVICE_NAME, PAYLOAD
  };
  /** The field names pre-quoted and pre-encoded, for writing and for matching them while reading. */
  private static final SerializableString[] NAMES = new SerializableString[FIELDS.length];

  static {
    for (int i = 0; i < FIELDS.length; i++) {
      NAMES[i] = new SerializedString(FIELDS[i]);
    }
  }

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
  private static final int ALL_FIELDS = (1 << FIELDS.length) - 1;
  private static final int MAX_NUMBER_DIGITS = 64;

  private static final EnvelopeCodec STANDARD = builder().build();

  /** Per codec and thread: the compact encoder state (a generator kept open on a reusable buffer). */
  private final ThreadLocal<Encoder> encoders = ThreadLocal.withInitial(Encoder::new);

  private final boolean pretty;
  private final boolean strict;
  private final int maxEnvelopeBytes;
  private final int maxNestingDepth;
  private final JsonFactory factory;

  private EnvelopeCodec(Builder b) {
    this.pretty = b.pretty;
    this.strict = b.strict;
    this.maxEnvelopeBytes = b.maxEnvelopeBytes;
    this.maxNestingDepth = b.maxNestingDepth;
    this.factory =
        new JsonFactoryBuilder()
            // A thread's compact generator writes one envelope after the other into its buffer, as
            // root-level values; nothing may go between them.
            .rootValueSeparator((String) null)
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxNestingDepth)
                    .maxNumberLength(MAX_NUMBER_DIGITS)
                    .maxStringLength(maxEnvelopeBytes)
                    .maxDocumentLength(maxEnvelopeBytes)
                    .build())
            // Parser errors must never quote the input: it may hold payload bytes. With a token
            // length of 0, an unrecognized token is quoted by its first two characters at most.
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .errorReportConfiguration(
                ErrorReportConfiguration.builder().maxErrorTokenLength(0).maxRawContentLength(0).build())
            // Without this, Jackson writes a supplementary character (an emoji, say) as a pair of
            // escaped UTF-16 surrogates; the wire format wants all non-ASCII as UTF-8.
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .build();
  }

  /**
   * The default codec: compact output, unknown fields ignored, at most {@value
   * #DEFAULT_MAX_ENVELOPE_BYTES} bytes and {@value #DEFAULT_MAX_NESTING_DEPTH} levels of nesting.
   *
   * @return the shared default instance
   */
  public static EnvelopeCodec standard() {
    return STANDARD;
  }

  /**
   * A builder for a codec with other settings.
   *
   * @return a new builder with the defaults of {@link #standard()}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Encodes a message as an envelope.
   *
   * @param message the message
   * @return the UTF-8 JSON bytes
   */
  public byte[] encode(DeviceMessage message) {
    if (pretty) {
      ByteArrayOutput out = new ByteArrayOutput(1024);
      try {
        write(message, out);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot encode " + message, e); // not reachable: memory only
      }
      return out.toByteArray();
    }
    try {
      return encoders.get().encode(message);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode " + message, e); // not reachable: memory only
    }
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

  /**
   * Encodes a message as an envelope onto a stream. The stream is flushed but not closed.
   *
   * @param message the message
   * @param out where to write the UTF-8 JSON bytes
   * @throws UncheckedIOException if the stream fails
   */
  public void encode(DeviceMessage message, OutputStream out) {
    try {
      write(message, out);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the envelope to the stream", e);
    }
  }

  private void write(DeviceMessage m, OutputStream out) throws IOException {
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

  /**
   * Decodes an envelope.
   *
   * @param envelope the UTF-8 JSON bytes of one envelope
   * @return the message
   * @throws EnvelopeFormatException naming the field and the problem
   */
  public DeviceMessage decode(byte[] envelope) {
    if (envelope == null) {
      throw new NullPointerException("envelope == null");
    }
    if (envelope.length > maxEnvelopeBytes) {
      throw tooLarge(envelope.length + " bytes");
    }
    try (JsonParser p = factory.createParser(envelope)) {
      return read(p, envelope);
    } catch (IOException e) {
      throw translate(e);
    }
  }

  /**
   * Decodes one envelope from a stream, reading at most {@link Builder#maxEnvelopeBytes(int)} bytes
   * (plus what the parser buffers). The stream is not closed.
   *
   * @param in the UTF-8 JSON of one envelope, and nothing after it
   * @return the message
   * @throws EnvelopeFormatException naming the field and the problem
   * @throws UncheckedIOException if reading the stream fails
   */
  public DeviceMessage decode(InputStream in) {
    if (in == null) {
      throw new NullPointerException("in == null");
    }
    try (JsonParser p = factory.createParser(new LimitedInputStream(in, maxEnvelopeBytes))) {
      return read(p, null);
    } catch (LimitedInputStream.LimitExceededException e) {
      throw tooLarge("more than " + maxEnvelopeBytes + " bytes");
    } catch (JsonProcessingException | CharConversionException e) {
      // CharConversionException: bytes that are not text in the encoding the parser detected
      // (e.g. an impossible UTF-32 code point). A format problem, not a failing stream.
      throw translate(e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the envelope from the stream", e);
    }
  }

  private EnvelopeFormatException tooLarge(String size) {
    return new EnvelopeFormatException(
        EnvelopeFormatException.WHOLE_ENVELOPE,
        "envelope is " + size + ", over the limit of " + maxEnvelopeBytes + " bytes");
  }

  private EnvelopeFormatException translate(IOException e) {
    if (e instanceof LimitedInputStream.LimitExceededException) {
      return tooLarge("more than " + maxEnvelopeBytes + " bytes");
    }
    String where = "";
    String detail = e.getMessage();
    if (e instanceof JsonProcessingException jpe) {
      detail = jpe.getOriginalMessage();
      JsonLocation loc = jpe.getLocation();
      if (loc != null && loc.getLineNr() > 0) {
        where = " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      }
    }
    if (e instanceof JsonEOFException) {
      return new EnvelopeFormatException(
          EnvelopeFormatException.WHOLE_ENVELOPE,
          "envelope is truncated" + where + ": " + detail, e);
    }
    if (e instanceof StreamConstraintsException) {
      String what = detail != null && detail.contains("nesting depth")
          ? "envelope is nested deeper than the limit of " + maxNestingDepth + " levels"
          : "envelope exceeds a size limit of the reader";
      return new EnvelopeFormatException(
          EnvelopeFormatException.WHOLE_ENVELOPE, what + where + ": " + detail, e);
    }
    return new EnvelopeFormatException(
        EnvelopeFormatException.WHOLE_ENVELOPE,
        "envelope is not valid JSON" + where + ": " + detail, e);
  }

  /**
   * Reads one envelope.
   *
   * @param source the bytes the parser reads, if it reads a whole byte array (for the payload's fast
   *     path); null for a stream
   */
  private DeviceMessage read(JsonParser p, byte[] source) throws IOException {
    JsonToken first = p.nextToken();
    if (first == null) {
      throw new EnvelopeFormatException(EnvelopeFormatException.WHOLE_ENVELOPE, "envelope is empty");
    }
    if (first != JsonToken.START_OBJECT) {
      throw new EnvelopeFormatException(
          EnvelopeFormatException.WHOLE_ENVELOPE,
          "envelope must be a JSON object but starts with " + describe(first));
    }
    int seen = 0;
    MessageType msgType = null;
    String event = null;
    String topic = null;
    long seq = 0;
    long payloadLen = 0;
    String deviceId = null;
    String productName = null;
    String deviceName = null;
    byte[] payload = null;
    JsonToken t;
    int expected = 0;
    while (true) {
      String name;
      int index;
      // Envelopes nearly always come in the specified field order: try the expected name first,
      // which the parser matches against the raw bytes without a symbol-table lookup.
      if (expected < FIELDS.length && p.nextFieldName(NAMES[expected])) {
        t = JsonToken.FIELD_NAME;
        index = expected;
        name = FIELDS[index];
      } else {
        // nextFieldName has read the token if it was called; otherwise read it now.
        t = expected < FIELDS.length ? p.currentToken() : p.nextToken();
        if (t != JsonToken.FIELD_NAME) {
          break;
        }
        name = p.currentName();
        index = fieldIndex(name);
      }
      JsonToken value = p.nextToken();
      if (index < 0) {
        if (strict) {
          throw new EnvelopeFormatException(
              name,
              "unknown field \"" + abbreviate(name)
                  + "\" (strict mode accepts only the nine envelope fields)");
        }
        p.skipChildren();
        continue;
      }
      expected = index + 1;
      int bit = 1 << index;
      if ((seen & bit) != 0) {
        throw new EnvelopeFormatException(name, name + " appears more than once");
      }
      seen |= bit;
      switch (index) {
        case 0 -> {
          String s = string(p, value, name);
          msgType = MessageType.lookup(s);
          if (msgType == null) {
            throw new EnvelopeFormatException(
                name, "MsgType was \"" + abbreviate(s) + "\" but must be \"Publish\" or \"Status\"");
          }
        }
        case 1 -> event = string(p, value, name);
        case 2 -> topic = string(p, value, name);
        case 3 -> seq = nonNegativeLong(p, value, name);
        case 4 -> payloadLen = nonNegativeLong(p, value, name);
        case 5 -> deviceId = deviceId(p, value);
        case 6 -> productName = string(p, value, name);
        case 7 -> deviceName = string(p, value, name);
        default -> {
          payload = source != null && (seen & (1 << 4)) != 0 && value == JsonToken.VALUE_STRING
              ? payloadFromSource(p, source, payloadLen)
              : null;
          if (payload == null) {
            payload = payload(p, value);
          }
        }
      }
    }
    if (t != JsonToken.END_OBJECT) {
      // Not reachable for well-formed JSON: the parser reports malformed input itself.
      throw new EnvelopeFormatException(
          EnvelopeFormatException.WHOLE_ENVELOPE, "envelope object is not closed");
    }
    if (p.nextToken() != null) {
      throw new EnvelopeFormatException(
          EnvelopeFormatException.WHOLE_ENVELOPE, "envelope has content after its closing '}'");
    }
    if (seen != ALL_FIELDS) {
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < FIELDS.length; i++) {
        if ((seen & (1 << i)) == 0) {
          missing.add(FIELDS[i]);
        }
      }
      throw new EnvelopeFormatException(
          missing.get(0), "missing required field" + (missing.size() > 1 ? "s " : " ")
              + String.join(", ", missing));
    }
    if (payloadLen != payload.length) {
      throw new EnvelopeFormatException(
          PAYLOAD_LEN,
          "PayloadLen was " + payloadLen + " but Payload decodes to " + payload.length + " bytes");
    }
    checkSemantics(msgType, event, topic, productName, deviceName);
    return new DeviceMessage(msgType, event, topic, seq, deviceId, productName, deviceName, payload);
  }

  private static void checkSemantics(
      MessageType msgType, String event, String topic, String productName, String deviceName) {
    if (productName.isEmpty()) {
      throw new EnvelopeFormatException(PRODUCT_NAME, "ProductName is empty");
    }
    if (deviceName.isEmpty()) {
      throw new EnvelopeFormatException(DEVICE_NAME, "DeviceName is empty");
    }
    if (msgType == MessageType.PUBLISH) {
      if (!event.isEmpty()) {
        throw new EnvelopeFormatException(
            EVENT, "Event was \"" + abbreviate(event) + "\" but must be empty when MsgType is Publish");
      }
      if (topic.isEmpty()) {
        throw new EnvelopeFormatException(TOPIC, "Topic is empty but MsgType Publish needs a topic");
      }
    } else if (event.isEmpty()) {
      throw new EnvelopeFormatException(EVENT, "Event is empty but MsgType Status needs an event");
    }
  }

  private static int fieldIndex(String name) {
    // A switch on the string is a hash lookup plus one equals: cheaper than a map.
    switch (name) {
      case MSG_TYPE: return 0;
      case EVENT: return 1;
      case TOPIC: return 2;
      case SEQ: return 3;
      case PAYLOAD_LEN: return 4;
      case DEVICE_ID: return 5;
      case PRODUCT_NAME: return 6;
      case DEVICE_NAME: return 7;
      case PAYLOAD: return 8;
      default: return -1;
    }
  }

  private static String string(JsonParser p, JsonToken value, String field) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw wrongType(field, "a string", value);
    }
    return p.getText();
  }

  private static long nonNegativeLong(JsonParser p, JsonToken value, String field)
      throws IOException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      throw wrongType(field, "a non-negative integer", value);
    }
    JsonParser.NumberType type = p.getNumberType();
    if (type == JsonParser.NumberType.BIG_INTEGER) {
      String digits = p.getText();
      throw new EnvelopeFormatException(
          field,
          field + " was " + abbreviate(digits)
              + (digits.startsWith("-") ? " but must be >= 0" : " but must be at most " + Long.MAX_VALUE));
    }
    long v = p.getLongValue();
    if (v < 0) {
      throw new EnvelopeFormatException(field, field + " was " + v + " but must be >= 0");
    }
    return v;
  }

  private static String deviceId(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (value == JsonToken.VALUE_NUMBER_INT) {
      // The parser's text for an integer token is its exact decimal digits: no double in between.
      String digits = p.getText();
      if (digits.startsWith("-")) {
        throw new EnvelopeFormatException(
            DEVICE_ID, "DeviceId was the negative number " + abbreviate(digits) + " but must be a device id");
      }
      return digits;
    }
    throw wrongType(DEVICE_ID, "a string (or an integer number)", value);
  }

  private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

  /**
   * The fast path for the payload of an envelope parsed from a byte array, once {@code PayloadLen}
   * is known: decodes the Base64 straight from the source bytes with the JDK's decoder, without the
   * parser first turning them into characters. Returns null, leaving the token to {@link
   * #payload(JsonParser, JsonToken)} and its exact error messages, unless the text is exactly as
   * long as {@code PayloadLen} implies, is followed by the closing quote, is valid standard Base64
   * (no escapes, whitespace or misplaced padding: the JDK's decoder rejects those) and is canonical.
   * The parser skips the string token when it reads the next one.
   */
  private static byte[] payloadFromSource(JsonParser p, byte[] source, long payloadLen) {
    if (payloadLen > Integer.MAX_VALUE / 2) {
      return null;
    }
    long quote = p.currentTokenLocation().getByteOffset();
    long length = (payloadLen + 2) / 3 * 4;
    if (quote < 0 || quote + length + 1 >= source.length || source[(int) quote] != '"'
        || source[(int) (quote + length + 1)] != '"') {
      return null;
    }
    int start = (int) quote + 1;
    int len = (int) length;
    if (len > 0) {
      // Canonical: the bits that the padding leaves unused must be zero (the JDK ignores them).
      if (source[start + len - 1] == '=') {
        boolean two = source[start + len - 2] == '=';
        int last = two ? source[start + len - 3] : source[start + len - 2];
        int v = PayloadCodec.value(last);
        if (v < 0 || (v & (two ? 0xF : 0x3)) != 0) {
          return null;
        }
      }
    }
    try {
      ByteBuffer decoded = BASE64_DECODER.decode(ByteBuffer.wrap(source, start, len));
      byte[] bytes = decoded.array();
      return bytes.length == decoded.remaining() && decoded.arrayOffset() == 0 ? bytes : null;
    } catch (IllegalArgumentException invalid) {
      return null;
    }
  }

  private static byte[] payload(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_STRING) {
      throw wrongType(PAYLOAD, "a Base64 string", value);
    }
    try {
      return PayloadCodec.decode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    } catch (IllegalArgumentException e) {
      throw new EnvelopeFormatException(PAYLOAD, "Payload is not valid Base64: " + e.getMessage());
    }
  }

  private static EnvelopeFormatException wrongType(String field, String expected, JsonToken actual) {
    return new EnvelopeFormatException(
        field, field + " must be " + expected + " but was " + describe(actual));
  }

  private static String describe(JsonToken token) {
    if (token == null) {
      return "missing";
    }
    switch (token) {
      case START_OBJECT: return "an object";
      case START_ARRAY: return "an array";
      case VALUE_STRING: return "a string";
      case VALUE_NUMBER_INT: return "an integer";
      case VALUE_NUMBER_FLOAT: return "a floating-point number";
      case VALUE_TRUE:
      case VALUE_FALSE: return "a boolean";
      case VALUE_NULL: return "null";
      default: return token.asString() == null ? token.name() : "'" + token.asString() + "'";
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...(" + s.length() + " chars)";
  }

  /** Whether this codec pretty-prints. @return {@code true} if it does */
  public boolean pretty() {
    return pretty;
  }

  /** Whether this codec rejects unknown fields. @return {@code true} if it does */
  public boolean strict() {
    return strict;
  }

  /** The largest envelope this codec decodes. @return the limit in bytes */
  public int maxEnvelopeBytes() {
    return maxEnvelopeBytes;
  }

  /** The deepest nesting this codec decodes. @return the limit in levels */
  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  @Override
  public String toString() {
    return "EnvelopeCodec[pretty=" + pretty + ", strict=" + strict + ", maxEnvelopeBytes="
        + maxEnvelopeBytes + ", maxNestingDepth=" + maxNestingDepth + "]";
  }

  /** Configures an {@link EnvelopeCodec}. Not thread-safe. */
  public static final class Builder {
    private boolean pretty;
    private boolean strict;
    private int maxEnvelopeBytes = DEFAULT_MAX_ENVELOPE_BYTES;
    private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;

    private Builder() {}

    /**
     * Pretty-prints encoded envelopes, for humans. Never the default on the wire. Default: off.
     *
     * @param pretty whether to indent
     * @return this builder
     */
    public Builder pretty(boolean pretty) {
      this.pretty = pretty;
      return this;
    }

    /**
     * Rejects envelopes with fields other than the nine of the wire format. Default: off (unknown
     * fields, such as a timestamp the platform may add, are ignored).
     *
     * @param strict whether unknown fields are an error
     * @return this builder
     */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /**
     * The largest envelope to decode, in bytes. Default: {@value
     * EnvelopeCodec#DEFAULT_MAX_ENVELOPE_BYTES}.
     *
     * @param maxEnvelopeBytes the limit, at least 64
     * @return this builder
     */
    public Builder maxEnvelopeBytes(int maxEnvelopeBytes) {
      this.maxEnvelopeBytes = maxEnvelopeBytes;
      return this;
    }

    /**
     * The deepest nesting of JSON objects and arrays to decode (the envelope itself is one level;
     * deeper levels can only come from unknown fields). Default: {@value
     * EnvelopeCodec#DEFAULT_MAX_NESTING_DEPTH}.
     *
     * @param maxNestingDepth the limit, at least 1
     * @return this builder
     */
    public Builder maxNestingDepth(int maxNestingDepth) {
      this.maxNestingDepth = maxNestingDepth;
      return this;
    }

    /**
     * Builds the codec.
     *
     * @return the codec
     * @throws IllegalArgumentException listing every invalid setting
     */
    public EnvelopeCodec build() {
      List<String> problems = new ArrayList<>();
      if (maxEnvelopeBytes < 64) {
        problems.add("maxEnvelopeBytes was " + maxEnvelopeBytes + " but must be >= 64");
      }
      if (maxNestingDepth < 1) {
        problems.add("maxNestingDepth was " + maxNestingDepth + " but must be >= 1");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Invalid EnvelopeCodec configuration: " + String.join("; ", problems));
      }
      return new EnvelopeCodec(this);
    }
  }
}
