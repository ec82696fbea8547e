package dev.iotforwarder.cmq;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.cmq.internal.BatchKeys;
import dev.iotforwarder.cmq.internal.BatchSender;
import dev.iotforwarder.cmq.internal.Destination;
import dev.iotforwarder.cmq.internal.UnsettledSends;
import dev.iotforwarder.internal.shared.Problems;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchResult;
import dev.iotforwarder.spi.BatchSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link BatchSink} that sends each message's JSON envelope ({@link EnvelopeCodec}) to a CMQ queue
 * or topic, up to 16 messages per request, over a {@link CmqClient} that the host built and shares.
 *
 * <p><b>Queue mode</b> ({@link Builder#queue(String)}): {@code BatchSendMessage}, with an optional
 * {@link Builder#delaySeconds(int) delaySeconds} for every message. <b>Topic mode</b> ({@link
 * Builder#topic(String)}): {@code BatchPublishMessage}, with filter tags and a routing key chosen
 * per message by {@link Builder#msgTags(Function)} and {@link Builder#routingKey(Function)}, for
 * example {@link #tagByMsgType()} and {@link #routingKeyByDevice()}. A request carries one set of
 * tags and one routing key, so {@link #batchKey(DeviceMessage)} keys messages by them and messages
 * that differ in them never share a batch.
 *
 * <p><b>Batching is the forwarder's.</b> The sink declares its {@link #batchLimits() limits} ({@link
 * Builder#maxBatchCount(int) maxBatchCount} messages and about {@link Builder#maxBatchBytes(int)
 * maxBatchBytes} envelope bytes per request, a {@link Builder#linger(Duration) linger} for a batch to
 * fill, {@link Builder#maxInFlight(int) maxInFlight} requests at once); the forwarder's lane forms
 * the batches and bounds what waits. The sink keeps no queue: {@link #sendBatch(List)} builds the
 * request at once and maps its reply to one outcome per message. A batch over the limits (the lane
 * estimates bytes before encoding; a caller outside a forwarder may pass anything) is sent as
 * several requests, in order. {@link #send(DeviceMessage)} is a batch of one.
 *
 * <p>Outcomes, per message: stored when CMQ answered {@code code 0} for its request. A {@link
 * PermanentForwardingException} for an envelope over {@link Builder#maxMessageBytes(int)
 * maxMessageBytes} (at once, without a request, while the others of the batch go), a message the
 * server rejects as too large (4400, or 4470/10420 for a request of one), bad credentials, a missing
 * queue or topic, or any other permanent code; a {@link RetriableForwardingException} for
 * throttling, a full queue, internal errors and transport failures. On 4470 or 10420 (and 4400) a
 * request of several messages is split in halves, which are sent again at once, until the messages
 * fit or fail alone. The cause of either exception is the {@link CmqException} with the codes.
 *
 * <p>The sink does not retry ({@link #retriesInternally()} is {@code false}): the forwarder does,
 * and each retry is a new request with a fresh timestamp, nonce and signature. It does not order
 * messages across requests ({@link #preservesOrder()} is {@code false}), so the forwarder keeps one
 * message per device in flight. Delivery is at-least-once: a failed request may have been stored.
 *
 * <p><b>The client is the host's.</b> The sink never closes the {@link CmqClient} it was built from;
 * close the client after the sinks and receivers that use it.
 *
 * <p>Thread-safe: {@code sendBatch} may be called from several threads at once; no lock is held
 * while a request is built or sent (the mutable state, in {@code internal.BatchSender}, is concurrent
 * sets, atomic counters and a volatile {@code closed} flag). Results complete on the client's HTTP
 * threads. {@link #close()} waits up to {@link Builder#closeTimeout(Duration) closeTimeout} for the
 * requests in flight, then cancels them (their messages fail retriably); later sends fail
 * permanently at once.
 */
public final class CmqSink implements BatchSink {
  /** Default for {@link Builder#maxBatchBytes(int)}: 64 KiB, the legacy batch limit. */
  public static final int DEFAULT_MAX_BATCH_BYTES = 64 * 1024;
  /** Default for {@link Builder#maxMessageBytes(int)}: 1 MiB, the TDMQ message limit. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
  /** Default for {@link Builder#linger(Duration)}: 5 ms. */
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
  /** Default for {@link Builder#maxInFlight(int)}: 8. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 8;
  /** Default for {@link Builder#closeTimeout(Duration)}: 5 s. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final String name;
  private final Destination destination;
  private final BatchLimits limits;
  private final Duration closeTimeout;
  private final BatchSender sender;
  private final UnsettledSends singles = new UnsettledSends();

  private CmqSink(Builder b) {
    this.name = b.name != null ? b.name : "cmq-" + (b.queue != null ? b.queue : b.topic);
    this.destination = new Destination(b.client, b.queue, b.topic, b.delaySeconds, b.msgTags, b.routingKey);
    this.limits = new BatchLimits(b.maxBatchCount, b.maxBatchBytes, b.linger, b.maxInFlight);
    this.closeTimeout = b.closeTimeout;
    this.sender = new BatchSender(name, destination, b.codec, b.maxMessageBytes, limits);
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
   * The builder's batch settings: {@code maxBatchCount}, {@code maxBatchBytes}, {@code linger} and
   * {@code maxInFlight}.
   *
   * @return the limits
   */
  @Override
  public BatchLimits batchLimits() {
    return limits;
  }

  /**
   * One key for every message in queue mode; in topic mode the message's tags and routing key. A
   * message whose tag or routing-key function throws, or gives more than 5 tags, gets a key of its
   * own, and sending it fails it permanently.
   *
   * @param message the message
   * @return its batch key
   */
  @Override
  public Object batchKey(DeviceMessage message) {
    try {
      return destination.keyOf(message);
    } catch (RuntimeException e) {
      return new BatchKeys.Unkeyable();
    }
  }

  /**
   * Sends a batch: encodes every envelope, fails at once those that cannot be sent, and sends the
   * rest in one request per batch key (more if the batch is over the count or byte limit). Never
   * blocks.
   *
   * @param batch the messages, not empty
   * @return a future of one outcome per message; see the class comment for the failures
   * @throws IllegalArgumentException if the batch is empty
   * @throws NullPointerException if the batch is or holds {@code null}
   */
  @Override
  public CompletableFuture<BatchResult> sendBatch(List<DeviceMessage> batch) {
    return sender.send(batch);
  }

  /**
   * Sends one message as a batch of one ({@link BatchSink#send}), tracked so that {@link #flush()}
   * covers it.
   *
   * @param message the message
   * @return a future that completes when CMQ stored the message, or with its failure
   */
  @Override
  public CompletableFuture<Void> send(DeviceMessage message) {
    return singles.track(BatchSink.super.send(message));
  }

  /**
   * Completes when every batch and every single send started before this call has its outcome. The
   * sink buffers nothing, so there is nothing to push out.
   *
   * @return a future that completes normally when earlier sends are done
   */
  @Override
  public CompletableFuture<Void> flush() {
    return singles.after(sender.flush());
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
    return sender.isHealthy();
  }

  /**
   * How many requests the sink has sent, including split halves.
   *
   * @return the count
   */
  public long requestCount() {
    return sender.requestCount();
  }

  /**
   * How many requests were split because the server found them too large.
   *
   * @return the count
   */
  public long splitCount() {
    return sender.splitCount();
  }

  /**
   * Stops intake, waits up to the close timeout for the requests in flight, then cancels those left
   * (their messages fail with a {@link RetriableForwardingException}: they may or may not have been
   * stored). Never closes the client. Idempotent.
   */
  @Override
  public void close() {
    sender.close(closeTimeout);
  }

  @Override
  public String toString() {
    return "CmqSink[name=" + name + ", " + destination + "]";
  }

  /**
   * Configures a {@link CmqSink}. {@link #client(CmqClient)} and exactly one of {@link #queue(String)}
   * and {@link #topic(String)} are required. Not thread-safe.
   */
  public static final class Builder {
    private String name;
    private CmqClient client;
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
     * The client that holds the connection settings (endpoint, credentials, signing, HTTP). Required.
     * The sink uses it and never closes it: the host closes it after the sink.
     *
     * @param client the client
     * @return this builder
     */
    public Builder client(CmqClient client) {
      this.client = client;
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
     * The most messages per request ({@link BatchLimits#maxCount()}). Default: 16, the CMQ maximum.
     *
     * @param maxBatchCount 1 to 16
     * @return this builder
     */
    public Builder maxBatchCount(int maxBatchCount) {
      this.maxBatchCount = maxBatchCount;
      return this;
    }

    /**
     * The most envelope bytes per request ({@link BatchLimits#maxBytes()}). Default: 64 KiB (the
     * legacy batch limit; TDMQ allows 1 MiB). Requests the server still finds too large are split.
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
     * How long the lane lets a batch wait to fill ({@link BatchLimits#linger()}). Default: 5 ms.
     *
     * @param linger 0 to 10 s
     * @return this builder
     */
    public Builder linger(Duration linger) {
      this.linger = linger;
      return this;
    }

    /**
     * The most batches the lane keeps in flight to this sink at once ({@link
     * BatchLimits#maxInFlight()}). Default: {@value CmqSink#DEFAULT_MAX_IN_FLIGHT}.
     *
     * @param maxInFlight 1 to 256
     * @return this builder
     */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * How long {@link CmqSink#close()} waits for the requests in flight. Default: 5 s.
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
      Problems p = Problems.of("CmqSink configuration");
      p.check(name == null || !name.isBlank(), "name was \"" + name + "\" but must not be blank");
      p.required("client", client);
      if ((queue == null) == (topic == null)) {
        p.add(queue == null
            ? "queue and topic were both null but one is required"
            : "queue and topic were both set but only one is allowed");
      }
      p.check(queue == null || !queue.isBlank(), "queue was \"" + queue + "\" but must not be blank");
      p.check(topic == null || !topic.isBlank(), "topic was \"" + topic + "\" but must not be blank");
      p.check(queue == null || (msgTags == null && routingKey == null),
          "msgTags and routingKey are for topic mode but queue was set");
      p.check(topic == null || delaySeconds == 0, "delaySeconds is for queue mode but topic was set");
      p.range("delaySeconds", delaySeconds, 0, 3600);
      p.range("maxBatchCount", maxBatchCount, 1, CmqClient.MAX_BATCH);
      p.range("maxBatchBytes", maxBatchBytes, 1024, 1024 * 1024);
      p.range("maxMessageBytes", maxMessageBytes, 1, 1024 * 1024);
      p.range("linger", linger, Duration.ZERO, Duration.ofSeconds(10));
      p.range("maxInFlight", maxInFlight, 1, 256);
      p.range("closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(10));
      p.required("codec", codec);
      p.throwIfAny();
      return new CmqSink(this);
    }
  }
}
