package dev.iotforwarder;

import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;

/**
 * The settings of one sink's lane: its bounded buffer, overflow policies, concurrency, ordering,
 * per-send timeout and retry policy. Every sink has its own lane, so a slow or stuck sink never
 * holds up another.
 *
 * <p>The buffer bound counts every message the lane has accepted and not yet finished (queued,
 * being sent, or waiting to be retried), in messages and in estimated bytes: the size of the encoded
 * envelope plus about 320 bytes for the objects that hold the message in the heap, so that a full lane
 * takes about {@link #maxBytes()} of heap. Immutable and thread-safe.
 */
public final class LaneOptions {
  /** The defaults: see each setter of {@link Builder}. */
  public static final LaneOptions DEFAULTS = builder().build();

  private final int maxMessages;
  private final long maxBytes;
  private final int maxInFlight;
  private final int threads;
  private final boolean ordered;
  private final OverflowPolicy publishOverflow;
  private final OverflowPolicy statusOverflow;
  private final Duration blockTimeout;
  private final Duration sendTimeout;
  private final RetryPolicy retryPolicy;

  private LaneOptions(Builder b) {
    this.maxMessages = b.maxMessages;
    this.maxBytes = b.maxBytes;
    this.maxInFlight = b.maxInFlight;
    this.threads = b.threads;
    this.ordered = b.ordered;
    this.publishOverflow = b.publishOverflow;
    this.statusOverflow = b.statusOverflow;
    this.blockTimeout = b.blockTimeout;
    this.sendTimeout = b.sendTimeout;
    this.retryPolicy = b.retryPolicy;
  }

  /**
   * A builder with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder pre-filled with these options.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxMessages = maxMessages;
    b.maxBytes = maxBytes;
    b.maxInFlight = maxInFlight;
    b.threads = threads;
    b.ordered = ordered;
    b.publishOverflow = publishOverflow;
    b.statusOverflow = statusOverflow;
    b.blockTimeout = blockTimeout;
    b.sendTimeout = sendTimeout;
    b.retryPolicy = retryPolicy;
    return b;
  }

  /** @return the most messages the lane holds (queued, in flight or waiting to retry) */
  public int maxMessages() {
    return maxMessages;
  }

  /** @return the most estimated bytes (envelope plus bookkeeping) the lane holds */
  public long maxBytes() {
    return maxBytes;
  }

  /** @return the most sends the lane has started and not yet seen complete */
  public int maxInFlight() {
    return maxInFlight;
  }

  /** @return the number of threads that complete futures and run retries for this lane */
  public int threads() {
    return threads;
  }

  /** @return whether one device's messages reach the sink in {@code forward()} order */
  public boolean ordered() {
    return ordered;
  }

  /**
   * The overflow policy for one message type.
   *
   * @param type the message type
   * @return its policy
   */
  public OverflowPolicy overflow(MessageType type) {
    return type == MessageType.STATUS ? statusOverflow : publishOverflow;
  }

  /** @return how long {@link OverflowPolicy#BLOCK} waits for room before rejecting */
  public Duration blockTimeout() {
    return blockTimeout;
  }

  /** @return how long one send may take before it counts as a retriable failure of the sink */
  public Duration sendTimeout() {
    return sendTimeout;
  }

  /** @return the retry policy of this lane */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  @Override
  public String toString() {
    return "LaneOptions[maxMessages=" + maxMessages + ", maxBytes=" + maxBytes + ", maxInFlight="
        + maxInFlight + ", threads=" + threads + ", ordered=" + ordered + ", publishOverflow="
        + publishOverflow + ", statusOverflow=" + statusOverflow + ", blockTimeout=" + blockTimeout
        + ", sendTimeout=" + sendTimeout + ", retryPolicy=" + retryPolicy + "]";
  }

  /** Configures {@link LaneOptions}. Not thread-safe. */
  public static final class Builder {
    private int maxMessages = 100_000;
    private long maxBytes = 64L * 1024 * 1024;
    private int maxInFlight = 8192;
    private int threads = 1;
    private boolean ordered = true;
    private OverflowPolicy publishOverflow = OverflowPolicy.BLOCK;
    private OverflowPolicy statusOverflow = OverflowPolicy.BLOCK;
    private Duration blockTimeout = Duration.ofSeconds(5);
    private Duration sendTimeout = Duration.ofMinutes(3);
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;

    private Builder() {}

    /**
     * The most messages the lane holds. Default: 100,000.
     *
     * <p>The lane is the burst buffer: size it for the longest burst the sink cannot absorb. Under
     * sustained overload (callers faster than the sink for minutes) a full lane is pure cost: every
     * message waits behind the whole buffer, and the JVM's young collections copy every held message
     * again. There a few thousand messages, some multiple of {@link #maxInFlight(int)}, are enough:
     * with 16,384 instead of the default, a flat-out Kafka lane spent about a fifth less CPU per
     * message ({@code docs/performance.md}).
     *
     * @param maxMessages at least 1
     * @return this builder
     */
    public Builder maxMessages(int maxMessages) {
      this.maxMessages = maxMessages;
      return this;
    }

