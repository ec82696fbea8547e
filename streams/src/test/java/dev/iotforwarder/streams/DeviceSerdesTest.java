package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iotforwarder.DeviceMessage;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class DeviceSerdesTest {
  @Test
  void deviceMessageRoundTripsThroughTheEnvelope() {
    Serde<DeviceMessage> serde = DeviceSerdes.deviceMessage();
    DeviceMessage m = DeviceMessage.publish("p", "d", "18446744073709551615", "t/x", 9, new byte[] {0, 1, 2});
    byte[] bytes = serde.serializer().serialize("t", m);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"Seq\":9");
    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(m);
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void presenceRoundTripsAndRejectsForeignBytes() {
    Serde<DevicePresence> serde = DeviceSerdes.devicePresence();
    DevicePresence p = new DevicePresence("42", "lamp", "dev-42", true, "Online", 7, 1_700_000_000_000L);
    byte[] bytes = serde.serializer().serialize("t", p);
    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(p);
    assertThat(serde.serializer().serialize("t", null)).isNull();
    byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", trailing))
        .isInstanceOf(SerializationException.class).hasMessageContaining("trailing");
    bytes[0] = 9;
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", bytes))
        .isInstanceOf(SerializationException.class).hasMessageContaining("unknown version 9");
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {1, 0}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
  }
}
