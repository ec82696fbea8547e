package dev.iotforwarder.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSigner;
import dev.iotforwarder.cmq.internal.NoDelaySocketFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.SocketFactory;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Baseline (f): the most a client gets out of LocalCmq doing CmqSink's work without this library,
 * what a competent user builds on the batch API. {@code threads} threads ({@code bench-cmq-N}) share
 * one {@code OkHttpClient} (a connection per thread kept alive, TCP_NODELAY on as CmqSink has it);
 * each claims the next 16 messages, encodes their envelopes, signs one {@code BatchSendMessage} with
 * a fresh nonce, posts it, waits for the reply and checks its {@code code}. No per-device order, no
 * retry, no bookkeeping: less than CmqSink does, so an upper bound for it.
 */
final class CmqBatchLoop {
  static final int BATCH = 16;
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CmqEndpoint endpoint;
  private final CmqSigner signer;
  private final String queue;
  private final DeviceMessage[] pool;

  CmqBatchLoop(CmqEndpoint endpoint, CmqSigner signer, String queue, DeviceMessage[] pool) {
    this.endpoint = endpoint;
    this.signer = signer;
    this.queue = queue;
    this.pool = pool;
  }

  /**
   * Sends {@code n} messages from {@code threads} threads and waits for all of them.
   *
   * @return the CPU and time it took
   * @throws IllegalStateException if a request failed
   */
  CpuMeter.Usage run(int n, int threads) throws Exception {
    OkHttpClient http = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(threads, 5, TimeUnit.MINUTES))
        .socketFactory(NoDelaySocketFactory.wrap(SocketFactory.getDefault()))
        .build();
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    // The threads stay alive until the meter has read their CPU time (a thread that ended takes it
    // with it).
    CountDownLatch finished = new CountDownLatch(threads);
    CountDownLatch measured = new CountDownLatch(1);
    try {
      CpuMeter cpu = new CpuMeter();
      for (int t = 0; t < threads; t++) {
        Thread w = new Thread(() -> {
          EnvelopeCodec codec = EnvelopeCodec.standard();
          try {
            for (int start = next.getAndAdd(BATCH); start < n && failure.get() == null;
                start = next.getAndAdd(BATCH)) {
              send(http, codec, start, Math.min(n, start + BATCH));
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          } finally {
            finished.countDown();
          }
          try {
            measured.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "bench-cmq-" + t);
        workers.add(w);
        w.start();
      }
      finished.await();
      CpuMeter.Usage usage = cpu.stop(n);
      measured.countDown();
      for (Thread w : workers) {
        w.join();
      }
      if (failure.get() != null) {
        throw new IllegalStateException("batch loop failed", failure.get());
      }
      return usage;
    } finally {
      measured.countDown();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private void send(OkHttpClient http, EnvelopeCodec codec, int from, int to) throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("queueName", queue);
    for (int i = from; i < to; i++) {
      params.put("msgBody." + (i - from + 1),
          new String(codec.encode(pool[i % pool.length]), StandardCharsets.UTF_8));
    }
    params.put("delaySeconds", "0");
    try (Response response = http.newCall(post(endpoint, signer.sign(endpoint, "BatchSendMessage", params)))
        .execute()) {
      JsonNode reply = JSON.readTree(response.body().bytes());
      if (reply.path("code").asInt(-1) != 0) {
        throw new IllegalStateException("BatchSendMessage failed: " + reply);
      }
    }
  }

  /** A form POST of signed parameters, as the CMQ API takes them. */
  static Request post(CmqEndpoint endpoint, Map<String, String> signed) {
    StringBuilder body = new StringBuilder(1024);
    for (Map.Entry<String, String> e : signed.entrySet()) {
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return new Request.Builder().url(endpoint.url())
        .post(RequestBody.create(body.toString().getBytes(StandardCharsets.UTF_8), FORM)).build();
  }
}
