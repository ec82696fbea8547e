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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * CmqSink through a Forwarder against (f), the batch API from N threads ({@link CmqBatchLoop}), and
 * against a sequential loop of signed {@code SendMessage} requests, one
 * per message, each waiting for its reply: how the official synchronous Java SDK sends. The loop is
 * the SDK done well: one shared OkHttp client with keep-alive, envelopes encoded before the clock
 * starts, the body built in one pass, the reply's {@code code} checked.
 */
final class CmqScenario {
  private static final String LOOP_QUEUE = "bench-loop";
  private static final String SINK_QUEUE = "bench-sink";

  private final Settings settings;
  private final DeviceMessage[] pool;
  private final String[] envelopes;
  private final ObjectMapper json = new ObjectMapper();

  /** (a) The sequential SendMessage loop. */
  final Side loop = new Side("sequential SendMessage loop (a)");
  /** (f) BatchSendMessage of 16 from N threads ({@link CmqBatchLoop}). */
  final Side batchLoop = new Side("BatchSendMessage from N threads (f)");
  /** (b) CmqSink through a Forwarder. */
  final Side sink = new Side("CmqSink (b)");
  final Series loopRequests = new Series();
  final Series sinkRequests = new Series();
  /** The number of threads of (f): the one that gave the most msg/s in the scan. */
  int batchThreads;
  /** The scan: msg/s of (f) for each number of threads tried. */
  final Map<Integer, Double> scan = new LinkedHashMap<>();

  CmqScenario(Settings settings, DeviceMessage[] pool) {
    this.settings = settings;
    this.pool = pool;
    byte[][] e = Workload.encode(pool);
    this.envelopes = new String[e.length];
    for (int i = 0; i < e.length; i++) {
      envelopes[i] = new String(e[i], StandardCharsets.UTF_8);
    }
  }

  List<Side> sides() {
    return List.of(loop, batchLoop, sink);
  }

  void run() throws Exception {
    try (LocalCmq cmq = LocalCmq.builder().requestLogCapacity(16).start()) {
      cmq.createQueue(LOOP_QUEUE).createQueue(SINK_QUEUE);
      CmqEndpoint endpoint = CmqEndpoint.of(cmq.url());
      CmqCredentials credentials = CmqCredentials.of(cmq.secretId(), cmq.secretKey());
      CmqBatchLoop batch = new CmqBatchLoop(endpoint, CmqSigner.of(credentials), LOOP_QUEUE, pool);
      OkHttpClient http = new OkHttpClient();
      try {
        System.out.printf("cmq: warm-up round%n");
        loop(cmq, http, endpoint, credentials, Math.max(100, settings.cmqLoopMessages / 4));
        sink(cmq, endpoint, credentials, Math.max(1000, settings.cmqSinkMessages / 4));
        scan(cmq, batch);
        for (int r = 1; r <= settings.cmqRounds; r++) {
          CpuMeter.Usage a = loop(cmq, http, endpoint, credentials, settings.cmqLoopMessages);
          CpuMeter.Usage f = batch(cmq, batch, settings.cmqSinkMessages, batchThreads);
          CpuMeter.Usage b = sink(cmq, endpoint, credentials, settings.cmqSinkMessages);
          loop.add(a);
          batchLoop.add(f);
          sink.add(b);
          loopRequests.add(loop.rates.last());
          System.out.printf(Locale.ROOT, "cmq: round %d: loop %s msg/s, (f) %s msg/s, sink %s msg/s (%s req/s);"
                  + " sink / loop %.1f, sink / (f) %.2f (load %s)%n", r, Series.rate(loop.rates.last()),
              Series.rate(batchLoop.rates.last()), Series.rate(sink.rates.last()),
              Series.rate(sinkRequests.last()), sink.rates.last() / loop.rates.last(),
              sink.rates.last() / batchLoop.rates.last(), Machine.loadAverage());
          if (settings.threads) {
            System.out.printf("  loop %s%n  (f) %s%n  sink %s%n", a.report(), f.report(), b.report());
          }
        }
      } finally {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
      }
    }
  }

