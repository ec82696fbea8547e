package dev.iotforwarder.ckafka.internal;

import dev.iotforwarder.internal.shared.IntrusiveList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The records a sink has handed to its producer whose outcome has not been reported yet, oldest
 * first: {@code flush} waits for them, {@code close} fails those the producer never answered.
 *
 * <p>Lock: {@code lock} guards the {@link IntrusiveList} and the links of its elements, and nothing
 * else; futures are completed outside it. {@link #add} runs on the sending threads, {@link #remove}
 * on the thread that reports an outcome (usually the producer's I/O thread), {@link #futures} on the
 * flushing thread, {@link #failAll} on the closing thread.
 */
public final class PendingDeliveries {
  private final Object lock = new Object();
  private final IntrusiveList<Delivery> list = new IntrusiveList<>();

  /** An empty list. */
  public PendingDeliveries() {}

  void add(Delivery d) {
    synchronized (lock) {
      list.addLast(d);
    }
  }

  void remove(Delivery d) {
    synchronized (lock) {
      list.remove(d);
    }
  }

  /**
   * The futures of the records pending now, oldest first.
   *
   * @return a new list
   */
  public List<CompletableFuture<Void>> futures() {
    synchronized (lock) {
      List<CompletableFuture<Void>> futures = new ArrayList<>(list.size());
      list.forEach(d -> futures.add(d.future));
      return futures;
    }
  }

  /**
   * Empties the list and fails the future of every record still in it, oldest first; a future that
   * completed meanwhile keeps its outcome.
   *
   * @param reason makes the exception of each failed future
   */
  public void failAll(Supplier<? extends Throwable> reason) {
    List<Delivery> left = new ArrayList<>();
    synchronized (lock) {
      list.clear(left::add);
    }
    for (Delivery d : left) {
      d.future.completeExceptionally(reason.get());
    }
  }
}
