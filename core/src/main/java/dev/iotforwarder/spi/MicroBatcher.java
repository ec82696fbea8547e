package dev.iotforwarder.spi;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups items into batches for sinks with batch APIs (CMQ's {@code BatchSendMessage} takes up to 16
 * messages per request, for example).
 *
 * <p>Each {@link #add(Object, Object, int) add} names a <em>batch key</em>: items with different keys
 * never share a batch (a CMQ topic sink uses the message tags and routing key as the key, because a
 * batch carries one set of tags). An open batch of a key is handed to the {@link Dispatcher} as soon
 * as the first of these happens:
 *
 * <ul>
 *   <li>it holds {@link Builder#maxCount(int) maxCount} items;
 *   <li>the next item would take it over {@link Builder#maxBytes(long) maxBytes} (the open batch is
 *       dispatched first and the item starts a new one); an item that alone reaches {@code maxBytes}
 *       is dispatched alone, at once, so the dispatcher can reject it;
 *   <li>{@link Builder#maxLinger(Duration) maxLinger} has passed since its first item was added
 *       ({@code maxLinger} zero dispatches every item at once);
 *   <li>{@link #flush()} or {@link #close()} is called.
 * </ul>
 *
 * <p>Every item gets its own {@link CompletableFuture}, which the dispatcher completes through {@link
 * Pending#complete()} or {@link Pending#fail(Throwable)}. Within a batch the items keep the order in
 * which they were added; batches are handed to the dispatcher in the order in which they were closed,
 * and never to two threads at once. An item whose future is already done when its batch is
 * dispatched (the caller cancelled it, say) is left out of the batch.
 *
 * <p>The dispatcher runs on the thread that closed the batch (a thread calling {@code add}, the
 * linger timer, or a thread calling {@code flush}), so it must hand its I/O off and return quickly.
 * If it throws, every item of that batch that is not yet complete fails with that exception.
 *
 * <p>The linger timer is one daemon thread named {@code iot-forwarder-batcher-<name>} that the
 * batcher creates and stops, or a {@link ScheduledExecutorService} the caller passes in through
 * {@link Builder#scheduler(ScheduledExecutorService)}, which the batcher uses but never shuts down.
 *
 * <p>Thread-safe: any number of threads may call {@code add}, {@code flush} and {@code close}. The
 * {@link Builder} is not thread-safe.
 *
 * @param <K> the batch key type; keys are compared with {@code equals}, {@code null} is not allowed
 * @param <T> the item type
 */
public final class MicroBatcher<K, T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MicroBatcher.class);

  /** Default for {@link Builder#maxCount(int)}: 16, the CMQ batch limit. */
  public static final int DEFAULT_MAX_COUNT = 16;
  /** Default for {@link Builder#maxBytes(long)}: 64 KiB. */
  public static final long DEFAULT_MAX_BYTES = 64 * 1024;
  /** Default for {@link Builder#maxLinger(Duration)}: 5 milliseconds. */
  public static final Duration DEFAULT_MAX_LINGER = Duration.ofMillis(5);

  private static final Duration MAX_LINGER = Duration.ofHours(1);

  private final String name;
  private final int maxCount;
  private final long maxBytes;
  private final long lingerNanos;
  private final Dispatcher<K, T> dispatcher;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;

  /** Guards {@link #open}, {@link #closed} and the batches' contents. */
  private final Object lock = new Object();
  private final Map<K, Batch> open = new HashMap<>();
  private boolean closed;

  /** Closed batches waiting for the dispatcher, in the order they were closed. */
  private final Queue<Batch> ready = new ArrayDeque<>();
  private boolean draining;

  /** Every item not yet complete, whether still open or already dispatched. */
  private final Set<Entry> incomplete = ConcurrentHashMap.newKeySet();

  private MicroBatcher(Builder<K, T> b) {
    this.name = b.name;
    this.maxCount = b.maxCount;
    this.maxBytes = b.maxBytes;
    this.lingerNanos = b.maxLinger.toNanos();
    this.dispatcher = b.dispatcher;
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownsScheduler = false;
    } else {
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "iot-forwarder-batcher-" + b.name);
        t.setDaemon(true);
        return t;
      });
      timer.setRemoveOnCancelPolicy(true);
      timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      this.scheduler = timer;
      this.ownsScheduler = true;
    }
  }

  /**
   * A new builder.
   *
   * @param <K> the batch key type
   * @param <T> the item type
   * @return a builder with the defaults
   */
  public static <K, T> Builder<K, T> builder() {
    return new Builder<>();
  }

  /**
   * The name given at build time.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Adds an item to the open batch of its key, opening one if needed.
   *
   * <p>Never blocks on I/O; it may run the dispatcher when this item closes a batch. After {@link
   * #close()} the returned future is already failed with an {@link IllegalStateException}.
   *
   * @param key the batch key, not {@code null}
   * @param item the item, not {@code null}
   * @param bytes the item's size as it counts against {@code maxBytes}, {@code >= 0}
   * @return a future that the dispatcher completes once the item's batch succeeded or failed
   * @throws NullPointerException if {@code key} or {@code item} is {@code null}
   * @throws IllegalArgumentException if {@code bytes < 0}
   */
  public CompletableFuture<Void> add(K key, T item, int bytes) {
    Objects.requireNonNull(key, "key == null");
    Objects.requireNonNull(item, "item == null");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes < 0: " + bytes);
    }
    Entry entry = new Entry(item, bytes);
    boolean mustDrain = false;
    synchronized (lock) {
      if (closed) {
        entry.future.completeExceptionally(closedException());
        return entry.future;
      }
      incomplete.add(entry);
      Batch batch = open.get(key);
      if (batch != null && batch.bytes + bytes > maxBytes) {
        closeBatchLocked(batch);
        batch = null;
      }
      if (batch == null) {
        batch = new Batch(key);
        open.put(key, batch);
        batch.entries.add(entry);
        batch.bytes = bytes;
        if (batch.entries.size() >= maxCount || bytes >= maxBytes || lingerNanos == 0) {
          closeBatchLocked(batch);
        } else {
          scheduleLinger(batch);
        }
      } else {
        batch.entries.add(entry);
        batch.bytes += bytes;
        if (batch.entries.size() >= maxCount || batch.bytes >= maxBytes) {
          closeBatchLocked(batch);
        }
      }
      mustDrain = !ready.isEmpty();
    }
    entry.future.whenComplete((v, e) -> incomplete.remove(entry));
    if (mustDrain) {
      drain();
    }
    return entry.future;
  }

  /**
   * Dispatches every open batch now, and returns a future that completes (always normally) once every
   * item added before this call has completed, successfully or not. The items' own futures carry
   * their outcomes.
   *
   * @return a future that completes when all earlier items are done
   */
  public CompletableFuture<Void> flush() {
    List<CompletableFuture<Void>> waitFor;
    synchronized (lock) {
      for (Batch batch : new ArrayList<>(open.values())) {
        closeBatchLocked(batch);
      }
      waitFor = new ArrayList<>(incomplete.size());
      for (Entry e : incomplete) {
        waitFor.add(e.future);
      }
    }
    drain();
    return CompletableFuture.allOf(
        waitFor.stream()
            .map(f -> f.handle((v, e) -> (Void) null))
            .toArray(CompletableFuture[]::new));
  }

  /**
   * How many items were added and are not yet complete, open or dispatched.
   *
   * @return the count
   */
  public int pendingCount() {
    return incomplete.size();
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return {@code true} once closed
   */
  public boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /**
   * Stops intake and fails, with an {@link IllegalStateException}, every item that is not yet
   * complete: those still in open batches and those the dispatcher has not completed yet (a later
   * {@link Pending#complete()} on them does nothing). Call {@link #flush()} and wait for it first to
   * let dispatched batches finish. Stops the linger timer thread if the batcher created it.
   * Idempotent.
   */
  @Override
  public void close() {
    List<Entry> toFail;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      for (Batch batch : open.values()) {
        if (batch.timer != null) {
          batch.timer.cancel(false);
        }
      }
      open.clear();
      ready.clear();
      toFail = new ArrayList<>(incomplete);
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    IllegalStateException closedException = closedException();
    for (Entry e : toFail) {
      e.future.completeExceptionally(closedException);
    }
  }

  @Override
  public String toString() {
    return "MicroBatcher[name=" + name + ", maxCount=" + maxCount + ", maxBytes=" + maxBytes
        + ", maxLinger=" + Duration.ofNanos(lingerNanos) + "]";
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("MicroBatcher '" + name + "' is closed");
  }

  private void scheduleLinger(Batch batch) {
    try {
      batch.timer = scheduler.schedule(() -> lingerExpired(batch), lingerNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // The injected scheduler is shut down: dispatch without waiting rather than hang.
      closeBatchLocked(batch);
    }
  }

  private void lingerExpired(Batch batch) {
    synchronized (lock) {
      if (closed || open.get(batch.key) != batch) {
        return;
      }
      batch.timer = null;
      closeBatchLocked(batch);
    }
    drain();
  }

  private void closeBatchLocked(Batch batch) {
    if (open.get(batch.key) == batch) {
      open.remove(batch.key);
    }
    if (batch.timer != null) {
      batch.timer.cancel(false);
      batch.timer = null;
    }
    ready.add(batch);
  }

  /** Hands ready batches to the dispatcher, one thread at a time, in the order they were closed. */
  private void drain() {
    while (true) {
      Batch batch;
      synchronized (lock) {
        if (draining || ready.isEmpty()) {
          return;
        }
        draining = true;
        batch = ready.poll();
      }
      try {
        dispatch(batch);
      } finally {
        synchronized (lock) {
          draining = false;
        }
      }
    }
  }

  private void dispatch(Batch batch) {
    List<Pending<T>> items = new ArrayList<>(batch.entries.size());
    for (Entry e : batch.entries) {
      if (!e.future.isDone()) {
        items.add(e);
      }
    }
    if (items.isEmpty()) {
      return;
    }
    try {
      dispatcher.dispatch(batch.key, Collections.unmodifiableList(items));
    } catch (RuntimeException | Error e) {
      log.warn("Dispatcher of MicroBatcher '{}' threw; failing its batch of {} items",
          name, items.size(), e);
      for (Pending<T> p : items) {
        p.fail(e);
      }
    }
  }

  /**
   * Receives closed batches. Called by one thread at a time, in the order batches were closed.
   *
   * @param <K> the batch key type
   * @param <T> the item type
   */
  @FunctionalInterface
  public interface Dispatcher<K, T> {
    /**
     * Starts sending one batch and returns without waiting for it. Completes or fails every item,
     * now or later, on any thread.
     *
     * @param key the key shared by every item of the batch
     * @param batch the items, at least one, in the order they were added; unmodifiable
     */
    void dispatch(K key, List<Pending<T>> batch);
  }

  /**
   * One item in a batch, with the means to complete its future. Thread-safe; the first of {@link
   * #complete()} and {@link #fail(Throwable)} wins, later calls do nothing.
   *
   * @param <T> the item type
   */
  public interface Pending<T> {
    /**
     * The item as it was added.
     *
     * @return the item
     */
    T item();

    /**
     * The size given when the item was added.
     *
     * @return bytes, {@code >= 0}
     */
    int bytes();

    /** Completes the item's future normally. */
    void complete();

    /**
     * Completes the item's future exceptionally.
     *
     * @param cause why the item failed, not {@code null}
     */
    void fail(Throwable cause);

    /**
     * Whether the item's future is already complete, normally, exceptionally or by cancellation.
     *
     * @return {@code true} if complete
     */
    boolean isDone();
  }

  private final class Entry implements Pending<T> {
    final T item;
    final int bytes;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Entry(T item, int bytes) {
      this.item = item;
      this.bytes = bytes;
    }

    @Override
    public T item() {
      return item;
    }

    @Override
    public int bytes() {
      return bytes;
    }

    @Override
    public void complete() {
      future.complete(null);
    }

    @Override
    public void fail(Throwable cause) {
      future.completeExceptionally(Objects.requireNonNull(cause, "cause == null"));
    }

    @Override
    public boolean isDone() {
      return future.isDone();
    }

    @Override
    public String toString() {
      return "Pending[" + item + ", bytes=" + bytes + "]";
    }
  }

  private final class Batch {
    final K key;
    final List<Entry> entries = new ArrayList<>();
    long bytes;
    ScheduledFuture<?> timer;

    Batch(K key) {
      this.key = key;
    }
  }

  /**
   * Configures a {@link MicroBatcher}. Not thread-safe.
   *
   * @param <K> the batch key type
   * @param <T> the item type
   */
  public static final class Builder<K, T> {
    private String name = "batcher";
    private int maxCount = DEFAULT_MAX_COUNT;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private Duration maxLinger = DEFAULT_MAX_LINGER;
    private Dispatcher<K, T> dispatcher;
    private ScheduledExecutorService scheduler;

    private Builder() {}

    /**
     * The name, used in the timer thread's name, logs and errors. Default: {@code "batcher"}.
     *
     * @param name a short name, not blank
     * @return this builder
     */
    public Builder<K, T> name(String name) {
      this.name = name;
      return this;
    }

    /**
     * The most items in one batch. Default: {@value #DEFAULT_MAX_COUNT}.
     *
     * @param maxCount at least 1
     * @return this builder
     */
    public Builder<K, T> maxCount(int maxCount) {
      this.maxCount = maxCount;
      return this;
    }

    /**
     * The most bytes in one batch, by the sizes given to {@code add}. A single item this large or
     * larger is dispatched alone. Default: 64 KiB.
     *
     * @param maxBytes at least 1
     * @return this builder
     */
    public Builder<K, T> maxBytes(long maxBytes) {
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * How long a batch may wait for more items after its first one. Zero dispatches every item at
     * once. Default: 5 ms.
     *
     * @param maxLinger zero to one hour
     * @return this builder
     */
    public Builder<K, T> maxLinger(Duration maxLinger) {
      this.maxLinger = maxLinger;
      return this;
    }

    /**
     * Receives the batches. Required.
     *
     * @param dispatcher the dispatcher
     * @return this builder
     */
    public Builder<K, T> dispatcher(Dispatcher<K, T> dispatcher) {
      this.dispatcher = dispatcher;
      return this;
    }

    /**
     * A scheduler for the linger timers, used but never shut down by the batcher. Default: the
     * batcher creates one daemon thread named {@code iot-forwarder-batcher-<name>} and stops it on
     * {@link MicroBatcher#close()}.
     *
     * @param scheduler the scheduler, or {@code null} for the default
     * @return this builder
     */
    public Builder<K, T> scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /**
     * Builds the batcher.
     *
     * @return a new batcher
     * @throws IllegalArgumentException listing every invalid setting
     */
    public MicroBatcher<K, T> build() {
      List<String> problems = new ArrayList<>();
      if (name == null || name.isBlank()) {
        problems.add("name was " + (name == null ? "null" : "\"" + name + "\"")
            + " but must not be blank");
      }
      if (maxCount < 1) {
        problems.add("maxCount was " + maxCount + " but must be in [1, " + Integer.MAX_VALUE + "]");
      }
      if (maxBytes < 1) {
        problems.add("maxBytes was " + maxBytes + " but must be in [1, " + Long.MAX_VALUE + "]");
      }
      if (maxLinger == null || maxLinger.isNegative() || maxLinger.compareTo(MAX_LINGER) > 0) {
        problems.add("maxLinger was " + maxLinger + " but must be in [PT0S, " + MAX_LINGER + "]");
      }
      if (dispatcher == null) {
        problems.add("dispatcher was null but is required");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Invalid MicroBatcher configuration: " + String.join("; ", problems));
      }
      return new MicroBatcher<>(this);
    }
  }
}
