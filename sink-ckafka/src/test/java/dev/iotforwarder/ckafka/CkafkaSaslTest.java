package dev.iotforwarder.ckafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.testkit.LocalKafka;
import dev.iotforwarder.testkit.LocalKafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The CKafka SASL helper against the shared broker's SASL_PLAINTEXT listener. */
@ExtendWith(LocalKafkaExtension.class)
@DisplayName("CkafkaSink with sasl(instanceId, userName, password)")
class CkafkaSaslTest {
  private static final String WRONG_PASSWORD = "Wr0ng-S3cret-" + System.nanoTime();

  @Test
  @DisplayName("the right password delivers")
  void rightPassword(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("sasl", 1);
    try (CkafkaSink sink = CkafkaSink.builder().bootstrapServers(kafka.saslBootstrapServers())
        .sasl(LocalKafkaExtension.SASL_INSTANCE_ID, LocalKafkaExtension.SASL_USER, LocalKafkaExtension.SASL_PASSWORD)
        .topic(topic).build()) {
      sink.send(Messages.telemetry(5, 1)).get(30, TimeUnit.SECONDS);
      assertThat(sink.isHealthy()).isTrue();
    }
    try (TopicReader r = new TopicReader(kafka.bootstrapServers(), topic)) {
      assertThat(r.readToEnd()).extracting(rec -> EnvelopeCodec.standard().decode(rec.value()))
          .containsExactly(Messages.telemetry(5, 1));
    }
  }

  @Test
  @DisplayName("a wrong password fails every future with a permanent error, marks the sink unhealthy,"
      + " and the password shows in no log, toString or exception")
  void wrongPassword(LocalKafka kafka) throws Exception {
    String topic = kafka.createUniqueTopic("sasl-wrong", 1);
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<Throwable> failures = new ArrayList<>();
    String description;
    System.setErr(new PrintStream(new TeeStream(originalErr, captured), true, StandardCharsets.UTF_8));
    try (CkafkaSink sink = CkafkaSink.builder().name("secrets").bootstrapServers(kafka.saslBootstrapServers())
        .sasl(LocalKafkaExtension.SASL_INSTANCE_ID, LocalKafkaExtension.SASL_USER, WRONG_PASSWORD)
        .topic(topic).build()) {
      description = sink.toString();
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        sends.add(sink.send(Messages.telemetry(6, i)));
      }
      for (CompletableFuture<Void> f : sends) {
        failures.add(Messages.failureOf(f)); // bounded: 30 s, no hang
      }
      assertThat(sink.isHealthy()).isFalse();
    } finally {
      System.setErr(originalErr);
    }
    assertThat(failures).hasSize(5).allSatisfy(f -> assertThat(f)
        .isInstanceOf(PermanentForwardingException.class)
        .hasMessageContaining("authentication failed")
        .hasRootCauseInstanceOf(SaslAuthenticationException.class));

    assertThat(description).contains("ckafka-local#tester").contains("password=****").doesNotContain(WRONG_PASSWORD);
    for (Throwable f : failures) {
      StringWriter trace = new StringWriter();
      f.printStackTrace(new PrintWriter(trace));
      assertThat(trace.toString()).doesNotContain(WRONG_PASSWORD);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).as("the capture saw the sink's own warning")
        .contains("CKafka sink 'secrets' cannot deliver until its credentials or ACLs are fixed");
    assertThat(logs).doesNotContain(WRONG_PASSWORD);
  }

  /** Writes to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
