package dev.iotforwarder.connect.internal;

import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqDeleteFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes acknowledged messages from CMQ in batches: {@link #delete(String, String)} collects receipt
 * handles per queue and sends a {@code BatchDeleteMessage} when 16 are there; {@link #flush()} sends
 * the partial batches.
 *
 * <p>Invariants. {@code this} guards {@code pending}; no request is sent while holding it. A handle
 * whose delete fails retriably is tried again up to 3 times in all; a handle that cannot be deleted
 * (expired: the visibility timeout ran out first) is counted and logged: CMQ delivers that message
 * again, a duplicate in Kafka, never a loss.
 */
final class Deleter {
  private static final Logger log = LoggerFactory.getLogger(Deleter.class);
  private static final int ATTEMPTS = 3;

  private final CmqClient client;
  private final Map<String, List<String>> pending = new HashMap<>();
  private final AtomicLong deleted = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  Deleter(CmqClient client) {
    this.client = client;
  }

  void delete(String queue, String receiptHandle) {
    List<String> full = null;
    synchronized (this) {
      List<String> handles = pending.computeIfAbsent(queue, q -> new ArrayList<>(CmqClient.MAX_BATCH));
      handles.add(receiptHandle);
      if (handles.size() == CmqClient.MAX_BATCH) {
        full = pending.remove(queue);
      }
    }
    if (full != null) {
      send(queue, full, 1);
    }
  }

  /**
   * Sends every partial batch.
   *
   * @return completes when their deletes (and retries) are done
   */
  CompletableFuture<Void> flush() {
    Map<String, List<String>> batches;
    synchronized (this) {
      if (pending.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      batches = new HashMap<>(pending);
      pending.clear();
    }
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    batches.forEach((queue, handles) -> sends.add(send(queue, handles, 1)));
    return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
  }

  long deletedCount() {
    return deleted.get();
  }

  long failedCount() {
    return failed.get();
  }

  private CompletableFuture<Void> send(String queue, List<String> handles, int attempt) {
    CompletableFuture<List<CmqDeleteFailure>> f;
    try {
      f = client.batchDeleteMessage(queue, handles);
    } catch (RuntimeException e) { // the client was closed
      lost(queue, handles.size(), e.getMessage());
      return CompletableFuture.completedFuture(null);
    }
    return f.handle((failures, error) -> {
      if (error != null) {
        if (attempt < ATTEMPTS) {
          return send(queue, handles, attempt + 1);
        }
        lost(queue, handles.size(), error.getMessage());
        return CompletableFuture.<Void>completedFuture(null);
      }
      deleted.addAndGet(handles.size() - failures.size());
      List<String> again = new ArrayList<>();
      for (CmqDeleteFailure d : failures) {
        if (d.isRetriable() && attempt < ATTEMPTS) {
          again.add(d.receiptHandle());
        } else {
          lost(queue, 1, "code " + d.code());
        }
      }
      return again.isEmpty() ? CompletableFuture.<Void>completedFuture(null) : send(queue, again, attempt + 1);
    }).thenCompose(x -> x);
  }

  private void lost(String queue, int count, String why) {
    failed.addAndGet(count);
    log.warn("{} message(s) of CMQ queue {} are in Kafka but could not be deleted ({}); CMQ will deliver "
        + "them again after their visibility timeout (duplicates in Kafka, nothing lost)", count, queue, why);
  }
}
