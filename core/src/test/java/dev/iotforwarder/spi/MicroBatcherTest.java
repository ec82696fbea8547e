package dev.iotforwarder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<Dispatched> dispatched = new CopyOnWriteArrayList<>();
  private final List<MicroBatcher<?, ?>> created = new ArrayList<>();

  private record Dispatched(String key, List<MicroBatcher.Pending<String>> batch) {
    List<String> items() {
      return batch.stream().map(MicroBatcher.Pending::item).toList();
    }

    void completeAll() {
      batch.forEach(MicroBatcher.Pending::complete);
    }
  }

  private MicroBatcher.Builder<String, String> builder() {
    return MicroBatcher.<String, String>builder()
        .name("test")
        .scheduler(scheduler)
        .dispatcher((key, batch) -> dispatched.add(new Dispatched(key, batch)));
  }

  private MicroBatcher<String, String> build(MicroBatcher.Builder<String, String> b) {
    MicroBatcher<String, String> batcher = b.build();
    created.add(batcher);
    return batcher;
  }

  @AfterEach
  void closeAll() {
    created.forEach(MicroBatcher::close);
  }

  @Test
  @DisplayName("a batch is dispatched as soon as it holds maxCount items, in the order they were added")
  void dispatchesFullBatches() {
    MicroBatcher<String, String> b = build(builder().maxCount(3).maxLinger(Duration.ofSeconds(10)));
    b.add("k", "a", 1);
    b.add("k", "b", 1);
    assertThat(dispatched).isEmpty();
    b.add("k", "c", 1);
    assertThat(dispatched).hasSize(1);
    assertThat(dispatched.get(0).items()).containsExactly("a", "b", "c");
    assertThat(dispatched.get(0).key()).isEqualTo("k");
    assertThat(scheduler.scheduledCount()).as("linger timer cancelled").isZero();
  }

  @Test
  @DisplayName("items with different keys never share a batch")
  void keysAreSeparate() {
    MicroBatcher<String, String> b = build(builder().maxCount(2).maxLinger(Duration.ofSeconds(10)));
    b.add("x", "x1", 1);
    b.add("y", "y1", 1);
    b.add("x", "x2", 1);
    b.add("y", "y2", 1);
    assertThat(dispatched).extracting(Dispatched::key).containsExactly("x", "y");
    assertThat(dispatched.get(0).items()).containsExactly("x1", "x2");
    assertThat(dispatched.get(1).items()).containsExactly("y1", "y2");
  }

  @Test
  @DisplayName("an item that would take the open batch over maxBytes closes it and starts a new one")
  void respectsMaxBytes() {
    MicroBatcher<String, String> b =
        build(builder().maxCount(16).maxBytes(100).maxLinger(Duration.ofSeconds(10)));
    b.add("k", "a", 40);
    b.add("k", "b", 40);
    b.add("k", "c", 40);
    assertThat(dispatched).hasSize(1);
    assertThat(dispatched.get(0).items()).containsExactly("a", "b");
    b.add("k", "d", 60);
    assertThat(dispatched).hasSize(2);
    assertThat(dispatched.get(1).items()).as("40 + 60 reaches the limit exactly").containsExactly("c", "d");
  }

  @Test
  @DisplayName("a single item at or over maxBytes is dispatched alone, at once")
  void oversizedItemGoesAlone() {
    MicroBatcher<String, String> b =
        build(builder().maxCount(16).maxBytes(100).maxLinger(Duration.ofSeconds(10)));
    b.add("k", "small", 10);
    b.add("k", "huge", 500);
    assertThat(dispatched).extracting(Dispatched::items)
        .containsExactly(List.of("small"), List.of("huge"));
  }

  @Test
  @DisplayName("a partial batch waits for maxLinger after its first item, then goes")
  void lingers() {
    MicroBatcher<String, String> b = build(builder().maxCount(16).maxLinger(Duration.ofMillis(50)));
    b.add("k", "a", 1);
    scheduler.advance(Duration.ofMillis(30));
    b.add("k", "b", 1);
    scheduler.advance(Duration.ofMillis(19));
    assertThat(dispatched).isEmpty();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(dispatched).hasSize(1);
    assertThat(dispatched.get(0).items()).containsExactly("a", "b");
    b.add("k", "c", 1);
    scheduler.advance(Duration.ofMillis(50));
    assertThat(dispatched).hasSize(2);
    assertThat(dispatched.get(1).items()).containsExactly("c");
  }

  @Test
  @DisplayName("maxLinger zero dispatches every item at once")
  void zeroLinger() {
    MicroBatcher<String, String> b = build(builder().maxLinger(Duration.ZERO));
    b.add("k", "a", 1);
    b.add("k", "b", 1);
    assertThat(dispatched).extracting(Dispatched::items).containsExactly(List.of("a"), List.of("b"));
    assertThat(scheduler.scheduledCount()).isZero();
  }

  @Test
  @DisplayName("the dispatcher completes and fails each item's own future")
  void perItemFutures() throws Exception {
    MicroBatcher<String, String> b = build(builder().maxCount(2));
    CompletableFuture<Void> fa = b.add("k", "a", 1);
    CompletableFuture<Void> fb = b.add("k", "b", 1);
    assertThat(fa).isNotDone();
    Dispatched d = dispatched.get(0);
    d.batch().get(0).complete();
    RuntimeException boom = new RuntimeException("boom");
    d.batch().get(1).fail(boom);
    assertThat(fa).isCompleted();
    assertThatThrownBy(fb::get).isInstanceOf(ExecutionException.class).hasCause(boom);
    assertThat(b.pendingCount()).isZero();
    d.batch().get(1).complete();
    assertThat(fb).isCompletedExceptionally();
  }

  @Test
  @DisplayName("flush() dispatches open batches and completes only after every earlier item completed")
  void flushWaitsForEarlierItems() {
    MicroBatcher<String, String> b = build(builder().maxCount(16).maxLinger(Duration.ofHours(1)));
    CompletableFuture<Void> fa = b.add("x", "a", 1);
    b.add("y", "b", 1);
    CompletableFuture<Void> flushed = b.flush();
    assertThat(dispatched).hasSize(2);
    assertThat(flushed).isNotDone();
    CompletableFuture<Void> later = b.add("x", "c", 1);
    dispatched.get(0).batch().get(0).fail(new RuntimeException("x failed"));
    assertThat(flushed).as("one of two still pending").isNotDone();
    dispatched.get(1).completeAll();
    assertThat(flushed).as("completes normally even though an item failed").isCompleted();
    assertThat(fa).isCompletedExceptionally();
    assertThat(later).isNotDone();
  }

  @Test
  @DisplayName("flush() with nothing pending completes at once")
  void emptyFlush() {
    MicroBatcher<String, String> b = build(builder());
    assertThat(b.flush()).isCompleted();
  }

  @Test
  @DisplayName("close() fails open and dispatched-but-unfinished items, and later adds, with a clear error")
  void closeFailsPending() {
    MicroBatcher<String, String> b = build(builder().maxCount(2).maxLinger(Duration.ofHours(1)));
    CompletableFuture<Void> d1 = b.add("k", "a", 1);
    CompletableFuture<Void> d2 = b.add("k", "b", 1);
    CompletableFuture<Void> open = b.add("k", "c", 1);
    dispatched.get(0).batch().get(0).complete();
    b.close();
    assertThat(d1).isCompleted();
    for (CompletableFuture<Void> f : List.of(d2, open, b.add("k", "late", 1))) {
      assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(IllegalStateException.class)
          .hasMessage("MicroBatcher 'test' is closed");
    }
    assertThat(dispatched).hasSize(1);
    assertThat(b.isClosed()).isTrue();
    b.close();
    assertThat(scheduler.isShutdown()).as("an injected scheduler is not shut down").isFalse();
    assertThat(scheduler.scheduledCount()).isZero();
  }

  @Test
  @DisplayName("a dispatcher that throws fails its batch")
  void throwingDispatcher() {
    IllegalStateException boom = new IllegalStateException("dispatcher bug");
    MicroBatcher<String, String> b = build(MicroBatcher.<String, String>builder()
        .scheduler(scheduler).maxCount(2).dispatcher((k, batch) -> {
          throw boom;
        }));
    CompletableFuture<Void> fa = b.add("k", "a", 1);
    CompletableFuture<Void> fb = b.add("k", "b", 1);
    assertThatThrownBy(fa::get).hasCause(boom);
    assertThatThrownBy(fb::get).hasCause(boom);
  }

  @Test
  @DisplayName("an item cancelled before its batch goes is left out of the batch")
  void cancelledItemsAreSkipped() {
    MicroBatcher<String, String> b = build(builder().maxCount(3).maxLinger(Duration.ofHours(1)));
    b.add("k", "a", 1);
    b.add("k", "b", 1).cancel(false);
    b.add("k", "c", 1);
    assertThat(dispatched.get(0).items()).containsExactly("a", "c");
  }

  @Test
  @DisplayName("build() lists every invalid setting at once")
  void validation() {
    assertThatThrownBy(() -> MicroBatcher.<String, String>builder()
        .name(" ").maxCount(0).maxBytes(0).maxLinger(Duration.ofMillis(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name was \" \" but must not be blank")
        .hasMessageContaining("maxCount was 0 but must be in [1, 2147483647]")
        .hasMessageContaining("maxBytes was 0 but must be in [1, ")
        .hasMessageContaining("maxLinger was PT-0.001S but must be in [PT0S, PT1H]")
        .hasMessageContaining("dispatcher was null but is required");
    MicroBatcher<String, String> b = build(builder());
    assertThatThrownBy(() -> b.add(null, "a", 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.add("k", null, 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.add("k", "a", -1)).hasMessage("bytes < 0: -1");
  }

  @Test
  @DisplayName("its own linger timer is a daemon thread named iot-forwarder-batcher-<name>, stopped by close()")
  void ownTimerThread() throws Exception {
    AtomicReference<Thread> timerThread = new AtomicReference<>();
    MicroBatcher<String, String> b = MicroBatcher.<String, String>builder()
        .name("cmq-q1")
        .maxLinger(Duration.ofMillis(1))
        .dispatcher((k, batch) -> {
          timerThread.set(Thread.currentThread());
          batch.forEach(MicroBatcher.Pending::complete);
        })
        .build();
    try {
      b.add("k", "a", 1).get(10, TimeUnit.SECONDS);
      assertThat(timerThread.get().getName()).isEqualTo("iot-forwarder-batcher-cmq-q1");
      assertThat(timerThread.get().isDaemon()).isTrue();
    } finally {
      b.close();
    }
    timerThread.get().join(10_000);
    assertThat(timerThread.get().isAlive()).isFalse();
  }

  @Test
  @DisplayName("many threads adding at once: every item dispatched exactly once, no batch over the limits, "
      + "the dispatcher never runs on two threads at once")
  void concurrentAdds() throws Exception {
    AtomicInteger inDispatcher = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    ConcurrentHashMap<String, Integer> seen = new ConcurrentHashMap<>();
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    MicroBatcher<String, String> b = build(MicroBatcher.<String, String>builder()
        .name("concurrent")
        .maxCount(16)
        .maxBytes(1000)
        .maxLinger(Duration.ofMillis(1))
        .dispatcher((key, batch) -> {
          if (inDispatcher.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
          }
          int bytes = 0;
          for (MicroBatcher.Pending<String> p : batch) {
            assertThat(p.item()).startsWith(key);
            seen.merge(p.item(), 1, Integer::sum);
            bytes += p.bytes();
          }
          sizes.add(batch.size());
          assertThat(bytes).isLessThanOrEqualTo(1000);
          inDispatcher.decrementAndGet();
          batch.forEach(MicroBatcher.Pending::complete);
        }));
    int threads = 4;
    int perThread = 5000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Void>> all = new CopyOnWriteArrayList<>();
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String key = "k" + (i % 3);
            all.add(b.add(key, key + "-" + thread + "-" + i, 10 + i % 50));
          }
          return null;
        }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    b.flush().get(30, TimeUnit.SECONDS);
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(seen).hasSize(threads * perThread);
    assertThat(seen.values()).containsOnly(1);
    assertThat(sizes).allSatisfy(s -> assertThat(s).isBetween(1, 16));
    assertThat(overlaps).hasValue(0);
    assertThat(b.pendingCount()).isZero();
  }
}
