package dev.iotforwarder.internal;

import dev.iotforwarder.DeadLetter;
import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.ForwarderListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls every listener, logging and counting what they throw, never letting it out.
 *
 * <p>Threads: any engine thread calls it, never under a lane's or the spool's lock; listeners must
 * therefore be thread-safe. The list is immutable and the error count a {@link LongAdder}.
 */
final class Listeners {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final List<ForwarderListener> listeners;
  private final LongAdder errors = new LongAdder();

  Listeners(List<ForwarderListener> listeners) {
    this.listeners = listeners;
  }

  long errors() {
    return errors.sum();
  }

  boolean isEmpty() {
    return listeners.isEmpty();
  }

  private void each(String event, Consumer<ForwarderListener> call) {
    for (ForwarderListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException | LinkageError | AssertionError e) {
        errors.increment();
        LOG.warn("Listener {} threw from {}; ignored", l, event, e);
      }
    }
  }

  void filtered(DeviceMessage m) {
    if (!listeners.isEmpty()) {
      each("onFiltered", l -> l.onFiltered(m));
    }
  }

  /** A delivery; its latency runs from {@code startNanos} ({@link System#nanoTime()}) to now. */
  void delivered(DeviceMessage m, String sink, int attempts, long startNanos) {
    if (!listeners.isEmpty()) {
      Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
      each("onDelivered", l -> l.onDelivered(m, sink, attempts, latency));
    }
  }

  void retry(DeviceMessage m, String sink, int attempt, Throwable error, long backoffNanos) {
    if (!listeners.isEmpty()) {
      Duration backoff = Duration.ofNanos(backoffNanos);
      each("onRetry", l -> l.onRetry(m, sink, attempt, error, backoff));
    }
  }

  void failed(DeviceMessage m, String sink, int attempts, Throwable error) {
    if (!listeners.isEmpty()) {
      each("onFailed", l -> l.onFailed(m, sink, attempts, error));
    }
  }

  void rejected(DeviceMessage m, String sink) {
    if (!listeners.isEmpty()) {
      each("onRejected", l -> l.onRejected(m, sink));
    }
  }

  void dropped(DeviceMessage m, String sink) {
    if (!listeners.isEmpty()) {
      each("onDropped", l -> l.onDropped(m, sink));
    }
  }

  void deadLettered(DeadLetter letter) {
    if (!listeners.isEmpty()) {
      each("onDeadLettered", l -> l.onDeadLettered(letter));
    }
  }
}
