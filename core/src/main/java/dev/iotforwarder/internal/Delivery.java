package dev.iotforwarder.internal;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwardResult;
import dev.iotforwarder.ForwardingException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One forwarded message's journey to all the sinks it was routed to: completes the caller's future
 * once every sink has reported, successfully or not.
 *
 * <p>Threads: created by the caller of {@code forward} (or the spool); each target lane reports
 * once, from its completer (or the caller's thread, for a refusal at intake), through {@link
 * #succeeded} or {@link #failed}. {@link #remaining} is decremented atomically, so the last report,
 * whichever thread makes it, completes the future; the failure and the sinks' names are guarded by
 * this object's monitor. Never called under a lane's lock.
 */
final class Delivery {
  private static final VarHandle REMAINING;

  static {
    try {
      REMAINING = MethodHandles.lookup().findVarHandle(Delivery.class, "remaining", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The message; with a spool, null while it waits on disk and no lane holds it. */
  volatile DeviceMessage message;
  final CompletableFuture<ForwardResult> future;
  final long startNanos;
  /** Where the retry time budget starts; with a spool, when a lane took the message from it. */
  volatile long startMillis;
  /** The spool's record of this message; null without a spool. */
  Spooler.Ticket spool;
  /** Targets that have not reported yet; updated through {@link #REMAINING}. */
  private volatile int remaining;
  /** Routed to one sink only: its name is kept without a list (the common case). */
  private final boolean single;
  private List<String> delivered;
  private ForwardingException failure;
  private volatile boolean kept;

  Delivery(DeviceMessage message, int targets, long startNanos, long startMillis) {
    this(message, targets, startNanos, startMillis, new CompletableFuture<>());
  }

  Delivery(DeviceMessage message, int targets, long startNanos, long startMillis,
      CompletableFuture<ForwardResult> future) {
    this.message = message;
    this.remaining = targets;
    this.single = targets == 1;
    this.startNanos = startNanos;
    this.startMillis = startMillis;
    this.future = future;
  }

  /**
   * With a spool: a target ended without delivering or dead-lettering the message (the forwarder
   * closes, a dead-letter store failed), so the message stays in the spool for the next start.
   */
  void keep() {
    kept = true;
  }

  boolean kept() {
    return kept;
  }

  /** Ends at once every target that has not reported, with a failure. For the spool. */
  void failRemaining(ForwardingException error) {
    ForwardingException f;
    synchronized (this) {
      if (failure == null) {
        failure = error;
      } else if (failure != error) {
        failure.addSuppressed(error);
      }
      f = failure;
    }
    if ((int) REMAINING.getAndSet(this, 0) <= 0) {
      return;
    }
    Spooler.Ticket t = spool;
    if (t != null) {
      t.arrived(this, true);
    }
    future.completeExceptionally(f);
  }

  /** Without a spool: the message is in its lanes' buffers, unless one refused it already. */
  void acceptedAtIntake(CompletableFuture<Void> accepted) {
    ForwardingException f;
    synchronized (this) {
      f = failure;
    }
    if (f != null) {
      accepted.completeExceptionally(f);
    } else {
      accepted.complete(null);
    }
  }

  /**
   * One sink delivered the message.
   *
   * @param sink the sink's name as an immutable one-element list, kept by its lane
   */
  void succeeded(List<String> sink) {
    if (single) { // the one report: nothing to gather, so no monitor
      DeviceMessage m = message; // before the spool may detach it
      boolean last = (int) REMAINING.getAndAdd(this, -1) == 1; // false: failRemaining ended it
      Spooler.Ticket t = spool;
      if (t != null) {
        t.arrived(this, last);
      }
      if (last) {
        future.complete(new ForwardResult(m, ForwardResult.Status.DELIVERED, sink));
      }
      return;
    }
    String sinkName = sink.get(0);
    synchronized (this) {
      if (delivered == null) {
        delivered = new ArrayList<>(2);
      }
      delivered.add(sinkName);
    }
    arrive();
  }

  void failed(ForwardingException error) {
    synchronized (this) {
      if (failure == null) {
        failure = error;
      } else if (error != failure) {
        failure.addSuppressed(error); // an exception cannot suppress itself
      }
    }
    arrive();
  }

  private void arrive() {
    DeviceMessage m = message; // before the spool may detach it
    int left = (int) REMAINING.getAndAdd(this, -1) - 1;
    Spooler.Ticket t = spool;
    if (t != null) {
      t.arrived(this, left == 0);
    }
    if (left != 0) {
      return;
    }
    ForwardingException f;
    List<String> sinks;
    synchronized (this) {
      f = failure;
      sinks = delivered != null ? delivered : List.of();
    }
    if (f != null) {
      future.completeExceptionally(f);
    } else {
      future.complete(new ForwardResult(m, ForwardResult.Status.DELIVERED, sinks));
    }
  }
}
