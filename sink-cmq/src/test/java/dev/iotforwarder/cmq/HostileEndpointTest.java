package dev.iotforwarder.cmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iotforwarder.cmq.internal.PlainHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * {@link CmqClient} against hostile or broken endpoints, each a loopback {@link HostileServer}: every
 * case fails the call with a classified transport {@link CmqException} naming the fault, the heap
 * stays bounded and the connection is let go. Prints each case's time to fail and heap high-water
 * (figures for docs/reliability.md; not asserted).
 */
class HostileEndpointTest {
  private static final Duration T = Duration.ofSeconds(1);
  /**
   * For the cases that a bound on bytes must end, not the deadline: a whole-call deadline of 3 x 15 s
   * leaves a loaded machine time to stream the 96 MiB bound (with T's 3 s, one run at load 22 timed
   * out first), and stays under {@link #failure}'s 60 s wait.
   */
  private static final Duration FAR = Duration.ofSeconds(15);

  private static CmqClient client(HostileServer s, Duration timeout) {
    return CmqClient.builder().endpoint(CmqEndpoint.of(s.url()))
        .credentials(CmqCredentials.of("AKIDhostile", "hostile-secret"))
        .timeouts(timeout, timeout, timeout).build();
  }

  /** Sends one message to the server and returns how the call failed. */
  private static CmqException failure(String name, HostileServer s) throws Exception {
    return failure(name, s, T);
  }

  /** Sends one message to the server, with these timeouts, and returns how the call failed. */
  private static CmqException failure(String name, HostileServer s, Duration timeout) throws Exception {
    try (CmqClient c = client(s, timeout); HeapHighWater heap = HeapHighWater.start()) {
      long start = System.nanoTime();
      CompletableFuture<String> f = c.sendMessage("q", "body", 0);
      Throwable t = null;
      try {
        f.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        t = e.getCause();
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("hostile case %-22s failed in %5d ms, heap high-water %4d MiB: %s%n",
          name, millis, heap.highWaterMiB(), t);
      assertThat(t).as(name).isInstanceOf(CmqException.class);
      CmqException e = (CmqException) t;
      assertThat(e.isTransportFailure()).as(name).isTrue();
      return e;
    }
  }

  private static CmqException answered(String name, String contentType, String body) throws Exception {
    try (HostileServer s = new HostileServer((sock, out) -> HostileServer.reply(out, contentType, body))) {
      return failure(name, s);
    }
  }

  /** A server whose 200 reply starts with {@code prefix} and then repeats {@code unit} until the client lets go. */
  private static HostileServer endless(String prefix, String unit) throws Exception {
    byte[] chunk = unit.repeat(64 * 1024 / unit.length()).getBytes(StandardCharsets.US_ASCII);
    return new HostileServer((sock, out) -> {
      HostileServer.head(out, "200 OK", "Content-Type: application/json", "Connection: close");
      out.write(prefix.getBytes(StandardCharsets.US_ASCII));
      while (true) {
        out.write(chunk);
      }
    });
  }

  @Test
  void anEndlessBodyStopsAtTheBoundWithoutBufferingIt() throws Exception {
    try (HostileServer s = endless("{\"code\":0,\"pad\":[", "0,")) {
      CmqException e = failure("endless body", s, FAR);
      assertThat(e.getMessage()).contains("longer than " + CmqClient.MAX_REPLY_BYTES + " bytes");
      assertThat(e.isRetriable()).isTrue();
      Await.until("server sees the connection dropped", () -> s.clientClosed() == 1);
    }
  }

  @Test
  void aDeclaredGigabyteIsRefusedBeforeReading() throws Exception {
    try (HostileServer s = new HostileServer((sock, out) -> {
      HostileServer.head(out, "200 OK", "Content-Type: application/json", "Content-Length: 1073741824");
      out.write("{\"code\":0".getBytes(StandardCharsets.US_ASCII));
    })) {
      assertThat(failure("1 GiB Content-Length", s).getMessage())
          .contains("declares 1073741824 bytes, more than the bound of " + CmqClient.MAX_REPLY_BYTES);
    }
  }

  @Test
  void anEndlessStringStopsAtTheStringBound() throws Exception {
    try (HostileServer s = endless("{\"code\":0,\"msgBody\":\"", "a")) {
      assertThat(failure("endless string", s, FAR).getMessage()).contains("StreamConstraintsException");
    }
  }

  @Test
  void jsonNestedThousandsDeepFails() throws Exception {
    String deep = "{\"code\":0,\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    assertThat(answered("nested 5000 deep", "application/json", deep).getMessage())
        .contains("StreamConstraintsException").contains("nesting depth");
  }

  @Test
  void wrongTypesFailOrReadAsAbsent() throws Exception {
    assertThat(answered("code a word", "application/json", "{\"code\":\"zero\"}").getMessage())
        .contains("not a number");
    assertThat(answered("code an array", "application/json", "{\"code\":[0],\"msgId\":{}}").getMessage())
        .contains("no code field");
    assertThat(answered("code out of range", "application/json", "{\"code\":99999999999}").getMessage())
        .contains("out of range");
    assertThat(answered("number too long", "application/json", "{\"code\":" + "9".repeat(500) + "}").getMessage())
        .contains("StreamConstraintsException");
  }

  @Test
  void duplicateKeysFail() throws Exception {
    assertThat(answered("duplicate keys", "application/json", "{\"code\":0,\"code\":4000}").getMessage())
        .contains("Duplicate field 'code'");
  }

  @Test
  void truncatedHtmlAndEmptyRepliesFail() throws Exception {
    assertThat(answered("truncated mid-token", "application/json", "{\"code\":0,\"msgId\":\"ab").getMessage())
        .contains("not a CMQ JSON reply");
    assertThat(answered("HTML page", "text/html", "<html><body>Sign in to the Wi-Fi</body></html>").getMessage())
        .contains("not a CMQ JSON reply").contains("Unexpected character ('<'");
    assertThat(answered("empty 200", "application/json", "").getMessage()).contains("not a JSON object");
  }

  @Test
  void aSlowDripFailsAtTheCallDeadlineAndTheConnectionIsDropped() throws Exception {
    try (HostileServer s = new HostileServer((sock, out) -> {
      String body = "{\"code\":0,\"msgId\":\"" + "x".repeat(200) + "\"}";
      HostileServer.head(out, "200 OK", "Content-Type: application/json", "Content-Length: " + body.length());
      for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
        out.write(b);
        out.flush();
        Thread.sleep(250); // the server's drip rate, not a wait of the test
      }
    })) {
      assertThat(failure("slow drip 4 B/s", s).getMessage()).contains("timeout or cancel");
      Await.until("server sees the connection dropped", () -> s.clientClosed() == 1);
    }
  }

