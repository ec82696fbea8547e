package dev.iotforwarder.internal;

import java.util.function.BiConsumer;

/**
 * A sink's answer to one single send of an entry, or that send's timeout: the item a lane's
 * completer decides on. Also the callback on the sink's future, so that a send costs one object.
 *
 * <p>Threads: created by the dispatcher (or the scheduler, for a timeout); {@link #accept} runs on
 * whatever thread completes the sink's future and only posts this to the lane's completion queue,
 * which publishes {@link #error} to the completer. {@link #verdict} is the completer's own.
 */
final class Completion implements BiConsumer<Object, Throwable> {
  private final Lane lane;
  final Entry entry;
  /** The entry's send token when it was sent: an answer to an earlier send is stale. */
  final int token;
  /** The failure, as the sink gave it; null on success. */
  Throwable error;
  /** Set by the completer under the lane's lock, acted on after it. */
  Verdict verdict;

  Completion(Lane lane, Entry entry, int token, Throwable error) {
    this.lane = lane;
    this.entry = entry;
    this.token = token;
    this.error = error;
  }

  @Override
  public void accept(Object ignored, Throwable failure) {
    error = failure;
    lane.post(this);
  }
}
