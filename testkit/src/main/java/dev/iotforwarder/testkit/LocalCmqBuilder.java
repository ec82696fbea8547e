package dev.iotforwarder.testkit;

import dev.iotforwarder.internal.shared.Problems;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configures and starts a {@link LocalCmq}: {@code LocalCmq.builder().credentials(id, key).start()}.
 * Every setting is checked by {@link #start()}, which lists every problem at once. Not thread-safe.
 */
public final class LocalCmqBuilder {
  final Map<String, String> keys = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>(); // found by the setters, in Problems style
  int port;
  Clock clock = Clock.systemUTC();
  Duration visibilityTimeout = LocalCmq.DEFAULT_VISIBILITY_TIMEOUT;
  int maxMsgSize = LocalCmq.DEFAULT_MAX_MSG_SIZE;
  int maxBatchBytes = LocalCmq.DEFAULT_MAX_BATCH_BYTES;
  int maxRequestBytes = LocalCmq.DEFAULT_MAX_REQUEST_BYTES;
  boolean rejectReusedNonces = true;
  int requestLogCapacity = 10_000;

  LocalCmqBuilder() {}

  /**
   * Accepts this key. Default: only {@link LocalCmq#DEFAULT_SECRET_ID} / {@link
   * LocalCmq#DEFAULT_SECRET_KEY}, which is no longer accepted once any key is added.
   *
   * @param secretId the SecretId, starting with {@code AKID}
   * @param secretKey the SecretKey
   * @return this builder
   */
  public LocalCmqBuilder credentials(String secretId, String secretKey) {
    if (secretId == null || secretKey == null) {
      problems.add("credentials " + (secretId == null ? "secretId was null" : "secretKey for " + secretId + " was null")
          + " but is required");
    } else {
      keys.put(secretId, secretKey);
    }
    return this;
  }

  /** The port, 0 to 65535. Default: 0, a free one. */
  public LocalCmqBuilder port(int port) {
    this.port = port;
    return this;
  }

  /**
   * The clock for visibility timeouts and message times. Default: the system clock.
   *
   * @param clock the clock
   * @return this builder
   */
  public LocalCmqBuilder clock(Clock clock) {
    if (clock == null) {
      problems.add("clock was null but is required");
    } else {
      this.clock = clock;
    }
    return this;
  }

  /**
   * The visibility timeout of queues created without one. Default: 30 s.
   *
   * @param visibilityTimeout positive
   * @return this builder
   */
  public LocalCmqBuilder visibilityTimeout(Duration visibilityTimeout) {
    this.visibilityTimeout = visibilityTimeout;
    return this;
  }

  /**
   * The largest message body in UTF-8 bytes (4400 above it). Default: 1 MiB; legacy queues had
   * 64 KiB.
   *
   * @param maxMsgSize positive
   * @return this builder
   */
  public LocalCmqBuilder maxMsgSize(int maxMsgSize) {
    this.maxMsgSize = maxMsgSize;
    return this;
  }

  /**
   * The largest total of the bodies in one batch (4470 above it). Default: 1 MiB; legacy CMQ had
   * 64 KiB.
   *
   * @param maxBatchBytes positive
   * @return this builder
   */
  public LocalCmqBuilder maxBatchBytes(int maxBatchBytes) {
    this.maxBatchBytes = maxBatchBytes;
    return this;
  }

  /**
   * The largest request body (4000/10420 above it). Default: 1 MiB.
   *
   * @param maxRequestBytes positive
   * @return this builder
   */
  public LocalCmqBuilder maxRequestBytes(int maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
    return this;
  }

  /**
   * Whether a request that repeats the {@code (SecretId, Timestamp, Nonce)} of an earlier one is
   * rejected with 4100, which catches clients that resend a signed request instead of signing
   * anew. Whether the real service does this is not documented. Default: {@code true}.
   *
   * @param reject whether to reject
   * @return this builder
   */
  public LocalCmqBuilder rejectReusedNonces(boolean reject) {
    this.rejectReusedNonces = reject;
    return this;
  }

  /**
   * How many recent requests {@link LocalCmq#requests()} keeps. Default: 10 000.
   *
   * @param capacity 0 or more
   * @return this builder
   */
  public LocalCmqBuilder requestLogCapacity(int capacity) {
    this.requestLogCapacity = capacity;
    return this;
  }

  /**
   * Starts the server.
   *
   * @return the running server
   * @throws IllegalArgumentException listing every invalid setting
   * @throws UncheckedIOException if the port cannot be bound
   */
  public LocalCmq start() {
    Problems p = Problems.of("LocalCmq configuration");
    problems.forEach(p::add);
    p.range("port", port, 0, 65535)
        .positive("visibilityTimeout", visibilityTimeout)
        .atLeast("maxMsgSize", maxMsgSize, 1)
        .atLeast("maxBatchBytes", maxBatchBytes, 1)
        .atLeast("maxRequestBytes", maxRequestBytes, 1)
        .atLeast("requestLogCapacity", requestLogCapacity, 0);
    for (String id : keys.keySet()) {
      p.check(id.startsWith("AKID"), "secretId was " + id + " but must start with AKID");
    }
    p.throwIfAny();
    try {
      return new LocalCmq(this);
    } catch (IOException e) {
      throw new UncheckedIOException("LocalCmq could not start", e);
    }
  }
}
