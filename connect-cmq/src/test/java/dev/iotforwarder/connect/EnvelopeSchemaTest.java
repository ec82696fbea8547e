package dev.iotforwarder.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class EnvelopeSchemaTest {
  @Test
  void aMessageSurvivesTheStruct() {
    DeviceMessage publish = DeviceMessage.publish("p", "d", "18446744073709551617", "p/d/data", 7,
        "{\"x\":1}".getBytes(StandardCharsets.UTF_8));
    DeviceMessage status = DeviceMessage.status("p", "d", "1", "Online", 0);
    assertThat(EnvelopeSchema.fromStruct(EnvelopeSchema.toStruct(publish))).isEqualTo(publish);
    assertThat(EnvelopeSchema.fromStruct(EnvelopeSchema.toStruct(status))).isEqualTo(status);
  }

  @Test
  void anInvalidStructIsADataExceptionNamingTheField() {
    Struct s = EnvelopeSchema.toStruct(DeviceMessage.status("p", "d", "1", "Online", 0)).put("MsgType", "Alarm");
    assertThatThrownBy(() -> EnvelopeSchema.fromStruct(s)).isInstanceOf(DataException.class)
        .hasMessageContaining("MsgType");
  }
}
