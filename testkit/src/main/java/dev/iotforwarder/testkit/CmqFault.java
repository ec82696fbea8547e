package dev.iotforwarder.testkit;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A fault that {@link LocalCmq} injects instead of (or before) answering a request, like OkHttp's
 * {@code SocketPolicy}: script them with {@link LocalCmq#injectFaults(java.util.Collection,
 * LocalCmq.Fault...)} or draw them at a seeded rate with {@link LocalCmq#faultRate(double, long,
 * java.util.Collection, LocalCmq.Fault...)}. Immutable.
 *
 * <ul>
 *   <li>{@link #error(int)}: answer with this CMQ code instead of processing the request (a
 *       retriable one such as 4420 or 6000, or a permanent one);
 *   <li>{@link #httpStatus(int)}: answer with this HTTP status and a text body;
 *   <li>{@link #delay(Duration)}: wait, then process the request normally (a client that timed out
 *       meanwhile may send it again: a duplicate, as with the real service);
 *   <li>{@link #drop()}: close the connection without an answer; nothing is stored;
 *   <li>{@link #deleteFailures(int, int)}: on {@code BatchDeleteMessage}, fail the first handles with
 *       a code and delete the rest (6010).
 * </ul>
 *
 * <p>{@code LocalCmq.Fault} is the name tests used before this class existed; its factories return
 * a {@code CmqFault}, so both spellings work.
 */
public final class CmqFault implements LocalCmq.Fault {
  /** What a fault does. */
  public enum Kind {
    /** Answer with a CMQ error code: {@link #error(int, int)}. */
    ERROR,
    /** Answer with an HTTP status: {@link #httpStatus(int)}. */
    HTTP_STATUS,
    /** Wait, then answer normally: {@link #delay(Duration)}. */
    DELAY,
    /** Close the connection without an answer: {@link #drop()}. */
    DROP,
    /** Fail some handles of a batch delete: {@link #deleteFailures(int, int)}. */
    DELETE_FAILURES
  }

  /** The module code the CMQ documentation gives for each error code. */
  private static final Map<Integer, Integer> MODULES = Map.of(
      4000, 10000, 4100, 10030, 4400, 10230, 4410, 10240, 4420, 10250, 4440, 10100,
      4470, 10300, 4480, 10460, 6000, 10050, 6070, 10690);

  private final Kind kind;
  private final int code;
  private final int moduleCode;
  private final int httpStatus;
  private final int count;
  private final Duration delay;

  private CmqFault(Kind kind, int code, int moduleCode, int httpStatus, int count, Duration delay) {
    this.kind = kind;
    this.code = code;
    this.moduleCode = moduleCode;
    this.httpStatus = httpStatus;
    this.count = count;
    this.delay = delay;
  }

  /**
   * Answer with a CMQ error code, with the module code the documentation gives for it.
   *
   * @param code e.g. 4420 (throttled), 6000 (internal error), 4410 (queue full)
   * @return the fault
   */
  public static CmqFault error(int code) {
    return error(code, MODULES.getOrDefault(code, 10000));
  }

  /**
   * Answer with a CMQ error code and module code: {@code "message": "(module)injected fault code"}.
   *
   * @param code the code
   * @param moduleCode the module code
   * @return the fault
   */
  public static CmqFault error(int code, int moduleCode) {
    return new CmqFault(Kind.ERROR, code, moduleCode, 0, 0, null);
  }

  /**
   * Answer with an HTTP status and a plain-text body.
   *
   * @param status e.g. 502 or 503
   * @return the fault
   */
  public static CmqFault httpStatus(int status) {
    return new CmqFault(Kind.HTTP_STATUS, 0, 0, status, 0, null);
  }

  /**
   * Wait, then process the request normally.
   *
   * @param delay how long
   * @return the fault
   */
  public static CmqFault delay(Duration delay) {
    return new CmqFault(Kind.DELAY, 0, 0, 0, 0, Objects.requireNonNull(delay));
  }

  /**
   * Close the connection without an answer, before processing.
   *
   * @return the fault
   */
  public static CmqFault drop() {
    return new CmqFault(Kind.DROP, 0, 0, 0, 0, null);
  }

  /**
   * On {@code BatchDeleteMessage}: the first {@code count} handles fail with {@code code} and are not
   * deleted; the others are deleted.
   *
   * @param count how many handles fail
   * @param code their code, e.g. 6000
   * @return the fault
   */
  public static CmqFault deleteFailures(int count, int code) {
    return new CmqFault(Kind.DELETE_FAILURES, code, MODULES.getOrDefault(code, 10000), 0, count, null);
  }

  /**
   * What this fault does.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The CMQ code answered, for {@link Kind#ERROR} and {@link Kind#DELETE_FAILURES}.
   *
   * @return the code, or 0
   */
  public int code() {
    return code;
  }

  /**
   * The module code in the answer's message, for {@link Kind#ERROR} and {@link
   * Kind#DELETE_FAILURES}.
   *
   * @return the module code, or 0
   */
  public int moduleCode() {
    return moduleCode;
  }

  /**
   * The HTTP status answered, for {@link Kind#HTTP_STATUS}.
   *
   * @return the status, or 0
   */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * How many handles fail, for {@link Kind#DELETE_FAILURES}.
   *
   * @return the count, or 0
   */
  public int count() {
    return count;
  }

  /**
   * How long to wait, for {@link Kind#DELAY}.
   *
   * @return the delay, or {@code null}
   */
  public Duration delay() {
    return delay;
  }

  /**
   * The text of the error message the fault answers with, after the module code.
   *
   * @return {@code "injected fault <code>"}
   */
  public String message() {
    return "injected fault " + code;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case ERROR -> "Fault.error(" + code + ", " + moduleCode + ")";
      case HTTP_STATUS -> "Fault.httpStatus(" + httpStatus + ")";
      case DELAY -> "Fault.delay(" + delay + ")";
      case DROP -> "Fault.drop()";
      case DELETE_FAILURES -> "Fault.deleteFailures(" + count + ", " + code + ")";
    };
  }
}
