package dev.iotforwarder.pipeline;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.spi.BatchResult;
import dev.iotforwarder.spi.BatchSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link BatchSink} for the lane's batching tests: records every batch, answers with a function
 * (default: all stored, at once), and counts the batches outstanding (sent, not yet answered).
 */
final class RecordingBatchSink implements BatchSink {
  private final String name;
  private final BatchLimits limits;
  private final Function<DeviceMessage, Object> key;
  private volatile Function<List<DeviceMessage>, CompletableFuture<BatchResult>> answer =
      b -> CompletableFuture.completedFuture(BatchResult.success(b.size()));
  private final List<List<DeviceMessage>> batches = new ArrayList<>();
  private final List<Long> sentAtNanos = new ArrayList<>();
  private int outstanding;
  private int maxOutstanding;

  RecordingBatchSink(String name, BatchLimits limits, Function<DeviceMessage, Object> key) {
    this.name = name;
    this.limits = limits;
    this.key = key;
  }

  RecordingBatchSink(String name, BatchLimits limits) {
    this(name, limits, m -> "one");
  }

  /** How the sink answers each batch from now on; the answer's completion is counted. */
  RecordingBatchSink answering(Function<List<DeviceMessage>, CompletableFuture<BatchResult>> a) {
    this.answer = a;
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public BatchLimits batchLimits() {
    return limits;
  }

  @Override
  public Object batchKey(DeviceMessage message) {
    return key.apply(message);
  }

  @Override
  public CompletableFuture<BatchResult> sendBatch(List<DeviceMessage> batch) {
    List<DeviceMessage> copy = List.copyOf(batch);
    synchronized (this) {
      batches.add(copy);
      sentAtNanos.add(System.nanoTime());
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
    }
    CompletableFuture<BatchResult> f = answer.apply(copy);
    if (f == null) {
      answered();
      return null;
    }
    // Counted as answered before the lane can see the answer, so that the count never lags.
    CompletableFuture<BatchResult> seen = new CompletableFuture<>();
    f.whenComplete((r, e) -> {
      answered();
      if (e != null) {
        seen.completeExceptionally(e);
      } else {
        seen.complete(r);
      }
    });
    return seen;
  }

  private synchronized void answered() {
    outstanding--;
  }

  synchronized List<List<DeviceMessage>> batches() {
    return List.copyOf(batches);
  }

  synchronized List<Long> sentAtNanos() {
    return List.copyOf(sentAtNanos);
  }

  synchronized int messagesSent() {
    return batches.stream().mapToInt(List::size).sum();
  }

  synchronized int maxOutstanding() {
    return maxOutstanding;
  }

  /** The batches' sizes, in the order they were sent. */
  synchronized List<Integer> sizes() {
    return batches.stream().map(List::size).toList();
  }

  @Override
  public void close() {}
}
