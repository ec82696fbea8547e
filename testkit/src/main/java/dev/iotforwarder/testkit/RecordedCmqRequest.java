package dev.iotforwarder.testkit;

import java.util.Map;

/**
 * One request as {@link LocalCmq} saw it, and what it answered, like OkHttp's {@code
 * RecordedRequest}: {@link LocalCmq#requests()} lists the most recent ones. Immutable.
 *
 * <p>{@code LocalCmq.RecordedRequest} is the name tests used before this record existed; it is
 * implemented by this record, so both spellings work.
 *
 * @param method the HTTP method
 * @param path the request path
 * @param contentType the {@code Content-Type} header, or {@code null}
 * @param action the {@code Action} parameter, or {@code null}
 * @param params every parameter, decoded
 * @param code the CMQ code answered, or -1 for an injected HTTP status or dropped connection
 * @param httpStatus the HTTP status answered, or -1 for a dropped connection
 */
public record RecordedCmqRequest(String method, String path, String contentType, String action,
    Map<String, String> params, int code, int httpStatus) implements LocalCmq.RecordedRequest {
  /**
   * Copies the parameters.
   *
   * @throws NullPointerException if {@code params} is null or holds a null
   */
  public RecordedCmqRequest {
    params = Map.copyOf(params);
  }
}
