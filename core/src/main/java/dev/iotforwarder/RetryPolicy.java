package dev.iotforwarder;

import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How the pipeline retries a send that failed with a retriable error. Permanent errors are never
 * retried, and a sink that {@link dev.iotforwarder.spi.Sink#retriesInternally() retries internally}
 * gets no second layer of retries from the pipeline.
 *
 * <p>The wait before retry {@code n} (1-based) is {@code min(maxBackoff, initialBackoff *
 * multiplier^(n-1))}, reduced by a random share of up to {@code jitter} so that many failing sends do
 * not retry in lockstep. Retrying stops after {@code maxAttempts} sends in all, or once {@code
 * maxElapsed} has passed since the message was forwarded, whichever comes first; the message then
 * goes to the dead-letter sink with its last error.
 *
 * <p>With a {@link ForwarderBuilder#spool(java.nio.file.Path, SpoolOptions) spool}, only the backoff
 * applies to a spooled message whose route has no failover sink: it is retried until delivered, a
 * permanent error, the spool's full policy, or the spool's {@link SpoolOptions#maxAge() maximum age}
 * if the host set one (see {@link SpoolOptions}, "Outages").
 *
 * <p>Immutable and thread-safe.
 */
public final class RetryPolicy {
  /** The default: 10 attempts, 100 ms doubling to 10 s, jitter 0.5, at most 10 minutes. */
  public static final RetryPolicy DEFAULT = builder().build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;
  private final double jitter;
  private final Duration maxElapsed;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.maxElapsed = b.maxElapsed;
  }

  /**
   * A policy that never retries: one attempt, then the dead-letter sink.
   *
   * @return the policy
   */
  public static RetryPolicy none() {
    return builder().maxAttempts(1).build();
  }

  /**
   * A builder with the defaults of {@link #DEFAULT}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder pre-filled with this policy.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder()
        .maxAttempts(maxAttempts)
        .initialBackoff(initialBackoff)
        .maxBackoff(maxBackoff)
        .multiplier(multiplier)
        .jitter(jitter)
        .maxElapsed(maxElapsed);
  }

  /**
   * The wait before a retry.
   *
   * @param retry the retry's number, 1 for the first retry
   * @param random the source of jitter
   * @return the wait in nanoseconds
   */
  public long backoffNanos(int retry, Random random) {
    double base = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
    double capped = Math.min(base, maxBackoff.toNanos());
    return (long) (capped * (1 - jitter * random.nextDouble()));
  }

  /** @return the most sends of one message to one sink, the first included */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** @return the wait before the first retry, before jitter */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** @return the longest wait between two attempts */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** @return the factor by which the wait grows per retry */
  public double multiplier() {
    return multiplier;
  }

  /** @return the largest share by which a wait is randomly shortened, in [0, 1] */
  public double jitter() {
    return jitter;
  }

  /** @return the longest time from forward() after which no retry starts */
  public Duration maxElapsed() {
    return maxElapsed;
  }

  @Override
  public String toString() {
    return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff + ", multiplier=" + multiplier + ", jitter=" + jitter
        + ", maxElapsed=" + maxElapsed + "]";
  }

  /** Configures a {@link RetryPolicy}. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = 10;
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private double multiplier = 2.0;
    private double jitter = 0.5;
    private Duration maxElapsed = Duration.ofMinutes(10);

    private Builder() {}

    /**
     * The most sends of one message to one sink, the first included. Default: 10.
     *
     * @param maxAttempts at least 1
     * @return this builder
     */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The wait before the first retry. Default: 100 ms.
     *
     * @param initialBackoff not negative
     * @return this builder
     */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
      return this;
    }

    /**
     * The longest wait between two attempts. Default: 10 s.
     *
     * @param maxBackoff at least {@code initialBackoff}
     * @return this builder
     */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * The factor by which the wait grows. Default: 2.
     *
     * @param multiplier at least 1
     * @return this builder
     */
    public Builder multiplier(double multiplier) {
      this.multiplier = multiplier;
      return this;
    }

    /**
     * The largest share by which a wait is randomly shortened. Default: 0.5.
     *
     * @param jitter in [0, 1]
     * @return this builder
     */
    public Builder jitter(double jitter) {
      this.jitter = jitter;
      return this;
    }

    /**
     * The longest time from {@code forward()} after which no retry starts. Default: 10 minutes.
     *
     * @param maxElapsed positive
     * @return this builder
     */
    public Builder maxElapsed(Duration maxElapsed) {
      this.maxElapsed = maxElapsed;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException listing every invalid setting
     */
    public RetryPolicy build() {
      Problems p = Problems.of("RetryPolicy");
      p.atLeast("maxAttempts", maxAttempts, 1);
      p.notNegative("initialBackoff", initialBackoff);
      p.check(maxBackoff != null && (initialBackoff == null || maxBackoff.compareTo(initialBackoff) >= 0),
          "maxBackoff was " + maxBackoff + " but must be >= initialBackoff");
      p.check(multiplier >= 1.0 && !Double.isInfinite(multiplier),
          "multiplier was " + multiplier + " but must be a finite number >= 1");
      p.check(jitter >= 0 && jitter <= 1, "jitter was " + jitter + " but must be in [0, 1]");
      p.positive("maxElapsed", maxElapsed);
      p.throwIfAny();
      Objects.requireNonNull(maxBackoff);
      return new RetryPolicy(this);
    }
  }
}
