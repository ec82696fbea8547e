package dev.iotforwarder;

import dev.iotforwarder.internal.shared.Problems;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of the durable spool ({@link ForwarderBuilder#spool(java.nio.file.Path,
 * SpoolOptions)}): when it calls fsync, how much disk it may use, what it does when that is full,
 * and how large its segment files are. Immutable and thread-safe. See {@code docs/spool.md}.
 *
 * <p><b>Fsync policy</b>: what "accepted" promises ({@link Submission#accepted()}).
 *
 * <table>
 *   <caption>What each policy costs and survives</caption>
 *   <tr><th>policy</th><th>accepted completes</th><th>survives a process crash</th>
 *       <th>survives a power loss or kernel crash</th></tr>
 *   <tr><td>{@link Fsync#EVERY_WRITE} (default)</td><td>after an fsync that covers the message
 *       (group commit: one fsync covers every message written while the previous one ran)</td>
 *       <td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link Fsync#INTERVAL}</td><td>once the message is written to the operating system;
 *       a background fsync runs every interval</td><td>yes</td>
 *       <td>all but the last interval's messages</td></tr>
 *   <tr><td>{@link Fsync#NEVER}</td><td>once the message is written to the operating system; the
 *       forwarder never calls fsync and the OS writes pages back when it likes</td><td>yes</td>
 *       <td>no guarantee</td></tr>
 * </table>
 *
 * <p><b>Disk bound</b>: the spool's segment files never grow beyond {@link #maxDiskBytes()}
 * together. When a new message does not fit, the {@link #fullPolicy() full policy} decides:
 *
 * <ul>
 *   <li>{@link OverflowPolicy#BLOCK} (default): {@code forward} waits up to {@link #blockTimeout()}
 *       for the sinks to acknowledge older messages and free a segment, then rejects as {@code
 *       REJECT} does. The caller's thread is blocked for that long at most.
 *   <li>{@link OverflowPolicy#REJECT}: the new message's futures fail at once with a {@link
 *       BufferFullException}; the caller decides (keep it, retry later, tell the device).
 *   <li>{@link OverflowPolicy#DROP_OLDEST}: the spool frees its oldest segment that holds only
 *       Publish messages waiting on disk (none of them Status, none of them already handed to a
 *       sink); each dropped message goes to the dead-letter sink if there is one, is counted as
 *       dropped in {@link SpoolStats}, and its future fails. Status messages are never dropped: when
 *       no such segment exists, the new message is rejected as with {@code REJECT}.
 * </ul>
 *
 * <p><b>Segments</b>: the spool is a sequence of segment files of about {@link #segmentBytes()}
 * each; a segment file is deleted once every message in it has been acknowledged or dead-lettered by
 * every sink it was routed to. Smaller segments give back disk sooner and make {@code DROP_OLDEST}
 * drop fewer messages at a time; larger ones mean fewer files.
 *
 * <p><b>Outages</b>: a spooled message is retried until it is delivered, a sink fails it
 * permanently, the full policy drops it, or it is older than {@link #maxAge()} if the host set one
 * (none by default). The lanes' {@link RetryPolicy} then sets only the backoff between attempts; its
 * attempt and time limits apply without a spool, and to a message whose route has a failover sink
 * (they decide when it fails over). A retriable failure of a spooled message is never dead-lettered
 * before that: the disk holds the backlog, as the host asked by turning the spool on.
 */
public final class SpoolOptions {
  /**
   * The defaults: fsync every write, 1 GiB of disk, block when full (5 s), 16 MiB segments, no
   * maximum age.
   */
  public static final SpoolOptions DEFAULTS = builder().build();

  /** When the spool calls fsync; see the class comment for the trade-offs. */
  public enum Fsync {
    /** Before a message counts as accepted (group commit). The safest and the slowest. */
    EVERY_WRITE,
    /** Every {@link SpoolOptions#fsyncInterval()}, in the background. */
    INTERVAL,
    /** Never: the operating system decides when pages reach the disk. */
    NEVER
  }

  private final Fsync fsync;
  private final Duration fsyncInterval;
  private final long maxDiskBytes;
  private final long segmentBytes;
  private final OverflowPolicy fullPolicy;
  private final Duration blockTimeout;
  private final Duration maxAge;

  private SpoolOptions(Builder b) {
    this.fsync = b.fsync;
    this.fsyncInterval = b.fsyncInterval;
    this.maxDiskBytes = b.maxDiskBytes;
    this.segmentBytes = b.segmentBytes;
    this.fullPolicy = b.fullPolicy;
    this.blockTimeout = b.blockTimeout;
    this.maxAge = b.maxAge;
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
    b.fsync = fsync;
    b.fsyncInterval = fsyncInterval;
    b.maxDiskBytes = maxDiskBytes;
    b.segmentBytes = segmentBytes;
    b.fullPolicy = fullPolicy;
    b.blockTimeout = blockTimeout;
    b.maxAge = maxAge;
    return b;
  }

  /** @return when the spool calls fsync */
  public Fsync fsync() {
    return fsync;
  }

  /** @return the background fsync period of {@link Fsync#INTERVAL}; unused by the other policies */
  public Duration fsyncInterval() {
    return fsyncInterval;
  }

  /** @return the most bytes the segment files may take together */
  public long maxDiskBytes() {
    return maxDiskBytes;
  }

  /** @return the size at which the spool starts a new segment file */
  public long segmentBytes() {
    return segmentBytes;
  }

  /** @return what a new message meets when the spool is full */
  public OverflowPolicy fullPolicy() {
    return fullPolicy;
  }

  /** @return how long {@link OverflowPolicy#BLOCK} waits for room on disk */
  public Duration blockTimeout() {
    return blockTimeout;
  }

  /**
   * @return how long a spooled message is retried through retriable failures before it is
   *     dead-lettered, counted from its {@link DeviceMessage#receivedAtMillis() receive time}, which
   *     the spool keeps across restarts; empty (the default) for no limit
   */
  public Optional<Duration> maxAge() {
    return Optional.ofNullable(maxAge);
  }

  @Override
  public String toString() {
    return "SpoolOptions[fsync=" + fsync
        + (fsync == Fsync.INTERVAL ? " " + fsyncInterval : "") + ", maxDiskBytes=" + maxDiskBytes
        + ", segmentBytes=" + segmentBytes + ", fullPolicy=" + fullPolicy + ", blockTimeout="
        + blockTimeout + (maxAge == null ? "" : ", maxAge=" + maxAge) + "]";
  }

  /** Configures {@link SpoolOptions}. Not thread-safe. */
  public static final class Builder {
    private Fsync fsync = Fsync.EVERY_WRITE;
    private Duration fsyncInterval = Duration.ofMillis(100);
    private long maxDiskBytes = 1024L * 1024 * 1024;
    private long segmentBytes = 16L * 1024 * 1024;
    private OverflowPolicy fullPolicy = OverflowPolicy.BLOCK;
    private Duration blockTimeout = Duration.ofSeconds(5);
    private Duration maxAge;

    private Builder() {}

    /**
     * Fsync before each message counts as accepted (several concurrent messages share one fsync).
     * This is the default.
     *
     * @return this builder
     */
    public Builder fsyncEveryWrite() {
      this.fsync = Fsync.EVERY_WRITE;
      return this;
    }

    /**
     * Fsync in the background every {@code interval}; a message counts as accepted once it is
     * written to the operating system. A power loss can lose up to one interval of accepted messages;
     * a crash of the process loses none.
     *
     * @param interval positive; 100 ms is a common choice
     * @return this builder
     */
    public Builder fsyncEvery(Duration interval) {
      this.fsync = Fsync.INTERVAL;
      this.fsyncInterval = interval;
      return this;
    }

    /**
     * Never fsync; a message counts as accepted once it is written to the operating system. A crash
     * of the process loses nothing; a power loss may lose anything not yet written back.
     *
     * @return this builder
     */
    public Builder fsyncNever() {
      this.fsync = Fsync.NEVER;
      return this;
    }

    /**
     * The most bytes the segment files may take together. Default: 1 GiB.
     *
     * @param maxDiskBytes at least {@link #segmentBytes(long) segmentBytes}
     * @return this builder
     */
    public Builder maxDiskBytes(long maxDiskBytes) {
      this.maxDiskBytes = maxDiskBytes;
      return this;
    }

    /**
     * The size at which the spool closes a segment file and starts the next. A single message
     * larger than this still gets a segment of its own. Default: 16 MiB.
     *
     * @param segmentBytes at least 1 KiB
     * @return this builder
     */
    public Builder segmentBytes(long segmentBytes) {
      this.segmentBytes = segmentBytes;
      return this;
    }

    /**
     * What a new message meets when the spool is full: {@link OverflowPolicy#BLOCK} (the default),
     * {@link OverflowPolicy#REJECT} or {@link OverflowPolicy#DROP_OLDEST} (Publish only; Status is
     * never dropped). See the class comment.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder fullPolicy(OverflowPolicy policy) {
      this.fullPolicy = policy;
      return this;
    }

    /**
     * How long {@link OverflowPolicy#BLOCK} waits for room on disk before rejecting. Default: 5 s.
     *
     * @param blockTimeout not negative
     * @return this builder
     */
    public Builder blockTimeout(Duration blockTimeout) {
      this.blockTimeout = blockTimeout;
      return this;
    }

    /**
     * Dead-letters a spooled message that still fails (retriably) once it is older than {@code
     * maxAge}, counted from its {@link DeviceMessage#receivedAtMillis() receive time}: the host's if
     * it set one, else when {@code forward()} was called. The spool keeps that time, so the age
     * goes on across restarts (a message an earlier run accepted an hour ago is an hour old). By
     * default there is no limit: a spooled message waits out any outage, bounded only by the disk.
     *
     * @param maxAge positive, or null for no limit (the default)
     * @return this builder
     */
    public Builder maxAge(Duration maxAge) {
      this.maxAge = maxAge;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException listing every invalid setting
     */
    public SpoolOptions build() {
      Problems p = Problems.of("SpoolOptions");
      if (fsync == Fsync.INTERVAL) {
        p.positive("fsyncInterval", fsyncInterval);
      }
      p.atLeast("segmentBytes", segmentBytes, 1024);
      p.check(maxDiskBytes >= segmentBytes, "maxDiskBytes was " + maxDiskBytes
          + " but must be >= segmentBytes (" + segmentBytes + ")");
      p.required("fullPolicy", fullPolicy);
      p.notNegative("blockTimeout", blockTimeout);
      if (maxAge != null) {
        p.positive("maxAge", maxAge);
      }
      p.throwIfAny();
      Objects.requireNonNull(fsync);
      return new SpoolOptions(this);
    }
  }
}
