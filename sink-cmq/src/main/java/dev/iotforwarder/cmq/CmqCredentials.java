package dev.iotforwarder.cmq;

import java.util.ArrayList;
import java.util.List;

/**
 * A Tencent Cloud API key: the SecretId, the SecretKey and, for temporary (STS) keys, the session
 * token.
 *
 * <p>Immutable and thread-safe. The SecretKey and the token are readable only inside this package
 * (the {@link CmqSigner} uses them); {@link #toString()} shows the SecretId and masks the rest, and
 * no exception or log line of this library ever contains them.
 */
public final class CmqCredentials {
  private final String secretId;
  private final String secretKey;
  private final String token;

  private CmqCredentials(String secretId, String secretKey, String token) {
    this.secretId = secretId;
    this.secretKey = secretKey;
    this.token = token;
  }

  /**
   * A permanent API key.
   *
   * @param secretId the SecretId, usually starting with {@code AKID}; not blank
   * @param secretKey the SecretKey; not blank
   * @return the credentials
   * @throws IllegalArgumentException naming each blank or {@code null} part (never its value)
   */
  public static CmqCredentials of(String secretId, String secretKey) {
    return create(secretId, secretKey, null, false);
  }

  /**
   * A temporary (STS) key: the token is sent and signed as the {@code Token} parameter.
   *
   * @param secretId the temporary SecretId; not blank
   * @param secretKey the temporary SecretKey; not blank
   * @param token the session token; not blank
   * @return the credentials
   * @throws IllegalArgumentException naming each blank or {@code null} part (never its value)
   */
  public static CmqCredentials of(String secretId, String secretKey, String token) {
    return create(secretId, secretKey, token, true);
  }

  private static CmqCredentials create(String id, String key, String token, boolean needsToken) {
    List<String> problems = new ArrayList<>(3);
    if (id == null || id.isBlank()) {
      problems.add(id == null ? "secretId == null" : "secretId is blank");
    }
    if (key == null || key.isBlank()) {
      problems.add(key == null ? "secretKey == null" : "secretKey is blank");
    }
    if (needsToken && (token == null || token.isBlank())) {
      problems.add(token == null ? "token == null" : "token is blank");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Invalid CmqCredentials: " + String.join("; ", problems));
    }
    return new CmqCredentials(id, key, token);
  }

  /**
   * The SecretId, which is not a secret: it is sent in every request.
   *
   * @return the SecretId
   */
  public String secretId() {
    return secretId;
  }

  /**
   * Whether these are temporary credentials with a session token.
   *
   * @return {@code true} if a token is present
   */
  public boolean hasToken() {
    return token != null;
  }

  String secretKey() {
    return secretKey;
  }

  String token() {
    return token;
  }

  /** Shows the SecretId; the SecretKey and token are masked. */
  @Override
  public String toString() {
    return "CmqCredentials[secretId=" + secretId + ", secretKey=****"
        + (token != null ? ", token=****" : "") + "]";
  }
}
