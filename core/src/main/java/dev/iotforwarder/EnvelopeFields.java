package dev.iotforwarder;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * The nine fields of the envelope, in the order the wire format specifies them: their names as
 * strings and pre-quoted, pre-encoded (for writing, and for matching them while reading), and the
 * index of each. Shared by {@link EnvelopeWriter} and {@link EnvelopeReader}; not API.
 */
final class EnvelopeFields {
  static final String MSG_TYPE = "MsgType";
  static final String EVENT = "Event";
  static final String TOPIC = "Topic";
  static final String SEQ = "Seq";
  static final String PAYLOAD_LEN = "PayloadLen";
  static final String DEVICE_ID = "DeviceId";
  static final String PRODUCT_NAME = "ProductName";
  static final String DEVICE_NAME = "DeviceName";
  static final String PAYLOAD = "Payload";

  static final String[] FIELDS = {
    MSG_TYPE, EVENT, TOPIC, SEQ, PAYLOAD_LEN, DEVICE_ID, PRODUCT_NAME, DEVICE_NAME, PAYLOAD
  };
  /** The field names pre-quoted and pre-encoded, for writing and for matching them while reading. */
  static final SerializableString[] NAMES = new SerializableString[FIELDS.length];

  static {
    for (int i = 0; i < FIELDS.length; i++) {
      NAMES[i] = new SerializedString(FIELDS[i]);
    }
  }

  /** One bit per field, by index: the set of all nine. */
  static final int ALL_FIELDS = (1 << FIELDS.length) - 1;

  private EnvelopeFields() {}

  /** The index of a field name in {@link #FIELDS}, or -1 for an unknown field. */
  static int fieldIndex(String name) {
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
}
