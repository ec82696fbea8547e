package com.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.Sink;
import dev.iotforwarder.testkit.SinkContract;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The webhook sink of {@link CustomSinkExample} passes the sink contract kit against a local HTTP server. */
@DisplayName("CustomSinkExample (webhook sink)")
class CustomSinkExampleTest extends SinkContract {
  private static final List<byte[]> BODIES = new CopyOnWriteArrayList<>();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static volatile int status = 200;
  private static HttpServer server;
  private static ExecutorService executor;

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/hook", exchange -> {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      int answer = status;
      if (answer / 100 == 2) {
        BODIES.add(body);
      }
      exchange.sendResponseHeaders(answer, -1);
      exchange.close();
    });
    server.start();
  }

  @AfterAll
  static void stopServer() throws InterruptedException {
    server.stop(0);
    executor.shutdown();
    executor.awaitTermination(10, TimeUnit.SECONDS);
  }

  private static URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  @Override
  protected Sink newSink() {
    BODIES.clear();
    status = 200;
    return new CustomSinkExample(url(), HTTP);
  }

  /** The webhook answers 503 (retriable) or 400 (permanent) to every request. */
  @Override
  protected Sink newFailingSink(Failure failure) {
    Sink sink = newSink();
    status = failure == Failure.RETRIABLE ? 503 : 400;
    return sink;
  }

  @Override
  protected List<DeviceMessage> received() {
    List<DeviceMessage> out = new ArrayList<>();
    for (byte[] body : BODIES) {
      out.add(EnvelopeCodec.standard().decode(body));
    }
    return out;
  }

  @Test
  @DisplayName("posts the exact envelope bytes the codec writes")
  void postsTheEnvelope() throws Exception {
    DeviceMessage m = message(3, 44);
    try (Sink sink = newSink()) {
      sink.send(m).get(30, TimeUnit.SECONDS);
    }
    assertThat(BODIES).hasSize(1);
    assertThat(BODIES.get(0)).isEqualTo(EnvelopeCodec.standard().encode(m));
  }

  @Test
  @DisplayName("fails retriably on HTTP 503 and permanently on HTTP 400")
  void classifiesErrors() {
    try (Sink sink = newSink()) {
      status = 503;
      CompletableFuture<Void> unavailable = sink.send(message(1, 1));
      assertThatThrownBy(() -> unavailable.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RetriableForwardingException.class);
      status = 400;
      CompletableFuture<Void> rejected = sink.send(message(1, 2));
      assertThatThrownBy(() -> rejected.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PermanentForwardingException.class);
    }
  }

  @Test
  @DisplayName("delivers everything through a Forwarder, in each device's order")
  void worksInAForwarder() throws Exception {
    Sink sink = newSink();
    List<CompletableFuture<ForwardResult>> results = new ArrayList<>();
    try (Forwarder forwarder = Forwarder.builder().route(sink).build()) {
      for (int seq = 0; seq < 100; seq++) {
        for (int device = 0; device < 5; device++) {
          results.add(forwarder.forward(message(device, seq)));
        }
      }
      CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    List<DeviceMessage> got = received();
    assertThat(got).hasSize(500);
    for (int device = 0; device < 5; device++) {
      String name = "d" + device;
      assertThat(got.stream().filter(m -> m.deviceName().equals(name)).map(DeviceMessage::seq).toList())
          .isSorted().hasSize(100);
    }
  }
}
