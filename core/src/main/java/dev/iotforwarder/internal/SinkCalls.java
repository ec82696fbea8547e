package dev.iotforwarder.internal;

import dev.iotforwarder.ForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.spi.BatchResult;
import dev.iotforwarder.spi.BatchSink;
import java.util.concurrent.CompletableFuture;

/**
 * The dispatcher's calls into a sink, and the errors that name a sink that broke its contract
 * (threw, returned null, did not answer in time). Whatever happens, exactly one item per send
 * reaches the lane's completion queue: the sink's future completes into it, or the failure is
 * posted at once.
 *
 * <p>Threads: {@link #send} and {@link #sendBatch} run on the lane's dispatcher, outside the lane's
 * lock; {@link #timeout} runs on the scheduler under it (it only builds the error).
 */
final class SinkCalls {
  private SinkCalls() {}

  /** A message the sink could not key, taken from the spool and failed on a completer. */
  record Refused(Entry entry, ForwardingException error) {}

  /** Hands one message to a sink that takes one at a time. */
  static void send(Lane lane, Entry e, int token) {
    CompletableFuture<Void> f;
    try {
      f = lane.sink.send(e.message);
    } catch (ForwardingException ex) {
      lane.post(new Completion(lane, e, token, ex));
      return;
    } catch (RuntimeException | LinkageError | AssertionError ex) {
      lane.post(new Completion(lane, e, token, new RetriableForwardingException(
          "sink " + lane.name + " threw " + ex.getClass().getName() + " from send() for the "
              + e.describe() + ": " + ex.getMessage(), lane.name, ex)));
      return;
    }
    if (f == null) {
      lane.post(new Completion(lane, e, token, new RetriableForwardingException(
          "sink " + lane.name + " returned null from send() instead of a future for the "
              + e.describe(), lane.name, null)));
      return;
    }
    f.whenComplete(new Completion(lane, e, token, null));
  }

  /** Hands a batch to a batch sink; a throw or a null fails every message of the batch. */
  static void sendBatch(Lane lane, BatchSink sink, Batch batch) {
    int n = batch.entries.length;
    CompletableFuture<BatchResult> f;
    try {
      f = sink.sendBatch(batch.messages());
    } catch (ForwardingException ex) {
      batch.accept(null, ex);
      return;
    } catch (RuntimeException | LinkageError | AssertionError ex) {
      batch.accept(null, new RetriableForwardingException("sink " + lane.name + " threw "
          + ex.getClass().getName() + " from sendBatch() for a batch of " + n + " messages, the first"
          + " the " + batch.entries[0].describe() + ": " + ex.getMessage(), lane.name, ex));
      return;
    }
    if (f == null) {
      batch.accept(null, new RetriableForwardingException("sink " + lane.name + " returned null from"
          + " sendBatch() instead of a future for a batch of " + n + " messages", lane.name, null));
      return;
    }
    f.whenComplete(batch);
  }

  /** The error of a send that did not complete within the lane's send timeout. */
  static RetriableForwardingException timeout(Lane lane, Entry e) {
    return new RetriableForwardingException("sink " + lane.name + " did not complete "
        + (e.batch == null ? "send()" : "sendBatch()") + " within " + lane.options.sendTimeout()
        + " for the " + e.describe(), lane.name, null);
  }
}
