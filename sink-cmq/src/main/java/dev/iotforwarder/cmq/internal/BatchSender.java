package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.cmq.CmqException;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request building and reply mapping of a {@code CmqSink}: turns one batch into requests and
 * their replies into one outcome per message.
 *
 * <p>{@link #send(List)} encodes every envelope, fails at once a message that cannot be sent (its
 * key or envelope cannot be made, or the envelope is over {@code maxMessageBytes}) and sends the
 * others in one request per batch key, more if they are over the count or byte limit, in order. A
 * request the server finds too large (4470, 10420, 4400) is split in halves, sent again at once,
 * until its messages fit or fail alone; any other failed request fails its messages with the
 * classification of {@link SinkFailures}. The {@link BatchOutcome} completes when every request of
 * the batch has settled.
 *
 * <p>Thread-safe, without a lock: {@code send} runs on the callers' threads, reply mapping on the
 * HTTP client's; they share only the concurrent sets of requests and batches in flight, the atomic
 * counters and the volatile {@code closed} flag. Nothing is ever queued here. {@link #close(Duration)}
 * runs on the closing thread and blocks it up to its timeout; a reply that arrives while it runs
 * still settles its messages, and halves of a split are not sent once it has begun.
 */
public final class BatchSender {
  private static final Logger log = LoggerFactory.getLogger("dev.iotforwarder.cmq.CmqSink");
  private static final int UNHEALTHY_AFTER = 3;

  private final String name;
  private final Destination destination;
  private final EnvelopeCodec codec;
  private final int maxMessageBytes;
  private final BatchLimits limits;
  private final SinkFailures failures;

  private final Set<CompletableFuture<?>> requestsInFlight = ConcurrentHashMap.newKeySet();
  private final Set<CompletableFuture<BatchResult>> batchesInFlight = ConcurrentHashMap.newKeySet();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong splits = new AtomicLong();
  private volatile boolean closed;

  /**
   * A sender.
   *
   * @param name the sink's name
   * @param destination the queue or topic: batch keys and requests
   * @param codec encodes envelopes
   * @param maxMessageBytes the largest envelope sent
   * @param limits the count and byte limits of one request
   */
  public BatchSender(String name, Destination destination, EnvelopeCodec codec, int maxMessageBytes,
      BatchLimits limits) {
    this.name = name;
    this.destination = destination;
    this.codec = codec;
    this.maxMessageBytes = maxMessageBytes;
    this.limits = limits;
    this.failures = new SinkFailures(name);
  }

  /**
   * Sends a batch.
   *
   * @param batch the messages, not empty
   * @return a future of one outcome per message
   * @throws IllegalArgumentException if the batch is empty
   * @throws NullPointerException if the batch is or holds {@code null}
   */
  public CompletableFuture<BatchResult> send(List<DeviceMessage> batch) {
    Objects.requireNonNull(batch, "batch == null");
    int n = batch.size();
    if (n == 0) {
      throw new IllegalArgumentException("batch was empty but must hold at least one message");
    }
    for (int i = 0; i < n; i++) {
      Objects.requireNonNull(batch.get(i), "batch holds null");
    }
    BatchOutcome outcome = new BatchOutcome(n);
    CompletableFuture<BatchResult> result = outcome.result();
    if (closed) {
      PermanentForwardingException e = failures.closed();
      for (int i = 0; i < n; i++) {
        outcome.fail(i, e);
      }
      outcome.partDone();
      return result;
    }
    batchesInFlight.add(result);
    result.whenComplete((r, e) -> batchesInFlight.remove(result));
    Envelopes envelopes = new Envelopes(n);
    Map<Object, List<Integer>> groups = new LinkedHashMap<>(2);
    for (int i = 0; i < n; i++) {
      DeviceMessage m = batch.get(i);
      Object key;
      byte[] envelope;
      try {
        key = destination.keyOf(m);
        envelope = codec.encode(m);
      } catch (RuntimeException e) {
        outcome.fail(i, failures.unprepared(m, e));
        continue;
      }
      if (envelope.length > maxMessageBytes) {
        outcome.fail(i, failures.overMaxMessageBytes(m, envelope.length, maxMessageBytes));
        continue;
      }
      envelopes.bodies[i] = new String(envelope, StandardCharsets.UTF_8);
      envelopes.bytes[i] = envelope.length;
      groups.computeIfAbsent(key, k -> new ArrayList<>(n)).add(i);
    }
    for (Map.Entry<Object, List<Integer>> g : groups.entrySet()) {
      sendGroup(outcome, g.getKey(), g.getValue(), envelopes);
    }
    outcome.partDone();
    return result;
  }

  /** Sends one key's messages in requests within the count and byte limits, in order. */
  private void sendGroup(BatchOutcome outcome, Object key, List<Integer> indexes, Envelopes envelopes) {
    int from = 0;
    long bytes = 0;
    for (int j = 0; j < indexes.size(); j++) {
      int size = envelopes.bytes[indexes.get(j)];
      if (j - from == limits.maxCount() || (j > from && bytes + size > limits.maxBytes())) {
        sendPart(outcome, key, toArray(indexes, from, j), envelopes);
        from = j;
        bytes = 0;
      }
      bytes += size;
    }
    sendPart(outcome, key, toArray(indexes, from, indexes.size()), envelopes);
  }

  private static int[] toArray(List<Integer> list, int from, int to) {
    int[] a = new int[to - from];
    for (int i = from; i < to; i++) {
      a[i - from] = list.get(i);
    }
    return a;
  }

  /** Sends one request with the messages at {@code idx}; its reply settles their outcomes. */
  private void sendPart(BatchOutcome outcome, Object key, int[] idx, Envelopes envelopes) {
    outcome.openParts(1);
    List<String> partBodies = new ArrayList<>(idx.length);
    for (int i : idx) {
      partBodies.add(envelopes.bodies[i]);
    }
    CompletableFuture<?> call;
    try {
      call = destination.send(key, partBodies);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    requests.incrementAndGet();
    requestsInFlight.add(call);
    if (closed) {
      call.cancel(true); // close() may have cancelled the others before this one was added
    }
    CompletableFuture<?> c = call;
    call.whenComplete((ids, error) -> {
      requestsInFlight.remove(c);
      try {
        if (error == null) {
          consecutiveFailures.set(0);
        } else {
          failed(outcome, key, idx, envelopes, unwrap(error));
        }
      } finally {
        outcome.partDone();
      }
    });
  }

  /** Maps a failed request to its messages' outcomes, or splits it and sends the halves. */
  private void failed(BatchOutcome outcome, Object key, int[] idx, Envelopes envelopes, Throwable error) {
    int n = idx.length;
    if (error instanceof CmqException ce && (ce.isBatchTooLarge() || ce.isMessageTooLarge())) {
      if (n == 1) {
        outcome.fail(idx[0], failures.tooLargeForServer(envelopes.bytes[idx[0]], ce));
      } else if (closed) {
        outcome.failAll(idx, failures.closedBeforeSent());
      } else {
        splits.incrementAndGet();
        log.debug("CmqSink '{}': batch of {} messages too large (code {}), sending it in halves", name, n, ce.code());
        sendPart(outcome, key, Arrays.copyOfRange(idx, 0, n / 2), envelopes);
        sendPart(outcome, key, Arrays.copyOfRange(idx, n / 2, n), envelopes);
      }
      return;
    }
    consecutiveFailures.incrementAndGet();
    RuntimeException failure = failures.ofRequest(error, closed);
    log.debug("CmqSink '{}': batch of {} failed: {}", name, n, failure.getMessage());
    outcome.failAll(idx, failure);
  }

  /** The batch's envelopes as request bodies, and their sizes in bytes; by index, null if not sent. */
  private static final class Envelopes {
    final String[] bodies;
    final int[] bytes;

    Envelopes(int n) {
      bodies = new String[n];
      bytes = new int[n];
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Completes when every batch sent before this call has its outcome.
   *
   * @return a future that completes normally
   */
  public CompletableFuture<Void> flush() {
    return CompletableFuture.allOf(batchesInFlight.toArray(CompletableFuture[]::new)).handle((v, e) -> null);
  }

  /**
   * Whether the sender is open and fewer than 3 requests in a row failed.
   *
   * @return whether healthy
   */
  public boolean isHealthy() {
    return !closed && consecutiveFailures.get() < UNHEALTHY_AFTER;
  }

  /**
   * Requests sent, split halves included.
   *
   * @return the count
   */
  public long requestCount() {
    return requests.get();
  }

  /**
   * Requests split because the server found them too large.
   *
   * @return the count
   */
  public long splitCount() {
    return splits.get();
  }

  /**
   * Refuses later batches, waits up to {@code timeout} for the requests in flight, then cancels the
   * rest (their messages fail retriably). Idempotent.
   *
   * @param timeout how long to wait
   */
  public void close(Duration timeout) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flush().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("CmqSink '{}' closes with {} requests still in flight", name, requestsInFlight.size());
    }
    for (CompletableFuture<?> call : requestsInFlight) {
      call.cancel(true);
    }
  }
}
