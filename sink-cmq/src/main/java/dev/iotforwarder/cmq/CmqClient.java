package dev.iotforwarder.cmq;

import dev.iotforwarder.cmq.internal.CmqRequests;
import dev.iotforwarder.cmq.internal.CmqResults;
import dev.iotforwarder.cmq.internal.HttpCalls;
import dev.iotforwarder.cmq.internal.PlainHttp;
import dev.iotforwarder.cmq.internal.ReplyLimits;
import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asynchronous low-level CMQ data-flow client, and the one place that holds the connection
 * settings: endpoint, credentials, signing, and HTTP (OkHttp client, timeouts, concurrent requests).
 * {@link CmqSink} and {@link CmqReceiver} are built from a client and have no connection settings of
 * their own, as Micrometer's registries take one config and Retrofit takes one {@code OkHttpClient}.
 *
 * <p>One method per action, each returning a {@link CompletableFuture} at once. Requests are signed
 * POSTs with a form body ({@code application/x-www-form-urlencoded; charset=utf-8}), sent with
 * OkHttp's {@code enqueue}; each call is a new request with a fresh {@code Timestamp}, {@code Nonce}
 * and {@code Signature}. The client does not retry.
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
 * <p><b>Hostile or broken endpoints:</b> redirects are never followed (also on a borrowed {@code
 * OkHttpClient}), so a signed request and its message bodies go only to the configured endpoint; a 3xx
 * fails the call as an HTTP error. A reply is read streaming, within {@link #MAX_REPLY_BYTES}, JSON
 * nesting 32 deep and strings of at most about 1 MiB, duplicate keys refused; a reply outside these
 * bounds, truncated, not JSON (an HTML page) or empty fails the call with a retriable transport {@link
 * CmqException} naming the fault. Every call has a whole-call deadline (the {@code OkHttpClient}'s call
 * timeout, else connect + write + read timeouts), so a server that drips its reply or never answers
 * holds no thread or connection past it. TLS certificate and host name verification are OkHttp's and
 * no option of this library switches them off. A plain-HTTP endpoint other than Tencent's private
 * {@code *.tencentyun.com} hosts and loopback logs one WARN at build time.
 *
 * <p><b>Who closes it:</b> the host that built it, after the sinks and receivers that use it. A sink
 * or receiver never closes the client it was given; one rule, whether the client serves one sink or
 * several. Closing it first fails their requests in flight.
 *
 * <p>Thread-safe; meant to be shared by every sink and receiver that talks to the same endpoint with
 * the same key. The {@link Builder} is not thread-safe.
 */
public final class CmqClient implements AutoCloseable {
  /** The most messages or handles in one batch action. */
  public static final int MAX_BATCH = CmqRequests.MAX_BATCH;
  /** The longest {@code pollingWaitSeconds} CMQ accepts. */
  public static final Duration MAX_POLLING_WAIT = CmqRequests.MAX_POLLING_WAIT;
  /** Default for the own client's connect, read and write timeouts: 10 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Default for {@link Builder#maxRequests(int)}: 64. */
  public static final int DEFAULT_MAX_REQUESTS = 64;
  /**
   * The most bytes of a reply read before a request fails: derived from the largest valid reply, a
   * {@code BatchReceiveMessage} of 16 messages of 1 MiB each with every byte JSON-escaped (about 96 MiB).
   */
  public static final long MAX_REPLY_BYTES = ReplyLimits.MAX_REPLY_BYTES;

  private static final Logger log = LoggerFactory.getLogger(CmqClient.class);

  private final CmqEndpoint endpoint;
  private final CmqSigner signer;
  private final HttpCalls calls;

  private CmqClient(Builder b) {
    this.endpoint = b.endpoint;
    this.signer = b.signer != null
        ? b.signer
        : CmqSigner.builder(b.credentials).signatureMethod(b.signatureMethod).build();
    this.calls = new HttpCalls(endpoint, signer, CmqException.FACTORY, b.okHttpClient,
        b.connectTimeout, b.readTimeout, b.writeTimeout, b.maxRequests);
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
    return calls.call("SendMessage", CmqRequests.sendMessage(queueName, msgBody, delaySeconds), false,
        r -> r.msgId, null);
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
    return calls.call("BatchSendMessage", CmqRequests.batchSendMessage(queueName, msgBodies, delaySeconds), false,
        CmqResults::ids, null);
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
    return calls.call("PublishMessage", CmqRequests.publishMessage(topicName, msgBody, msgTags, routingKey), false,
        r -> r.msgId, null);
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
    return calls.call("BatchPublishMessage",
        CmqRequests.batchPublishMessage(topicName, msgBodies, msgTags, routingKey), false, CmqResults::ids, null);
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
    return calls.call("ReceiveMessage", CmqRequests.receiveMessage(queueName, pollingWait), true,
        CmqResults::message, Optional.empty());
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
    return calls.call("BatchReceiveMessage", CmqRequests.batchReceiveMessage(queueName, numOfMsg, pollingWait),
        true, CmqResults::messages, List.of());
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
    return calls.call("DeleteMessage", CmqRequests.deleteMessage(queueName, receiptHandle), false, r -> null, null);
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
    return calls.call("BatchDeleteMessage", CmqRequests.batchDeleteMessage(queueName, receiptHandles), false,
        CmqResults::deleteFailures, null);
  }

  /**
   * Cancels this client's calls still in flight (their futures fail) and, if the client built its
   * own {@link OkHttpClient}, shuts down its threads and connections. A borrowed {@code
   * OkHttpClient} is left alone. Later calls fail with an {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void close() {
    calls.close();
  }

  @Override
  public String toString() {
    return "CmqClient[endpoint=" + endpoint + ", secretId=" + signer.secretId()
        + ", method=" + signer.signatureMethod().wireName() + "]";
  }

  /** Configures a {@link CmqClient}. Not thread-safe. */
  public static final class Builder {
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

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
      Problems p = Problems.of("CmqClient configuration");
      p.required("endpoint", endpoint);
      p.check(credentials != null || signer != null, "credentials was null but credentials or signer is required");
      p.check(credentials == null || signer == null, "credentials and signer were both set but only one is allowed");
      p.check(signer == null || !signatureMethodSet,
          "signatureMethod was set with a signer; set it on the signer instead");
      p.required("signatureMethod", signatureMethod);
      p.check(okHttpClient == null || !(timeoutsSet || maxRequestsSet),
          "timeouts or maxRequests were set with an okHttpClient; configure that client instead");
      timeout(p, "connectTimeout", connectTimeout);
      timeout(p, "readTimeout", readTimeout);
      timeout(p, "writeTimeout", writeTimeout);
      p.range("maxRequests", maxRequests, 1, 1024);
      p.throwIfAny();
      PlainHttp.warning(endpoint).ifPresent(log::warn);
      return new CmqClient(this);
    }

    private static void timeout(Problems p, String name, Duration d) {
      p.check(d != null && !d.isZero() && !d.isNegative() && d.compareTo(MAX_TIMEOUT) <= 0,
          name + " was " + d + " but must be in (PT0S, PT1H]");
    }
  }
}
