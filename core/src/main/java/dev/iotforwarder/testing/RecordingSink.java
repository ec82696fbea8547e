package dev.iotforwarder.testing;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.spi.Sink;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A sink that keeps every message it receives, in arrival order, and completes each send at once.
 * For tests, demos and debugging. Thread-safe.
 */
public final class RecordingSink implements Sink {
  private final String name;
  private final List<DeviceMessage> received = new ArrayList<>();
  private volatile boolean closed;

  /**
   * Creates a sink.
   *
   * @param name the sink's name
   */
  public RecordingSink(String name) {
    this.name = Objects.requireNonNull(name, "name == null");
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Records the message and completes at once; fails once the sink is closed.
   *
   * @param message the message
   * @return a completed future
   */
  @Override
  public CompletableFuture<Void> send(DeviceMessage message) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new PermanentForwardingException("sink " + name + " is closed", name, null));
    }
    synchronized (received) {
      received.add(message);
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * What the sink has received so far.
   *
   * @return a copy, in arrival order
   */
  public List<DeviceMessage> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /**
   * How many messages the sink has received.
   *
   * @return the count
   */
  public int count() {
    synchronized (received) {
      return received.size();
    }
  }

  /** Forgets what was received. */
  public void clear() {
    synchronized (received) {
      received.clear();
    }
  }

  /**
   * Whether {@link #close()} was called.
   *
   * @return {@code true} once closed
   */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "RecordingSink[" + name + ", received=" + count() + "]";
  }
}
