package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSigner;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.testkit.LocalCmq;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * CmqSink through a Forwarder against a sequential loop of signed {@code SendMessage} requests, one
 * per message, each waiting for its reply: how the official synchronous Java SDK sends. The loop is
 * the SDK done well: one shared OkHttp client with keep-alive, envelopes encoded before the clock
 * starts, the body built in one pass, the reply's {@code code} checked.
 */
final class CmqScenario {
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final String LOOP_QUEUE = "bench-loop";
  private static final String SINK_QUEUE = "bench-sink";

  private final Settings settings;
  private final DeviceMessage[] pool;
  private final String[] envelopes;
  private final ObjectMapper json = new ObjectMapper();

  final Series loopRate = new Series();
  final Series loopRequests = new Series();
  final Series sinkRate = new Series();
  final Series sinkRequests = new Series();
  final Series ratios = new Series();

  CmqScenario(Settings settings, DeviceMessage[] pool) {
    this.settings = settings;
    this.pool = pool;
    byte[][] e = Workload.encode(pool);
    this.envelopes = new String[e.length];
    for (int i = 0; i < e.length; i++) {
      envelopes[i] = new String(e[i], StandardCharsets.UTF_8);
    }
  }

  void run() throws Exception {
    try (LocalCmq cmq = LocalCmq.builder().requestLogCapacity(16).start()) {
      cmq.createQueue(LOOP_QUEUE).createQueue(SINK_QUEUE);
      CmqEndpoint endpoint = CmqEndpoint.of(cmq.url());
      CmqCredentials credentials = CmqCredentials.of(cmq.secretId(), cmq.secretKey());
      OkHttpClient http = new OkHttpClient();
      try {
        System.out.printf("cmq: warm-up round%n");
        loop(cmq, http, endpoint, credentials, Math.max(100, settings.cmqLoopMessages / 4));
        sink(cmq, endpoint, credentials, Math.max(1000, settings.cmqSinkMessages / 4));
        for (int r = 1; r <= settings.cmqRounds; r++) {
          double[] a = loop(cmq, http, endpoint, credentials, settings.cmqLoopMessages);
          double[] b = sink(cmq, endpoint, credentials, settings.cmqSinkMessages);
          loopRate.add(a[0]);
          loopRequests.add(a[1]);
          sinkRate.add(b[0]);
          sinkRequests.add(b[1]);
          ratios.add(b[0] / a[0]);
          System.out.printf("cmq: round %d: loop %s msg/s (%s req/s), sink %s msg/s (%s req/s), ratio %.1f"
              + " (load %s)%n", r, Series.rate(a[0]), Series.rate(a[1]), Series.rate(b[0]), Series.rate(b[1]),
              b[0] / a[0], Machine.loadAverage());
        }
      } finally {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
      }
    }
  }

  /** The sequential loop; returns {msg/s, requests/s}. */
  private double[] loop(LocalCmq cmq, OkHttpClient http, CmqEndpoint endpoint, CmqCredentials credentials,
      int n) throws Exception {
    CmqSigner signer = CmqSigner.of(credentials);
    long before = cmq.storedCount(LOOP_QUEUE);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("queueName", LOOP_QUEUE);
      params.put("msgBody", envelopes[i % envelopes.length]);
      params.put("delaySeconds", "0");
      Map<String, String> signed = signer.sign(endpoint, "SendMessage", params);
      StringBuilder body = new StringBuilder(1024);
      for (Map.Entry<String, String> e : signed.entrySet()) {
        if (body.length() > 0) {
          body.append('&');
        }
        body.append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      }
      Request request = new Request.Builder().url(endpoint.url())
          .post(RequestBody.create(body.toString().getBytes(StandardCharsets.UTF_8), FORM)).build();
      try (Response response = http.newCall(request).execute()) {
        JsonNode reply = json.readTree(response.body().bytes());
        if (reply.path("code").asInt(-1) != 0) {
          throw new IllegalStateException("SendMessage failed: " + reply);
        }
      }
    }
    long t1 = System.nanoTime();
    long stored = cmq.storedCount(LOOP_QUEUE) - before;
    if (stored != n) {
      throw new IllegalStateException("loop stored " + stored + " of " + n);
    }
    cmq.purge(LOOP_QUEUE);
    double seconds = (t1 - t0) / 1e9;
    return new double[] {n / seconds, n / seconds};
  }

  /** CmqSink through a Forwarder; returns {msg/s, requests/s}. */
  private double[] sink(LocalCmq cmq, CmqEndpoint endpoint, CmqCredentials credentials, int n)
      throws Exception {
    long before = cmq.storedCount(SINK_QUEUE);
    double seconds;
    long requests;
    SinkStats stats;
    try (CmqClient client = CmqClient.builder().endpoint(endpoint).credentials(credentials).build()) {
      CmqSink sink = CmqSink.builder().name("cmq").client(client).queue(SINK_QUEUE).build();
      try (Forwarder f = Forwarder.builder().route(sink).build()) {
        f.forward(pool[0]).get(30, TimeUnit.SECONDS);
        long requestsBefore = sink.requestCount();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          f.forward(pool[i % pool.length]);
        }
        if (!f.flush(Duration.ofMinutes(5))) {
          throw new IllegalStateException("CmqSink flush timed out");
        }
        long t1 = System.nanoTime();
        seconds = (t1 - t0) / 1e9;
        requests = sink.requestCount() - requestsBefore;
        stats = f.stats().sink("cmq");
      }
    }
    long stored = cmq.storedCount(SINK_QUEUE) - before;
    if (stats.succeeded() != n + 1 || stored != n + 1) {
      throw new IllegalStateException("CmqSink delivered " + stats.succeeded() + " and LocalCmq stored "
          + stored + " of " + (n + 1) + ": " + stats);
    }
    cmq.purge(SINK_QUEUE);
    return new double[] {n / seconds, requests / seconds};
  }
}
