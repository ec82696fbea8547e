package dev.iotforwarder.testkit.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * LocalCmq's check of a request's credentials and signature, as the service does: the common
 * parameters, a SecretId starting with {@code AKID} and known, the signature (HmacSHA256 when {@code
 * SignatureMethod} says so, HmacSHA1 otherwise) over {@link CmqWire#stringToSign}, and optionally
 * no {@code (SecretId, Timestamp, Nonce)} used twice. Thread-safe.
 */
public final class CmqSignatures {
  private final Map<String, String> keys;
  private final boolean rejectReusedNonces;
  private final CmqCounters counters;
  private final Set<String> seenNonces = ConcurrentHashMap.newKeySet();

  /**
   * A check.
   *
   * @param keys SecretKey by SecretId
   * @param rejectReusedNonces whether a reused {@code (SecretId, Timestamp, Nonce)} gets 4100
   * @param counters where signature failures are counted
   */
  public CmqSignatures(Map<String, String> keys, boolean rejectReusedNonces, CmqCounters counters) {
    this.keys = Map.copyOf(keys);
    this.rejectReusedNonces = rejectReusedNonces;
    this.counters = counters;
  }

  /**
   * Verifies a request.
   *
   * @param method the HTTP method
   * @param host the {@code Host} header, or null
   * @param path the request path
   * @param p every parameter
   * @throws CmqError 4000 for a missing or malformed parameter, 4100 for a failed check
   */
  public void verify(String method, String host, String path, Map<String, String> p) {
    for (String required : List.of("SecretId", "Signature", "Nonce", "Timestamp")) {
      if (!p.containsKey(required)) {
        throw new CmqError(4000, 10010, "param " + required + " missing");
      }
    }
    if (!CmqParams.isDigits(p.get("Nonce")) || !CmqParams.isDigits(p.get("Timestamp"))) {
      throw new CmqError(4000, 10000, "param Nonce and Timestamp must be positive integers");
    }
    String secretId = p.get("SecretId");
    if (!secretId.startsWith("AKID")) {
      throw new CmqError(4000, 10450, "SecretId is invalid, it must start with AKID");
    }
    String key = keys.get(secretId);
    if (key == null) {
      counters.signatureFailure();
      throw new CmqError(4100, 10270, "SecretId is not existed");
    }
    boolean sha256 = "HmacSHA256".equals(p.get("SignatureMethod"));
    String toSign = CmqWire.stringToSign(method, host == null ? "" : host, path, p);
    if (!CmqWire.verify(sha256, key, toSign, p.get("Signature"))) {
      counters.signatureFailure();
      throw new CmqError(4100, 10030, "signature verification failed");
    }
    if (rejectReusedNonces && !seenNonces.add(secretId + "/" + p.get("Timestamp") + "/" + p.get("Nonce"))) {
      counters.signatureFailure();
      throw new CmqError(4100, 10030, "Nonce was used before with this Timestamp");
    }
  }
}
