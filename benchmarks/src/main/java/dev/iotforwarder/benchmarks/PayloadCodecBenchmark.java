package dev.iotforwarder.benchmarks;

import dev.iotforwarder.PayloadCodec;
import java.util.Base64;
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
 * {@link PayloadCodec} (strict standard Base64) throughput, with the JDK's lenient {@link
 * java.util.Base64} for reference (no target: the strict decoder checks more).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PayloadCodecBenchmark {

  @Param({"typical", "16k"})
  public String size;

  private byte[] raw;
  private String base64;
  private char[] base64Chars;

  @Setup
  public void setUp() {
    raw = ("typical".equals(size) ? Workload.typical(7) : Workload.large(7)).payload();
    base64 = PayloadCodec.encode(raw);
    base64Chars = base64.toCharArray();
  }

  @Benchmark
  public String encode() {
    return PayloadCodec.encode(raw);
  }

  @Benchmark
  public byte[] decode() {
    return PayloadCodec.decode(base64);
  }

  @Benchmark
  public byte[] decodeChars() {
    return PayloadCodec.decode(base64Chars, 0, base64Chars.length);
  }

  @Benchmark
  public byte[] decodeJdk() {
    return Base64.getDecoder().decode(base64);
  }
}
