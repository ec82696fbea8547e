package dev.iotforwarder.spi;

import dev.iotforwarder.DeviceMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Sink} whose destination takes several messages in one request (CMQ's {@code
 * BatchSendMessage} takes up to 16). The forwarder's lane forms the batches: it is the only place
 * where messages wait, so the sink keeps no queue of its own and does only request building and
 * reply mapping.
 *
 * <p>The lane hands the sink batches that respect its {@link #batchLimits() limits}: at most {@link
 * BatchLimits#maxCount()} messages, of one {@link #batchKey(DeviceMessage) batch key}, whose
 * envelopes add up to at most about {@link BatchLimits#maxBytes()} (estimated from the message,
 * before encoding; a single message larger than that travels alone), with at most {@link
 * BatchLimits#maxInFlight()} batches of this sink outstanding at once. A batch that is not full
 * leaves once its oldest message waited {@link BatchLimits#linger()}, or at once when the forwarder
 * flushes or closes.
 *
 * <p>The contract of {@link Sink} applies to the batch as a whole, with one outcome per message:
 *
 * <ul>
 *   <li>{@link #sendBatch(List)} returns at once (no blocking on I/O) with a future of a {@link
 *       BatchResult} whose {@link BatchResult#size() size} equals the batch's: one request may store
 *       some messages and fail others. Each failure is a {@link
 *       dev.iotforwarder.RetriableForwardingException} or a {@link
 *       dev.iotforwarder.PermanentForwardingException}; anything else counts as retriable.
 *   <li>A future that completes exceptionally fails every message of the batch with that exception;
 *       so do a {@code sendBatch} that throws or returns {@code null}, and a result of the wrong size.
 *   <li>The future may complete on any thread, including the sink's I/O thread: the lane moves on to
 *       its own thread before it runs anything else.
 *   <li>The list is the lane's: read it during the call, do not keep or change it.
 * </ul>
 *
 * <p>What the lane keeps the same as for single sends: per-device order (in an ordered lane a batch
 * holds at most one message of each device, and a device's next message waits until the earlier one
 * is delivered or given up), the send timeout (per message: a message whose batch is not answered in
 * time is retried or failed on its own, and a late answer is ignored), the retry policy (only the
 * messages that failed are retried, each in a later batch), overflow policies and stats.
 *
 * <p>{@link #send(DeviceMessage)} defaults to a batch of one, so that a batch sink used on its own
 * (outside a forwarder, or by {@code SinkContract}) behaves like any sink.
 */
public interface BatchSink extends Sink {

  /**
   * The limits of the batches this sink takes. Read once, when the forwarder is built.
   *
   * @return the limits
   */
  BatchLimits batchLimits();

  /**
   * The key of the batch a message may join: messages whose keys differ ({@code equals}) never share
   * a batch. A CMQ topic sink keys by the message's filter tags and routing key, since one request
   * carries one set of them. Called once per message, when the message enters the lane, on the
   * thread that hands it over (the caller of {@code forward}, the spool's feeder, or a lane thread
   * failing over to this sink), never under the lane's lock; must be cheap, must not return {@code
   * null}, and must not throw: a message whose key is {@code null} or throws is not taken, and
   * fails with a {@link dev.iotforwarder.ForwardingException} naming this sink. Default: one key for
   * every message.
   *
   * @param message the message
   * @return its batch key
   */
  default Object batchKey(DeviceMessage message) {
    return BatchLimits.class;
  }

  /**
   * Sends a batch.
   *
   * @param batch the messages, in the order the lane took them; not empty, at most {@link
   *     BatchLimits#maxCount()}, all of one batch key
   * @return a future of one outcome per message
   */
  CompletableFuture<BatchResult> sendBatch(List<DeviceMessage> batch);

  /**
   * Sends one message as a batch of one.
   *
   * @param message the message
   * @return a future that completes when the destination has the message, or with its failure
   */
  @Override
  default CompletableFuture<Void> send(DeviceMessage message) {
    CompletableFuture<BatchResult> f = sendBatch(List.of(message));
    if (f == null) {
      return CompletableFuture.failedFuture(new dev.iotforwarder.RetriableForwardingException(
          "sink " + name() + " returned null from sendBatch()", name(), null));
    }
    return f.thenCompose(r -> r.size() == 1 && r.failure(0) != null
        ? CompletableFuture.failedFuture(r.failure(0))
        : CompletableFuture.completedFuture(null));
  }
}
