package dev.iotforwarder.connect.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small client of a Connect worker's REST API, over HTTP. */
final class ConnectRest {
  /** A reply: status and parsed JSON body (a missing node when empty). */
  record Reply(int status, JsonNode body, String text) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Reply get(String base, String path) {
    return send(base, path, "GET", null);
  }

  Reply put(String base, String path, Object body) {
    return send(base, path, "PUT", body);
  }

  Reply delete(String base, String path) {
    return send(base, path, "DELETE", null);
  }

  /**
   * Sends a request; retries while the worker answers that it is rebalancing or not ready (409, 503,
   * and 500 with a request timeout), for up to 60 s.
   */
  Reply send(String base, String path, String method, Object body) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Reply r = once(base, path, method, body);
      boolean busy = r.status() == 409 || r.status() == 503
          || (r.status() == 500 && r.text().contains("timed out"));
      if (!busy || System.nanoTime() > deadline) {
        return r;
      }
      try {
        Thread.sleep(200); // the interval between two tries of a request the worker was not ready for
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private Reply once(String base, String path, String method, Object body) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90))
          .header("Accept", "application/json");
      if (body != null) {
        b.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      } else {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String text = resp.body() == null ? "" : resp.body();
      JsonNode node = text.isBlank() ? JSON.missingNode() : parse(text);
      return new Reply(resp.statusCode(), node, text);
    } catch (IOException e) {
      return new Reply(-1, JSON.missingNode(), String.valueOf(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  static Map<String, String> map(String... kv) {
    java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
