package dev.iotforwarder.testkit.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes LocalCmq's answers: a CMQ JSON reply ({@code code}, {@code message}, a fresh {@code
 * requestId}, then the action's fields) with HTTP 200, or a plain-text body with another status.
 * Thread-safe.
 */
public final class CmqReplies {
  private final JsonFactory json = new JsonFactory();
  private final AtomicLong requestIds = new AtomicLong();
  private final CmqCounters counters;

  /**
   * A writer that counts each JSON reply by code.
   *
   * @param counters the counters
   */
  public CmqReplies(CmqCounters counters) {
    this.counters = counters;
  }

  /**
   * Answers with a CMQ JSON reply.
   *
   * @param ex the exchange
   * @param code the CMQ code
   * @param message the message
   * @param fields the other fields (a {@code code} or {@code message} among them is skipped); values
   *     are strings, integers, longs, maps and lists of those
   * @throws IOException if the connection fails
   */
  public void json(HttpExchange ex, int code, String message, Map<String, Object> fields) throws IOException {
    counters.reply(code);
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("code", code);
      g.writeStringField("message", message);
      g.writeStringField("requestId", Long.toString(requestIds.incrementAndGet()));
      for (Map.Entry<String, Object> e : fields.entrySet()) {
        if (e.getKey().equals("code") || e.getKey().equals("message")) {
          continue;
        }
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    }
    byte[] bytes = out.toByteArray();
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(200, bytes.length);
    try (var body = ex.getResponseBody()) {
      body.write(bytes);
    }
  }

  /**
   * Answers with a plain-text body.
   *
   * @param ex the exchange
   * @param status the HTTP status
   * @param text the body
   * @throws IOException if the connection fails
   */
  public static void text(HttpExchange ex, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (var body = ex.getResponseBody()) {
      body.write(bytes);
    }
  }

  @SuppressWarnings("unchecked")
  private static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else {
      g.writeNull();
    }
  }
}
