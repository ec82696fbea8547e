package dev.iotforwarder.cmq.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reply mapping: turns an HTTP response, or the I/O error instead of one, into the outcome of the
 * call. {@code code} 0 is the action's result; "no message" (7000) is an empty result where the
 * action has one (receives); a batch delete that lists its failed handles (6010, or 6020 with an
 * {@code errorList}) is a result; everything else is a {@code CmqException} that says whether a
 * retry may help. Logs (at DEBUG and TRACE, under {@code dev.iotforwarder.cmq.CmqClient}) codes,
 * statuses and request ids, never a parameter value or a secret. Thread-safe.
 */
public final class ReplyMapper {
  private static final Logger log = LoggerFactory.getLogger("dev.iotforwarder.cmq.CmqClient");

  private final JsonFactory json = ReplyLimits.jsonFactory();
  private final FailureFactory failures;
  private final String host;

  /**
   * A mapper.
   *
   * @param failures makes the exceptions
   * @param host the endpoint's host, for logs
   */
  public ReplyMapper(FailureFactory failures, String host) {
    this.failures = failures;
    this.host = host;
  }

  /**
   * Completes {@code future} from a response that arrived.
   *
   * @param <T> the action's result type
   * @param future the call's future
   * @param action the action
   * @param response the response; the caller closes it
   * @param onSuccess the action's result from a reply with code 0
   * @param ifNoMessage the result for "no message", or null if that is an error for this action
   * @param start {@link System#nanoTime()} when the call started
   */
  public <T> void complete(CompletableFuture<T> future, String action, Response response,
      Function<CmqReply, T> onSuccess, T ifNoMessage, long start) {
    int status = response.code();
    if (!response.isSuccessful()) {
      boolean retriable = status >= 500 || status == 408 || status == 429;
      log.debug("CMQ {} to {}: HTTP {} after {} ms", action, host, status, millisSince(start));
      future.completeExceptionally(failures.transport(action, "HTTP " + status, status, retriable, null));
      return;
    }
    CmqReply reply;
    ResponseBody rb = response.body();
    if (rb.contentLength() > ReplyLimits.MAX_REPLY_BYTES) {
      log.debug("CMQ {} to {}: reply of {} bytes refused", action, host, rb.contentLength());
      future.completeExceptionally(failures.transport(action, "reply declares " + rb.contentLength()
          + " bytes, more than the bound of " + ReplyLimits.MAX_REPLY_BYTES, status, true, null));
      return;
    }
    try {
      reply = read(json, rb.byteStream());
    } catch (ReplyLimits.ReplyTooLargeException e) {
      log.debug("CMQ {} to {}: reply too large after {} ms", action, host, millisSince(start));
      future.completeExceptionally(failures.transport(action, e.getMessage(), status, true, e));
      return;
    } catch (ReplyLimits.BodyReadException e) {
      String what = (e.getCause() instanceof InterruptedIOException ? "timeout or cancel" : "I/O error")
          + " while reading the reply: " + e.getMessage();
      log.debug("CMQ {} to {}: {} after {} ms", action, host, what, millisSince(start));
      future.completeExceptionally(failures.transport(action, what, status, true, e.getCause()));
      return;
    } catch (IOException e) {
      log.debug("CMQ {} to {}: unreadable reply after {} ms: {}", action, host, millisSince(start), e.getMessage());
      future.completeExceptionally(failures.transport(action,
          "reply is not a CMQ JSON reply (" + e.getClass().getSimpleName() + ": " + why(e) + ")", status, true, e));
      return;
    }
    if (reply.code == CmqReply.NO_CODE) {
      future.completeExceptionally(failures.transport(action, "reply has no code field", status, true, null));
      return;
    }
    if (log.isTraceEnabled()) {
      log.trace("CMQ {} to {}: code {} requestId {} in {} ms", action, host, reply.code, reply.requestId,
          millisSince(start));
    }
    if (reply.code == 0) {
      future.complete(onSuccess.apply(reply));
    } else if (reply.code == CmqErrors.NO_MESSAGE && ifNoMessage != null) {
      future.complete(ifNoMessage);
    } else if (action.equals("BatchDeleteMessage")
        && (reply.code == CmqErrors.DELETE_PARTLY_FAILED
            || (reply.code == CmqErrors.DELETE_FAILED && reply.errors != null && !reply.errors.isEmpty()))) {
      future.complete(onSuccess.apply(reply));
    } else {
      RuntimeException e = failures.server(action, reply.code, reply.message, reply.requestId, status);
      log.debug("{}", e.getMessage());
      future.completeExceptionally(e);
    }
  }

  /**
   * Reads a reply within {@link ReplyLimits}: the parse of every reply body goes through here.
   *
   * @param json a factory from {@link ReplyLimits#jsonFactory()}
   * @param body the body
   * @return the reply
   * @throws ReplyLimits.ReplyTooLargeException if the body is longer than {@link ReplyLimits#MAX_REPLY_BYTES}
   * @throws IOException if the body is not a complete JSON object within the bounds, or an I/O error
   */
  public static CmqReply read(JsonFactory json, InputStream body) throws IOException {
    return CmqReply.parse(json, ReplyLimits.bounded(body, ReplyLimits.MAX_REPLY_BYTES));
  }

  /**
   * The failure of a call that got no response.
   *
   * @param action the action
   * @param e OkHttp's exception
   * @param retriable whether a retry may help (not when the client's own close cancelled the call)
   * @param start {@link System#nanoTime()} when the call started
   * @return the exception to fail the call's future with
   */
  public RuntimeException noResponse(String action, IOException e, boolean retriable, long start) {
    String what = (e instanceof InterruptedIOException ? "timeout or cancel: " : "I/O error: ")
        + e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : "");
    log.debug("CMQ {} to {} failed after {} ms: {}", action, host, millisSince(start), what);
    return failures.transport(action, what, -1, retriable, e);
  }

  private static String why(IOException e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return CmqErrors.shorten(m == null ? "" : m.replace('\n', ' '));
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
