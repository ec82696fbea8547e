package dev.iotforwarder.testkit.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What LocalCmq counts: requests (in all and by action), replies by code, signature failures and
 * injected faults. Thread-safe; counters only grow.
 */
public final class CmqCounters {
  private final LongAdder requests = new LongAdder();
  private final Map<String, LongAdder> requestsByAction = new ConcurrentHashMap<>();
  private final LongAdder signatureFailures = new LongAdder();
  private final LongAdder faultsInjected = new LongAdder();
  private final Map<Integer, LongAdder> repliesByCode = new ConcurrentHashMap<>();

  /** Counts a request on a valid path. */
  public void request() {
    requests.increment();
  }

  /**
   * Counts a request with an {@code Action}.
   *
   * @param action the action
   */
  public void request(String action) {
    requestsByAction.computeIfAbsent(action, a -> new LongAdder()).increment();
  }

  /**
   * Counts a reply.
   *
   * @param code its CMQ code
   */
  public void reply(int code) {
    repliesByCode.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  /** Counts a failed signature check. */
  public void signatureFailure() {
    signatureFailures.increment();
  }

  /** Counts an injected fault. */
  public void faultInjected() {
    faultsInjected.increment();
  }

  /**
   * Requests on a valid path.
   *
   * @return the count
   */
  public long requests() {
    return requests.sum();
  }

  /**
   * Requests with this action.
   *
   * @param action the action
   * @return the count
   */
  public long requests(String action) {
    LongAdder a = requestsByAction.get(action);
    return a == null ? 0 : a.sum();
  }

  /**
   * Replies with this code.
   *
   * @param code the code
   * @return the count
   */
  public long replies(int code) {
    LongAdder a = repliesByCode.get(code);
    return a == null ? 0 : a.sum();
  }

  /**
   * Failed signature checks.
   *
   * @return the count
   */
  public long signatureFailures() {
    return signatureFailures.sum();
  }

  /**
   * Injected faults.
   *
   * @return the count
   */
  public long faultsInjected() {
    return faultsInjected.sum();
  }
}
