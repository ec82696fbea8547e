package dev.iotforwarder.connect.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.connect.EnvelopeSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/** Turns a sink record's value into a device message, or says precisely why it cannot. */
final class SinkValues {
  private SinkValues() {}

  /**
   * The record's message.
   *
   * @param record the record
   * @return the message
   * @throws DataException naming the record and the problem (never the value)
   * @throws dev.iotforwarder.EnvelopeFormatException if bytes or a string are not an envelope
   */
  static DeviceMessage toMessage(SinkRecord record) {
    Object value = record.value();
    if (value instanceof byte[] bytes) {
      return EnvelopeCodec.standard().decode(bytes);
    }
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return EnvelopeCodec.standard().decode(bytes);
    }
    if (value instanceof String text) {
      return EnvelopeCodec.standard().decode(text.getBytes(StandardCharsets.UTF_8));
    }
    if (value instanceof Struct struct) {
      return EnvelopeSchema.fromStruct(struct);
    }
    throw new DataException(value == null
        ? "the record has no value (a tombstone), not a device message"
        : "a value of type " + value.getClass().getName() + " is not a device message; use the "
            + "ByteArrayConverter or StringConverter for envelopes, or a converter that gives a Struct of "
            + "the envelope schema");
  }

  /**
   * Where a record comes from, for messages.
   *
   * @param r the record
   * @return {@code topic-partition@offset}
   */
  static String where(SinkRecord r) {
    return r.topic() + "-" + r.kafkaPartition() + "@" + r.kafkaOffset();
  }
}
