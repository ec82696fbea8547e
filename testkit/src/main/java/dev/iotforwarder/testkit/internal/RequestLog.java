package dev.iotforwarder.testkit.internal;

import dev.iotforwarder.testkit.RecordedCmqRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * LocalCmq's log of the most recent requests, oldest first, up to a capacity (0 records nothing).
 * Thread-safe: every method holds this object's lock.
 */
public final class RequestLog {
  private final int capacity;
  private final Deque<RecordedCmqRequest> log = new ArrayDeque<>();

  /**
   * An empty log.
   *
   * @param capacity how many requests it keeps, 0 or more
   */
  public RequestLog(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Records a request, dropping the oldest if full.
   *
   * @param method the HTTP method
   * @param path the path
   * @param contentType the {@code Content-Type} header, or null
   * @param action the {@code Action}, or null
   * @param params every parameter
   * @param code the CMQ code answered, or -1
   * @param status the HTTP status answered, or -1
   */
  public void record(String method, String path, String contentType, String action,
      Map<String, String> params, int code, int status) {
    if (capacity == 0) {
      return;
    }
    RecordedCmqRequest r = new RecordedCmqRequest(method, path, contentType, action, params, code, status);
    synchronized (this) {
      if (log.size() == capacity) {
        log.pollFirst();
      }
      log.addLast(r);
    }
  }

  /**
   * The recorded requests.
   *
   * @return a snapshot, oldest first
   */
  public synchronized List<RecordedCmqRequest> snapshot() {
    return List.copyOf(log);
  }

  /** Forgets every recorded request. */
  public synchronized void clear() {
    log.clear();
  }
}
