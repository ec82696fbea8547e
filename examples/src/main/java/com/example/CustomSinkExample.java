package com.example;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.Sink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A custom sink: POSTs each envelope to a webhook. 2xx means delivered; 5xx, 429 or no answer at
 * all are retriable (the forwarder retries); anything else is permanent (dead letter). The contract
 * kit proves it in {@code CustomSinkExampleTest}.
 */
public final class CustomSinkExample implements Sink {
  private final URI url;
  private final HttpClient http; // the host's: borrowed, never closed here
  private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public CustomSinkExample(URI url, HttpClient http) {
    this.url = url;
    this.http = http;
  }

  @Override public String name() {
    return "webhook";
  }

  @Override public CompletableFuture<Void> send(DeviceMessage message) {
    if (closed) {
      return CompletableFuture.failedFuture(new PermanentForwardingException("webhook sink is closed"));
    }
    HttpRequest post = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(EnvelopeCodec.standard().encode(message))).build();
    CompletableFuture<Void> sent = http.sendAsync(post, BodyHandlers.discarding()).thenAccept(response -> {
      int status = response.statusCode();
      if (status >= 500 || status == 429) {
        throw new RetriableForwardingException("webhook answered HTTP " + status);
      } else if (status >= 300) {
        throw new PermanentForwardingException("webhook answered HTTP " + status);
      }
    });
    inFlight.add(sent);
    sent.whenComplete((v, e) -> inFlight.remove(sent));
    return sent;
  }

  @Override public CompletableFuture<Void> flush() { // completes once every earlier send has
    return CompletableFuture.allOf(inFlight.stream().map(f -> f.handle((v, e) -> null))
        .toArray(CompletableFuture[]::new));
  }

  @Override public void close() {
    closed = true;
  }
}