  @Test
  void aServerThatNeverAnswersFailsAtTheReadTimeout() throws Exception {
    try (HostileServer s = new HostileServer((sock, out) -> {
      while (sock.getInputStream().read() >= 0) {
        // hold the connection open until the client lets go
      }
      throw new java.io.EOFException("client closed");
    })) {
      CmqException e = failure("never answers", s);
      assertThat(e.getMessage()).contains("timeout or cancel");
      assertThat(e.isRetriable()).isTrue();
      Await.until("server sees the connection dropped", () -> s.clientClosed() == 1);
    }
  }

  @Test
  void aResetMidBodyFails() throws Exception {
    try (HostileServer s = new HostileServer((sock, out) -> {
      HostileServer.head(out, "200 OK", "Content-Type: application/json", "Content-Length: 1000");
      out.write("{\"code\":0,\"msgId\":\"".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      sock.setSoLinger(true, 0);
      sock.close();
    })) {
      CmqException e = failure("reset mid-body", s);
      assertThat(e.getMessage()).contains("I/O error while reading the reply");
      assertThat(e.isRetriable()).isTrue();
    }
  }

  @Test
  void redirectsAreNeverFollowedNotEvenOnABorrowedClient() throws Exception {
    for (int status : new int[] {301, 302, 307, 308}) {
      try (HostileServer elsewhere = new HostileServer((sock, out) -> HostileServer.reply(out,
              "application/json", "{\"code\":0,\"msgId\":\"stolen\"}"));
          HostileServer s = new HostileServer((sock, out) -> HostileServer.head(out, status + " Moved",
              "Location: " + elsewhere.url() + "/", "Content-Length: 0"))) {
        CmqException own = failure("redirect " + status, s);
        assertThat(own.httpStatus()).isEqualTo(status);
        assertThat(own.isRetriable()).isFalse();

        OkHttpClient borrowed = new OkHttpClient();
        assertThat(borrowed.followRedirects()).isTrue();
        try (CmqClient c = CmqClient.builder().endpoint(CmqEndpoint.of(s.url()))
            .credentials(CmqCredentials.of("AKIDhostile", "hostile-secret")).okHttpClient(borrowed).build()) {
          CompletableFuture<String> f = c.sendMessage("q", "body", 0);
          assertThat(f).failsWithin(Duration.ofSeconds(30)).withThrowableOfType(ExecutionException.class)
              .havingCause().isInstanceOf(CmqException.class)
              .matches(t -> ((CmqException) t).httpStatus() == status);
        } finally {
          borrowed.dispatcher().executorService().shutdown();
          borrowed.connectionPool().evictAll();
        }
        assertThat(s.requests()).isEqualTo(2);
        assertThat(elsewhere.requests()).as("requests sent to the redirect target").isZero();
      }
    }
  }

  @Test
  void plainHttpWarnsUnlessPrivateOrLoopback() {
    assertThat(PlainHttp.warning(CmqEndpoint.of("http://cmq.example.com"))).get().asString()
        .contains("plain HTTP").contains("does not hide the message bodies");
    assertThat(PlainHttp.warning(CmqEndpoint.of("http://10.0.0.7:8080"))).isPresent();
    assertThat(PlainHttp.warning(CmqEndpoint.of("http://tencentyun.com.evil.example"))).isPresent();
    assertThat(PlainHttp.warning(CmqEndpoint.tdmqPrivate("gz"))).isEmpty();
    assertThat(PlainHttp.warning(CmqEndpoint.legacyQueuePrivate("gz"))).isEmpty();
    assertThat(PlainHttp.warning(CmqEndpoint.tdmqPublic("gz"))).isEmpty();
    assertThat(PlainHttp.warning(CmqEndpoint.of("https://cmq.example.com"))).isEmpty();
    assertThat(PlainHttp.warning(CmqEndpoint.of("http://127.0.0.1:9000"))).isEmpty();
    assertThat(PlainHttp.warning(CmqEndpoint.of("http://localhost:9000"))).isEmpty();
    assertThat(PlainHttp.warning(CmqEndpoint.of("http://[::1]:9000"))).isEmpty();
  }
}
