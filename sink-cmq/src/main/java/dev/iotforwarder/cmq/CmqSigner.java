package dev.iotforwarder.cmq;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs CMQ data-flow requests the way the CMQ HTTP API requires (the "API 2.0" HMAC scheme).
 *
 * <p>{@link #sign(CmqEndpoint, String, Map)} adds the common parameters ({@code Action}, {@code
 * SecretId}, {@code Timestamp}, {@code Nonce}, {@code SignatureMethod}, {@code RequestClient} and,
 * for temporary keys, {@code Token}) to the action's own parameters, sorts all of them by name as
 * plain text ({@code msgBody.10} before {@code msgBody.2}), writes them as {@code name=value} with
 * raw, not URL-encoded, values (a {@code _} in a name is signed as {@code .}), joins them with
 * {@code &}, prefixes {@code POST + host + path + "?"}, and returns them with {@code Signature} =
 * Base64(HMAC(SecretKey, that string)).
 *
 * <p>Every call draws a fresh {@code Timestamp} from the {@link Builder#clock(Clock) clock} and a
 * fresh {@code Nonce} from the {@link Builder#nonceSource(LongSupplier) nonce source}, so each
 * attempt of a retried request is a new signed request.
 *
 * <p>Immutable and thread-safe; the {@link Builder} is not. {@link #toString()} never shows the
 * SecretKey.
 */
public final class CmqSigner {
  /** Default for {@link Builder#requestClient(String)}. */
  public static final String DEFAULT_REQUEST_CLIENT = "iot-forwarder/0.1";

  private final CmqCredentials credentials;
  private final SignatureMethod method;
  private final Clock clock;
  private final LongSupplier nonceSource;
  private final String requestClient;

  private CmqSigner(Builder b) {
    this.credentials = b.credentials;
    this.method = b.method;
    this.clock = b.clock;
    this.nonceSource = b.nonceSource;
    this.requestClient = b.requestClient;
  }

  /**
   * A signer with the defaults: HmacSHA256, the system clock, random nonces.
   *
   * @param credentials the API key
   * @return the signer
   */
  public static CmqSigner of(CmqCredentials credentials) {
    return builder(credentials).build();
  }

  /**
   * A builder.
   *
   * @param credentials the API key, not {@code null} (checked by {@link Builder#build()})
   * @return a builder with the defaults
   */
  public static Builder builder(CmqCredentials credentials) {
    return new Builder(credentials);
  }

  /**
   * Signs one POST request.
   *
   * @param endpoint where the request goes; its host and path are signed
   * @param action the action, e.g. {@code "BatchSendMessage"}
   * @param actionParams the action's parameters (e.g. {@code queueName}, {@code msgBody.1}); they
   *     must not include the common parameters this method adds
   * @return every parameter to send, sorted by name, with {@code Signature} last; unmodifiable
   * @throws IllegalArgumentException if {@code actionParams} holds a common parameter or a {@code
   *     null} value
   * @throws IllegalStateException if the nonce source returned a number {@code <= 0}
   */
  public Map<String, String> sign(CmqEndpoint endpoint, String action, Map<String, String> actionParams) {
    Objects.requireNonNull(endpoint, "endpoint == null");
    Objects.requireNonNull(action, "action == null");
    TreeMap<String, String> params = new TreeMap<>();
    for (Map.Entry<String, String> e : actionParams.entrySet()) {
      if (e.getValue() == null) {
        throw new IllegalArgumentException("value of parameter " + e.getKey() + " == null");
      }
      params.put(e.getKey(), e.getValue());
    }
    long nonce = nonceSource.getAsLong();
    if (nonce <= 0) {
      throw new IllegalStateException("nonce source returned " + nonce + " but must return > 0");
    }
    putCommon(params, "Action", action);
    putCommon(params, "SecretId", credentials.secretId());
    putCommon(params, "Timestamp", Long.toString(clock.instant().getEpochSecond()));
    putCommon(params, "Nonce", Long.toString(nonce));
    putCommon(params, "SignatureMethod", method.wireName());
    if (requestClient != null) {
      putCommon(params, "RequestClient", requestClient);
    }
    if (credentials.hasToken()) {
      putCommon(params, "Token", credentials.token());
    }
    String signature =
        hmacBase64(method, credentials.secretKey(), stringToSign("POST", endpoint.host(), endpoint.path(), params));
    LinkedHashMap<String, String> signed = new LinkedHashMap<>(params);
    signed.put("Signature", signature);
    return Collections.unmodifiableMap(signed);
  }

  private static void putCommon(TreeMap<String, String> params, String name, String value) {
    if (params.put(name, value) != null) {
      throw new IllegalArgumentException(
          "actionParams must not contain the common parameter " + name + "; the signer sets it");
    }
  }

  /**
   * The string-to-sign: {@code method + host + path + "?" + name=value&...} over the parameters
   * sorted by name as text (without {@code Signature}), raw values, {@code _} in names written as
   * {@code .}.
   */
  static String stringToSign(String httpMethod, String host, String path, Map<String, String> params) {
    List<String> names = new ArrayList<>(params.keySet());
    names.remove("Signature");
    Collections.sort(names);
    int size = httpMethod.length() + host.length() + path.length() + 1;
    for (String n : names) {
      size += n.length() + params.get(n).length() + 2;
    }
    StringBuilder sb = new StringBuilder(size);
    sb.append(httpMethod).append(host).append(path).append('?');
    boolean first = true;
    for (String n : names) {
      if (!first) {
        sb.append('&');
      }
      first = false;
      sb.append(n.replace('_', '.')).append('=').append(params.get(n));
    }
    return sb.toString();
  }

  /** Base64 (standard alphabet, padded) of HMAC(key, data) over UTF-8 bytes. */
  static String hmacBase64(SignatureMethod method, String key, String data) {
    try {
      Mac mac = Mac.getInstance(method.wireName());
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), method.wireName()));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      // Every Java 17 runtime has HmacSHA1 and HmacSHA256; the message never holds the key.
      throw new IllegalStateException(method.wireName() + " is not available", e);
    }
  }

  /**
   * The signature method.
   *
   * @return the HMAC in use
   */
  public SignatureMethod signatureMethod() {
    return method;
  }

  /**
   * The SecretId requests are signed for.
   *
   * @return the SecretId
   */
  public String secretId() {
    return credentials.secretId();
  }

  /** Shows the SecretId and the method, never the SecretKey or token. */
  @Override
  public String toString() {
    return "CmqSigner[secretId=" + credentials.secretId() + ", method=" + method.wireName() + "]";
  }

  /** Configures a {@link CmqSigner}. Not thread-safe. */
  public static final class Builder {
    private final CmqCredentials credentials;
    private final List<String> problems = new ArrayList<>();
    private SignatureMethod method = SignatureMethod.HMAC_SHA256;
    private Clock clock = Clock.systemUTC();
    // 63 random bits, not the SDKs' 31: the server may reject a repeated (Timestamp, Nonce), and at
    // 6,000 requests per second 31-bit nonces repeat within one second about every two minutes.
    private LongSupplier nonceSource = () -> ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private String requestClient = DEFAULT_REQUEST_CLIENT;

    private Builder(CmqCredentials credentials) {
      this.credentials = credentials;
      if (credentials == null) {
        problems.add("credentials == null");
      }
    }

    /**
     * The HMAC. Default: {@link SignatureMethod#HMAC_SHA256}.
     *
     * @param method the method
     * @return this builder
     */
    public Builder signatureMethod(SignatureMethod method) {
      if (method == null) {
        problems.add("signatureMethod == null");
      } else {
        this.method = method;
      }
      return this;
    }

    /**
     * The clock that gives {@code Timestamp} (Unix seconds). Default: {@link Clock#systemUTC()}; keep
     * it NTP-synced, the server rejects requests too far from its own time.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      if (clock == null) {
        problems.add("clock == null");
      } else {
        this.clock = clock;
      }
      return this;
    }

    /**
     * Where each request's {@code Nonce} comes from; must return positive numbers and be
     * thread-safe. Default: uniformly random in [1, 2^63 - 1) (up to 19 digits, as in the CMQ
     * documentation's example). With 31-bit nonces, as the official SDKs draw them, two of 6,000
     * requests in the same second share a nonce about every two minutes, and a server that rejects
     * replays answers the second with 4100, an authentication failure.
     *
     * @param nonceSource the nonce source
     * @return this builder
     */
    public Builder nonceSource(LongSupplier nonceSource) {
      if (nonceSource == null) {
        problems.add("nonceSource == null");
      } else {
        this.nonceSource = nonceSource;
      }
      return this;
    }

    /**
     * The informational {@code RequestClient} parameter, or {@code null} to leave it out. Default:
     * {@value CmqSigner#DEFAULT_REQUEST_CLIENT}.
     *
     * @param requestClient the client id
     * @return this builder
     */
    public Builder requestClient(String requestClient) {
      this.requestClient = requestClient;
      return this;
    }

    /**
     * Builds the signer.
     *
     * @return the signer
     * @throws IllegalArgumentException listing every invalid setting
     */
    public CmqSigner build() {
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid CmqSigner configuration: " + String.join("; ", problems));
      }
      return new CmqSigner(this);
    }
  }
}
