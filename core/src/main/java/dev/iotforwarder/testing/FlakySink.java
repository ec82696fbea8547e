package dev.iotforwarder.testing;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.PermanentForwardingException;
import dev.iotforwarder.RetriableForwardingException;
import dev.iotforwarder.internal.shared.Problems;
import dev.iotforwarder.spi.Sink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink that fails and delays on purpose, for tests of everything that sits in front of a real
 * queue. Each send draws from a seeded {@link Random}: with probability {@code retriableFailureRate}
 * it fails with a {@link RetriableForwardingException}, with probability {@code
 * permanentFailureRate} with a {@link PermanentForwardingException}, and otherwise it delivers the
 * message to a {@link RecordingSink} (see {@link #delivered()}). Each outcome can be delayed by a
 * random latency. {@link #pause()} holds every send until {@link #resume()}, to simulate a queue
 * that is down. Thread-safe.
 */
public final class FlakySink implements Sink {
  private final String name;
  private final double retriableRate;
  private final double permanentRate;
  private final long minLatencyNanos;
  private final long maxLatencyNanos;
  private final Random random;
  private final RecordingSink delivered;
  private final ScheduledExecutorService timer;
  private final AtomicLong retriableFailures = new AtomicLong();
  private final AtomicLong permanentFailures = new AtomicLong();
  private final Queue<Runnable> held = new ArrayDeque<>();
  private boolean paused;
  private volatile boolean closed;

  private FlakySink(Builder b) {
    this.name = b.name;
    this.retriableRate = b.retriableRate;
    this.permanentRate = b.permanentRate;
    this.minLatencyNanos = b.minLatency.toNanos();
    this.maxLatencyNanos = b.maxLatency.toNanos();
    this.random = new Random(b.seed);
    this.delivered = new RecordingSink(name);
    this.timer = maxLatencyNanos > 0
        ? Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "iot-forwarder-flaky-" + name);
          t.setDaemon(true);
          return t;
        })
        : null;
  }

  /**
   * A builder. Defaults: no failures, no latency, seed 42.
   *
   * @param name the sink's name
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<Void> send(DeviceMessage message) {
    Objects.requireNonNull(message, "message == null");
    CompletableFuture<Void> result = new CompletableFuture<>();
    Runnable attempt = () -> decide(message, result);
    synchronized (held) {
      if (paused) {
        held.add(attempt);
        return result;
      }
    }
    attempt.run();
    return result;
  }

  private void decide(DeviceMessage message, CompletableFuture<Void> result) {
    if (closed) {
      result.completeExceptionally(
          new PermanentForwardingException("sink " + name + " is closed", name, null));
      return;
    }
    double draw;
    long latency;
    synchronized (random) {
      draw = random.nextDouble();
      latency = maxLatencyNanos <= minLatencyNanos
          ? minLatencyNanos
          : minLatencyNanos + (long) (random.nextDouble() * (maxLatencyNanos - minLatencyNanos));
    }
    Runnable outcome;
    if (draw < retriableRate) {
      outcome = () -> {
        retriableFailures.incrementAndGet();
        result.completeExceptionally(new RetriableForwardingException(
            "injected retriable failure for " + message.deviceKey() + " seq " + message.seq(), name, null));
      };
    } else if (draw < retriableRate + permanentRate) {
      outcome = () -> {
        permanentFailures.incrementAndGet();
        result.completeExceptionally(new PermanentForwardingException(
            "injected permanent failure for " + message.deviceKey() + " seq " + message.seq(), name, null));
      };
    } else {
      outcome = () -> {
        delivered.send(message);
        result.complete(null);
      };
    }
    if (latency > 0 && timer != null) {
      try {
        timer.schedule(outcome, latency, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        result.completeExceptionally(
            new PermanentForwardingException("sink " + name + " is closed", name, e));
      }
    } else {
      outcome.run();
    }
  }

  /** Holds every send from now on, without completing it, until {@link #resume()}. */
  public void pause() {
    synchronized (held) {
      paused = true;
    }
  }

  /** Releases the held sends, in the order they came, and lets new sends through. */
  public void resume() {
    List<Runnable> release;
    synchronized (held) {
      paused = false;
      release = new ArrayList<>(held);
      held.clear();
    }
    release.forEach(Runnable::run);
  }

  /**
   * The messages delivered so far (sends that succeeded), in order of completion.
   *
   * @return a copy
   */
  public List<DeviceMessage> delivered() {
    return delivered.received();
  }

  /**
   * How many sends are held by {@link #pause()}.
   *
   * @return the count
   */
  public int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  /**
   * How many retriable failures were injected.
   *
   * @return the count
   */
  public long retriableFailures() {
    return retriableFailures.get();
  }

  /**
   * How many permanent failures were injected.
   *
   * @return the count
   */
  public long permanentFailures() {
    return permanentFailures.get();
  }

  /** Fails every held send and stops the latency timer. */
  @Override
  public void close() {
    closed = true;
    resume();
    if (timer != null) {
      timer.shutdownNow().forEach(Runnable::run);
    }
    delivered.close();
  }

  @Override
  public String toString() {
    return "FlakySink[" + name + ", retriableRate=" + retriableRate + ", permanentRate="
        + permanentRate + ", delivered=" + delivered.count() + "]";
  }

  /** Configures a {@link FlakySink}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private double retriableRate;
    private double permanentRate;
    private Duration minLatency = Duration.ZERO;
    private Duration maxLatency = Duration.ZERO;
    private long seed = 42;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The share of sends that fail with a retriable error. Default: 0.
     *
     * @param rate between 0 and 1
     * @return this builder
     */
    public Builder retriableFailureRate(double rate) {
      this.retriableRate = rate;
      return this;
    }

    /**
     * The share of sends that fail with a permanent error. Default: 0.
     *
     * @param rate between 0 and 1
     * @return this builder
     */
    public Builder permanentFailureRate(double rate) {
      this.permanentRate = rate;
      return this;
    }

    /**
     * A random latency between {@code min} and {@code max} before each outcome. Default: none.
     *
     * @param min the shortest delay
     * @param max the longest delay
     * @return this builder
     */
    public Builder latency(Duration min, Duration max) {
      this.minLatency = min;
      this.maxLatency = max;
      return this;
    }

    /**
     * The random seed, so that a run can be repeated. Default: 42.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Builds the sink.
     *
     * @return the sink
     * @throws IllegalArgumentException listing every invalid setting
     */
    public FlakySink build() {
      Problems p = Problems.of("FlakySink configuration");
      p.check(name != null && !name.isBlank(),
          "name was " + (name == null ? "null" : "\"" + name + "\"") + " but must not be blank");
      p.check(retriableRate >= 0 && retriableRate <= 1,
          "retriableFailureRate was " + retriableRate + " but must be in [0, 1]");
      p.check(permanentRate >= 0 && permanentRate <= 1,
          "permanentFailureRate was " + permanentRate + " but must be in [0, 1]");
      p.check(retriableRate + permanentRate <= 1, "retriableFailureRate + permanentFailureRate was "
          + (retriableRate + permanentRate) + " but must be <= 1");
      p.check(minLatency != null && maxLatency != null && !minLatency.isNegative()
          && maxLatency.compareTo(minLatency) >= 0,
          "latency was [" + minLatency + ", " + maxLatency + "] but must satisfy 0 <= min <= max");
      p.throwIfAny();
      return new FlakySink(this);
    }
  }
}
