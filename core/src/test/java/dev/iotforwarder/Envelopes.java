package dev.iotforwarder;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The wire-format spec's sample envelope and a small builder of raw envelope JSON for tests that
 * need a malformed or reordered envelope. Static helpers only; not a base class.
 */
final class Envelopes {
  /** The nine field names in the order of the spec. */
  static final List<String> FIELD_ORDER =
      List.of(
          "MsgType", "Event", "Topic", "Seq", "PayloadLen", "DeviceId", "ProductName", "DeviceName",
          "Payload");

  /** The sample's Base64 payload, copied from the spec. */
  static final String SAMPLE_PAYLOAD_BASE64 =
      "eyJhY3Rpb24iOiAicmVwb3J0IiwgInRhcmdldERldmljZSI6ICJhYyIsICJkZXZJZCI6MTQ0MTE1MjA1MjU5ODM4NjY0"
          + "LCAiZGF0YSI6eyJjdXJyZW50IjoyNTExLCAidGVtcCI6MjczMSwgIndhcm5pbmciOjF9fQ==";

  /** What the sample's payload decodes to, as given in the spec (121 bytes). */
  static final String SAMPLE_PAYLOAD_TEXT =
      "{\"action\": \"report\", \"targetDevice\": \"ac\", \"devId\":144115205259838664, "
          + "\"data\":{\"current\":2511, \"temp\":2731, \"warning\":1}}";

  /** The sample envelope exactly as the spec prints it (four-space indent, no space after colons). */
  static final String SAMPLE_PRETTY =
      "{\n"
          + "    \"MsgType\":\"Publish\",\n"
          + "    \"Event\":\"\",\n"
          + "    \"Topic\":\"iot-product/iot-device/update\",\n"
          + "    \"Seq\":244,\n"
          + "    \"PayloadLen\":121,\n"
          + "    \"DeviceId\":\"144115205259838664\",\n"
          + "    \"ProductName\":\"iot-product\",\n"
          + "    \"DeviceName\":\"iot-device\",\n"
          + "    \"Payload\":\"" + SAMPLE_PAYLOAD_BASE64 + "\"\n"
          + "}";

  /** The sample in the encoder's compact form: the spec's fields and order, without whitespace. */
  static final String SAMPLE_COMPACT =
      "{\"MsgType\":\"Publish\",\"Event\":\"\",\"Topic\":\"iot-product/iot-device/update\","
          + "\"Seq\":244,\"PayloadLen\":121,\"DeviceId\":\"144115205259838664\","
          + "\"ProductName\":\"iot-product\",\"DeviceName\":\"iot-device\","
          + "\"Payload\":\"" + SAMPLE_PAYLOAD_BASE64 + "\"}";

  /** A payload whose Base64 is distinctive, to check that error messages never quote it. */
  static final byte[] SECRET_PAYLOAD = "TOP-SECRET-PAYLOAD-MARKER-0123456789".getBytes(UTF_8);

  private Envelopes() {}

  /** The message the sample envelope stands for. */
  static DeviceMessage sampleMessage() {
    return DeviceMessage.publish(
        "iot-product",
        "iot-device",
        "144115205259838664",
        "iot-product/iot-device/update",
        244,
        SAMPLE_PAYLOAD_TEXT.getBytes(UTF_8));
  }

  /** The sample's fields as raw JSON values, ready to be changed one at a time. */
  static Raw sample() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("MsgType", "\"Publish\"");
    f.put("Event", "\"\"");
    f.put("Topic", "\"iot-product/iot-device/update\"");
    f.put("Seq", "244");
    f.put("PayloadLen", "121");
    f.put("DeviceId", "\"144115205259838664\"");
    f.put("ProductName", "\"iot-product\"");
    f.put("DeviceName", "\"iot-device\"");
    f.put("Payload", "\"" + SAMPLE_PAYLOAD_BASE64 + "\"");
    return new Raw(f);
  }

  /** An envelope as an ordered map from field name to raw JSON value text. Immutable. */
  static final class Raw {
    private final Map<String, String> fields;

    private Raw(Map<String, String> fields) {
      this.fields = fields;
    }

    /** Replaces the field's raw value, or appends the field if absent. */
    Raw with(String field, String rawJson) {
      Map<String, String> copy = new LinkedHashMap<>(fields);
      copy.put(field, rawJson);
      return new Raw(copy);
    }

    /** Removes fields. */
    Raw without(String... names) {
      Map<String, String> copy = new LinkedHashMap<>(fields);
      for (String name : names) {
        copy.remove(name);
      }
      return new Raw(copy);
    }

    /** Compact JSON text. */
    String json() {
      StringJoiner j = new StringJoiner(",", "{", "}");
      fields.forEach((k, v) -> j.add("\"" + k + "\":" + v));
      return j.toString();
    }

    /** Compact JSON as UTF-8 bytes. */
    byte[] bytes() {
      return json().getBytes(UTF_8);
    }
  }
}
