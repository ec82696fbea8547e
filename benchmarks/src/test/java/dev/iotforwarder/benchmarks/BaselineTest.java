package dev.iotforwarder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The baselines do the same work as the library: same bytes out, same fields back. No timing. */
class BaselineTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  @DisplayName("databind on the @JsonPropertyOrder POJO writes exactly the bytes EnvelopeCodec writes")
  void databindWritesTheSameEnvelope() throws Exception {
    for (DeviceMessage m : new DeviceMessage[] {Workload.typical(1), Workload.typical(99), Workload.large(3)}) {
      byte[] codec = EnvelopeCodec.standard().encode(m);
      byte[] databind = mapper.writerFor(DatabindEnvelope.class).writeValueAsBytes(DatabindEnvelope.of(m));
      assertThat(new String(databind, StandardCharsets.UTF_8)).isEqualTo(new String(codec, StandardCharsets.UTF_8));
      DatabindEnvelope back = mapper.readerFor(DatabindEnvelope.class).readValue(codec);
      assertThat(back.payload).isEqualTo(m.payload());
      assertThat(back.topic).isEqualTo(m.topic());
      assertThat(back.seq).isEqualTo(m.seq());
    }
  }

  @Test
  @DisplayName("a typical envelope carries about 150 bytes of telemetry payload; the large one is about 16 KB")
  void workloadSizes() {
    int typical = Workload.typical(7).payloadLen();
    assertThat(typical).isBetween(120, 180);
    assertThat(EnvelopeCodec.standard().encode(Workload.large(7)).length).isBetween(16_000, 17_000);
  }

  @Test
  @DisplayName("--smoke sets counts small enough for CI; options parse")
  void options() {
    Settings smoke = Settings.parse(new String[] {"--smoke"});
    assertThat(smoke.kafkaMessages).isLessThanOrEqualTo(10_000);
    assertThat(smoke.memoryMessages).isLessThanOrEqualTo(50_000);
    Settings s = Settings.parse(new String[] {"--only", "kafka,cmq", "--rounds", "3", "--kafka-messages", "2000000"});
    assertThat(s.scenarios).containsExactly("kafka", "cmq");
    assertThat(s.kafkaRounds).isEqualTo(3);
    assertThat(s.kafkaMessages).isEqualTo(2_000_000);
  }
}
