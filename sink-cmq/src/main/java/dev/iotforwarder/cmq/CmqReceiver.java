// Why this file is a little over 500 lines: it is the receiver's public face, the class Javadoc
// (delivery semantics, threads, deduplication, poison messages) and its builder, one documented
// setter per option (13 of them). The work is in cmq.internal (PollLoop, PoisonPolicy,
// ReceiverDedup). Moving the builder to a top-level CmqReceiverBuilder, as CkafkaSinkBuilder was,
// would bring it under 450; left for a later change since it renames a public type.
package dev.iotforwarder.cmq;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.cmq.internal.NamedThreadFactory;
import dev.iotforwarder.cmq.internal.PoisonPolicy;
import dev.iotforwarder.cmq.internal.PollLoop;
import dev.iotforwarder.cmq.internal.ReceiverStats;
import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer side: reads device messages from a CMQ queue and hands them to a {@link Handler}.
 *
 * <p>Each of {@link Builder#pollers(int) pollers} threads (named {@code
 * iot-forwarder-cmq-receiver-<queue>-N}) loops: long-poll {@code BatchReceiveMessage} for up to
 * {@link Builder#batchSize(int) batchSize} messages, decode each body with the {@link
 * EnvelopeCodec}, call the handler for each in the order received, then {@code BatchDeleteMessage}
 * the messages whose handler returned normally. A message whose handler threw is not deleted and
 * comes back after the queue's visibility timeout (at-least-once: handlers should tolerate
 * duplicates, e.g. by {@code (DeviceId, Seq)}). "No message" (7000) just polls again.
 *
 * <p>Deleting: if the delete fails in part (6010), only the handles that failed with a retriable
 * code are deleted again, up to {@link Builder#deleteRetries(int) deleteRetries} times; an expired
 * handle (4430) is given up, and its message will be received again. Receive failures are logged and
 * retried with exponential backoff (100 ms doubling up to {@link Builder#maxBackoff(Duration)
 * maxBackoff}).
 *
 * <p>A body that is not a valid envelope is counted and logged (by message id, never its content)
 * and left in the queue, or deleted with {@link Builder#deleteUndecodable(boolean)}. Poison messages
 * (undecodable, or failing on every receive) can instead go to a host's {@link CmqDeadLetterHandler}
 * and then be deleted: {@link Builder#deadLetter(CmqDeadLetterHandler, int)}.
 *
 * <p>With one poller, messages are handled in queue order. With several, batches are handled
 * concurrently and a device's messages may be handled out of order.
 *
 * <p>Lifecycle: {@link #start()} starts the pollers; {@link #close()} stops them: a long poll in
 * flight is cancelled, a handler already running finishes (up to {@link
 * Builder#closeTimeout(Duration) closeTimeout}) and the messages handled so far are deleted; the
 * rest of the batch is left for redelivery. The loop itself is in {@code internal.PollLoop}.
 *
 * <p><b>The client is the host's.</b> The receiver never closes the {@link CmqClient} it was built
 * from; close the client after the receiver.
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} hold the lifecycle lock only to change the
 * state; close joins the pollers outside it.
 */
public final class CmqReceiver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CmqReceiver.class);

  /** Default for {@link Builder#pollingWait(Duration)}: 10 s. */
  public static final Duration DEFAULT_POLLING_WAIT = Duration.ofSeconds(10);
  /** Default for {@link Builder#maxBackoff(Duration)}: 5 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
  /** Default for {@link Builder#closeTimeout(Duration)}: 10 s. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** Default for {@link Builder#deleteRetries(int)}: 3. */
  public static final int DEFAULT_DELETE_RETRIES = 3;

  /**
   * Processes one received message. Runs on a poller thread; may block. Return normally to have the
   * message deleted; throw to leave it for redelivery.
   */
  @FunctionalInterface
  public interface Handler {
    /**
     * Handles one message.
     *
     * @param message the decoded envelope
     * @param raw the CMQ message (id, receipt handle, dequeue count, times)
     * @throws Exception to leave the message in the queue
     */
    void handle(DeviceMessage message, CmqMessage raw) throws Exception;
  }

  private final CmqClient client;
  private final String queue;
  private final int pollers;
  private final Duration closeTimeout;
  private final dev.iotforwarder.cmq.internal.ReceiverDedup dedup; // null unless Builder#deduplicate
  private final PollLoop loop;
  private final ReceiverStats stats;
  private final PoisonPolicy poison;

  private final Object lifecycle = new Object();
  private final List<Thread> threads = new ArrayList<>();
  private boolean started;
  private boolean closed;

  private CmqReceiver(Builder b) {
    this.dedup = b.builtDedup;
    this.client = b.client;
    this.queue = b.queue;
    this.pollers = b.pollers;
    this.closeTimeout = b.closeTimeout;
    this.poison = b.deadLetters == null ? null : new PoisonPolicy(queue, b.deadLetters, b.maxReceives);
    this.loop = new PollLoop(client, queue, b.handler, b.codec, b.batchSize, b.pollingWait, b.deleteRetries,
        b.maxBackoff, b.deleteUndecodable, pollers, poison);
    this.stats = loop.stats();
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
   * Starts the poller threads. Idempotent.
   *
   * @return this receiver
   * @throws IllegalStateException if the receiver was closed
   */
  public CmqReceiver start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("CmqReceiver for queue " + queue + " is closed");
      }
      if (started) {
        return this;
      }
      started = true;
      NamedThreadFactory factory = new NamedThreadFactory("iot-forwarder-cmq-receiver-" + queue);
      for (int i = 0; i < pollers; i++) {
        int slot = i;
        Thread t = factory.newThread(() -> loop.run(slot));
        threads.add(t);
        t.start();
      }
    }
    return this;
  }

  /**
   * How many messages were received (including redeliveries).
   *
   * @return the count
   */
  public long receivedCount() {
    return stats.received.get();
  }

  /**
   * How many messages the handler processed without throwing.
   *
   * @return the count
   */
  public long handledCount() {
    return stats.handled.get();
  }

  /**
   * How many messages were deleted from the queue.
   *
   * @return the count
   */
  public long deletedCount() {
    return stats.deleted.get();
  }

  /**
   * How many times the handler threw.
   *
   * @return the count
   */
  public long handlerFailureCount() {
    return stats.handlerFailures.get();
  }

  /**
   * How many repeats of an already handled (DeviceId, Seq) were deleted without calling the handler;
   * always 0 unless {@link Builder#deduplicate(int, int)} is on.
   *
   * @return the count
   */
  public long duplicateCount() {
    return dedup == null ? 0 : dedup.duplicates();
  }

  /**
   * How many bodies were not valid envelopes.
   *
   * @return the count
   */
  public long decodeFailureCount() {
    return stats.decodeFailures.get();
  }

  /**
   * How many receive requests failed.
   *
   * @return the count
   */
  public long receiveFailureCount() {
    return stats.receiveFailures.get();
  }

  /**
   * How many handles could not be deleted in the end (expired, or retries used up).
   *
   * @return the count
   */
  public long deleteFailureCount() {
    return stats.deleteFailures.get();
  }

  /**
   * How many poison messages the dead-letter handler took (and the receiver then deleted); 0 without
   * {@link Builder#deadLetter(CmqDeadLetterHandler, int)}.
   *
   * @return the count
   */
  public long deadLetteredCount() {
    return poison == null ? 0 : poison.deadLetteredCount();
  }

  /**
   * How many times the dead-letter handler threw (the message stayed in the queue).
   *
   * @return the count
   */
  public long deadLetterFailureCount() {
    return poison == null ? 0 : poison.deadLetterFailureCount();
  }

  /**
   * Stops the pollers: cancels long polls in flight, lets running handlers finish (up to the close
   * timeout, then interrupts them) and deletes what was handled. Never closes the client. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    loop.stop();
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    for (Thread t : threads) {
      try {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        if (t.isAlive()) {
          log.warn("CmqReceiver for queue {}: poller {} did not stop within {}; interrupting it",
              queue, t.getName(), closeTimeout);
          t.interrupt();
          t.join(1000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  @Override
  public String toString() {
    return "CmqReceiver[queue=" + queue + ", endpoint=" + client.endpoint() + ", pollers=" + pollers + "]";
  }

  /**
   * Configures a {@link CmqReceiver}. {@link #client(CmqClient)}, {@link #queue(String)} and {@link
   * #handler(Handler)} are required. Not thread-safe.
   */
  public static final class Builder {
    private CmqClient client;
    private String queue;
    private Handler handler;
    private int dedupSeqsPerDevice;
    private int dedupMaxDevices;
    private dev.iotforwarder.cmq.internal.ReceiverDedup builtDedup; // set only while build() constructs
    private EnvelopeCodec codec = EnvelopeCodec.standard();
    private int batchSize = CmqClient.MAX_BATCH;
    private Duration pollingWait = DEFAULT_POLLING_WAIT;
    private int pollers = 1;
    private int deleteRetries = DEFAULT_DELETE_RETRIES;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private boolean deleteUndecodable;
    private CmqDeadLetterHandler deadLetters;
    private int maxReceives;
    private boolean deadLetterSet;

    private Builder() {}

    /**
     * The client that holds the connection settings (endpoint, credentials, signing, HTTP). Required.
     * The receiver uses it and never closes it: the host closes it after the receiver.
     *
     * @param client the client
     * @return this builder
     */
    public Builder client(CmqClient client) {
      this.client = client;
      return this;
    }

    /**
     * The queue to read. Required.
     *
     * @param queue the queue name
     * @return this builder
     */
    public Builder queue(String queue) {
      this.queue = queue;
      return this;
    }

    /**
     * What to do with each message. Required.
     *
     * @param handler the handler; called from the poller threads
     * @return this builder
     */
    public Builder handler(Handler handler) {
      this.handler = handler;
      return this;
    }

    /**
     * Hands each (DeviceId, Seq) to the handler once: a repeat of a message whose handler returned
     * normally is deleted without calling it ({@link CmqReceiver#duplicateCount()}). Default: off.
     *
     * <p>A (DeviceId, Seq) counts once the handler returned; a copy whose twin is being handled on
     * another poller right then stays in the queue (a handler failure) and comes back as a repeat.
     * Memory is bounded: the last {@code seqsPerDevice} Seqs of the {@code maxDevices} devices seen
     * most recently (about {@code 8 * seqsPerDevice} bytes each). Limits: a repeat that arrives after
     * that many other Seqs of its device, after its device was forgotten, or after a restart of this
     * receiver is handled again; a device that restarts its Seq (after a reboot) and reuses a
     * remembered Seq has that message deleted unhandled.
     *
     * @param seqsPerDevice Seqs remembered per device, 1 to 1,000,000
     * @param maxDevices devices remembered, 1 to 100,000,000
     * @return this builder
     */
    public Builder deduplicate(int seqsPerDevice, int maxDevices) {
      this.dedupSeqsPerDevice = seqsPerDevice;
      this.dedupMaxDevices = maxDevices;
      return this;
    }

    /**
     * The codec that decodes bodies. Default: {@link EnvelopeCodec#standard()}.
     *
     * @param codec the codec
     * @return this builder
     */
    public Builder codec(EnvelopeCodec codec) {
      this.codec = codec;
      return this;
    }

    /**
     * Messages asked for per receive. Default: 16.
     *
     * @param batchSize 1 to 16
     * @return this builder
     */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * How long a receive waits for messages ({@code pollingWaitSeconds}, whole seconds). Default:
     * 10 s.
     *
     * @param pollingWait 0 to 30 s
     * @return this builder
     */
    public Builder pollingWait(Duration pollingWait) {
      this.pollingWait = pollingWait;
      return this;
    }

    /**
     * How many poller threads. Default: 1, which handles messages in queue order.
     *
     * @param pollers 1 to 64
     * @return this builder
     */
    public Builder pollers(int pollers) {
      this.pollers = pollers;
      return this;
    }

    /**
     * How often a failed delete is retried (only the handles that failed with retriable codes).
     * Default: 3.
     *
     * @param deleteRetries 0 to 10
     * @return this builder
     */
    public Builder deleteRetries(int deleteRetries) {
      this.deleteRetries = deleteRetries;
      return this;
    }

    /**
     * The longest wait between attempts after failures. Default: 5 s.
     *
     * @param maxBackoff 100 ms to 5 minutes
     * @return this builder
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * How long {@link CmqReceiver#close()} waits for running handlers. Default: 10 s.
     *
     * @param closeTimeout 0 to 10 minutes
     * @return this builder
     */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = closeTimeout;
      return this;
    }

    /**
     * Whether bodies that are not valid envelopes are deleted (after being logged) instead of left in
     * the queue for its dead-letter policy. Default: {@code false}.
     *
     * @param deleteUndecodable whether to delete them
     * @return this builder
     */
    public Builder deleteUndecodable(boolean deleteUndecodable) {
      this.deleteUndecodable = deleteUndecodable;
      return this;
    }

    /**
     * Poison handling: an undecodable body, or a message whose handler threw on its {@code
     * maxReceives}-th receive, goes to {@code deadLetters}, then is deleted and counted ({@link
     * CmqReceiver#deadLetteredCount()}); if {@code deadLetters} throws, the message stays. The count is
     * the larger of CMQ's {@code dequeueCount} (which may be wrong after a failover) and the
     * receiver's own count of failed attempts per message id, so a reset or missing count still ends.
     * A queue's own dead-letter policy counts on the server and wins if its limit is lower: set {@code
     * maxReceives} below it. Not with {@link #deleteUndecodable(boolean)}. Default: off.
     *
     * @param deadLetters where poison messages go
     * @param maxReceives the receive on which a failing message is handed over, 1 to 1000
     * @return this builder
     */
    public Builder deadLetter(CmqDeadLetterHandler deadLetters, int maxReceives) {
      this.deadLetters = deadLetters;
      this.maxReceives = maxReceives;
      this.deadLetterSet = true;
      return this;
    }

    /**
     * Builds the receiver; call {@link CmqReceiver#start()} to start it.
     *
     * @return the receiver
     * @throws IllegalArgumentException listing every invalid setting
     */
    public CmqReceiver build() {
      Problems p = Problems.of("CmqReceiver configuration");
      p.required("client", client);
      p.check(queue != null && !queue.isBlank(),
          "queue was " + (queue == null ? "null" : "\"" + queue + "\"") + " but is required");
      p.required("handler", handler);
      if (dedupSeqsPerDevice != 0 || dedupMaxDevices != 0) {
        p.range("deduplicate seqsPerDevice", dedupSeqsPerDevice, 1, 1_000_000);
        p.range("deduplicate maxDevices", dedupMaxDevices, 1, 100_000_000);
      }
      p.required("codec", codec);
      p.range("batchSize", batchSize, 1, CmqClient.MAX_BATCH);
      p.range("pollingWait", pollingWait, Duration.ZERO, CmqClient.MAX_POLLING_WAIT);
      p.range("pollers", pollers, 1, 64);
      p.range("deleteRetries", deleteRetries, 0, 10);
      p.range("maxBackoff", maxBackoff, Duration.ofMillis(100), Duration.ofMinutes(5));
      p.range("closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(10));
      if (deadLetterSet) {
        p.required("deadLetter handler", deadLetters);
        p.range("maxReceives", maxReceives, 1, 1000);
        p.check(!deleteUndecodable,
            "deleteUndecodable and deadLetter were both set; the dead-letter handler already takes undecodable bodies");
      }
      p.throwIfAny();
      // With deduplication the pollers call the wrapper, which calls the host's handler. The builder
      // holds the wrapper only while the constructor runs, so that a second build() starts afresh.
      Handler host = handler;
      if (dedupSeqsPerDevice > 0) {
        builtDedup = new dev.iotforwarder.cmq.internal.ReceiverDedup(host, dedupSeqsPerDevice, dedupMaxDevices);
        handler = builtDedup;
      }
      try {
        return new CmqReceiver(this);
      } finally {
        handler = host;
        builtDedup = null;
      }
    }
  }
}
