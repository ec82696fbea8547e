package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.spi.BatchResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outcome of one {@code sendBatch} under way: one slot per message, and the number of parts
 * (requests, and the guard of the call that issues them) still open. A batch may become several
 * requests (different keys, the count and byte limits, halves after a split); each part records the
 * failures of its own messages, and the last part to finish completes the {@link BatchResult}.
 *
 * <p>Thread-safe: each slot is written by the one part that holds its message, before that part
 * calls {@link #partDone()}; the decrement that reaches zero sees every write before it.
 */
public final class BatchOutcome {
  private final Throwable[] failures;
  private final AtomicInteger openParts = new AtomicInteger(1); // the guard, released by the issuer
  private final CompletableFuture<BatchResult> result = new CompletableFuture<>();
  private volatile boolean anyFailed;

  /**
   * An outcome with every message stored until a part says otherwise.
   *
   * @param size the batch's size
   */
  public BatchOutcome(int size) {
    this.failures = new Throwable[size];
  }

  /**
   * The future of the batch's result.
   *
   * @return the future, completed when the last part is done
   */
  public CompletableFuture<BatchResult> result() {
    return result;
  }

  /**
   * Records that a message was not stored.
   *
   * @param index the message's position in the batch
   * @param failure why
   */
  public void fail(int index, Throwable failure) {
    failures[index] = failure;
    anyFailed = true;
  }

  /**
   * Records the failure of every message of a part.
   *
   * @param indexes the part's messages
   * @param failure why
   */
  public void failAll(int[] indexes, Throwable failure) {
    for (int i : indexes) {
      failures[i] = failure;
    }
    anyFailed = true;
  }

  /**
   * Opens parts; call before the part that opens them is done.
   *
   * @param n how many
   */
  public void openParts(int n) {
    openParts.addAndGet(n);
  }

  /** Closes a part; the last one completes the result. */
  public void partDone() {
    if (openParts.decrementAndGet() == 0) {
      result.complete(anyFailed ? BatchResult.of(failures) : BatchResult.success(failures.length));
    }
  }
}
