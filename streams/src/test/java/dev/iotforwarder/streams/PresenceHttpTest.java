package dev.iotforwarder.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint and its client over an in-memory lookup: every query, encoding and error. */
class PresenceHttpTest {
  private static final DevicePresence ODD = new DevicePresence("id a/ü&x=1", "lamp", "dev \"1\"", true,
      "Online", Long.MAX_VALUE, 1_767_225_600_000L);
  private static final DevicePresence OTHER = new DevicePresence("2", "lamp", "dev-2", true, "Upgrading", 0, -1);

  private final FakeLookup fake = new FakeLookup();
  private PresenceHttpServer server;
  private PresenceLookup remote;

  @BeforeEach
  void start() throws Exception {
    server = PresenceHttpServer.start(fake, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    remote = PresenceHttpClient.create(Duration.ofSeconds(5)).at(host(server));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void everyQueryRoundTripsWithItsValuesIntact() {
    assertThat(remote.device(ODD.deviceId())).contains(ODD);
    assertThat(remote.device("unknown")).isEmpty();
    assertThat(remote.onlineDevices("lamp")).containsExactly(ODD, OTHER);
    assertThat(remote.onlineDevices("la mp&product=x")).isEmpty();
    assertThat(remote.onlineCount("lamp")).contains(2L);
    assertThat(remote.onlineCount("meter")).isEmpty();
    assertThat(remote.onlineCounts()).isEqualTo(Map.of("lamp", 2L, "zero", 0L));
    assertThat(fake.asked).containsExactly("device id a/ü&x=1", "device unknown", "online lamp",
        "online la mp&product=x", "count lamp", "count meter", "counts");
  }

  @Test
  void aStoreInARebalanceAnswers503AndTheClientThrowsAsALocalReadWould() {
    fake.rebalancing = true;
    assertThatThrownBy(() -> remote.device("1"))
        .isInstanceOf(InvalidStateStoreException.class)
        .hasMessageContaining("/presence/device?id=1")
        .hasMessageContaining("migrated");
  }

  @Test
  void anotherFailureAnswers500AndTheClientNamesTheInstanceAndTheStatus() {
    fake.broken = true;
    assertThatThrownBy(() -> remote.onlineCounts())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(host(server).port() + "/presence/counts answered 500")
        .hasMessageContaining("IllegalStateException: broken store");
  }

  @Test
  void badRequestsGetPreciseStatusesAndErrors() throws Exception {
    assertThat(raw("GET", "/presence/device")).isEqualTo("400 {\"error\":\"missing query parameter id\"}");
    assertThat(raw("GET", "/presence/nothing")).isEqualTo("404 {\"error\":\"no such path: /presence/nothing\"}");
    assertThat(raw("DELETE", "/presence/counts")).isEqualTo("405 {\"error\":\"only GET is served, got DELETE\"}");
    assertThat(fake.asked).isEmpty();
  }

  @Test
  void anInstanceThatDoesNotAnswerFailsWithItsAddress() {
    HostInfo gone = host(server);
    server.close();
    assertThatThrownBy(() -> PresenceHttpClient.create(Duration.ofSeconds(2)).at(gone).device("1"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("http://" + gone.host() + ":" + gone.port() + "/presence/device?id=1 failed");
  }

  @Test
  void theClientRejectsATimeoutThatIsNotPositive() {
    assertThatThrownBy(() -> PresenceHttpClient.create(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive, got PT0S");
  }

  private String raw(String method, String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + host(server).host() + ":" + host(server).port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    return r.statusCode() + " " + r.body();
  }

  private static HostInfo host(PresenceHttpServer server) {
    return new HostInfo(server.address().getAddress().getHostAddress(), server.address().getPort());
  }

  /** Two lamps online; records what it was asked. */
  private static final class FakeLookup implements PresenceLookup {
    final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile boolean rebalancing;
    volatile boolean broken;

    private void ask(String what) {
      if (rebalancing) {
        throw new InvalidStateStoreException("The state store may have migrated to another instance");
      }
      if (broken) {
        throw new IllegalStateException("broken store");
      }
      asked.add(what);
    }

    @Override
    public Optional<DevicePresence> device(String deviceId) {
      ask("device " + deviceId);
      return List.of(ODD, OTHER).stream().filter(p -> p.deviceId().equals(deviceId)).findFirst();
    }

    @Override
    public List<DevicePresence> onlineDevices(String productName) {
      ask("online " + productName);
      return productName.equals("lamp") ? List.of(ODD, OTHER) : List.of();
    }

    @Override
    public Optional<Long> onlineCount(String productName) {
      ask("count " + productName);
      return productName.equals("lamp") ? Optional.of(2L) : Optional.empty();
    }

    @Override
    public Map<String, Long> onlineCounts() {
      ask("counts");
      return new TreeMap<>(Map.of("lamp", 2L, "zero", 0L));
    }
  }
}
