package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSigner;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The OkHttp call adapter of a {@code CmqClient}: signs an action's parameters, posts them as a form
 * with OkHttp's {@code enqueue}, and hands the response to the {@link ReplyMapper}. A returned future
 * whose {@code cancel} succeeds cancels its HTTP call; {@link #close()} cancels every call in flight.
 *
 * <p>The HTTP client is derived from the host's, or from one built and owned here, with {@code
 * newBuilder()}: without OkHttp's silent re-send after a connection failure (it would repeat the
 * nonce and signature; the caller's retry signs a new request instead), without following redirects
 * (OkHttp would re-send a signed POST with its message bodies on a 307 or 308, even to another host or
 * scheme; a redirect fails the call as HTTP 3xx), and with {@code TCP_NODELAY} on every socket (see
 * {@link NoDelaySocketFactory}). Every call has a whole-call deadline ({@link #deadlineMillis}); the
 * reply is read within {@link ReplyLimits}. TLS settings are the client's; nothing here changes them. Long-polling receives use a second derivation
 * whose read timeout covers the longest poll.
 *
 * <p>Thread-safe: the set of calls in flight is concurrent, {@code closed} is volatile. Futures
 * complete on OkHttp's dispatcher threads.
 */
public final class HttpCalls {
  private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded; charset=utf-8");
  private static final Duration RECEIVE_MARGIN = Duration.ofSeconds(10);
  private static final long DEFAULT_TIMEOUT_MILLIS = 10_000;

  private final CmqEndpoint endpoint;
  private final CmqSigner signer;
  private final ReplyMapper replies;
  private final OkHttpClient http;
  private final OkHttpClient receiveHttp;
  private final boolean ownsHttp;
  private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * The adapter.
   *
   * @param endpoint where requests go
   * @param signer signs them
   * @param failures makes the exceptions
   * @param borrowed the host's HTTP client, never shut down here; or null to build and own one
   * @param connect the connect timeout of an own client
   * @param read its read timeout
   * @param write its write timeout
   * @param maxRequests the most concurrent requests of an own client
   */
  public HttpCalls(CmqEndpoint endpoint, CmqSigner signer, FailureFactory failures, OkHttpClient borrowed,
      Duration connect, Duration read, Duration write, int maxRequests) {
    this.endpoint = endpoint;
    this.signer = signer;
    this.replies = new ReplyMapper(failures, endpoint.host());
    this.ownsHttp = borrowed == null;
    OkHttpClient base = borrowed != null ? borrowed : ownClient(connect, read, write, maxRequests);
    this.http = base.newBuilder()
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .followSslRedirects(false)
        .socketFactory(NoDelaySocketFactory.wrap(base.socketFactory()))
        .build();
    this.receiveHttp = forLongPolls(this.http);
  }

  private static OkHttpClient ownClient(Duration connect, Duration read, Duration write, int maxRequests) {
    ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), new NamedThreadFactory("iot-forwarder-cmq-http"));
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(maxRequests);
    dispatcher.setMaxRequestsPerHost(maxRequests);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(Math.max(5, maxRequests), 5, TimeUnit.MINUTES))
        .connectTimeout(connect)
        .readTimeout(read)
        .writeTimeout(write)
        .build();
  }

  private static OkHttpClient forLongPolls(OkHttpClient base) {
    long needed = CmqRequests.MAX_POLLING_WAIT.plus(RECEIVE_MARGIN).toMillis();
    OkHttpClient.Builder b = base.newBuilder();
    if (base.readTimeoutMillis() != 0 && base.readTimeoutMillis() < needed) {
      b.readTimeout(Duration.ofMillis(needed));
    }
    if (base.callTimeoutMillis() != 0 && base.callTimeoutMillis() < needed + base.connectTimeoutMillis()) {
      b.callTimeout(Duration.ofMillis(needed + base.connectTimeoutMillis()));
    }
    return b.build();
  }

  /**
   * Signs and sends one request.
   *
   * @param <T> the action's result type
   * @param action the action
   * @param params the action's parameters
   * @param longPoll whether the call may wait up to the longest polling wait
   * @param onSuccess the result from a reply with code 0
   * @param ifNoMessage the result for "no message", or null if that is an error for this action
   * @return the call's future; fails with an {@link IllegalStateException} once closed
   */
  public <T> CompletableFuture<T> call(String action, Map<String, String> params, boolean longPoll,
      Function<CmqReply, T> onSuccess, T ifNoMessage) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("CmqClient is closed"));
    }
    byte[] body;
    try {
      body = FormEncoder.encode(signer.sign(endpoint, action, params));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    Request request = new Request.Builder().url(endpoint.url()).post(RequestBody.create(body, FORM)).build();
    OkHttpClient client = longPoll ? receiveHttp : http;
    Call call = client.newCall(request);
    call.timeout().timeout(deadlineMillis(client), TimeUnit.MILLISECONDS);
    CallFuture<T> future = new CallFuture<>(call);
    inFlight.add(call);
    long start = System.nanoTime();
    call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response response) {
        inFlight.remove(c);
        try (response) {
          replies.complete(future, action, response, onSuccess, ifNoMessage, start);
        } catch (RuntimeException | Error e) {
          future.completeExceptionally(e);
        }
      }

      @Override
      public void onFailure(Call c, IOException e) {
        inFlight.remove(c);
        future.completeExceptionally(replies.noResponse(action, e, !c.isCanceled() || !closed, start));
      }
    });
    return future;
  }

  /**
   * The whole-call deadline: the client's call timeout if it has one, else connect + write + read
   * timeouts (an unset one counts as 10 s). OkHttp's read timeout is per read, so without a deadline a
   * server that sends one byte per second would hold the call, its thread and its connection forever.
   *
   * @param client the client the call runs on
   * @return the deadline in milliseconds, positive
   */
  static long deadlineMillis(OkHttpClient client) {
    if (client.callTimeoutMillis() > 0) {
      return client.callTimeoutMillis();
    }
    return orDefault(client.connectTimeoutMillis()) + orDefault(client.writeTimeoutMillis())
        + orDefault(client.readTimeoutMillis());
  }

  private static long orDefault(int millis) {
    return millis > 0 ? millis : DEFAULT_TIMEOUT_MILLIS;
  }

  /**
   * Cancels the calls in flight (their futures fail, not retriable) and releases an own HTTP client.
   * Idempotent.
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Call c : inFlight) {
      c.cancel();
    }
    if (ownsHttp) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  /** A future whose {@code cancel} cancels the HTTP call. */
  private static final class CallFuture<T> extends CompletableFuture<T> {
    private final Call call;

    CallFuture(Call call) {
      this.call = call;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        call.cancel();
      }
      return cancelled;
    }
  }
}