  /** Finds the number of threads that gets the most out of LocalCmq with (f): 1, 2, 4, ... 64. */
  private void scan(LocalCmq cmq, CmqBatchLoop batch) throws Exception {
    int n = Math.max(1000, settings.cmqSinkMessages / 4);
    double best = 0;
    for (int threads = 1; threads <= 64; threads *= 2) {
      CpuMeter.Usage u = batch(cmq, batch, n, threads);
      double rate = n / (u.wallNanos() / 1e9);
      scan.put(threads, rate);
      if (rate > best) {
        best = rate;
        batchThreads = threads;
      }
    }
    System.out.printf("cmq: (f) threads scan (msg/s): %s; using %d threads%n", scan, batchThreads);
  }

  private CpuMeter.Usage batch(LocalCmq cmq, CmqBatchLoop batch, int n, int threads) throws Exception {
    long before = cmq.storedCount(LOOP_QUEUE);
    CpuMeter.Usage u = batch.run(n, threads);
    long stored = cmq.storedCount(LOOP_QUEUE) - before;
    if (stored != n) {
      throw new IllegalStateException("batch loop stored " + stored + " of " + n);
    }
    cmq.purge(LOOP_QUEUE);
    return u;
  }

  /** The sequential loop. */
  private CpuMeter.Usage loop(LocalCmq cmq, OkHttpClient http, CmqEndpoint endpoint, CmqCredentials credentials,
      int n) throws Exception {
    CmqSigner signer = CmqSigner.of(credentials);
    long before = cmq.storedCount(LOOP_QUEUE);
    CpuMeter cpu = new CpuMeter();
    for (int i = 0; i < n; i++) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("queueName", LOOP_QUEUE);
      params.put("msgBody", envelopes[i % envelopes.length]);
      params.put("delaySeconds", "0");
      Request request = CmqBatchLoop.post(endpoint, signer.sign(endpoint, "SendMessage", params));
      try (Response response = http.newCall(request).execute()) {
        JsonNode reply = json.readTree(response.body().bytes());
        if (reply.path("code").asInt(-1) != 0) {
          throw new IllegalStateException("SendMessage failed: " + reply);
        }
      }
    }
    CpuMeter.Usage u = cpu.stop(n);
    long stored = cmq.storedCount(LOOP_QUEUE) - before;
    if (stored != n) {
      throw new IllegalStateException("loop stored " + stored + " of " + n);
    }
    cmq.purge(LOOP_QUEUE);
    return u;
  }

  /** CmqSink through a Forwarder; also records its requests per second. */
  private CpuMeter.Usage sink(LocalCmq cmq, CmqEndpoint endpoint, CmqCredentials credentials, int n)
      throws Exception {
    long before = cmq.storedCount(SINK_QUEUE);
    CpuMeter.Usage u;
    long requests;
    SinkStats stats;
    try (CmqClient client = CmqClient.builder().endpoint(endpoint).credentials(credentials).build()) {
      CmqSink sink = CmqSink.builder().name("cmq").client(client).queue(SINK_QUEUE)
          .maxInFlight(Integer.getInteger("bench.cmq.maxInFlight", CmqSink.DEFAULT_MAX_IN_FLIGHT))
          .build();
      try (Forwarder f = Forwarder.builder().route(sink).build()) {
        f.forward(pool[0]).get(30, TimeUnit.SECONDS);
        long requestsBefore = sink.requestCount();
        CpuMeter cpu = new CpuMeter();
        for (int i = 0; i < n; i++) {
          f.forward(pool[i % pool.length]);
        }
        if (!f.flush(Duration.ofMinutes(5))) {
          throw new IllegalStateException("CmqSink flush timed out");
        }
        u = cpu.stop(n);
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
    sinkRequests.add(requests / (u.wallNanos() / 1e9));
    return u;
  }
}
