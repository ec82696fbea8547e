package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.ckafka.internal.Delivery;
import dev.iotforwarder.ckafka.internal.Outcomes;
import dev.iotforwarder.ckafka.internal.PendingDeliveries;
import dev.iotforwarder.ckafka.internal.ProducerFlusher;
import dev.iotforwarder.ckafka.internal.ProducerSettings;
import dev.iotforwarder.ckafka.internal.RecordFactory;
import dev.iotforwarder.ckafka.internal.Redaction;
import dev.iotforwarder.ckafka.internal.TopicCheck;
import dev.iotforwarder.spi.Sink;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Sink} that sends each message as one Kafka record, to Tencent CKafka or any Kafka cluster,
 * through the Apache Kafka producer.
 *
 * <pre>{@code
 * CkafkaSink sink = CkafkaSink.builder()
 *     .bootstrapServers("ckafka-abc123.ap-guangzhou.ckafka.tencentcloudmq.com:50000")
 *     .sasl("ckafka-abc123", "forwarder", password)        // public network: SASL_PLAINTEXT/PLAIN
 *     .topicRouter(m -> m.isStatus() ? "device-status" : "device-data")
 *     .build();
 * }</pre>
 *
 * <h2>The record</h2>
 *
 * <ul>
 *   <li>Value: the envelope, {@link EnvelopeCodec#encode(DeviceMessage)} of the message, byte for byte
 *       (the same bytes {@link DeviceMessageSerializer} writes).
 *   <li>Key: {@link KeyStrategy#deviceKey()} ({@code ProductName/DeviceName}) unless {@link
 *       CkafkaSinkBuilder#key(KeyStrategy)} says otherwise. One device's messages share a key, hence
 *       a partition, hence their order.
 *   <li>Topic: {@link CkafkaSinkBuilder#topic(String)} or, per message, {@link
 *       CkafkaSinkBuilder#topicRouter(Function)}.
 *   <li>Headers: none unless {@link CkafkaSinkBuilder#headers(boolean)} is on; then {@code MsgType},
 *       {@code Event}, {@code Topic}, {@code Seq}, {@code DeviceId}, {@code ProductName} and {@code
 *       DeviceName}, each as a UTF-8 string, so consumers can filter without parsing the value.
 *   <li>Timestamp: the message's receive time, {@link DeviceMessage#receivedAtMillis()} (the
 *       forwarder stamps it in {@code forward()} when the host did not set it, and the spool keeps
 *       it), so a record sent by a retry or a spool replay still carries the time the gateway
 *       received the message, and a backend (Kafka Streams' record time, {@code NewerRule} in
 *       {@code iot-forwarder-streams}) orders by it. Only a message without one (sent through this
 *       sink directly) gets the producer's clock. This holds for topics with {@code
 *       message.timestamp.type=CreateTime}, Kafka's default; a topic with {@code LogAppendTime}
 *       replaces every record's timestamp with the broker's clock when it appends the record, so a
 *       replayed record again carries the time it was sent. A broker refuses a record whose time
 *       is further ahead of its clock than {@code message.timestamp.after.max.ms} (one hour by
 *       default in Kafka 4.4) or further behind than {@code message.timestamp.before.max.ms}
 *       (unlimited by default) with {@code InvalidTimestampException}, a permanent failure here
 *       (dead-lettered): keep the gateway's clock in sync. Retention ({@code retention.ms}) counts
 *       from record timestamps too, so a backlog replayed after more than the topic's retention may
 *       be deleted soon after it is written.
 * </ul>
 *
 * <h2>Producer defaults</h2>
 *
 * When the sink creates its producer, it starts from {@link #producerDefaults()}, then applies {@link
 * CkafkaSinkBuilder#producerProperty(String, Object)}, so every default can be overridden:
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>property</th><th>value</th><th>why</th></tr>
 *   <tr><td>{@code acks}</td><td>{@code all}</td><td>a record counts as delivered only once every
 *       in-sync replica has it</td></tr>
 *   <tr><td>{@code enable.idempotence}</td><td>{@code true}</td><td>the producer's retries neither
 *       duplicate nor reorder records</td></tr>
 *   <tr><td>{@code compression.type}</td><td>{@code lz4}</td><td>about twice the throughput for
 *       envelopes of a few hundred bytes</td></tr>
 *   <tr><td>{@code linger.ms}</td><td>{@code 5}</td><td>fills batches under load at a small latency
 *       cost</td></tr>
 *   <tr><td>{@code batch.size}</td><td>{@code 65536}</td><td>64 KB batches</td></tr>
 *   <tr><td>{@code max.block.ms}</td><td>{@code 5000}</td><td>the longest one try of {@link #send}
 *       blocks its caller (Kafka's default is 60 s); see below</td></tr>
 *   <tr><td>{@code client.id}</td><td>{@code iot-forwarder-<name>}</td><td>names the producer in
 *       broker logs and metrics</td></tr>
 * </table>
 *
 * <p>Kafka's defaults apply to everything else, notably {@code delivery.timeout.ms} (120 s), which
 * bounds the producer's own retries of one record, and {@code max.request.size} (1 MiB). The key and
 * value serializers are always {@code ByteArraySerializer}.
 *
 * <h2>How long {@code send} blocks</h2>
 *
 * {@link #send} hands the record to the producer and returns. The producer's {@code send} blocks
 * its caller only while it has no metadata for the topic (the first record to a topic, or a broker
 * it cannot reach) or while its buffer ({@code buffer.memory}, 32 MiB) is full; both are bounded by
 * {@code max.block.ms}, 5 s by default. When that runs out, the record was never handed to the
 * producer, so the producer's own retries do not cover it: {@code send} tries again (every 100 ms at
 * most) until {@code delivery.timeout.ms} (the budget the producer gives any record, 120 s by
 * default) has passed since the first try, and only then fails the returned future with a {@link
 * RetriableForwardingException} that says so. This is what a broker outage looks like to a sink
 * whose producer has lost the topic's metadata (Kafka 4 clients re-bootstrap when every known broker
 * is gone): sends wait for the broker, in order, instead of failing. Under a {@code Forwarder} only
 * the lane's dispatcher thread waits; the callers of {@code forward} are governed by the lane's
 * overflow policy. Used directly, {@code send} blocks its caller that long; lower {@code
 * delivery.timeout.ms} (with {@code request.timeout.ms}) if it must not.
 *
 * <h2>Outcome and errors</h2>
 *
 * The returned future completes when Kafka acknowledged the record (with {@code acks=all}: every
 * in-sync replica has it), or exceptionally with:
 *
 * <table>
 *   <caption>Error mapping</caption>
 *   <tr><th>Kafka reports</th><th>future fails with</th></tr>
 *   <tr><td>{@code AuthenticationException} (e.g. {@code SaslAuthenticationException}: wrong
 *       password), {@code AuthorizationException} (e.g. {@code TopicAuthorizationException}), {@code
 *       RecordTooLargeException}, {@code RecordBatchTooLargeException}, {@code InvalidTopicException},
 *       {@code UnsupportedVersionException}, {@code SerializationException}, any other error Kafka
 *       classifies as not retriable</td><td>{@link PermanentForwardingException}</td></tr>
 *   <tr><td>{@code TimeoutException}: the record was not acknowledged within {@code
 *       delivery.timeout.ms}, after the producer's own retries, or was never taken by the producer
 *       because every try ran out of {@code max.block.ms} until {@code delivery.timeout.ms} had
 *       passed</td><td>{@link RetriableForwardingException}, with a message that says which</td></tr>
 *   <tr><td>other retriable errors, a closed or failed producer</td><td>{@link
 *       RetriableForwardingException}</td></tr>
 *   <tr><td>the topic router or key strategy throws or returns no topic</td><td>{@link
 *       PermanentForwardingException}</td></tr>
 *   <tr><td>the producer got no metadata for the topic within {@code max.block.ms} and the cluster,
 *       asked by an admin {@code describeTopics}, answered that the topic does not exist (see {@link
 *       CkafkaSinkBuilder#topicCheck(boolean)}; logged once at WARN)</td><td>{@link
 *       PermanentForwardingException} "Topic X does not exist", after one {@code max.block.ms},
 *       and at once for further records to that topic for 10 s</td></tr>
 * </table>
 *
 * <p>Why a delivery timeout is <em>retriable</em>: nothing is wrong with the message; the cluster was
 * unreachable or too slow for the whole delivery timeout, and the same message can succeed later
 * (from a dead-letter replay, say). But the producer has already retried it, and the sink declares
 * {@link #retriesInternally()}, so the pipeline adds no retry of its own: the failure is final for
 * this send and goes to the dead-letter sink with this reason. The record may nonetheless have been
 * written (at-least-once). Nothing is swallowed: every record handed to the producer ends in its
 * future completing one way or the other.
 *
 * <p>Kafka's exception is the cause; messages name the sink, the topic, the device and the seq, never
 * the payload or a password.
 *
 * <h2>Threads</h2>
 *
 * The sink has no thread of its own between the producer and the returned futures: each future
 * completes on the thread that reports the record's outcome, which is the producer's I/O thread
 * ({@code kafka-producer-network-thread | <client.id>}) for every record the producer took, or the
 * thread that called {@code send} for a record the producer refused at once. Futures complete in the
 * order the producer reports them.
 *
 * <p>Under a {@code Forwarder}, the producer's thread does no more for a message than map its
 * outcome and complete the sink's future, which hands the outcome to the forwarder's lane (a queue
 * offer): that is the one hop between Kafka's acknowledgement and the caller. The lane decides retry,
 * dead letter or success on its own threads ({@code iot-forwarder-<name>-...}) and completes the
 * callers' futures there, never on the producer's thread.
 *
 * <p>A host that uses the sink on its own gets the producer's I/O thread in the future's non-async
 * continuations ({@code thenRun}, {@code whenComplete}, {@code thenApply}...): while one runs, the
 * producer sends and acknowledges nothing, for any partition. So do not block in them (no {@code
 * get()} or {@code join()} of another send, no I/O, no {@code flush()} of the producer); use the
 * {@code *Async} variants with an executor of your own for anything more than handing the result on.
 *
 * <p>{@link #flush()} runs the producer's blocking {@code flush()} on a thread of the sink's own,
 * {@code iot-forwarder-ckafka-<name>-flush}, which starts with the first flush and ends after 30 s
 * idle, so that {@code flush()} returns at once.
 *
 * <p>The sink is thread-safe; one producer serves all threads. Cancelling a returned future does not
 * recall the record: Kafka may still write it.
 *
 * <h2>Ordering</h2>
 *
 * {@link #preservesOrder()} is {@code true} with the defaults: an idempotent producer keeps the order
 * of one partition's records across its retries with up to 5 requests in flight, and the device key
 * sends one device's messages to one partition. It is {@code false} if the producer properties turn
 * idempotence off with more than one request in flight. A host's own producer is assumed to be
 * idempotent (Kafka's default since 3.0). A {@link KeyStrategy} that returns {@code null} keys gives
 * up order.
 *
 * <h2>Own producer or the host's</h2>
 *
 * By default the sink creates a {@link KafkaProducer} from the builder's settings and closes it in
 * {@link #close()}. With {@link CkafkaSinkBuilder#producer(Producer)} it uses the host's producer
 * instead and never closes it; the connection, security and producer properties are then the host's
 * business.
 */
public final class CkafkaSink implements Sink {
  // Invariants. The sink holds no lock of its own: the pending list (PendingDeliveries) has one,
  // guarding only its links. send() runs on the callers' threads, each try of producer.send on the
  // caller; outcomes are handled on the thread that reports them (Outcomes), usually the producer's
  // I/O thread; the producer's flush() runs on the flush thread (ProducerFlusher); close() on its
  // caller. `closed` is the only state that send() and close() share.
  private static final Logger log = LoggerFactory.getLogger(CkafkaSink.class);
  /** The pause between two tries of a record the producer did not take. */
  private static final long NOT_TAKEN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final String name;
  private final Producer<byte[], byte[]> producer;
  private final boolean ownsProducer;
  private final RecordFactory records;
  private final Duration closeTimeout;
  private final boolean preservesOrder;
  private final String description;
  private final String secret;
  private final long notTakenRetryNanos;
  private final PendingDeliveries pending = new PendingDeliveries();
  private final Outcomes outcomes;
  private final ProducerFlusher flusher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final TopicCheck topics;

  CkafkaSink(String name, Producer<byte[], byte[]> producer, boolean ownsProducer, RecordFactory records,
      Duration closeTimeout, boolean preservesOrder, String description, String secret, long deliveryTimeoutMillis,
      TopicCheck topics) {
    this.topics = topics;
    this.name = name;
    this.producer = producer;
    this.ownsProducer = ownsProducer;
    this.records = records;
    this.closeTimeout = closeTimeout;
    this.preservesOrder = preservesOrder;
    this.description = description;
    this.secret = secret;
    this.notTakenRetryNanos = TimeUnit.MILLISECONDS.toNanos(deliveryTimeoutMillis);
    this.outcomes = new Outcomes(name, secret, pending);
    this.flusher = new ProducerFlusher(name, producer);
  }

  /**
   * A new builder.
   *
   * @return a builder with the defaults described on each setter
   */
  public static CkafkaSinkBuilder builder() {
    return new CkafkaSinkBuilder();
  }

  /**
   * The producer properties the sink starts from when it creates its producer (see the class
   * comment): {@code acks=all}, {@code enable.idempotence=true}, {@code compression.type=lz4}, {@code
   * linger.ms=5}, {@code batch.size=65536}, {@code max.block.ms=5000}. Useful for hosts that build
   * their own producer for {@link CkafkaSinkBuilder#producer(Producer)}.
   *
   * @return an unmodifiable map
   */
  public static Map<String, Object> producerDefaults() {
    return ProducerSettings.DEFAULTS;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Sends one message as one record. Blocks only as the class comment describes ({@code
   * max.block.ms}); never throws for a Kafka failure.
   *
   * @param message the message
   * @return a future that completes, on the producer's I/O thread (see the class comment), when
   *     Kafka acknowledged the record, or exceptionally with a {@link PermanentForwardingException} or
   *     {@link RetriableForwardingException} as mapped in the class comment; after {@link #close()},
   *     a future already failed with a {@link PermanentForwardingException}
   * @throws NullPointerException if {@code message} is {@code null}
   */
  @Override
  public CompletableFuture<Void> send(DeviceMessage message) {
    Objects.requireNonNull(message, "message == null");
    if (closed.get()) {
      return CompletableFuture.failedFuture(new PermanentForwardingException(
          "Sink '" + name + "' is closed", name, null));
    }
    ProducerRecord<byte[], byte[]> record;
    try {
      record = records.record(message);
    } catch (ForwardingException e) {
      return CompletableFuture.failedFuture(e);
    }
    Delivery delivery = outcomes.begin(message, record.topic());
    TopicCheck.Missing missing = topics.knownMissing(record.topic());
    if (missing != null) {
      delivery.failBeforeEnqueue(missing);
      return delivery.future();
    }
    long deadline = System.nanoTime() + notTakenRetryNanos;
    while (true) {
      Exception notTaken;
      try {
        producer.send(record, delivery);
      } catch (RuntimeException e) {
        // Thrown rather than reported through the callback: a closed producer, an interrupt.
        delivery.failBeforeEnqueue(e);
        return delivery.future();
      } finally {
        notTaken = delivery.afterTry();
      }
      if (notTaken == null) {
        topics.forget(record.topic());
        return delivery.future();
      }
      if ((missing = topics.check(record.topic())) != null) { // a definitive answer, not an outage
        delivery.failBeforeEnqueue(missing);
        return delivery.future();
      }
      // The producer never had the record (no metadata for the topic, or no buffer space within
      // max.block.ms), so its retries do not cover it: try again, in order, within its budget.
      long left = deadline - System.nanoTime();
      if (closed.get() || left <= 0 || !pause(Math.min(left, NOT_TAKEN_PAUSE_NANOS))) {
        delivery.failBeforeEnqueue(notTaken);
        return delivery.future();
      }
      log.debug("CKafka sink '{}': the producer did not take the record of device {} seq {} ({}); trying again",
          name, message.deviceKey(), message.seq(), Redaction.redact(String.valueOf(notTaken.getMessage()), secret));
    }
  }

  /** Waits between two tries of a record the producer did not take; false if interrupted. */
  private static boolean pause(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Asks the producer to send what it has buffered at once (rather than after {@code linger.ms}) and
   * returns a future that completes when every send started before this call has completed, whether
   * it succeeded or failed. Returns at once; the producer's blocking {@code flush()} runs on the
   * sink's own flush thread.
   *
   * @return the future; it completes normally (failures are reported on each send's future)
   */
  @Override
  public CompletableFuture<Void> flush() {
    CompletableFuture<?>[] settled = pending.futures().stream()
        .map(f -> f.handle((v, e) -> null))
        .toArray(CompletableFuture[]::new);
    return flusher.flush().thenCompose(v -> CompletableFuture.allOf(settled));
  }

  /**
   * {@code true}: the producer retries retriable errors itself within {@code delivery.timeout.ms},
   * so a failed future is final.
   *
   * @return {@code true}
   */
  @Override
  public boolean retriesInternally() {
    return true;
  }

  /**
   * Whether one device's messages keep their order across the producer's retries; see the class
   * comment.
   *
   * @return {@code true} with the defaults
   */
  @Override
  public boolean preservesOrder() {
    return preservesOrder;
  }

  /**
   * {@code false} once closed, and from an authentication or authorization failure until the next
   * successful delivery (fixing credentials or ACLs takes a human, so a failover route should divert
   * traffic meanwhile).
   *
   * @return whether the sink can deliver as far as it knows
   */
  @Override
  public boolean isHealthy() {
    return !closed.get() && !outcomes.credentialsFailing();
  }

  /**
   * Stops accepting sends, waits up to the close timeout for records in flight, then releases what
   * the sink created: its own producer ({@code close(timeout)}, which sends what it can), its flush
   * thread. A host's producer is left alone. Sends still pending after the timeout fail with a {@link
   * RetriableForwardingException}. Idempotent; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (ownsProducer) {
        producer.close(closeTimeout);
      } else {
        CompletableFuture.allOf(pending.futures().toArray(CompletableFuture[]::new))
            .get(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (TimeoutException | ExecutionException e) {
      // pending sends are failed below; failed ones already carry their reason
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("CKafka sink '{}': closing the producer failed: {}", name, Redaction.redact(e.toString(), secret));
    }
    flusher.shutdown();
    topics.close();
    pending.failAll(() -> new RetriableForwardingException(
        "Sink '" + name + "' closed before Kafka acknowledged the record", name, null));
  }

  /** The name, servers, topic, security protocol and user; never the password. */
  @Override
  public String toString() {
    return description;
  }
}
