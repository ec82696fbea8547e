package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalCmq.Fault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The SecretKey and the STS token never appear in logs (captured at TRACE through slf4j-simple, which
 * writes to System.err), exception messages, stack traces or {@code toString()}.
 */
class SecretsTest {
  static final String ID = "AKIDsecretsTest";
  static final String KEY = "Sup3rS3cretKeyValue-0123456789";
  static final String TOKEN = "Sts-Session-Token-Value-XYZ987";

  @Test
  @DisplayName("no secret in logs, exceptions or toString, through successes, auth failures and transport failures")
  void secretsNeverLeak() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    List<String> texts = new ArrayList<>();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (LocalCmq cmq = LocalCmq.builder().credentials(ID, KEY).start().createQueue("q")) {
      CmqCredentials good = CmqCredentials.of(ID, KEY, TOKEN);
      CmqCredentials wrong = CmqCredentials.of(ID, KEY + "-wrong", TOKEN);
      texts.add(good.toString());
      texts.add(CmqSigner.of(good).toString());

      try (CmqClient goodClient = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url())).credentials(good).build();
          CmqSink sink = CmqSink.builder().client(goodClient).queue("q").linger(Duration.ZERO).build()) {
        texts.add(sink.toString());
        sink.send(CmqSinkTest.msg("a", 1)).get(10, TimeUnit.SECONDS);
        cmq.injectFaults(List.of("BatchSendMessage"), Fault.error(4420), Fault.httpStatus(503), Fault.drop());
        for (int i = 0; i < 3; i++) {
          texts.addAll(failureTexts(sink.send(CmqSinkTest.msg("a", 2))));
        }
      }
      try (CmqClient wrongClient = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url())).credentials(wrong).build();
          CmqSink sink = CmqSink.builder().client(wrongClient).queue("q").linger(Duration.ZERO).build()) {
        texts.addAll(failureTexts(sink.send(CmqSinkTest.msg("a", 3))));
      }
      try (CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url())).credentials(wrong).build()) {
        texts.add(client.toString());
        texts.addAll(failureTexts(client.batchReceiveMessage("q", 16, Duration.ZERO)));
      }
      CmqClient receiverClient = CmqClient.builder().endpoint(CmqEndpoint.of(cmq.url())).credentials(good).build();
      CmqReceiver receiver = CmqReceiver.builder().client(receiverClient).queue("q")
          .pollingWait(Duration.ofSeconds(1)).handler((m, raw) -> {
            throw new IllegalStateException("handler fails on purpose");
          }).build();
      texts.add(receiver.toString());
      receiver.start();
      Await.until("handler called", () -> receiver.handlerFailureCount() > 0);
      receiver.close();
      receiverClient.close();
      assertThat(cmq.signatureFailures()).as("the wrong key was used").isPositive();
    } finally {
      System.err.flush();
      System.setErr(original);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).as("the capture works: the client logged at TRACE and DEBUG")
        .contains("TRACE dev.iotforwarder.cmq.CmqClient").contains("DEBUG dev.iotforwarder.cmq.CmqClient")
        .contains("4100").contains("WARN dev.iotforwarder.cmq.CmqReceiver");
    texts.add(logs);
    for (String text : texts) {
      assertThat(text).doesNotContain(KEY).doesNotContain(TOKEN)
          .doesNotContain(java.net.URLEncoder.encode(TOKEN, StandardCharsets.UTF_8));
    }
  }

  private static List<String> failureTexts(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      StringWriter trace = new StringWriter();
      e.getCause().printStackTrace(new PrintWriter(trace));
      List<String> out = new ArrayList<>();
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        out.add(String.valueOf(t.getMessage()));
        out.add(t.toString());
      }
      out.add(trace.toString());
      return out;
    }
    throw new AssertionError("expected a failure");
  }
}
