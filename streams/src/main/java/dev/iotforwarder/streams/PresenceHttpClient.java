package dev.iotforwarder.streams;

import dev.iotforwarder.streams.internal.PresenceJson;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another instance's {@link PresenceHttpServer} over HTTP: the remote side of {@link
 * ClusterPresenceQueries} ({@code PresenceHttpClient.create(timeout)::at}). The server must listen on
 * the instance's {@code application.server} host and port. Thread-safe; one JDK {@code HttpClient}
 * serves every call.
 *
 * <p>Failures: a connection failure, a timeout or an unexpected answer throws {@link
 * UncheckedIOException} naming the instance; an answer of 503 (the remote store is in a rebalance)
 * throws Kafka's {@link InvalidStateStoreException}, as a local read does.
 */
public final class PresenceHttpClient {
  private final HttpClient http;
  private final Duration timeout;

  private PresenceHttpClient(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /**
   * A client.
   *
   * @param timeout the longest a connection and then an answer may take, positive
   * @return the client
   * @throws NullPointerException if {@code timeout} is {@code null}
   * @throws IllegalArgumentException if it is not positive
   */
  public static PresenceHttpClient create(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout == null");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    return new PresenceHttpClient(timeout);
  }

  /**
   * The lookup that asks the instance at an {@code application.server}.
   *
   * @param host the instance
   * @return its lookup; each query is one HTTP request
   * @throws NullPointerException if {@code host} is {@code null}
   */
  public PresenceLookup at(HostInfo host) {
    Objects.requireNonNull(host, "host == null");
    return new PresenceLookup() {
      @Override
      public Optional<DevicePresence> device(String deviceId) {
        Objects.requireNonNull(deviceId, "deviceId == null");
        return get(host, "/presence/device?id=" + encode(deviceId), PresenceJson::readDevice);
      }

      @Override
      public List<DevicePresence> onlineDevices(String productName) {
        Objects.requireNonNull(productName, "productName == null");
        return get(host, "/presence/online?product=" + encode(productName), PresenceJson::readDevices);
      }

      @Override
      public Optional<Long> onlineCount(String productName) {
        Objects.requireNonNull(productName, "productName == null");
        return get(host, "/presence/count?product=" + encode(productName), PresenceJson::readCount);
      }

      @Override
      public Map<String, Long> onlineCounts() {
        return get(host, "/presence/counts", PresenceJson::readCounts);
      }

      @Override
      public String toString() {
        return "PresenceHttpClient.at(" + host + ")";
      }
    };
  }

  private interface Reader<T> {
    T read(byte[] body) throws IOException;
  }

  private <T> T get(HostInfo host, String pathAndQuery, Reader<T> reader) {
    String name = host.host().contains(":") ? "[" + host.host() + "]" : host.host(); // an IPv6 literal
    URI uri = URI.create("http://" + name + ":" + host.port() + pathAndQuery);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("Presence query " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new InterruptedIOException("Presence query " + uri + " interrupted"));
    }
    if (response.statusCode() == 503) {
      throw new InvalidStateStoreException("Presence query " + uri + ": " + PresenceJson.readError(response.body()));
    }
    if (response.statusCode() != 200) {
      throw new UncheckedIOException(new IOException("Presence query " + uri + " answered "
          + response.statusCode() + ": " + PresenceJson.readError(response.body())));
    }
    try {
      return reader.read(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("Presence query " + uri + " answered a body that is not presence JSON: "
          + e.getMessage(), e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
