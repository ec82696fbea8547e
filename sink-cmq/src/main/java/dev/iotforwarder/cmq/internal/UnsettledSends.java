package dev.iotforwarder.cmq.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The futures of single sends not yet settled, so that a flush covers them: a single send's future
 * is a dependent of its batch's future, and a flush that waited for the batches alone could complete
 * before it. Thread-safe (a concurrent set); a settled future removes itself.
 */
public final class UnsettledSends {
  private final Set<CompletableFuture<Void>> unsettled = ConcurrentHashMap.newKeySet();

  /**
   * Tracks a send's future until it completes.
   *
   * @param f the future
   * @return {@code f}
   */
  public CompletableFuture<Void> track(CompletableFuture<Void> f) {
    if (!f.isDone()) {
      unsettled.add(f);
      f.whenComplete((v, e) -> unsettled.remove(f));
    }
    return f;
  }

  /**
   * A future that completes normally after {@code first} and every send tracked before this call
   * have completed, however they did.
   *
   * @param first what else to wait for (the batches in flight)
   * @return the future
   */
  public CompletableFuture<Void> after(CompletableFuture<Void> first) {
    CompletableFuture<?>[] settled = unsettled.stream().map(f -> f.handle((v, e) -> null))
        .toArray(CompletableFuture[]::new);
    return first.thenCompose(v -> CompletableFuture.allOf(settled));
  }
}