    /**
     * The most estimated bytes the lane holds: for each message, the size of its encoded envelope
     * (estimated without encoding) plus 320 bytes for the objects that hold it in the heap, so that
     * the lane's heap stays close to this bound (a typical telemetry message counts about 760 bytes).
     * A single message larger than this is still accepted into an empty lane, so that it can fail (or
     * succeed) at the sink rather than block forever. Default: 64 MiB.
     *
     * @param maxBytes at least 1
     * @return this builder
     */
    public Builder maxBytes(long maxBytes) {
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * The most sends started and not yet complete. Default: 8,192.
     *
     * <p>A sink that batches needs enough messages in flight to fill its batches: the Kafka producer
     * sends a partition's batch when it is full (64 KB by default, about 500 typical envelopes after
     * compression) or after {@code linger.ms}. With too few in flight no batch ever fills, every
     * batch waits out the linger, and the lane stalls at about {@code maxInFlight / linger} messages
     * per second (1,024 in flight and 5 ms: about 150,000/s through a local broker, against 400,000
     * to 500,000/s with 4,096 or more). The buffer bound ({@link #maxMessages(int)}, {@link
     * #maxBytes(long)}) counts messages in flight too, so this does not raise the lane's memory.
     * The default stays below {@code CmqSink}'s own bound of 10,000 pending messages; gated lanes
     * (ordered, one message per device in flight) rarely reach it.
     *
     * @param maxInFlight at least 1
     * @return this builder
     */
    public Builder maxInFlight(int maxInFlight) {
      this.maxInFlight = maxInFlight;
      return this;
    }

    /**
     * The number of threads that complete futures and retry for this lane (one more thread
     * dispatches sends). Default: 1.
     *
     * @param threads at least 1
     * @return this builder
     */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /**
     * Whether one device's messages (same {@code ProductName/DeviceName}) reach the sink in {@code
     * forward()} order, retries included. When on (the default), a device's later messages wait while
     * an earlier one is sent or retried, unless the sink keeps order by itself (as the Kafka sink
     * does); different devices still go in parallel. When off, a device's messages may overtake each
     * other, for more throughput on sinks that batch or retry.
     *
     * @param ordered whether to keep per-device order
     * @return this builder
     */
    public Builder ordered(boolean ordered) {
      this.ordered = ordered;
      return this;
    }

    /**
     * The overflow policy for Publish messages. Default: {@link OverflowPolicy#BLOCK}.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder publishOverflow(OverflowPolicy policy) {
      this.publishOverflow = policy;
      return this;
    }

    /**
     * The overflow policy for Status messages. Default: {@link OverflowPolicy#BLOCK} (then reject).
     * {@link OverflowPolicy#DROP_OLDEST} is accepted only if the forwarder has a dead-letter sink.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder statusOverflow(OverflowPolicy policy) {
      this.statusOverflow = policy;
      return this;
    }

    /**
     * How long {@link OverflowPolicy#BLOCK} waits for room. Default: 5 s.
     *
     * @param blockTimeout not negative
     * @return this builder
     */
    public Builder blockTimeout(Duration blockTimeout) {
      this.blockTimeout = blockTimeout;
      return this;
    }

    /**
     * How long one send may take before the pipeline gives up on it and treats it as a retriable
     * failure naming the sink (a sink that never completes its future). Keep it above the sink's own
     * timeouts (the Kafka producer's {@code delivery.timeout.ms} is 2 minutes by default). Default: 3
     * minutes.
     *
     * @param sendTimeout positive
     * @return this builder
     */
    public Builder sendTimeout(Duration sendTimeout) {
      this.sendTimeout = sendTimeout;
      return this;
    }

    /**
     * The retry policy. Default: {@link RetryPolicy#DEFAULT}.
     *
     * @param retryPolicy the policy
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException listing every invalid setting
     */
    public LaneOptions build() {
      Problems p = Problems.of("LaneOptions");
      p.atLeast("maxMessages", maxMessages, 1);
      p.atLeast("maxBytes", maxBytes, 1);
      p.atLeast("maxInFlight", maxInFlight, 1);
      p.range("threads", threads, 1, 64);
      p.required("publishOverflow", publishOverflow);
      p.required("statusOverflow", statusOverflow);
      p.notNegative("blockTimeout", blockTimeout);
      p.positive("sendTimeout", sendTimeout);
      p.required("retryPolicy", retryPolicy);
      p.throwIfAny();
      return new LaneOptions(this);
    }
  }
}
