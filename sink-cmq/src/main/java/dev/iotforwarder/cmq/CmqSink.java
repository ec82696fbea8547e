package dev.iotforwarder.cmq;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.MicroBatcher;
import dev.iotforwarder.spi.Sink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Sink} that sends each message's JSON envelope ({@link EnvelopeCodec}) to a CMQ queue or
 * topic, batching up to 16 messages per request.
 *
 * <p><b>Queue mode</b> ({@link Builder#queue(String)}): {@code BatchSendMessage}, with an optional
 * {@link Builder#delaySeconds(int) delaySeconds} for every message. <b>Topic mode</b> ({@link
 * Builder#topic(String)}): {@code BatchPublishMessage}, with filter tags and a routing key chosen
 * per message by {@link Builder#msgTags(Function)} and {@link Builder#routingKey(Function)}, for
 * example {@link #tagByMsgType()} and {@link #routingKeyByDevice()}. A batch carries one set of tags
 * and one routing key, so messages that differ in them never share a batch.
 *
 * <p>Batching: messages are grouped by a {@link MicroBatcher} (at most {@link
 * Builder#maxBatchCount(int) maxBatchCount} messages and {@link Builder#maxBatchBytes(int)
 * maxBatchBytes} envelope bytes per request, waiting at most {@link Builder#linger(Duration)
 * linger} for a batch to fill), keep their submission order inside a batch, and up to {@link
 * Builder#maxInFlight(int) maxInFlight} requests run at once; further batches wait their turn.
 *
 * <p>Outcomes of {@link #send(DeviceMessage)}: the future completes when CMQ answered {@code code
 * 0} for the message's batch. It fails with a {@link PermanentForwardingException} for an envelope
 * over {@link Builder#maxMessageBytes(int) maxMessageBytes} (at once, without a request), a message
 * the server rejects as too large (4400, or 4470/10420 for a batch of one), bad credentials,
 * a missing queue or topic, or any other permanent code; and with a {@link
 * RetriableForwardingException} for throttling, a full queue, internal errors and transport
 * failures. On 4470 or 10420 (and 4400) a batch of several messages is split in halves, which are
 * sent again at once. The cause of either exception is the {@link CmqException} with the codes.
 *
 * <p>The sink does not retry ({@link #retriesInternally()} is {@code false}): the forwarder does,
 * and each retry is a new request with a fresh timestamp, nonce and signature. It does not order
 * messages across requests ({@link #preservesOrder()} is {@code false}), so the forwarder keeps one
 * message per device in flight. Delivery is at-least-once: a failed request may have been stored.
 *
 * <p>Thread-safe. {@link #close()} stops intake, waits up to {@link Builder#closeTimeout(Duration)
 * closeTimeout} for pending messages, fails what is left, and closes the {@link CmqClient} only if
 * the sink built it.
 */
public final class CmqSink implements Sink {
  private static final Logger log = LoggerFactory.getLogger(CmqSink.class);

  /** Default for {@link Builder#maxBatchBytes(int)}: 64 KiB, the legacy batch limit. */
  public static final int DEFAULT_MAX_BATCH_BYTES = 64 * 1024;
  /** Default for {@link Builder#maxMessageBytes(int)}: 1 MiB, the TDMQ message limit. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
  /** Default for {@link Builder#linger(Duration)}: 5 ms. */
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
  /** Default for {@link Builder#maxInFlight(int)}: 8. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 8;
  /** Default for {@link Builder#maxPendingMessages(int)}: 10 000. */
  public static final int DEFAULT_MAX_PENDING_MESSAGES = 10_000;
  /** Default for {@link Builder#closeTimeout(Duration)}: 5 s. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final int UNHEALTHY_AFTER = 3;
  private static final Object QUEUE_KEY = new Object();

  private final String name;
  private final CmqClient client;
  private final boolean ownsClient;
  private final String queue;
  private final String topic;
  private final int delaySeconds;
  private final Function<DeviceMessage, List<String>> msgTags;
  private final Function<DeviceMessage, String> routingKey;
  private final int maxMessageBytes;
  private final int maxInFlight;
  private final int maxPending;
  private final Duration closeTimeout;
  private final EnvelopeCodec codec;
  private final MicroBatcher<Object, Item> batcher;

  private final Object lock = new Object();
  private final Deque<Batch> waiting = new ArrayDeque<>();
  private int inFlight;
  private final Set<CompletableFuture<?>> calls = ConcurrentHashMap.newKeySet();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong splits = new AtomicLong();
  private volatile boolean closed;

  private CmqSink(Builder b) {
    this.queue = b.queue;
    this.topic = b.topic;
    this.name = b.name != null ? b.name : "cmq-" + (queue != null ? queue : topic);
    if (b.client != null) {
      this.client = b.client;
      this.ownsClient = false;
    } else {
      CmqClient.Builder cb = CmqClient.builder().endpoint(b.endpoint).credentials(b.credentials)
          .signatureMethod(b.signatureMethod);
      if (b.okHttpClient != null) {
        cb.okHttpClient(b.okHttpClient);
      }
      this.client = cb.build();
      this.ownsClient = true;
    }
    this.delaySeconds = b.delaySeconds;
    this.msgTags = b.msgTags;
    this.routingKey = b.routingKey;
    this.maxMessageBytes = b.maxMessageBytes;
    this.maxInFlight = b.maxInFlight;
    this.maxPending = b.maxPendingMessages;
    this.closeTimeout = b.closeTimeout;
    this.codec = b.codec;
    this.batcher = MicroBatcher.<Object, Item>builder()
        .name(name)
        .maxCount(b.maxBatchCount)
        .maxBytes(b.maxBatchBytes)
        .maxLinger(b.linger)
        .dispatcher(this::enqueue)
        .build();
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
   * A tag function for topic mode: the message type, {@code "Publish"} or {@code "Status"}.
   *
   * @return {@code m -> List.of(m.msgType().wireName())}
   */
  public static Function<DeviceMessage, List<String>> tagByMsgType() {
    return m -> List.of(m.msgType().wireName());
  }

  /**
   * A routing-key function for topic mode: {@code ProductName.DeviceName}.
   *
   * @return {@code m -> m.productName() + "." + m.deviceName()}
   */
  public static Function<DeviceMessage, String> routingKeyByDevice() {
    return m -> m.productName() + "." + m.deviceName();
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Queues the message's envelope for the next batch. Never blocks.
   *
   * @param message the message
   * @return a future that completes once CMQ stored the message's batch; see the class comment for
   *     the failures
   */
  @Override
  public CompletableFuture<Void> send(DeviceMessage message) {
    Objects.requireNonNull(message, "message == null");
    if (closed) {
      return CompletableFuture.failedFuture(
          new PermanentForwardingException("CmqSink '" + name + "' is closed", name, null));
    }
    byte[] envelope;
    Object key;
    try {
      envelope = codec.encode(message);
      key = queue != null ? QUEUE_KEY : topicKey(message);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new PermanentForwardingException(
          "CmqSink '" + name + "' could not prepare " + describe(message) + ": " + e.getMessage(), name, e));
    }
    if (envelope.length > maxMessageBytes) {
      return CompletableFuture.failedFuture(new PermanentForwardingException(
          "CmqSink '" + name + "': the envelope of " + describe(message) + " has " + envelope.length
              + " bytes, over maxMessageBytes " + maxMessageBytes, name, null));
    }
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      return CompletableFuture.failedFuture(new RetriableForwardingException(
          "CmqSink '" + name + "' has " + maxPending + " messages pending (maxPendingMessages)", name, null));
    }
    CompletableFuture<Void> f =
        batcher.add(key, new Item(new String(envelope, StandardCharsets.UTF_8)), envelope.length);
    f.whenComplete((v, e) -> pending.decrementAndGet());
    return f;
  }

  private TopicKey topicKey(DeviceMessage m) {
    List<String> tags = msgTags == null ? List.of() : List.copyOf(msgTags.apply(m));
    if (tags.size() > 5) {
      throw new IllegalArgumentException("msgTags gave " + tags.size() + " tags but CMQ allows at most 5");
    }
    for (String t : tags) {
      if (t.isEmpty()) {
        throw new IllegalArgumentException("msgTags gave an empty tag");
      }
    }
    return new TopicKey(tags, routingKey == null ? null : routingKey.apply(m));
  }

  private static String describe(DeviceMessage m) {
    return "the message of device " + m.deviceKey() + " seq " + m.seq();
  }

  /**
   * Sends every open batch now and completes when every message sent before this call has an outcome.
   *
   * @return a future that completes normally when earlier sends are done
   */
  @Override
  public CompletableFuture<Void> flush() {
    return batcher.flush();
  }

  /**
   * Always {@code false}: the forwarder retries, each time with a fresh signature.
   *
   * @return {@code false}
   */
  @Override
  public boolean retriesInternally() {
    return false;
  }

  /**
   * Always {@code false}: requests in flight at once may be stored in any order.
   *
   * @return {@code false}
   */
  @Override
  public boolean preservesOrder() {
    return false;
  }

  /**
   * {@code false} once closed, or after 3 requests in a row failed; the next successful request
   * makes the sink healthy again.
   *
   * @return whether the sink is healthy
   */
  @Override
  public boolean isHealthy() {
    return !closed && consecutiveFailures.get() < UNHEALTHY_AFTER;
  }

  /**
   * How many requests the sink has sent, including split halves.
   *
   * @return the count
   */
  public long requestCount() {
    return requests.get();
  }

  /**
   * How many batches were split because the server found them too large.
   *
   * @return the count
   */
  public long splitCount() {
    return splits.get();
  }

  /**
   * Stops intake, waits up to the close timeout for pending messages, then fails those left (with a
   * {@link RetriableForwardingException}: they may or may not have been stored) and closes the
   * client if the sink created it. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      batcher.flush().get(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("CmqSink '{}' closes with messages still pending", name);
    }
    List<Batch> left;
    synchronized (lock) {
      left = new ArrayList<>(waiting);
      waiting.clear();
    }
    RetriableForwardingException closedBeforeSent =
        new RetriableForwardingException("CmqSink '" + name + "' closed before the message was sent", name, null);
    for (Batch batch : left) {
      batch.items.forEach(p -> p.fail(closedBeforeSent));
    }
    for (CompletableFuture<?> call : calls) {
      call.cancel(true);
    }
    batcher.close();
    if (ownsClient) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "CmqSink[name=" + name + ", " + (queue != null ? "queue=" + queue : "topic=" + topic)
        + ", endpoint=" + client.endpoint() + "]";
  }

  // ------------------------------------------------------------------ sending

  private void enqueue(Object key, List<MicroBatcher.Pending<Item>> items) {
    synchronized (lock) {
      waiting.addLast(new Batch(key, new ArrayList<>(items)));
    }
    pump();
  }

  private void pump() {
    while (true) {
      Batch next;
      synchronized (lock) {
        if (inFlight >= maxInFlight || waiting.isEmpty()) {
          return;
        }
        next = waiting.pollFirst();
        inFlight++;
      }
      start(next);
    }
  }

  private void start(Batch batch) {
    batch.items.removeIf(MicroBatcher.Pending::isDone);
    if (batch.items.isEmpty()) {
      finished();
      return;
    }
    List<String> bodies = new ArrayList<>(batch.items.size());
    for (MicroBatcher.Pending<Item> p : batch.items) {
      bodies.add(p.item().body);
    }
    CompletableFuture<List<String>> call;
    try {
      if (queue != null) {
        call = client.batchSendMessage(queue, bodies, delaySeconds);
      } else {
        TopicKey k = (TopicKey) batch.key;
        call = client.batchPublishMessage(topic, bodies, k.tags, k.routingKey);
      }
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    requests.incrementAndGet();
    calls.add(call);
    CompletableFuture<List<String>> c = call;
    call.whenComplete((ids, error) -> {
      calls.remove(c);
      try {
        if (error == null) {
          consecutiveFailures.set(0);
          batch.items.forEach(MicroBatcher.Pending::complete);
        } else {
          failed(batch, unwrap(error));
        }
      } finally {
        finished();
      }
    });
  }

  private void finished() {
    synchronized (lock) {
      inFlight--;
    }
    pump();
  }

  private void failed(Batch batch, Throwable error) {
    int n = batch.items.size();
    if (error instanceof CmqException ce && (ce.isBatchTooLarge() || ce.isMessageTooLarge())) {
      if (n > 1) {
        splits.incrementAndGet();
        log.debug("CmqSink '{}': batch of {} messages too large (code {}), sending it in halves", name, n, ce.code());
        int half = n / 2;
        synchronized (lock) {
          waiting.addFirst(new Batch(batch.key, new ArrayList<>(batch.items.subList(half, n))));
          waiting.addFirst(new Batch(batch.key, new ArrayList<>(batch.items.subList(0, half))));
        }
        return;
      }
      MicroBatcher.Pending<Item> only = batch.items.get(0);
      only.fail(new PermanentForwardingException("CmqSink '" + name + "': a message of " + only.bytes()
          + " bytes is too large for the server: " + ce.getMessage(), name, ce));
      return;
    }
    consecutiveFailures.incrementAndGet();
    ForwardingException failure;
    if (error instanceof CmqException ce) {
      failure = ce.isRetriable()
          ? new RetriableForwardingException("CmqSink '" + name + "': " + ce.getMessage(), name, ce)
          : new PermanentForwardingException("CmqSink '" + name + "': " + ce.getMessage(), name, ce);
    } else if (error instanceof CancellationException || closed) {
      failure = new RetriableForwardingException(
          "CmqSink '" + name + "' closed while the request was in flight", name, error);
    } else {
      failure = new RetriableForwardingException(
          "CmqSink '" + name + "': request failed: " + error, name, error);
    }
    log.debug("CmqSink '{}': batch of {} failed: {}", name, n, failure.getMessage());
    for (MicroBatcher.Pending<Item> p : batch.items) {
      p.fail(failure);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** An envelope waiting to be sent. */
  private record Item(String body) {
    @Override
    public String toString() {
      return "Item[bodyLength=" + body.length() + "]";
    }
  }

  private record TopicKey(List<String> tags, String routingKey) {}

  private static final class Batch {
    final Object key;
    final List<MicroBatcher.Pending<Item>> items;

    Batch(Object key, List<MicroBatcher.Pending<Item>> items) {
      this.key = key;
      this.items = items;
    }
  }

  /**
   * Configures a {@link CmqSink}. Exactly one of {@link #queue(String)} and {@link #topic(String)},
   * and either {@link #client(CmqClient)} or {@link #endpoint(CmqEndpoint)} with {@link
   * #credentials(CmqCredentials)}, are required. Not thread-safe.
   */
  public static final class Builder {
    private String name;
    private CmqClient client;
    private CmqEndpoint endpoint;
    private CmqCredentials credentials;
    private SignatureMethod signatureMethod = SignatureMethod.HMAC_SHA256;
    private OkHttpClient okHttpClient;
    private String queue;
    private String topic;
    private int delaySeconds;
    private Function<DeviceMessage, List<String>> msgTags;
    private Function<DeviceMessage, String> routingKey;
    private int maxBatchCount = CmqClient.MAX_BATCH;
    private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private Duration linger = DEFAULT_LINGER;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private int maxPendingMessages = DEFAULT_MAX_PENDING_MESSAGES;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private EnvelopeCodec codec = EnvelopeCodec.standard();

    private Builder() {}

    /**
     * The sink's name. Default: {@code "cmq-" + queue or topic name}.
     *
     * @param name a short, unique name
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * A shared client, which the sink uses but never closes. Instead of {@link #endpoint(CmqEndpoint)}
     * and {@link #credentials(CmqCredentials)}.
     *
     * @param client the client
     * @return this builder
     */
    public Builder client(CmqClient client) {
      this.client = client;
      return this;
    }

    /**
     * The endpoint, for a client the sink builds and owns.
     *
     * @param endpoint the endpoint
     * @return this builder
     */
    public Builder endpoint(CmqEndpoint endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /**
     * The API key, for a client the sink builds and owns.
     *
     * @param credentials the key
     * @return this builder
     */
    public Builder credentials(CmqCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * The HMAC, for a client the sink builds. Default: {@link SignatureMethod#HMAC_SHA256}.
     *
     * @param method the method
     * @return this builder
     */
    public Builder signatureMethod(SignatureMethod method) {
      this.signatureMethod = method;
      return this;
    }

    /**
     * The host's OkHttp client, for a client the sink builds (see {@link
     * CmqClient.Builder#okHttpClient(OkHttpClient)}); never shut down by the sink.
     *
     * @param okHttpClient the host's client
     * @return this builder
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = okHttpClient;
      return this;
    }

    /**
     * Queue mode: send to this queue with {@code BatchSendMessage}.
     *
     * @param queue the queue name
     * @return this builder
     */
    public Builder queue(String queue) {
      this.queue = queue;
      return this;
    }

    /**
     * Topic mode: publish to this topic with {@code BatchPublishMessage}.
     *
     * @param topic the topic name
     * @return this builder
     */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /**
     * Queue mode: seconds before sent messages become visible. Default: 0.
     *
     * @param delaySeconds 0 to 3600
     * @return this builder
     */
    public Builder delaySeconds(int delaySeconds) {
      this.delaySeconds = delaySeconds;
      return this;
    }

    /**
     * Topic mode: the filter tags of each message (at most 5, none empty), e.g. {@link
     * CmqSink#tagByMsgType()}. Default: no tags. A function that throws or returns more than 5 tags
     * fails that message's send permanently.
     *
     * @param msgTags the tag function
     * @return this builder
     */
    public Builder msgTags(Function<DeviceMessage, List<String>> msgTags) {
      this.msgTags = msgTags;
      return this;
    }

    /**
     * Topic mode: the routing key of each message, e.g. {@link CmqSink#routingKeyByDevice()}, or
     * {@code null} from the function for none. Default: no routing key.
     *
     * @param routingKey the routing-key function
     * @return this builder
     */
    public Builder routingKey(Function<DeviceMessage, String> routingKey) {
      this.routingKey = routingKey;
      return this;
    }

    /**
     * The most messages per request. Default: 16, the CMQ maximum.
     *
     * @param maxBatchCount 1 to 16
     * @return this builder
     */
    public Builder maxBatchCount(int maxBatchCount) {
      this.maxBatchCount = maxBatchCount;
      return this;
    }

    /**
     * The most envelope bytes per request. Default: 64 KiB (the legacy batch limit; TDMQ allows 1
     * MiB). Batches the server still finds too large are split.
     *
     * @param maxBatchBytes 1 KiB to 1 MiB
     * @return this builder
     */
    public Builder maxBatchBytes(int maxBatchBytes) {
      this.maxBatchBytes = maxBatchBytes;
      return this;
    }

    /**
     * The largest envelope the sink sends; larger ones fail permanently without a request. Default:
     * 1 MiB, the TDMQ limit; set the queue's {@code maxMsgSize} for legacy queues (64 KiB by default).
     *
     * @param maxMessageBytes 1 to 1 MiB
     * @return this builder
     */
    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    /**
     * How long a batch waits to fill. Default: 5 ms.
     *
     * @param linger 0 to 10 s
     * @return this builder
     */
    public Builder linger(Duration linger) {
      this.linger = linger;
      return this;
    }

    /**
     * The most requests in flight at once. Default: {@value CmqSink#DEFAULT_MAX_IN_FLIGHT}.
     *
     * @param maxInFlight 1 to 256
     * @return this builder
     */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * The most messages accepted and not yet done; beyond it sends fail at once with a {@link
     * RetriableForwardingException}. Bounds the sink's memory. Default: {@value
     * CmqSink#DEFAULT_MAX_PENDING_MESSAGES}.
     *
     * @param maxPendingMessages at least 1
     * @return this builder
     */
    public Builder maxPendingMessages(int maxPendingMessages) {
      this.maxPendingMessages = maxPendingMessages;
      return this;
    }

    /**
     * How long {@link CmqSink#close()} waits for pending messages. Default: 5 s.
     *
     * @param closeTimeout 0 to 10 minutes
     * @return this builder
     */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * The envelope codec. Default: {@link EnvelopeCodec#standard()}.
     *
     * @param codec the codec
     * @return this builder
     */
    public Builder codec(EnvelopeCodec codec) {
      this.codec = codec;
      return this;
    }

    /**
     * Builds the sink.
     *
     * @return the sink
     * @throws IllegalArgumentException listing every invalid setting
     */
    public CmqSink build() {
      List<String> problems = new ArrayList<>();
      if (name != null && name.isBlank()) {
        problems.add("name was \"" + name + "\" but must not be blank");
      }
      if ((queue == null) == (topic == null)) {
        problems.add(queue == null
            ? "queue and topic were both null but one is required"
            : "queue and topic were both set but only one is allowed");
      }
      if (queue != null && queue.isBlank()) {
        problems.add("queue was \"" + queue + "\" but must not be blank");
      }
      if (topic != null && topic.isBlank()) {
        problems.add("topic was \"" + topic + "\" but must not be blank");
      }
      if (queue != null && (msgTags != null || routingKey != null)) {
        problems.add("msgTags and routingKey are for topic mode but queue was set");
      }
      if (topic != null && delaySeconds != 0) {
        problems.add("delaySeconds is for queue mode but topic was set");
      }
      if (client == null) {
        if (endpoint == null) {
          problems.add("endpoint was null but endpoint or client is required");
        }
        if (credentials == null) {
          problems.add("credentials was null but credentials or client is required");
        }
        if (signatureMethod == null) {
          problems.add("signatureMethod was null but is required");
        }
      } else if (endpoint != null || credentials != null || okHttpClient != null) {
        problems.add("endpoint, credentials and okHttpClient must not be set with a client");
      }
      if (delaySeconds < 0 || delaySeconds > 3600) {
        problems.add("delaySeconds was " + delaySeconds + " but must be in [0, 3600]");
      }
      if (maxBatchCount < 1 || maxBatchCount > CmqClient.MAX_BATCH) {
        problems.add("maxBatchCount was " + maxBatchCount + " but must be in [1, 16]");
      }
      if (maxBatchBytes < 1024 || maxBatchBytes > 1024 * 1024) {
        problems.add("maxBatchBytes was " + maxBatchBytes + " but must be in [1024, 1048576]");
      }
      if (maxMessageBytes < 1 || maxMessageBytes > 1024 * 1024) {
        problems.add("maxMessageBytes was " + maxMessageBytes + " but must be in [1, 1048576]");
      }
      if (linger == null || linger.isNegative() || linger.compareTo(Duration.ofSeconds(10)) > 0) {
        problems.add("linger was " + linger + " but must be in [PT0S, PT10S]");
      }
      if (maxInFlight < 1 || maxInFlight > 256) {
        problems.add("maxInFlight was " + maxInFlight + " but must be in [1, 256]");
      }
      if (maxPendingMessages < 1) {
        problems.add("maxPendingMessages was " + maxPendingMessages + " but must be >= 1");
      }
      if (closeTimeout == null || closeTimeout.isNegative() || closeTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
        problems.add("closeTimeout was " + closeTimeout + " but must be in [PT0S, PT10M]");
      }
      if (codec == null) {
        problems.add("codec was null but is required");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid CmqSink configuration: " + String.join("; ", problems));
      }
      return new CmqSink(this);
    }
  }
}
