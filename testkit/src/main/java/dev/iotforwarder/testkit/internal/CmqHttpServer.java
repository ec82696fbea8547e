package dev.iotforwarder.testkit.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iotforwarder.testkit.CmqFault;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * LocalCmq's HTTP plumbing: the JDK server on a loopback port with its thread pool, and the way of
 * one request through it, in the service's order: path (404), method (4000/10410), size
 * (4000/10420), form decoding, the injected fault, {@code Action}, signature ({@link
 * CmqSignatures}), then the action ({@link CmqActions}); every outcome is recorded ({@link
 * RequestLog}) and answered ({@link CmqReplies}).
 *
 * <p>Each request runs on a thread of the pool; a long-polling receive holds its thread while it
 * waits. Thread-safe.
 */
public final class CmqHttpServer {
  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  private final HttpServer server;
  private final ExecutorService executor;
  private final int maxRequestBytes;
  private final CmqCounters counters;
  private final FaultPlan faults;
  private final CmqSignatures signatures;
  private final CmqActions actions;
  private final RequestLog log;
  private final CmqReplies replies;

  /**
   * Binds and starts the server.
   *
   * @param port the port, 0 for a free one
   * @param maxRequestBytes the largest request body
   * @param counters the counters
   * @param faults the faults to inject
   * @param signatures the signature check
   * @param actions the action dispatch
   * @param log the request log
   * @throws IOException if the port cannot be bound
   */
  public CmqHttpServer(int port, int maxRequestBytes, CmqCounters counters, FaultPlan faults,
      CmqSignatures signatures, CmqActions actions, RequestLog log) throws IOException {
    this.maxRequestBytes = maxRequestBytes;
    this.counters = counters;
    this.faults = faults;
    this.signatures = signatures;
    this.actions = actions;
    this.log = log;
    this.replies = new CmqReplies(counters);
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
      // delayed ACK, and every reply waits ~40 ms. Read once per JVM, by the first HttpServer.
      System.setProperty(NODELAY_PROPERTY, "true");
    }
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "local-cmq-" + server.getAddress().getPort() + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * The bound address.
   *
   * @return the loopback address and port
   */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Stops accepting and answering, then ends the pool's threads (interrupting waiting receives).
   *
   * @param beforeThreadsEnd runs between the two, e.g. to wake up waiting receives
   */
  public void stop(Runnable beforeThreadsEnd) {
    server.stop(0);
    beforeThreadsEnd.run();
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    byte[] raw = readBody(ex.getRequestBody());
    if (!path.equals("/") && !path.equals("/v2/index.php")) {
      CmqReplies.text(ex, 404, "not found: " + path);
      return;
    }
    counters.request();
    String contentType = ex.getRequestHeaders().getFirst("Content-Type");
    Map<String, String> params = Map.of();
    String action = null;
    try {
      if (!method.equals("GET") && !method.equals("POST")) {
        throw new CmqError(4000, 10410, "only GET or POST method is supported");
      }
      if (raw.length > maxRequestBytes) {
        throw new CmqError(4000, 10420, "request size is more than " + maxRequestBytes + " bytes");
      }
      try {
        String query = ex.getRequestURI().getRawQuery();
        params = method.equals("POST") && raw.length > 0
            ? CmqWire.decodeForm(new String(raw, StandardCharsets.UTF_8))
            : CmqWire.decodeForm(query);
      } catch (IllegalArgumentException e) {
        throw new CmqError(4000, 10420, "can not parse the request");
      }
      action = params.get("Action");
      if (action != null) {
        counters.request(action);
      }
      CmqFault fault = faults.next(action);
      if (fault != null) {
        counters.faultInjected();
        switch (fault.kind()) {
          case DROP -> {
            log.record(method, path, contentType, action, params, -1, -1);
            throw new DropConnection();
          }
          case HTTP_STATUS -> {
            log.record(method, path, contentType, action, params, -1, fault.httpStatus());
            CmqReplies.text(ex, fault.httpStatus(), "injected HTTP " + fault.httpStatus());
            return;
          }
          case ERROR -> throw new CmqError(fault.code(), fault.moduleCode(), fault.message());
          case DELAY -> sleep(fault.delay());
          case DELETE_FAILURES -> { } // applied by BatchDeleteMessage
          default -> throw new IllegalStateException();
        }
      }
      if (action == null) {
        throw new CmqError(4000, 10010, "param Action missing");
      }
      signatures.verify(method, ex.getRequestHeaders().getFirst("Host"), path, params);
      actions.checkKnown(action);
      Map<String, Object> reply = new LinkedHashMap<>();
      actions.dispatch(action, params, reply, fault);
      int code = (Integer) reply.getOrDefault("code", 0);
      log.record(method, path, contentType, action, params, code, 200);
      replies.json(ex, code, (String) reply.getOrDefault("message", ""), reply);
    } catch (CmqError e) {
      log.record(method, path, contentType, action, params, e.code, 200);
      replies.json(ex, e.code, e.replyMessage(), Map.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DropConnection();
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static void sleep(Duration d) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(d.toNanos());
  }

  /** Thrown out of the handler so the JDK server closes the connection without a reply. */
  private static final class DropConnection extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    DropConnection() {
      super("connection dropped on purpose by LocalCmq", new IOException("dropped"));
    }
  }
}
