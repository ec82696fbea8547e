package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.ForwardingException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One forwarded message's journey to all the sinks it was routed to: completes the caller's future
 * once every sink has reported, successfully or not.
 */
final class Delivery {
  final DeviceMessage message;
  final CompletableFuture<ForwardResult> future = new CompletableFuture<>();
  final long startNanos;
  final long startMillis;
  /** Null when the message went to one sink only: its one answer completes the future directly. */
  private final AtomicInteger remaining;
  private List<String> delivered;
  private ForwardingException failure;

  Delivery(DeviceMessage message, int targets, long startNanos, long startMillis) {
    this.message = message;
    this.remaining = targets == 1 ? null : new AtomicInteger(targets);
    this.startNanos = startNanos;
    this.startMillis = startMillis;
  }

  void succeeded(String sinkName) {
    if (remaining == null) {
      future.complete(new ForwardResult(message, ForwardResult.Status.DELIVERED, List.of(sinkName)));
      return;
    }
    synchronized (this) {
      if (delivered == null) {
        delivered = new ArrayList<>(2);
      }
      delivered.add(sinkName);
    }
    arrive();
  }

  void failed(ForwardingException error) {
    if (remaining == null) {
      future.completeExceptionally(error);
      return;
    }
    synchronized (this) {
      if (failure == null) {
        failure = error;
      } else {
        failure.addSuppressed(error);
      }
    }
    arrive();
  }

  private void arrive() {
    if (remaining.decrementAndGet() != 0) {
      return;
    }
    ForwardingException f;
    List<String> sinks;
    synchronized (this) {
      f = failure;
      sinks = delivered == null ? List.of() : delivered;
    }
    if (f != null) {
      future.completeExceptionally(f);
    } else {
      future.complete(new ForwardResult(message, ForwardResult.Status.DELIVERED, sinks));
    }
  }
}
