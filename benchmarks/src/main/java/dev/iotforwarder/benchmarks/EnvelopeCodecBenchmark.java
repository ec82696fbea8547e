package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link EnvelopeCodec} against Jackson databind on {@link DatabindEnvelope}, encoding and decoding
 * one envelope: a typical one (about 150 B of telemetry payload) and a large one (about 16 KB).
 *
 * <p>The baseline is what a competent user writes: one {@link ObjectMapper}, a reused {@link
 * ObjectWriter} and {@link ObjectReader} bound to the POJO, {@code byte[]} in and out. Setup checks
 * that both sides write the same bytes and read the same fields, so they do the same work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EnvelopeCodecBenchmark {

  @Param({"typical", "16k"})
  public String size;

  private final EnvelopeCodec codec = EnvelopeCodec.standard();
  private final ObjectMapper mapper = new ObjectMapper();
  private final ObjectWriter writer = mapper.writerFor(DatabindEnvelope.class);
  private final ObjectReader reader = mapper.readerFor(DatabindEnvelope.class);

  private DeviceMessage message;
  private DatabindEnvelope pojo;
  private byte[] envelope;

  @Setup
  public void setUp() throws IOException {
    message = "typical".equals(size) ? Workload.typical(42) : Workload.large(42);
    pojo = DatabindEnvelope.of(message);
    envelope = codec.encode(message);
    byte[] viaDatabind = writer.writeValueAsBytes(pojo);
    if (!Arrays.equals(envelope, viaDatabind)) {
      throw new IllegalStateException("databind and EnvelopeCodec write different envelopes:\n"
          + new String(envelope, java.nio.charset.StandardCharsets.UTF_8) + "\n"
          + new String(viaDatabind, java.nio.charset.StandardCharsets.UTF_8));
    }
    DatabindEnvelope back = reader.readValue(envelope);
    if (!Arrays.equals(back.payload, message.payload()) || back.seq != message.seq()
        || !codec.decode(envelope).equals(message)) {
      throw new IllegalStateException("the envelope does not read back");
    }
  }

  @Benchmark
  public byte[] encodeCodec() {
    return codec.encode(message);
  }

  @Benchmark
  public byte[] encodeDatabind() throws IOException {
    return writer.writeValueAsBytes(pojo);
  }

  @Benchmark
  public DeviceMessage decodeCodec() {
    return codec.decode(envelope);
  }

  @Benchmark
  public DatabindEnvelope decodeDatabind() throws IOException {
    return reader.readValue(envelope);
  }
}
