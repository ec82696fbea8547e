package dev.iotforwarder.cmq;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.EnvelopeFormatException;
import dev.iotforwarder.cmq.internal.NamedThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import okhttp3.OkHttpClient;
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
 * and left in the queue, or deleted with {@link Builder#deleteUndecodable(boolean)}.
 *
 * <p>With one poller, messages are handled in queue order. With several, batches are handled
 * concurrently and a device's messages may be handled out of order.
 *
 * <p>Lifecycle: {@link #start()} starts the pollers; {@link #close()} stops them: a long poll in
 * flight is cancelled, a handler already running finishes (up to {@link
 * Builder#closeTimeout(Duration) closeTimeout}) and the messages handled so far are deleted; the
 * rest of the batch is left for redelivery. Thread-safe.
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

  private static final long INITIAL_BACKOFF_MILLIS = 100;

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
  private final boolean ownsClient;
  private final String queue;
  private final Handler handler;
  private final EnvelopeCodec codec;
  private final int batchSize;
  private final Duration pollingWait;
  private final int pollers;
  private final int deleteRetries;
  private final long maxBackoffMillis;
  private final Duration closeTimeout;
  private final boolean deleteUndecodable;

  private final Object lifecycle = new Object();
  private final CountDownLatch stop = new CountDownLatch(1);
  private final AtomicReferenceArray<CompletableFuture<?>> receives;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;
  private boolean started;
  private boolean closed;

  private final AtomicLong received = new AtomicLong();
  private final AtomicLong handled = new AtomicLong();
  private final AtomicLong deleted = new AtomicLong();
  private final AtomicLong handlerFailures = new AtomicLong();
  private final AtomicLong decodeFailures = new AtomicLong();
  private final AtomicLong receiveFailures = new AtomicLong();
  private final AtomicLong deleteFailures = new AtomicLong();

  private CmqReceiver(Builder b) {
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
    this.queue = b.queue;
    this.handler = b.handler;
    this.codec = b.codec;
    this.batchSize = b.batchSize;
    this.pollingWait = b.pollingWait;
    this.pollers = b.pollers;
    this.deleteRetries = b.deleteRetries;
    this.maxBackoffMillis = b.maxBackoff.toMillis();
    this.closeTimeout = b.closeTimeout;
    this.deleteUndecodable = b.deleteUndecodable;
    this.receives = new AtomicReferenceArray<>(pollers);
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
      running = true;
      NamedThreadFactory factory = new NamedThreadFactory("iot-forwarder-cmq-receiver-" + queue);
      for (int i = 0; i < pollers; i++) {
        int slot = i;
        Thread t = factory.newThread(() -> poll(slot));
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
    return received.get();
  }

  /**
   * How many messages the handler processed without throwing.
   *
   * @return the count
   */
  public long handledCount() {
    return handled.get();
  }

  /**
   * How many messages were deleted from the queue.
   *
   * @return the count
   */
  public long deletedCount() {
    return deleted.get();
  }

  /**
   * How many times the handler threw.
   *
   * @return the count
   */
  public long handlerFailureCount() {
    return handlerFailures.get();
  }

  /**
   * How many bodies were not valid envelopes.
   *
   * @return the count
   */
  public long decodeFailureCount() {
    return decodeFailures.get();
  }

  /**
   * How many receive requests failed.
   *
   * @return the count
   */
  public long receiveFailureCount() {
    return receiveFailures.get();
  }

  /**
   * How many handles could not be deleted in the end (expired, or retries used up).
   *
   * @return the count
   */
  public long deleteFailureCount() {
    return deleteFailures.get();
  }

  /**
   * Stops the pollers: cancels long polls in flight, lets running handlers finish (up to the close
   * timeout, then interrupts them), deletes what was handled, and closes the client if the receiver
   * built it. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      running = false;
    }
    stop.countDown();
    for (int i = 0; i < receives.length(); i++) {
      CompletableFuture<?> f = receives.get(i);
      if (f != null) {
        f.cancel(true);
      }
    }
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
    if (ownsClient) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "CmqReceiver[queue=" + queue + ", endpoint=" + client.endpoint() + ", pollers=" + pollers + "]";
  }

  // ------------------------------------------------------------------ the poll loop

  private void poll(int slot) {
    long backoff = INITIAL_BACKOFF_MILLIS;
    while (running) {
      List<CmqMessage> messages;
      try {
        CompletableFuture<List<CmqMessage>> f = client.batchReceiveMessage(queue, batchSize, pollingWait);
        receives.set(slot, f);
        if (!running) {
          f.cancel(true);
        }
        messages = f.get();
        backoff = INITIAL_BACKOFF_MILLIS;
      } catch (CancellationException e) {
        continue; // closing
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | RuntimeException e) {
        if (!running) {
          return;
        }
        receiveFailures.incrementAndGet();
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        boolean retriable = cause instanceof CmqException ce && ce.isRetriable();
        if (retriable) {
          log.debug("CmqReceiver for queue {}: receive failed, retrying in {} ms: {}", queue, backoff,
              cause.getMessage());
        } else {
          log.warn("CmqReceiver for queue {}: receive failed, retrying in {} ms: {}", queue, backoff,
              cause.toString());
        }
        if (!pause(backoff)) {
          return;
        }
        backoff = Math.min(maxBackoffMillis, backoff * 2);
        continue;
      } finally {
        receives.set(slot, null);
      }
      received.addAndGet(messages.size());
      List<String> toDelete = new ArrayList<>(messages.size());
      for (CmqMessage m : messages) {
        if (!running) {
          break; // the rest comes back after the visibility timeout
        }
        if (process(m)) {
          toDelete.add(m.receiptHandle());
        }
      }
      if (!toDelete.isEmpty()) {
        delete(toDelete);
      }
    }
  }

  /** Handles one message; returns whether it should be deleted. */
  private boolean process(CmqMessage m) {
    DeviceMessage message;
    try {
      message = codec.decode(m.body().getBytes(StandardCharsets.UTF_8));
    } catch (EnvelopeFormatException e) {
      decodeFailures.incrementAndGet();
      log.warn("CmqReceiver for queue {}: message {} is not a valid envelope ({}); {}", queue, m.msgId(),
          e.getMessage(), deleteUndecodable ? "deleting it" : "leaving it in the queue");
      return deleteUndecodable;
    }
    try {
      handler.handle(message, m);
      handled.incrementAndGet();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      handlerFailures.incrementAndGet();
      return false;
    } catch (Exception e) {
      handlerFailures.incrementAndGet();
      log.warn("CmqReceiver for queue {}: handler failed for message {} ({}); it will be redelivered",
          queue, m.msgId(), e.toString());
      return false;
    }
  }

  private void delete(List<String> handles) {
    List<String> remaining = handles;
    long backoff = INITIAL_BACKOFF_MILLIS;
    for (int attempt = 0; attempt <= deleteRetries; attempt++) {
      if (attempt > 0 && !sleepQuietly(backoff)) {
        break;
      }
      backoff = Math.min(maxBackoffMillis, backoff * 2);
      List<CmqDeleteFailure> failures;
      try {
        failures = client.batchDeleteMessage(queue, remaining).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | RuntimeException e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof CmqException ce && ce.isRetriable()) {
          log.debug("CmqReceiver for queue {}: delete of {} handles failed, retrying: {}", queue,
              remaining.size(), ce.getMessage());
          continue;
        }
        log.warn("CmqReceiver for queue {}: delete of {} handles failed; the messages will be redelivered: {}",
            queue, remaining.size(), cause.toString());
        break;
      }
      deleted.addAndGet(remaining.size() - failures.size());
      List<String> retry = new ArrayList<>();
      for (CmqDeleteFailure f : failures) {
        if (f.isRetriable()) {
          retry.add(f.receiptHandle());
        } else {
          deleteFailures.incrementAndGet();
          log.debug("CmqReceiver for queue {}: handle {} not deleted (code {}); the message will be redelivered",
              queue, f.receiptHandle(), f.code());
        }
      }
      if (retry.isEmpty()) {
        return;
      }
      log.debug("CmqReceiver for queue {}: {} of {} handles failed to delete with retriable codes; retrying those",
          queue, retry.size(), remaining.size());
      remaining = retry;
    }
    deleteFailures.addAndGet(remaining.size());
    log.warn("CmqReceiver for queue {}: gave up deleting {} handles; the messages will be redelivered",
        queue, remaining.size());
  }

  /** Waits, or returns false at once when the receiver closes. */
  private boolean pause(long millis) {
    try {
      long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1);
      return !stop.await(jittered, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Waits between delete attempts; still deletes while closing, so only an interrupt stops it. */
  private static boolean sleepQuietly(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Configures a {@link CmqReceiver}. {@link #queue(String)}, {@link #handler(Handler)} and either
   * {@link #client(CmqClient)} or {@link #endpoint(CmqEndpoint)} with {@link
   * #credentials(CmqCredentials)} are required. Not thread-safe.
   */
  public static final class Builder {
    private CmqClient client;
    private CmqEndpoint endpoint;
    private CmqCredentials credentials;
    private SignatureMethod signatureMethod = SignatureMethod.HMAC_SHA256;
    private OkHttpClient okHttpClient;
    private String queue;
    private Handler handler;
    private EnvelopeCodec codec = EnvelopeCodec.standard();
    private int batchSize = CmqClient.MAX_BATCH;
    private Duration pollingWait = DEFAULT_POLLING_WAIT;
    private int pollers = 1;
    private int deleteRetries = DEFAULT_DELETE_RETRIES;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private boolean deleteUndecodable;

    private Builder() {}

    /**
     * A shared client, used but never closed by the receiver.
     *
     * @param client the client
     * @return this builder
     */
    public Builder client(CmqClient client) {
      this.client = client;
      return this;
    }

    /**
     * The endpoint, for a client the receiver builds and owns.
     *
     * @param endpoint the endpoint
     * @return this builder
     */
    public Builder endpoint(CmqEndpoint endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /**
     * The API key, for a client the receiver builds and owns.
     *
     * @param credentials the key
     * @return this builder
     */
    public Builder credentials(CmqCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * The HMAC, for a client the receiver builds. Default: {@link SignatureMethod#HMAC_SHA256}.
     *
     * @param method the method
     * @return this builder
     */
    public Builder signatureMethod(SignatureMethod method) {
      this.signatureMethod = method;
      return this;
    }

    /**
     * The host's OkHttp client, for a client the receiver builds; never shut down by it.
     *
     * @param okHttpClient the host's client
     * @return this builder
     */
    public Builder okHttpClient(OkHttpClient okHttpClient) {
      this.okHttpClient = okHttpClient;
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
     * Builds the receiver; call {@link CmqReceiver#start()} to start it.
     *
     * @return the receiver
     * @throws IllegalArgumentException listing every invalid setting
     */
    public CmqReceiver build() {
      List<String> problems = new ArrayList<>();
      if (queue == null || queue.isBlank()) {
        problems.add("queue was " + (queue == null ? "null" : "\"" + queue + "\"") + " but is required");
      }
      if (handler == null) {
        problems.add("handler was null but is required");
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
      if (codec == null) {
        problems.add("codec was null but is required");
      }
      if (batchSize < 1 || batchSize > CmqClient.MAX_BATCH) {
        problems.add("batchSize was " + batchSize + " but must be in [1, 16]");
      }
      if (pollingWait == null || pollingWait.isNegative() || pollingWait.compareTo(CmqClient.MAX_POLLING_WAIT) > 0) {
        problems.add("pollingWait was " + pollingWait + " but must be in [PT0S, PT30S]");
      }
      if (pollers < 1 || pollers > 64) {
        problems.add("pollers was " + pollers + " but must be in [1, 64]");
      }
      if (deleteRetries < 0 || deleteRetries > 10) {
        problems.add("deleteRetries was " + deleteRetries + " but must be in [0, 10]");
      }
      if (maxBackoff == null || maxBackoff.compareTo(Duration.ofMillis(100)) < 0
          || maxBackoff.compareTo(Duration.ofMinutes(5)) > 0) {
        problems.add("maxBackoff was " + maxBackoff + " but must be in [PT0.1S, PT5M]");
      }
      if (closeTimeout == null || closeTimeout.isNegative() || closeTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
        problems.add("closeTimeout was " + closeTimeout + " but must be in [PT0S, PT10M]");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid CmqReceiver configuration: " + String.join("; ", problems));
      }
      return new CmqReceiver(this);
    }
  }
}
