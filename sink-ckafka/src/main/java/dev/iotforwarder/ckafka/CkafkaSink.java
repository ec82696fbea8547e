package dev.iotforwarder.ckafka;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.ckafka.internal.EnvelopeHeader;
import dev.iotforwarder.ckafka.internal.KafkaErrors;
import dev.iotforwarder.ckafka.internal.Redaction;
import dev.iotforwarder.spi.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 *       Builder#key(KeyStrategy)} says otherwise. One device's messages share a key, hence a
 *       partition, hence their order.
 *   <li>Topic: {@link Builder#topic(String)} or, per message, {@link Builder#topicRouter(Function)}.
 *   <li>Headers: none unless {@link Builder#headers(boolean)} is on; then {@code MsgType}, {@code
 *       Event}, {@code Topic}, {@code Seq}, {@code DeviceId}, {@code ProductName} and {@code
 *       DeviceName}, each as a UTF-8 string, so consumers can filter without parsing the value.
 * </ul>
 *
 * <h2>Producer defaults</h2>
 *
 * When the sink creates its producer, it starts from {@link #producerDefaults()}, then applies {@link
 * Builder#producerProperty(String, Object)}, so every default can be overridden:
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
 * The returned futures complete on the completion executor, never on the producer's I/O thread, so
 * a slow continuation cannot stall the producer. By default that is a thread the sink owns, named
 * {@code iot-forwarder-ckafka-<name>-completion}; {@link Builder#completionExecutor(Executor)}
 * supplies another (the sink never shuts down an executor it was given). The producer's outcomes wait
 * in a queue that holds at most one entry per record in flight, which the producer's {@code
 * buffer.memory} bounds; one drain task at a time, submitted once per burst of outcomes rather than
 * once per record, completes them in the order the producer reported them, on any executor. If the
 * executor rejects the task, the futures are completed on the reporting thread instead, so no outcome
 * is lost.
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
 * {@link #close()}. With {@link Builder#producer(Producer)} it uses the host's producer instead and
 * never closes it; the connection, security and producer properties are then the host's business.
 */
public final class CkafkaSink implements Sink {
  private static final Logger log = LoggerFactory.getLogger(CkafkaSink.class);

  private static final Map<String, Object> PRODUCER_DEFAULTS = defaults();
  /** The most outcomes one drain task completes before it hands the executor back. */
  private static final int DRAIN_BATCH = 4096;
  /** Outcomes completed, then unlinked from the pending list, under one lock. */
  private static final int DRAIN_CHUNK = 256;

  private final String name;
  private final Producer<byte[], byte[]> producer;
  private final boolean ownsProducer;
  private final Function<DeviceMessage, String> router;
  private final String fixedTopic;
  private final KeyStrategy keyStrategy;
  private final boolean headers;
  private final EnvelopeCodec codec;
  private final Executor completions;
  private final ExecutorService ownedCompletions;
  private final ThreadPoolExecutor flusher;
  private final Duration closeTimeout;
  private final boolean preservesOrder;
  private final String description;
  private final String secret;
  private final long notTakenRetryNanos;

  /**
   * The sends handed to the producer and not yet completed, oldest first, for {@link #flush()} and
   * {@link #close()}: an intrusive list (no allocation, no hashing per send) that the drain task
   * unlinks in chunks, one lock per chunk.
   */
  private final Object pendingLock = new Object();
  private Delivery pendingHead;
  private Delivery pendingTail;
  private final ConcurrentLinkedQueue<Delivery> outcomes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Runnable drain = this::drainOutcomes;
  /** The drain task's chunk; only the one drain task running at a time touches it. */
  private final Delivery[] drained = new Delivery[DRAIN_CHUNK];
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Throwable credentialFailure;

  private CkafkaSink(Builder b, Producer<byte[], byte[]> producer, boolean ownsProducer,
      boolean preservesOrder, String description, long deliveryTimeoutMillis) {
    this.name = b.name;
    this.producer = producer;
    this.ownsProducer = ownsProducer;
    this.fixedTopic = b.topic;
    this.router = b.topicRouter;
    this.keyStrategy = b.keyStrategy;
    this.headers = b.headers;
    this.codec = b.codec;
    this.closeTimeout = b.closeTimeout;
    this.preservesOrder = preservesOrder;
    this.description = description;
    this.secret = b.password;
    this.notTakenRetryNanos = TimeUnit.MILLISECONDS.toNanos(deliveryTimeoutMillis);
    if (b.completionExecutor != null) {
      this.completions = b.completionExecutor;
      this.ownedCompletions = null;
    } else {
      this.ownedCompletions = singleThread("iot-forwarder-ckafka-" + name + "-completion");
      this.completions = ownedCompletions;
    }
    this.flusher = singleThread("iot-forwarder-ckafka-" + name + "-flush");
  }

  /**
   * A new builder.
   *
   * @return a builder with the defaults described on each setter
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The producer properties the sink starts from when it creates its producer (see the class
   * comment): {@code acks=all}, {@code enable.idempotence=true}, {@code compression.type=lz4}, {@code
   * linger.ms=5}, {@code batch.size=65536}, {@code max.block.ms=5000}. Useful for hosts that build
   * their own producer for {@link Builder#producer(Producer)}.
   *
   * @return an unmodifiable map
   */
  public static Map<String, Object> producerDefaults() {
    return PRODUCER_DEFAULTS;
  }

  private static Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("acks", "all");
    d.put("enable.idempotence", "true");
    d.put("compression.type", "lz4");
    d.put("linger.ms", "5");
    d.put("batch.size", "65536");
    d.put("max.block.ms", "5000");
    return java.util.Collections.unmodifiableMap(d);
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
   * @return a future that completes on the completion executor when Kafka acknowledged the record,
   *     or exceptionally with a {@link PermanentForwardingException} or {@link
   *     RetriableForwardingException} as mapped in the class comment; after {@link #close()}, a
   *     future already failed with a {@link PermanentForwardingException}
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
      record = record(message);
    } catch (ForwardingException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new PermanentForwardingException(
          "Could not build the Kafka record for device " + message.deviceKey() + ", seq "
              + message.seq() + " (sink '" + name + "'): " + e, name, e));
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    Delivery delivery = new Delivery(future, message, record.topic());
    link(delivery);
    long deadline = System.nanoTime() + notTakenRetryNanos;
    while (true) {
      try {
        producer.send(record, delivery);
      } catch (RuntimeException e) {
        // Thrown rather than reported through the callback: a closed producer, an interrupt.
        delivery.finish(e, true);
        return future;
      } finally {
        delivery.sendReturned = true;
      }
      Exception notTaken = delivery.notTaken;
      if (notTaken == null) {
        return future;
      }
      // The producer never had the record (no metadata for the topic, or no buffer space within
      // max.block.ms), so its retries do not cover it: try again, in order, within its budget.
      long left = deadline - System.nanoTime();
      if (closed.get() || left <= 0 || !pause(Math.min(left, NOT_TAKEN_PAUSE_NANOS))) {
        delivery.finish(notTaken, true);
        return future;
      }
      log.debug("CKafka sink '{}': the producer did not take the record of device {} seq {} ({}); trying again",
          name, message.deviceKey(), message.seq(), Redaction.redact(String.valueOf(notTaken.getMessage()), secret));
      // The try that was not taken reported nothing else, so the same callback serves the next one.
      delivery.notTaken = null;
      delivery.sendReturned = false;
    }
  }

  private static final long NOT_TAKEN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

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

  private ProducerRecord<byte[], byte[]> record(DeviceMessage m) {
    String topic = fixedTopic != null ? fixedTopic : router.apply(m);
    if (topic == null || topic.isBlank()) {
      throw new PermanentForwardingException("The topic router of sink '" + name
          + "' returned no topic for device " + m.deviceKey() + ", seq " + m.seq(), name, null);
    }
    byte[] key = keyStrategy.key(m);
    byte[] value = codec.encode(m);
    List<Header> hs = headers ? EnvelopeHeader.of(m) : null;
    return new ProducerRecord<>(topic, null, key, value, hs);
  }

  /**
   * The producer's callback for one record. It does not complete the future on the producer's thread:
   * it queues itself as the outcome, and the completion executor completes the queued outcomes in
   * order (see {@link #handOver}).
   */
  private final class Delivery implements Callback, Runnable {
    private final CompletableFuture<Void> future;
    private final DeviceMessage message;
    private final String topic;
    private final Thread caller = Thread.currentThread();
    volatile boolean sendReturned;
    /** A timeout reported before the producer took the record; {@code send} may try again. */
    Exception notTaken;
    // Written before the hand-over, read after it: the queue orders the two.
    private Throwable exception;
    private ForwardingException mapped;
    // The pending list; guarded by pendingLock.
    private Delivery prev;
    private Delivery next;
    private boolean linked;

    Delivery(CompletableFuture<Void> future, DeviceMessage message, String topic) {
      this.future = future;
      this.message = message;
      this.topic = topic;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      boolean beforeEnqueue = !sendReturned && Thread.currentThread() == caller;
      if (beforeEnqueue && exception instanceof org.apache.kafka.common.errors.TimeoutException) {
        notTaken = exception;
        return;
      }
      finish(exception, beforeEnqueue);
    }

    void finish(Throwable exception, boolean beforeEnqueue) {
      if (exception != null) {
        this.exception = exception;
        this.mapped = KafkaErrors.map(exception, name, topic, message, beforeEnqueue, secret);
      }
      handOver(this);
    }

    /** Completes the future: on the completion executor. */
    @Override
    public void run() {
      if (exception == null) {
        if (credentialFailure != null) {
          credentialFailure = null;
        }
        future.complete(null);
      } else {
        noteFailure(exception);
        future.completeExceptionally(mapped);
      }
    }
  }

  private void link(Delivery d) {
    synchronized (pendingLock) {
      d.prev = pendingTail;
      if (pendingTail == null) {
        pendingHead = d;
      } else {
        pendingTail.next = d;
      }
      pendingTail = d;
      d.linked = true;
    }
  }

  /** Under pendingLock. */
  private void unlink(Delivery d) {
    if (!d.linked) {
      return;
    }
    if (d.prev == null) {
      pendingHead = d.next;
    } else {
      d.prev.next = d.next;
    }
    if (d.next == null) {
      pendingTail = d.prev;
    } else {
      d.next.prev = d.prev;
    }
    d.prev = null;
    d.next = null;
    d.linked = false;
  }

  /** The futures of the sends not yet completed, oldest first. */
  private List<CompletableFuture<Void>> pendingFutures() {
    List<CompletableFuture<Void>> list = new ArrayList<>();
    synchronized (pendingLock) {
      for (Delivery d = pendingHead; d != null; d = d.next) {
        list.add(d.future);
      }
    }
    return list;
  }

  /**
   * Queues an outcome and makes sure a drain task is scheduled on the completion executor. The
   * producer reports a whole batch of records at once; one task per burst rather than one per
   * record keeps the hand-over cheap, and a single drain task at a time keeps the order in which the
   * producer reported them, whatever executor the host gave. If the executor rejects the task, the
   * outcomes are completed on the reporting thread instead, so none is lost.
   */
  private void handOver(Delivery outcome) {
    outcomes.add(outcome);
    if (!draining.get() && draining.compareAndSet(false, true)) {
      schedule();
    }
  }

  private void schedule() {
    try {
      completions.execute(drain);
    } catch (RejectedExecutionException e) {
      drain.run();
    }
  }

  private void drainOutcomes() {
    Delivery[] chunk = drained;
    while (true) {
      int total = 0;
      int n;
      do {
        n = 0;
        Delivery d;
        while (n < chunk.length && (d = outcomes.poll()) != null) {
          chunk[n++] = d;
          try {
            d.run();
          } catch (RuntimeException | Error e) {
            log.error("CKafka sink '{}': completing a send failed", name, e);
          }
        }
        synchronized (pendingLock) {
          for (int i = 0; i < n; i++) {
            unlink(chunk[i]);
          }
        }
        Arrays.fill(chunk, 0, n, null);
        total += n;
        if (total >= DRAIN_BATCH && !outcomes.isEmpty()) {
          // Give other tasks of a shared executor a turn; still the only drain task.
          schedule();
          return;
        }
      } while (n == chunk.length);
      draining.set(false);
      if (outcomes.isEmpty() || !draining.compareAndSet(false, true)) {
        return;
      }
    }
  }

  private void noteFailure(Throwable exception) {
    if (KafkaErrors.isCredentialFailure(exception) && credentialFailure == null) {
      credentialFailure = exception;
      log.warn("CKafka sink '{}' cannot deliver until its credentials or ACLs are fixed: {}",
          name, Redaction.redact(String.valueOf(exception.getMessage()), secret));
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
    List<CompletableFuture<Void>> pending = pendingFutures();
    CompletableFuture<Void> pushed = new CompletableFuture<>();
    try {
      flusher.execute(() -> {
        try {
          producer.flush();
        } catch (RuntimeException e) {
          log.debug("CKafka sink '{}': producer flush failed: {}", name, e.toString());
        } finally {
          pushed.complete(null);
        }
      });
    } catch (RejectedExecutionException e) {
      pushed.complete(null); // closed: the pending futures complete anyway
    }
    CompletableFuture<?>[] settled = pending.stream()
        .map(f -> f.handle((v, e) -> null))
        .toArray(CompletableFuture[]::new);
    return pushed.thenCompose(v -> CompletableFuture.allOf(settled));
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
    return !closed.get() && credentialFailure == null;
  }

  /**
   * Stops accepting sends, waits up to the close timeout for records in flight, then releases what
   * the sink created: its own producer ({@code close(timeout)}, which sends what it can), its own
   * threads. A host's producer and executor are left alone. Sends still pending after the timeout
   * fail with a {@link RetriableForwardingException}. Idempotent; never throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    try {
      if (ownsProducer) {
        producer.close(closeTimeout);
      } else {
        CompletableFuture.allOf(pendingFutures().toArray(CompletableFuture[]::new))
            .get(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      // pending sends are failed below; failed ones already carry their reason
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("CKafka sink '{}': closing the producer failed: {}", name,
          Redaction.redact(e.toString(), secret));
    }
    flusher.shutdown();
    if (ownedCompletions != null) {
      ownedCompletions.shutdown();
      try {
        ownedCompletions.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<Delivery> left = new ArrayList<>();
    synchronized (pendingLock) {
      while (pendingHead != null) {
        left.add(pendingHead);
        unlink(pendingHead);
      }
    }
    for (Delivery d : left) {
      d.future.completeExceptionally(new RetriableForwardingException(
          "Sink '" + name + "' closed before Kafka acknowledged the record", name, null));
    }
  }

  /** The name, servers, topic, security protocol and user; never the password. */
  @Override
  public String toString() {
    return description;
  }

  private static ThreadPoolExecutor singleThread(String threadName) {
    ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  /**
   * Builds a {@link CkafkaSink}. Not thread-safe. {@link #build()} checks everything at once and
   * reports every problem in one exception.
   */
  public static final class Builder {
    private static final long DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
    private String name = "ckafka";
    private String bootstrapServers;
    private String topic;
    private Function<DeviceMessage, String> topicRouter;
    private KeyStrategy keyStrategy = KeyStrategy.deviceKey();
    private boolean headers;
    private final Map<String, Object> producerProperties = new LinkedHashMap<>();
    private String securityProtocol;
    private String instanceId;
    private String userName;
    private String password;
    private Producer<byte[], byte[]> producer;
    private Executor completionExecutor;
    private Duration closeTimeout = Duration.ofSeconds(30);
    private EnvelopeCodec codec = EnvelopeCodec.standard();

    private Builder() {}

    /**
     * The sink's name, used in thread names, logs and errors. Default: {@code "ckafka"}.
     *
     * @param name a non-blank name, unique within one forwarder
     * @return this builder
     */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * The cluster to connect to: the instance's address from the CKafka console, or any Kafka {@code
     * bootstrap.servers} list. Required unless {@link #producer(Producer)} is used.
     *
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @return this builder
     */
    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /**
     * Sends every message to one topic. Exactly one of this and {@link #topicRouter(Function)} is
     * required. Create the topic beforehand: do not rely on the broker creating it on first use.
     *
     * @param topic the topic
     * @return this builder
     */
    public Builder topic(String topic) {
      this.topic = topic;
      return this;
    }

    /**
     * Chooses the topic per message, for example {@code m -> m.isStatus() ? "status" : "data"}. It
     * must be thread-safe and fast. A router that throws or returns {@code null} or a blank name
     * fails that message's future with a {@link PermanentForwardingException}.
     *
     * @param topicRouter the router
     * @return this builder
     */
    public Builder topicRouter(Function<DeviceMessage, String> topicRouter) {
      this.topicRouter = topicRouter;
      return this;
    }

    /**
     * How the record key is made. Default: {@link KeyStrategy#deviceKey()} ({@code
     * ProductName/DeviceName}).
     *
     * @param keyStrategy the strategy
     * @return this builder
     */
    public Builder key(KeyStrategy keyStrategy) {
      this.keyStrategy = keyStrategy;
      return this;
    }

    /**
     * Whether records carry the headers {@code MsgType}, {@code Event}, {@code Topic}, {@code Seq},
     * {@code DeviceId}, {@code ProductName} and {@code DeviceName} (UTF-8 strings). Default: {@code
     * false} (the value already holds all of them; headers cost bytes on every record).
     *
     * @param headers {@code true} to add them
     * @return this builder
     */
    public Builder headers(boolean headers) {
      this.headers = headers;
      return this;
    }

    /**
     * Sets a property of the producer the sink creates, overriding {@link #producerDefaults()}:
     * anything Kafka's producer accepts, such as {@code delivery.timeout.ms}, {@code
     * max.request.size}, {@code ssl.truststore.location}. The key and value serializers cannot be
     * set.
     *
     * @param key the producer config key
     * @param value its value
     * @return this builder
     */
    public Builder producerProperty(String key, Object value) {
      producerProperties.put(key, value);
      return this;
    }

    /**
     * Sets several producer properties; see {@link #producerProperty(String, Object)}.
     *
     * @param properties the properties
     * @return this builder
     */
    public Builder producerProperties(Map<String, ?> properties) {
      producerProperties.putAll(properties);
      return this;
    }

    /**
     * Connects with SASL_PLAINTEXT and mechanism PLAIN as a CKafka user, which is how CKafka is
     * reached over the public network: the SASL user name is {@code <instanceId>#<userName>}. The
     * password appears in no log, {@code toString()} or exception message.
     *
     * @param instanceId the instance id, e.g. {@code ckafka-abc123}
     * @param userName the user created in the console
     * @param password that user's password
     * @return this builder
     */
    public Builder sasl(String instanceId, String userName, String password) {
      return security("SASL_PLAINTEXT", instanceId, userName, password);
    }

    /**
     * Like {@link #sasl(String, String, String)}, over TLS: SASL_SSL with mechanism PLAIN, for
     * instances that offer it. The JVM's default trust store is used unless producer properties such
     * as {@code ssl.truststore.location} say otherwise.
     *
     * @param instanceId the instance id, e.g. {@code ckafka-abc123}
     * @param userName the user created in the console
     * @param password that user's password
     * @return this builder
     */
    public Builder saslSsl(String instanceId, String userName, String password) {
      return security("SASL_SSL", instanceId, userName, password);
    }

    private Builder security(String protocol, String instanceId, String userName, String password) {
      this.securityProtocol = protocol;
      this.instanceId = instanceId;
      this.userName = userName;
      this.password = password;
      return this;
    }

    /**
     * Uses the host's producer instead of creating one. The sink never closes it. The settings of
     * the producer are the host's: bootstrap servers, SASL and producer properties cannot be set on
     * this builder too. Use an idempotent producer (Kafka's default) for the ordering guarantee.
     *
     * @param producer the host's producer, with byte-array keys and values
     * @return this builder
     */
    public Builder producer(Producer<byte[], byte[]> producer) {
      this.producer = producer;
      return this;
    }

    /**
     * The executor that completes the returned futures (and so runs their non-async continuations).
     * Default: a thread the sink owns, {@code iot-forwarder-ckafka-<name>-completion}, shut down by
     * {@link CkafkaSink#close()}. An executor given here is never shut down by the sink. It must not
     * be the producer's I/O thread. The sink runs one task on it at a time, so futures complete in the
     * order the producer reported them on any executor.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder completionExecutor(Executor executor) {
      this.completionExecutor = executor;
      return this;
    }

    /**
     * How long {@link CkafkaSink#close()} waits for records in flight. Default: 30 s.
     *
     * @param closeTimeout zero or positive
     * @return this builder
     */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * The codec that writes the record values. Default: {@link EnvelopeCodec#standard()} (compact).
     *
     * @param codec the codec
     * @return this builder
     */
    public Builder codec(EnvelopeCodec codec) {
      this.codec = codec;
      return this;
    }

    /**
     * Checks the settings and builds the sink, creating its producer unless one was given. Creating
     * a producer does not connect yet: a wrong address or password shows in the first sends.
     *
     * @return the sink
     * @throws IllegalArgumentException listing every invalid setting
     * @throws org.apache.kafka.common.KafkaException if Kafka rejects the producer configuration (its
     *     message never contains the password)
     */
    public CkafkaSink build() {
      List<String> problems = new ArrayList<>();
      if (name == null || name.isBlank()) {
        problems.add("name was " + (name == null ? "null" : "\"" + name + "\"") + " but must not be blank");
      }
      if (topic == null && topicRouter == null) {
        problems.add("topic or topicRouter must be set");
      } else if (topic != null && topicRouter != null) {
        problems.add("topic and topicRouter are both set; set one");
      } else if (topic != null && topic.isBlank()) {
        problems.add("topic was \"" + topic + "\" but must not be blank");
      }
      if (keyStrategy == null) {
        problems.add("key == null");
      }
      if (codec == null) {
        problems.add("codec == null");
      }
      if (closeTimeout == null || closeTimeout.isNegative()) {
        problems.add("closeTimeout was " + closeTimeout + " but must be zero or positive");
      }
      if (producer != null) {
        if (bootstrapServers != null) {
          problems.add("bootstrapServers was set but a producer was given: configure the producer instead");
        }
        if (securityProtocol != null) {
          problems.add("sasl/saslSsl was set but a producer was given: configure the producer instead");
        }
        if (!producerProperties.isEmpty()) {
          problems.add("producerProperties " + producerProperties.keySet()
              + " were set but a producer was given: configure the producer instead");
        }
      } else {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
          problems.add("bootstrapServers must be set (or a producer given)");
        }
        for (String k : List.of("key.serializer", "value.serializer")) {
          if (producerProperties.containsKey(k)) {
            problems.add(k + " cannot be set: the sink sends byte arrays");
          }
        }
        if (securityProtocol != null) {
          if (instanceId == null || instanceId.isBlank() || instanceId.contains("#")) {
            problems.add("instanceId was " + (instanceId == null ? "null" : "\"" + instanceId + "\"")
                + " but must be the CKafka instance id, e.g. ckafka-abc123");
          }
          if (userName == null || userName.isBlank()) {
            problems.add("userName must not be blank");
          }
          if (password == null || password.isEmpty()) {
            problems.add("password must not be empty");
          }
          for (String k : List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config")) {
            if (producerProperties.containsKey(k)) {
              problems.add(k + " was set as a producer property and by sasl/saslSsl; use one");
            }
          }
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid CkafkaSink configuration: " + String.join("; ", problems));
      }

      if (producer != null) {
        return new CkafkaSink(this, producer, false, true, describe(false), DEFAULT_DELIVERY_TIMEOUT_MS);
      }
      Map<String, Object> props = new LinkedHashMap<>(PRODUCER_DEFAULTS);
      props.put("client.id", "iot-forwarder-" + name);
      props.putAll(producerProperties);
      props.put("bootstrap.servers", bootstrapServers);
      if (securityProtocol != null) {
        props.put("security.protocol", securityProtocol);
        props.put("sasl.mechanism", "PLAIN");
        props.put("sasl.jaas.config", new Password(
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + jaasEscape(instanceId + "#" + userName) + "\" password=\"" + jaasEscape(password) + "\";"));
      }
      boolean idempotent = !"false".equalsIgnoreCase(String.valueOf(props.get("enable.idempotence")).trim());
      int maxInFlight = Integer.parseInt(String.valueOf(
          props.getOrDefault("max.in.flight.requests.per.connection", "5")).trim());
      boolean ordered = idempotent ? maxInFlight <= 5 : maxInFlight == 1;
      long deliveryTimeout = Long.parseLong(String.valueOf(
          props.getOrDefault("delivery.timeout.ms", DEFAULT_DELIVERY_TIMEOUT_MS)).trim());
      KafkaProducer<byte[], byte[]> created;
      try {
        created = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
      } catch (RuntimeException e) {
        Throwable safe = Redaction.redact(e, password);
        if (safe == e) {
          throw e;
        }
        throw new org.apache.kafka.common.KafkaException(
            "Failed to construct the Kafka producer of sink '" + name + "'", safe);
      }
      log.debug("CKafka sink '{}' created its producer: {}", name, describe(true));
      return new CkafkaSink(this, created, true, ordered, describe(true), deliveryTimeout);
    }

    private String describe(boolean owned) {
      StringBuilder s = new StringBuilder("CkafkaSink[name=").append(name);
      if (owned) {
        s.append(", bootstrapServers=").append(bootstrapServers);
      } else {
        s.append(", producer=host's");
      }
      s.append(topic != null ? ", topic=" + topic : ", topicRouter");
      if (securityProtocol != null) {
        s.append(", securityProtocol=").append(securityProtocol)
            .append(", saslUser=").append(instanceId).append('#').append(userName)
            .append(", password=****");
      }
      if (headers) {
        s.append(", headers");
      }
      return s.append(']').toString();
    }

    private static String jaasEscape(String s) {
      return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
  }
}
