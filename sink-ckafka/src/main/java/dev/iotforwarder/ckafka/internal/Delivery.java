package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.internal.shared.IntrusiveList;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * One record handed to the producer: the future the sink returned for it, the producer's callback
 * for it, and its links in the sink's {@link PendingDeliveries}. One object per send, besides the
 * future.
 *
 * <p>Threads: created on the thread that calls {@code CkafkaSink.send}, which also runs every try of
 * {@code producer.send}. The producer calls {@link #onCompletion} on its I/O thread for a record it
 * took, or on the calling thread, inside {@code producer.send}, for a record it refused at once. The
 * outcome is handed to {@link Outcomes} right there, with no thread hand-off.
 *
 * <p>A record the producer did not take within {@code max.block.ms} (a {@link TimeoutException}
 * reported on the calling thread before {@code producer.send} returned) is not an outcome: it is kept
 * for {@link #afterTry()}, so that the sender can try the same record again.
 */
public final class Delivery extends IntrusiveList.Node<Delivery> implements Callback {
  private final Outcomes outcomes;
  final CompletableFuture<Void> future = new CompletableFuture<>();
  final DeviceMessage message;
  final String topic;
  private final Thread caller = Thread.currentThread();
  /** Whether the current try of {@code producer.send} returned; read by a callback on the caller. */
  private volatile boolean sendReturned;
  /** A timeout reported before the producer took the record; only the caller's thread touches it. */
  private Exception notTaken;

  Delivery(Outcomes outcomes, DeviceMessage message, String topic) {
    this.outcomes = outcomes;
    this.message = message;
    this.topic = topic;
  }

  /**
   * The future the sink returns for this record.
   *
   * @return the future
   */
  public CompletableFuture<Void> future() {
    return future;
  }

  @Override
  public void onCompletion(RecordMetadata metadata, Exception exception) {
    boolean beforeEnqueue = !sendReturned && Thread.currentThread() == caller;
    if (beforeEnqueue && exception instanceof TimeoutException) {
      notTaken = exception;
      return;
    }
    outcomes.finish(this, exception, beforeEnqueue);
  }

  /**
   * Called by the sender once a try of {@code producer.send} returned.
   *
   * @return the timeout the producer reported before taking the record, or {@code null} if it took
   *     the record (or failed it, which completed the future); when not {@code null}, the callback is
   *     ready for the next try of the same record
   */
  public Exception afterTry() {
    Exception e = notTaken;
    if (e == null) {
      sendReturned = true;
    } else {
      notTaken = null; // the refused try reported nothing else, so the same callback serves the next
    }
    return e;
  }

  /**
   * Fails the record before the producer took it: {@code producer.send} threw (a closed producer, an
   * interrupt), or the sender gave up trying a record the producer did not take.
   *
   * @param e the producer's exception
   */
  public void failBeforeEnqueue(Throwable e) {
    outcomes.finish(this, e, true);
  }
}
