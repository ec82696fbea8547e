package dev.iotforwarder;

import static dev.iotforwarder.EnvelopeFields.ALL_FIELDS;
import static dev.iotforwarder.EnvelopeFields.DEVICE_ID;
import static dev.iotforwarder.EnvelopeFields.DEVICE_NAME;
import static dev.iotforwarder.EnvelopeFields.EVENT;
import static dev.iotforwarder.EnvelopeFields.FIELDS;
import static dev.iotforwarder.EnvelopeFields.NAMES;
import static dev.iotforwarder.EnvelopeFields.PAYLOAD;
import static dev.iotforwarder.EnvelopeFields.PAYLOAD_LEN;
import static dev.iotforwarder.EnvelopeFields.PRODUCT_NAME;
import static dev.iotforwarder.EnvelopeFields.TOPIC;
import static dev.iotforwarder.EnvelopeFields.fieldIndex;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import dev.iotforwarder.internal.LimitedInputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The envelope reader behind {@link EnvelopeCodec#decode}: one pass over the parser's tokens that
 * expects the fields in the specified order (and accepts any other), the payload's fast path that
 * decodes Base64 straight from the source bytes, and the translation of every problem into an
 * {@link EnvelopeFormatException} that names the field (and never quotes the payload).
 *
 * <p>Immutable and thread-safe: each decode has its own parser.
 */
final class EnvelopeReader {
  private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

  private final JsonFactory factory;
  private final boolean strict;
  private final int maxEnvelopeBytes;
  private final int maxNestingDepth;

  /**
   * A reader for one codec.
   *
   * @param factory the codec's factory, with its read limits
   * @param strict whether unknown fields are an error
   * @param maxEnvelopeBytes the largest envelope to read
   * @param maxNestingDepth the deepest nesting the factory allows, for the error message
   */
  EnvelopeReader(JsonFactory factory, boolean strict, int maxEnvelopeBytes, int maxNestingDepth) {
    this.factory = factory;
    this.strict = strict;
    this.maxEnvelopeBytes = maxEnvelopeBytes;
    this.maxNestingDepth = maxNestingDepth;
  }

  /** Decodes an envelope from a whole byte array: see {@link EnvelopeCodec#decode(byte[])}. */
  DeviceMessage decode(byte[] envelope) {
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

  /** Decodes one envelope from a stream: see {@link EnvelopeCodec#decode(InputStream)}. */
  DeviceMessage decode(InputStream in) {
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

}
