package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.BatchResult;
import java.util.AbstractList;
import java.util.RandomAccess;
import java.util.function.BiConsumer;

/**
 * One batch handed to a {@link dev.iotforwarder.spi.BatchSink}, and the sink's answer to it: the
 * callback on the sink's future, and the one item the lane's completer decides on for all of the
 * batch's messages (one hop back, whatever the batch's size).
 *
 * <p>Threads: built by the dispatcher under the lane's lock; {@link #accept} runs on whatever thread
 * completes the sink's future and only posts this to the completion queue, which publishes {@link
 * #result} and {@link #error}. {@link #open} is guarded by the lane's lock; {@link #verdicts} and
 * {@link #errors} belong to the completer.
 */
final class Batch implements BiConsumer<BatchResult, Throwable> {
  private final Lane lane;
  final Entry[] entries;
  /** Each entry's send token when the batch left. */
  final int[] tokens;
  /** Entries whose send in this batch is neither answered nor timed out; the slot frees at 0. */
  int open;
  BatchResult result;
  /** A failure of the whole batch (future, throw, null, wrong size); null if {@link #result} holds. */
  Throwable error;
  Verdict[] verdicts;
  Throwable[] errors;

  Batch(Lane lane, Entry[] entries, int[] tokens) {
    this.lane = lane;
    this.entries = entries;
    this.tokens = tokens;
    this.open = entries.length;
  }

  /** The batch's messages, as the list the sink receives (a view: no copy). */
  java.util.List<DeviceMessage> messages() {
    return new Messages();
  }

  private final class Messages extends AbstractList<DeviceMessage> implements RandomAccess {
    @Override
    public DeviceMessage get(int index) {
      return entries[index].message;
    }

    @Override
    public int size() {
      return entries.length;
    }
  }

  @Override
  public void accept(BatchResult r, Throwable failure) {
    result = r;
    error = failure;
    lane.post(this);
  }

  /**
   * Each entry's failure from the sink's answer, null where the sink stored it. A batch-wide
   * failure, or a result that is null or of the wrong size, fails every entry. On the completer.
   */
  Throwable[] outcomes(String sinkName) {
    int n = entries.length;
    Throwable[] out = new Throwable[n];
    Throwable all = error;
    if (all == null && result == null) {
      all = new RetriableForwardingException("sink " + sinkName + " completed sendBatch() with a null"
          + " result for a batch of " + n + " messages", sinkName, null);
    } else if (all == null && result.size() != n) {
      all = new RetriableForwardingException("sink " + sinkName + " answered a batch of " + n
          + " messages with " + result.size() + " outcomes", sinkName, null);
    }
    for (int i = 0; i < n; i++) {
      out[i] = all != null ? all : result.failure(i);
    }
    return out;
  }
}
