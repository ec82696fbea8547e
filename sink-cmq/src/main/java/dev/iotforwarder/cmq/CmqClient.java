package dev.iotforwarder.cmq;

import com.fasterxml.jackson.core.JsonFactory;
import dev.iotforwarder.cmq.internal.CmqErrors;
import dev.iotforwarder.cmq.internal.CmqReply;
import dev.iotforwarder.cmq.internal.FormEncoder;
import dev.iotforwarder.cmq.internal.NamedThreadFactory;
import dev.iotforwarder.cmq.internal.NoDelaySocketFactory;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous low-level CMQ data-flow client: one method per action, each returning a {@link
 * CompletableFuture} at once. Requests are signed POSTs with a form body ({@code
 * application/x-www-form-urlencoded; charset=utf-8}), sent with OkHttp's {@code enqueue}; each call
 * is a new request with a fresh {@code Timestamp}, {@code Nonce} and {@code Signature}. The client
 * does not retry.
 *
 * <p>Outcomes: a reply with {@code code} 0 completes the future with the action's result. Anything
 * else fails it with a {@link CmqException} that says whether a retry may help; the exceptions are
 * "no message" (7000) on receives, which is an empty result, and a partly failed batch delete (6010),
 * which lists the failed handles. Cancelling a returned future cancels its HTTP call.
 *
 * <p>Futures complete on OkHttp's dispatcher threads: keep continuations short or move them to your
 * own executor. With a client of its own the threads are daemons named {@code iot-forwarder-cmq-http-N}.
 *
 * <p>HTTP: pass your {@link OkHttpClient} with {@link Builder#okHttpClient(OkHttpClient)} to share
 * its connection pool, dispatcher, TLS and proxy settings; the client derives from it with {@code
 * newBuilder()} (without OkHttp's silent re-send after a connection failure, which would repeat a
 * nonce, with {@code TCP_NODELAY} on the sockets its socket factory makes, so that a batch request
 * written in several segments does not wait for the server's delayed ACK, and with the longer read
 * timeout of long-polling receives) and never shuts it down.
 * Otherwise it builds and owns one: connect, read and write timeouts of 10 s, up to {@link
 * Builder#maxRequests(int) maxRequests} concurrent requests, released by {@link #close()}.
 *
 * <p>Thread-safe; meant to be shared by every sink and receiver that talks to the same endpoint with
 * the same key. The {@link Builder} is not thread-safe.
 */
public final class CmqClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CmqClient.class);

  /** The most messages or handles in one batch action. */
  public static final int MAX_BATCH = 16;
  /** The longest {@code pollingWaitSeconds} CMQ accepts. */
  public static final Duration MAX_POLLING_WAIT = Duration.ofSeconds(30);
  /** Default for the own client's connect, read and write timeouts: 10 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Default for {@link Builder#maxRequests(int)}: 64. */
  public static final int DEFAULT_MAX_REQUESTS = 64;

  static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded; charset=utf-8");
  private static final Duration RECEIVE_MARGIN = Duration.ofSeconds(10);

  private final CmqEndpoint endpoint;
  private final CmqSigner signer;
  private final OkHttpClient http;
  private final OkHttpClient receiveHttp;
  private final boolean ownsHttp;
  private final JsonFactory json = new JsonFactory();
  private final Set<Call> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private CmqClient(Builder b) {
    this.endpoint = b.endpoint;
    this.signer = b.signer != null
        ? b.signer
        : CmqSigner.builder(b.credentials).signatureMethod(b.signatureMethod).build();
    OkHttpClient base;
    if (b.okHttpClient != null) {
      base = b.okHttpClient;
      this.ownsHttp = false;
    } else {
      ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
          new SynchronousQueue<>(), new NamedThreadFactory("iot-forwarder-cmq-http"));
      Dispatcher dispatcher = new Dispatcher(executor);
      dispatcher.setMaxRequests(b.maxRequests);
      dispatcher.setMaxRequestsPerHost(b.maxRequests);
      base = new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .connectionPool(new ConnectionPool(Math.max(5, b.maxRequests), 5, TimeUnit.MINUTES))
          .connectTimeout(b.connectTimeout)
          .readTimeout(b.readTimeout)
          .writeTimeout(b.writeTimeout)
          .build();
      this.ownsHttp = true;
    }
    // A request OkHttp re-sends by itself after a connection failure would carry the same nonce and
    // signature; failures go to the caller instead, whose retry signs a new request. TCP_NODELAY: a
    // batch request is written in several segments, and Nagle's algorithm would hold the last one
    // until the server's delayed ACK (see NoDelaySocketFactory).
    this.http = base.newBuilder()
        .retryOnConnectionFailure(false)
        .socketFactory(NoDelaySocketFactory.wrap(base.socketFactory()))
        .build();
    this.receiveHttp = deriveForReceive(this.http);
  }

  private static OkHttpClient deriveForReceive(OkHttpClient base) {
    long needed = MAX_POLLING_WAIT.plus(RECEIVE_MARGIN).toMillis();
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
   * A new builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The endpoint requests go to.
   *
   * @return the endpoint
   */
  public CmqEndpoint endpoint() {
    return endpoint;
  }

  /**
   * {@code SendMessage}: one message to a queue.
   *
   * @param queueName the queue
   * @param msgBody the body, not empty
   * @param delaySeconds seconds before the message becomes visible, {@code >= 0}
   * @return the message id
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<String> sendMessage(String queueName, String msgBody, int delaySeconds) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", name(queueName, "queueName"));
    p.put("msgBody", body(msgBody, "msgBody"));
    p.put("delaySeconds", Integer.toString(nonNegative(delaySeconds, "delaySeconds")));
    return call("SendMessage", p, http, r -> r.msgId, null);
  }

  /**
   * {@code BatchSendMessage}: up to 16 messages to a queue in one request.
   *
   * @param queueName the queue
   * @param msgBodies 1 to 16 bodies, none empty; sent as {@code msgBody.1 ... msgBody.N}
   * @param delaySeconds seconds before the messages become visible, {@code >= 0}
   * @return the message ids, in the order of the bodies
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<List<String>> batchSendMessage(String queueName, List<String> msgBodies, int delaySeconds) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", name(queueName, "queueName"));
    indexed(p, "msgBody", msgBodies, true);
    p.put("delaySeconds", Integer.toString(nonNegative(delaySeconds, "delaySeconds")));
    return call("BatchSendMessage", p, http, r -> ids(r, msgBodies.size()), null);
  }

  /**
   * {@code PublishMessage}: one message to a topic.
   *
   * @param topicName the topic
   * @param msgBody the body, not empty
   * @param msgTags filter tags, at most 5; may be empty
   * @param routingKey the routing key, or {@code null} to send none
   * @return the message id
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<String> publishMessage(String topicName, String msgBody, List<String> msgTags,
      String routingKey) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("topicName", name(topicName, "topicName"));
    p.put("msgBody", body(msgBody, "msgBody"));
    tagsAndKey(p, msgTags, routingKey);
    return call("PublishMessage", p, http, r -> r.msgId, null);
  }

  /**
   * {@code BatchPublishMessage}: up to 16 messages to a topic in one request; the tags and the routing
   * key apply to every message of the batch.
   *
   * @param topicName the topic
   * @param msgBodies 1 to 16 bodies, none empty
   * @param msgTags filter tags, at most 5; may be empty
   * @param routingKey the routing key, or {@code null} to send none
   * @return the message ids, in the order of the bodies
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<List<String>> batchPublishMessage(String topicName, List<String> msgBodies,
      List<String> msgTags, String routingKey) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("topicName", name(topicName, "topicName"));
    indexed(p, "msgBody", msgBodies, true);
    tagsAndKey(p, msgTags, routingKey);
    return call("BatchPublishMessage", p, http, r -> ids(r, msgBodies.size()), null);
  }

  /**
   * {@code ReceiveMessage}: one message, long-polling up to {@code pollingWait}.
   *
   * @param queueName the queue
   * @param pollingWait 0 to 30 s (whole seconds are sent), or {@code null} for the queue's setting
   * @return the message, or empty if there was none ("no message", 7000)
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<Optional<CmqMessage>> receiveMessage(String queueName, Duration pollingWait) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", name(queueName, "queueName"));
    pollingWait(p, pollingWait);
    return call("ReceiveMessage", p, receiveHttp,
        r -> r.message1 == null ? Optional.empty() : Optional.of(toMessage(r.message1)),
        Optional.empty());
  }

  /**
   * {@code BatchReceiveMessage}: up to {@code numOfMsg} messages, long-polling up to {@code
   * pollingWait}. May return fewer than asked for; does not wait to fill the batch.
   *
   * @param queueName the queue
   * @param numOfMsg 1 to 16
   * @param pollingWait 0 to 30 s (whole seconds are sent), or {@code null} for the queue's setting
   * @return the messages, empty if there were none ("no message", 7000)
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<List<CmqMessage>> batchReceiveMessage(String queueName, int numOfMsg,
      Duration pollingWait) {
    if (numOfMsg < 1 || numOfMsg > MAX_BATCH) {
      throw new IllegalArgumentException("numOfMsg was " + numOfMsg + " but must be in [1, 16]");
    }
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", name(queueName, "queueName"));
    p.put("numOfMsg", Integer.toString(numOfMsg));
    pollingWait(p, pollingWait);
    return call("BatchReceiveMessage", p, receiveHttp, r -> {
      List<CmqMessage> list = new ArrayList<>();
      if (r.messages != null) {
        for (CmqReply.Message m : r.messages) {
          list.add(toMessage(m));
        }
      }
      return List.copyOf(list);
    }, List.of());
  }

  /**
   * {@code DeleteMessage}.
   *
   * @param queueName the queue
   * @param receiptHandle the handle from the receive
   * @return completes when deleted; fails with code 4430 if the handle expired
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<Void> deleteMessage(String queueName, String receiptHandle) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", name(queueName, "queueName"));
    p.put("receiptHandle", body(receiptHandle, "receiptHandle"));
    return call("DeleteMessage", p, http, r -> null, null);
  }

  /**
   * {@code BatchDeleteMessage}: up to 16 handles.
   *
   * <p>A partial failure (6010), or a total one that lists its handles (6020 with {@code
   * errorList}), is not an exception: the result lists the handles that were not deleted, each with
   * its own code (see {@link CmqDeleteFailure#isRetriable()}).
   *
   * @param queueName the queue
   * @param receiptHandles 1 to 16 handles
   * @return the handles that failed; empty if all were deleted
   * @throws IllegalArgumentException if an argument is invalid
   */
  public CompletableFuture<List<CmqDeleteFailure>> batchDeleteMessage(String queueName, List<String> receiptHandles) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("queueName", name(queueName, "queueName"));
    indexed(p, "receiptHandle", receiptHandles, false);
    return call("BatchDeleteMessage", p, http, r -> deleteFailures(r), null);
  }

  private static List<CmqDeleteFailure> deleteFailures(CmqReply r) {
    if (r.errors == null) {
      return List.of();
    }
    List<CmqDeleteFailure> list = new ArrayList<>(r.errors.size());
    for (CmqReply.HandleError e : r.errors) {
      if (e.receiptHandle != null) {
        list.add(new CmqDeleteFailure(e.receiptHandle, e.code, e.message));
      }
    }
    return List.copyOf(list);
  }

  /**
   * Cancels this client's calls still in flight (their futures fail) and, if the client built its
   * own {@link OkHttpClient}, shuts down its threads and connections. A borrowed {@code
   * OkHttpClient} is left alone. Later calls fail with an {@link IllegalStateException}. Idempotent.
   */
  @Override
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

  @Override
  public String toString() {
    return "CmqClient[endpoint=" + endpoint + ", secretId=" + signer.secretId()
        + ", method=" + signer.signatureMethod().wireName() + "]";
  }

  private <T> CompletableFuture<T> call(String action, Map<String, String> params, OkHttpClient client,
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
    Request request = new Request.Builder()
        .url(endpoint.url())
        .post(RequestBody.create(body, FORM))
        .build();
    Call call = client.newCall(request);
    CallFuture<T> future = new CallFuture<>(call);
    inFlight.add(call);
    long start = System.nanoTime();
    call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response response) {
        inFlight.remove(c);
        try (response) {
          complete(future, action, response, onSuccess, ifNoMessage, start);
        } catch (RuntimeException | Error e) {
          future.completeExceptionally(e);
        }
      }

      @Override
      public void onFailure(Call c, IOException e) {
        inFlight.remove(c);
        String what = (e instanceof InterruptedIOException ? "timeout or cancel: " : "I/O error: ")
            + e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : "");
        log.debug("CMQ {} to {} failed after {} ms: {}", action, endpoint.host(), millisSince(start), what);
        future.completeExceptionally(
            CmqException.transport(action, what, CmqException.NONE, !c.isCanceled() || !closed, e));
      }
    });
    return future;
  }

  private <T> void complete(CallFuture<T> future, String action, Response response,
      Function<CmqReply, T> onSuccess, T ifNoMessage, long start) {
    int status = response.code();
    if (!response.isSuccessful()) {
      boolean retriable = status >= 500 || status == 408 || status == 429;
      log.debug("CMQ {} to {}: HTTP {} after {} ms", action, endpoint.host(), status, millisSince(start));
      future.completeExceptionally(CmqException.transport(action, "HTTP " + status, status, retriable, null));
      return;
    }
    CmqReply reply;
    ResponseBody rb = response.body();
    try {
      reply = CmqReply.parse(json, rb.byteStream());
    } catch (IOException e) {
      log.debug("CMQ {} to {}: unreadable reply after {} ms: {}", action, endpoint.host(), millisSince(start),
          e.getMessage());
      future.completeExceptionally(CmqException.transport(action,
          "reply is not a CMQ JSON reply (" + e.getClass().getSimpleName() + ")", status, true, e));
      return;
    }
    if (reply.code == CmqReply.NO_CODE) {
      future.completeExceptionally(
          CmqException.transport(action, "reply has no code field", status, true, null));
      return;
    }
    if (log.isTraceEnabled()) {
      log.trace("CMQ {} to {}: code {} requestId {} in {} ms", action, endpoint.host(), reply.code,
          reply.requestId, millisSince(start));
    }
    if (reply.code == 0) {
      future.complete(onSuccess.apply(reply));
    } else if (reply.code == CmqErrors.NO_MESSAGE && ifNoMessage != null) {
      future.complete(ifNoMessage);
    } else if (action.equals("BatchDeleteMessage")
        && (reply.code == CmqErrors.DELETE_PARTLY_FAILED
            || (reply.code == CmqErrors.DELETE_FAILED && reply.errors != null && !reply.errors.isEmpty()))) {
      future.complete(onSuccess.apply(reply));
    } else {
      CmqException e = CmqException.server(action, reply.code, reply.message, reply.requestId, status);
      log.debug("{}", e.getMessage());
      future.completeExceptionally(e);
    }
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private static List<String> ids(CmqReply r, int expected) {
    if (r.msgIds == null) {
      return List.of();
    }
    List<String> ids = new ArrayList<>(expected);
    for (String id : r.msgIds) {
      ids.add(id == null ? "" : id);
    }
    return List.copyOf(ids);
  }

  private static CmqMessage toMessage(CmqReply.Message m) {
    return new CmqMessage(
        m.msgId == null ? "" : m.msgId,
        m.receiptHandle == null ? "" : m.receiptHandle,
        m.msgBody == null ? "" : m.msgBody,
        m.enqueueTime, m.nextVisibleTime, m.firstDequeueTime, m.dequeueCount);
  }

  private static String name(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " is " + (value == null ? "null" : "empty"));
    }
    return value;
  }

  private static String body(String value, String what) {
    return name(value, what);
  }

  private static int nonNegative(int value, String what) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " < 0: " + value);
    }
    return value;
  }

  private static void indexed(Map<String, String> p, String prefix, List<String> values, boolean isBody) {
    Objects.requireNonNull(values, prefix + " list == null");
    if (values.isEmpty() || values.size() > MAX_BATCH) {
      throw new IllegalArgumentException(
          "number of " + prefix + " values was " + values.size() + " but must be in [1, 16]");
    }
    for (int i = 0; i < values.size(); i++) {
      p.put(prefix + "." + (i + 1), body(values.get(i), prefix + "." + (i + 1)));
    }
  }

  private static void tagsAndKey(Map<String, String> p, List<String> tags, String routingKey) {
    if (tags != null) {
      if (tags.size() > 5) {
        throw new IllegalArgumentException("number of msgTag values was " + tags.size() + " but must be <= 5");
      }
      for (int i = 0; i < tags.size(); i++) {
        p.put("msgTag." + (i + 1), name(tags.get(i), "msgTag." + (i + 1)));
      }
    }
    if (routingKey != null) {
      p.put("routingKey", routingKey);
    }
  }

  private static void pollingWait(Map<String, String> p, Duration wait) {
    if (wait == null) {
      return;
    }
    if (wait.isNegative() || wait.compareTo(MAX_POLLING_WAIT) > 0) {
      throw new IllegalArgumentException("pollingWait was " + wait + " but must be in [PT0S, PT30S]");
    }
    p.put("pollingWaitSeconds", Long.toString(wait.getSeconds()));
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

  /** Configures a {@link CmqClient}. Not thread-safe. */
  public static final class Builder {
    private CmqEndpoint endpoint;
    private CmqCredentials credentials;
    private CmqSigner signer;
    private SignatureMethod signatureMethod = SignatureMethod.HMAC_SHA256;
    private boolean signatureMethodSet;
    private OkHttpClient okHttpClient;
    private Duration connectTimeout = DEFAULT_TIMEOUT;
    private Duration readTimeout = DEFAULT_TIMEOUT;
    private Duration writeTimeout = DEFAULT_TIMEOUT;
    private boolean timeoutsSet;
    private int maxRequests = DEFAULT_MAX_REQUESTS;
    private boolean maxRequestsSet;

    private Builder() {}

    /**
     * Where requests go. Required.
     *
     * @param endpoint the endpoint
     * @return this builder
     */
    public Builder endpoint(CmqEndpoint endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /**
     * The API key. Required unless {@link #signer(CmqSigner)} is given.
     *
     * @param credentials the key
     * @return this builder
     */
    public Builder credentials(CmqCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * The HMAC, with {@link #credentials(CmqCredentials)}. Default: {@link SignatureMethod#HMAC_SHA256}.
     *
     * @param method the method
     * @return this builder
     */
    public Builder signatureMethod(SignatureMethod method) {
      this.signatureMethod = method;
      this.signatureMethodSet = true;
      return this;
    }

    /**
     * A fully configured signer (its own clock, nonce source, method), instead of {@link
     * #credentials(CmqCredentials)}.
     *
     * @param signer the signer
     * @return this builder
     */
    public Builder signer(CmqSigner signer) {
      this.signer = signer;
      return this;
    }

    /**
     * The host's HTTP client to derive from; never shut down by this client. Timeouts, TLS, proxy and
     * connection pool come from it. Default: the client builds and owns its own.
     *
     * @param okHttpClient the host's client
     * @return this builder
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = okHttpClient;
      return this;
    }

    /**
     * Timeouts of the client's own {@link OkHttpClient} (not allowed with {@link
     * #okHttpClient(OkHttpClient)}: set them on yours). Receives get a read timeout of at least 40 s
     * for long polling. Default: 10 s each.
     *
     * @param connect connect timeout, positive
     * @param read read timeout, positive
     * @param write write timeout, positive
     * @return this builder
     */
    public Builder timeouts(Duration connect, Duration read, Duration write) {
      this.connectTimeout = connect;
      this.readTimeout = read;
      this.writeTimeout = write;
      this.timeoutsSet = true;
      return this;
    }

    /**
     * The most concurrent requests of the client's own {@link OkHttpClient} (not allowed with
     * {@link #okHttpClient(OkHttpClient)}). Default: {@value CmqClient#DEFAULT_MAX_REQUESTS}.
     *
     * @param maxRequests 1 to 1024
     * @return this builder
     */
    public Builder maxRequests(int maxRequests) {
      this.maxRequests = maxRequests;
      this.maxRequestsSet = true;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalArgumentException listing every invalid setting
     */
    public CmqClient build() {
      List<String> problems = new ArrayList<>();
      if (endpoint == null) {
        problems.add("endpoint was null but is required");
      }
      if (credentials == null && signer == null) {
        problems.add("credentials was null but credentials or signer is required");
      }
      if (credentials != null && signer != null) {
        problems.add("credentials and signer were both set but only one is allowed");
      }
      if (signer != null && signatureMethodSet) {
        problems.add("signatureMethod was set with a signer; set it on the signer instead");
      }
      if (signatureMethod == null) {
        problems.add("signatureMethod was null but is required");
      }
      if (okHttpClient != null && (timeoutsSet || maxRequestsSet)) {
        problems.add("timeouts or maxRequests were set with an okHttpClient; configure that client instead");
      }
      checkTimeout(problems, "connectTimeout", connectTimeout);
      checkTimeout(problems, "readTimeout", readTimeout);
      checkTimeout(problems, "writeTimeout", writeTimeout);
      if (maxRequests < 1 || maxRequests > 1024) {
        problems.add("maxRequests was " + maxRequests + " but must be in [1, 1024]");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid CmqClient configuration: " + String.join("; ", problems));
      }
      return new CmqClient(this);
    }

    private static void checkTimeout(List<String> problems, String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
        problems.add(name + " was " + d + " but must be in (PT0S, PT1H]");
      }
    }
  }
}
