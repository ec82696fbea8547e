package dev.iotforwarder.streams;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iotforwarder.streams.internal.PresenceJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny HTTP endpoint (the JDK's {@code com.sun.net.httpserver}) that serves one instance's presence
 * queries as JSON, for {@link PresenceHttpClient} on the other instances. Off by default: nothing
 * listens until a host calls {@link #start}. No TLS and no authentication: bind it to an address only
 * the application's instances reach, or serve the queries through the host's own RPC instead.
 *
 * <p>Requests ({@code GET} only; parameters URL-encoded in the query string):
 *
 * <ul>
 *   <li>{@code /presence/device?id=D}: {@code {"device": {...}}} or {@code {"device": null}};
 *   <li>{@code /presence/online?product=P}: {@code {"devices": [{...}, ...]}};
 *   <li>{@code /presence/count?product=P}: {@code {"count": n}} or {@code {"count": null}};
 *   <li>{@code /presence/counts}: {@code {"counts": {"P": n, ...}}}.
 * </ul>
 *
 * A device is {@code {"deviceId", "productName", "deviceName", "online", "lastEvent", "seq",
 * "seenAt"}} ({@link DevicePresence}'s fields). Errors are {@code {"error": "..."}} with 400 (a missing
 * parameter), 404 (an unknown path), 405 (not {@code GET}), 503 (a store in a rebalance: retry) or 500.
 *
 * <p>Serve the instance's <em>own</em> stores ({@link PresenceQueries}), never a {@link
 * ClusterPresenceQueries}: the callers already route to the instance that holds the key.
 *
 * <p><b>Threads.</b> Requests are served on two daemon threads named {@code iotf-presence-http-N};
 * {@link #close} stops accepting, waits up to a second for the requests being served, and stops the
 * threads. Thread-safe.
 */
public final class PresenceHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceHttpServer.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final HttpServer server;
  private final ExecutorService executor;
  private final PresenceLookup lookup;

  private PresenceHttpServer(HttpServer server, ExecutorService executor, PresenceLookup lookup) {
    this.server = server;
    this.executor = executor;
    this.lookup = lookup;
  }

  /**
   * Starts serving.
   *
   * @param lookup the instance's own stores, normally a {@link PresenceQueries}
   * @param address where to listen; port 0 picks a free port (see {@link #address})
   * @return the running endpoint
   * @throws NullPointerException if an argument is {@code null}
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static PresenceHttpServer start(PresenceLookup lookup, InetSocketAddress address) {
    Objects.requireNonNull(lookup, "lookup == null");
    Objects.requireNonNull(address, "address == null");
    HttpServer http;
    try {
      http = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot bind the presence endpoint to " + address + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "iotf-presence-http-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    PresenceHttpServer server = new PresenceHttpServer(http, executor, lookup);
    http.createContext("/", server::handle);
    http.setExecutor(executor);
    http.start();
    return server;
  }

  /**
   * The address it listens on, with the port it bound.
   *
   * @return the address
   */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stops accepting, waits up to a second for the requests being served, and stops its threads. */
  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status = 200;
      byte[] body;
      try {
        if (!"GET".equals(exchange.getRequestMethod())) {
          status = 405;
          body = PresenceJson.error("only GET is served, got " + exchange.getRequestMethod());
        } else {
          Map<String, String> query = parse(exchange.getRequestURI().getRawQuery());
          body = switch (exchange.getRequestURI().getPath()) {
            case "/presence/device" -> PresenceJson.device(lookup.device(required(query, "id")));
            case "/presence/online" -> PresenceJson.devices(lookup.onlineDevices(required(query, "product")));
            case "/presence/count" -> PresenceJson.count(lookup.onlineCount(required(query, "product")));
            case "/presence/counts" -> PresenceJson.counts(lookup.onlineCounts());
            default -> null;
          };
          if (body == null) {
            status = 404;
            body = PresenceJson.error("no such path: " + exchange.getRequestURI().getPath());
          }
        }
      } catch (IllegalArgumentException e) {
        status = 400;
        body = PresenceJson.error(e.getMessage());
      } catch (InvalidStateStoreException e) {
        status = 503;
        body = PresenceJson.error(e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("Presence query {} failed", exchange.getRequestURI(), e);
        status = 500;
        body = PresenceJson.error(e.toString());
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static String required(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing query parameter " + name);
    }
    return value;
  }

  private static Map<String, String> parse(String rawQuery) {
    Map<String, String> out = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }
}
