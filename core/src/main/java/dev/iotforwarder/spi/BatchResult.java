package dev.iotforwarder.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * The outcome of one {@link BatchSink#sendBatch(java.util.List) batch}: for each message, in the
 * batch's order, {@code null} if the destination stored it, else why not. An immutable value.
 */
public final class BatchResult {
  private static final Throwable[] NONE = new Throwable[0];

  private final int size;
  /** Failures by index; {@link #NONE} when every message succeeded. */
  private final Throwable[] failures;

  private BatchResult(int size, Throwable[] failures) {
    this.size = size;
    this.failures = failures;
  }

  /**
   * Every message of the batch was stored.
   *
   * @param size the batch's size
   * @return the result
   * @throws IllegalArgumentException if {@code size < 1}
   */
  public static BatchResult success(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size was " + size + " but must be >= 1");
    }
    return new BatchResult(size, NONE);
  }

  /**
   * One outcome per message.
   *
   * @param failures for each message, {@code null} if it was stored, else its failure; not empty
   * @return the result, holding a copy of the array
   * @throws IllegalArgumentException if {@code failures} is empty
   */
  public static BatchResult of(Throwable... failures) {
    Objects.requireNonNull(failures, "failures == null");
    if (failures.length == 0) {
      throw new IllegalArgumentException("failures was empty but must hold one outcome per message");
    }
    boolean any = false;
    for (Throwable t : failures) {
      any |= t != null;
    }
    return new BatchResult(failures.length, any ? failures.clone() : NONE);
  }

  /**
   * The number of messages the result covers.
   *
   * @return the batch's size
   */
  public int size() {
    return size;
  }

  /**
   * Why the message at {@code index} was not stored.
   *
   * @param index the message's position in the batch
   * @return its failure, or {@code null} if it was stored
   * @throws IndexOutOfBoundsException if {@code index} is outside the batch
   */
  public Throwable failure(int index) {
    Objects.checkIndex(index, size);
    return failures == NONE ? null : failures[index];
  }

  /**
   * Whether every message was stored.
   *
   * @return {@code true} if no message failed
   */
  public boolean allSucceeded() {
    return failures == NONE;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchResult r && r.size == size && Arrays.equals(r.failures, failures);
  }

  @Override
  public int hashCode() {
    return 31 * size + Arrays.hashCode(failures);
  }

  @Override
  public String toString() {
    if (failures == NONE) {
      return "BatchResult[" + size + " stored]";
    }
    int failed = 0;
    for (Throwable t : failures) {
      failed += t == null ? 0 : 1;
    }
    return "BatchResult[" + (size - failed) + " stored, " + failed + " failed]";
  }
}
