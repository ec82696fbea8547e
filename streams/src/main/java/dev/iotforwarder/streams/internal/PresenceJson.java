package dev.iotforwarder.streams.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.iotforwarder.streams.DevicePresence;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON bodies of the presence HTTP endpoint, written and read with Jackson's streaming API.
 * Stateless and thread-safe. Each body is one object with one field:
 *
 * <ul>
 *   <li>{@code {"device": P}} or {@code {"device": null}}, where P is {@code {"deviceId", "productName",
 *       "deviceName", "online", "lastEvent", "seq", "seenAt"}};
 *   <li>{@code {"devices": [P, ...]}};
 *   <li>{@code {"count": n}} or {@code {"count": null}};
 *   <li>{@code {"counts": {"product": n, ...}}};
 *   <li>{@code {"error": "message"}} with any status other than 200.
 * </ul>
 */
public final class PresenceJson {
  private static final JsonFactory JSON = new JsonFactory();

  private PresenceJson() {}

  /**
   * The body of a device query.
   *
   * @param p the presence, or empty
   * @return the JSON bytes
   */
  public static byte[] device(Optional<DevicePresence> p) {
    return write(g -> {
      g.writeFieldName("device");
      writePresence(g, p.orElse(null));
    });
  }

  /**
   * The body of an online-devices query.
   *
   * @param devices the devices
   * @return the JSON bytes
   */
  public static byte[] devices(List<DevicePresence> devices) {
    return write(g -> {
      g.writeArrayFieldStart("devices");
      for (DevicePresence p : devices) {
        writePresence(g, p);
      }
      g.writeEndArray();
    });
  }

  /**
   * The body of a count query.
   *
   * @param count the count, or empty
   * @return the JSON bytes
   */
  public static byte[] count(Optional<Long> count) {
    return write(g -> {
      if (count.isPresent()) {
        g.writeNumberField("count", count.get());
      } else {
        g.writeNullField("count");
      }
    });
  }

  /**
   * The body of a counts query.
   *
   * @param counts product to count
   * @return the JSON bytes
   */
  public static byte[] counts(Map<String, Long> counts) {
    return write(g -> {
      g.writeObjectFieldStart("counts");
      for (Map.Entry<String, Long> e : counts.entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    });
  }

  /**
   * The body of an error.
   *
   * @param message what went wrong
   * @return the JSON bytes
   */
  public static byte[] error(String message) {
    return write(g -> g.writeStringField("error", String.valueOf(message)));
  }

  /**
   * Reads a device query's body.
   *
   * @param body the bytes
   * @return the presence, or empty
   * @throws IOException if the body is not such a body
   */
  public static Optional<DevicePresence> readDevice(byte[] body) throws IOException {
    try (JsonParser p = open(body, "device")) {
      return Optional.ofNullable(readPresence(p));
    }
  }

  /**
   * Reads an online-devices query's body.
   *
   * @param body the bytes
   * @return the devices
   * @throws IOException if the body is not such a body
   */
  public static List<DevicePresence> readDevices(byte[] body) throws IOException {
    try (JsonParser p = open(body, "devices")) {
      expect(p, JsonToken.START_ARRAY, p.currentToken());
      List<DevicePresence> out = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        out.add(readPresence(p));
      }
      return out;
    }
  }

  /**
   * Reads a count query's body.
   *
   * @param body the bytes
   * @return the count, or empty
   * @throws IOException if the body is not such a body
   */
  public static Optional<Long> readCount(byte[] body) throws IOException {
    try (JsonParser p = open(body, "count")) {
      if (p.currentToken() == JsonToken.VALUE_NULL) {
        return Optional.empty();
      }
      expect(p, JsonToken.VALUE_NUMBER_INT, p.currentToken());
      return Optional.of(p.getLongValue());
    }
  }

  /**
   * Reads a counts query's body.
   *
   * @param body the bytes
   * @return product to count, sorted
   * @throws IOException if the body is not such a body
   */
  public static Map<String, Long> readCounts(byte[] body) throws IOException {
    try (JsonParser p = open(body, "counts")) {
      expect(p, JsonToken.START_OBJECT, p.currentToken());
      Map<String, Long> out = new TreeMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String product = p.currentName();
        expect(p, JsonToken.VALUE_NUMBER_INT, p.nextToken());
        out.put(product, p.getLongValue());
      }
      return out;
    }
  }

  /**
   * Reads an error body's message, or the body itself if it is not one.
   *
   * @param body the bytes
   * @return the message
   */
  public static String readError(byte[] body) {
    try (JsonParser p = open(body, "error")) {
      return p.getValueAsString();
    } catch (IOException e) {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] write(Fields fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  private static void writePresence(JsonGenerator g, DevicePresence p) throws IOException {
    if (p == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeStringField("deviceId", p.deviceId());
    g.writeStringField("productName", p.productName());
    g.writeStringField("deviceName", p.deviceName());
    g.writeBooleanField("online", p.online());
    g.writeStringField("lastEvent", p.lastEvent());
    g.writeNumberField("seq", p.seq());
    g.writeNumberField("seenAt", p.seenAt());
    g.writeEndObject();
  }

  /** Opens a body and moves to the value of its one field, which must be {@code field}. */
  private static JsonParser open(byte[] body, String field) throws IOException {
    JsonParser p = JSON.createParser(body);
    try {
      expect(p, JsonToken.START_OBJECT, p.nextToken());
      expect(p, JsonToken.FIELD_NAME, p.nextToken());
      if (!field.equals(p.currentName())) {
        throw new IOException("expected field \"" + field + "\", got \"" + p.currentName() + "\"");
      }
      p.nextToken();
      return p;
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private static DevicePresence readPresence(JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(p, JsonToken.START_OBJECT, p.currentToken());
    Map<String, Object> f = new TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      f.put(name, switch (t) {
        case VALUE_STRING -> p.getText();
        case VALUE_NUMBER_INT -> p.getLongValue();
        case VALUE_TRUE, VALUE_FALSE -> p.getBooleanValue();
        default -> throw new IOException("field " + name + " has unexpected " + t);
      });
    }
    try {
      return new DevicePresence((String) f.get("deviceId"), (String) f.get("productName"),
          (String) f.get("deviceName"), (Boolean) f.get("online"), (String) f.get("lastEvent"),
          (Long) f.get("seq"), (Long) f.get("seenAt"));
    } catch (ClassCastException | NullPointerException e) {
      throw new IOException("a presence object lacks a field or has one of the wrong type: " + f.keySet(), e);
    }
  }

  private static void expect(JsonParser p, JsonToken wanted, JsonToken got) throws IOException {
    if (got != wanted) {
      throw new IOException("expected " + wanted + ", got " + got + " at " + p.currentLocation());
    }
  }
}
