package dev.iotforwarder.connect.internal;

import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.SignatureMethod;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The connection settings both connectors share ({@code cmq.endpoint}, the key, signing, timeout):
 * their definitions and the {@link CmqClient} built from them. The secret key and token are {@link
 * Type#PASSWORD}: Connect prints them as {@code [hidden]}, and nothing here logs them.
 */
public final class CmqConnection {
  /** The endpoint URL key. */
  public static final String ENDPOINT = "cmq.endpoint";
  /** The SecretId key. */
  public static final String SECRET_ID = "cmq.secret.id";
  /** The SecretKey key (a password). */
  public static final String SECRET_KEY = "cmq.secret.key";
  /** The STS token key (a password, optional). */
  public static final String TOKEN = "cmq.token";
  /** The signature method key. */
  public static final String SIGNATURE_METHOD = "cmq.signature.method";
  /** The HTTP timeout key. */
  public static final String TIMEOUT_MS = "cmq.timeout.ms";

  private static final String GROUP = "CMQ connection";

  private CmqConnection() {}

  /**
   * Adds the connection keys to a definition.
   *
   * @param def the definition
   * @return {@code def}
   */
  public static ConfigDef define(ConfigDef def) {
    int order = 0;
    return def
        .define(ENDPOINT, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new EndpointValidator(), Importance.HIGH,
            "The CMQ (TDMQ for CMQ) HTTP endpoint, e.g. https://cmq-gz.public.tencenttdmq.com; the legacy "
                + "path /v2/index.php may be part of it.", GROUP, ++order, Width.LONG, "Endpoint")
        .define(SECRET_ID, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, ConfigDef.NonEmptyStringWithoutControlChars.nonEmptyStringWithoutControlChars(),
            Importance.HIGH, "The API key's SecretId (not a secret: it is sent with every request).",
            GROUP, ++order, Width.MEDIUM, "SecretId")
        .define(SECRET_KEY, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, new NonBlankPassword(), Importance.HIGH,
            "The API key's SecretKey. Shown as [hidden] by Connect; keep it out of the stored connector "
                + "configuration with a config provider, e.g. ${file:/etc/cmq.properties:secret.key}.",
            GROUP, ++order, Width.MEDIUM, "SecretKey")
        .define(TOKEN, Type.PASSWORD, null, Importance.LOW,
            "The session token of a temporary (STS) key; unset for a permanent key.",
            GROUP, ++order, Width.MEDIUM, "Token")
        .define(SIGNATURE_METHOD, Type.STRING, SignatureMethod.HMAC_SHA256.wireName(),
            ConfigDef.ValidString.in(wireNames()), Importance.LOW,
            "How requests are signed: HmacSHA256 or HmacSHA1.", GROUP, ++order, Width.SHORT, "Signature method")
        .define(TIMEOUT_MS, Type.LONG, CmqClient.DEFAULT_TIMEOUT.toMillis(), ConfigDef.Range.between(1, 600_000),
            Importance.LOW, "Connect, read and write timeout of each CMQ HTTP request, in milliseconds (a "
                + "long-polling receive adds its polling wait to the read timeout).",
            GROUP, ++order, Width.SHORT, "Timeout (ms)");
  }

  /**
   * Builds the client a task uses; the task closes it.
   *
   * @param config the parsed configuration (holding the keys of {@link #define(ConfigDef)})
   * @param maxRequests the most concurrent HTTP requests
   * @return a new client
   */
  public static CmqClient client(AbstractConfig config, int maxRequests) {
    Password token = config.getPassword(TOKEN);
    String id = config.getString(SECRET_ID);
    String key = config.getPassword(SECRET_KEY).value();
    CmqCredentials credentials = token == null || token.value() == null || token.value().isEmpty()
        ? CmqCredentials.of(id, key)
        : CmqCredentials.of(id, key, token.value());
    Duration timeout = Duration.ofMillis(config.getLong(TIMEOUT_MS));
    return CmqClient.builder()
        .endpoint(CmqEndpoint.of(config.getString(ENDPOINT)))
        .credentials(credentials)
        .signatureMethod(signatureMethod(config.getString(SIGNATURE_METHOD)))
        .timeouts(timeout, timeout, timeout)
        .maxRequests(maxRequests)
        .build();
  }

  private static SignatureMethod signatureMethod(String wireName) {
    for (SignatureMethod m : SignatureMethod.values()) {
      if (m.wireName().equalsIgnoreCase(wireName)) {
        return m;
      }
    }
    throw new ConfigException(SIGNATURE_METHOD, wireName, "must be one of " + Arrays.toString(wireNames()));
  }

  private static String[] wireNames() {
    return Arrays.stream(SignatureMethod.values()).map(SignatureMethod::wireName).toArray(String[]::new);
  }

  /** Accepts what {@link CmqEndpoint#of(String)} accepts. */
  static final class EndpointValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || ((String) value).isBlank()) {
        throw new ConfigException(name, value, "the CMQ endpoint URL is required");
      }
      try {
        CmqEndpoint.of(((String) value).trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "an http or https URL";
    }
  }

  /** A password that is set and not blank; its value never goes into the error. */
  static final class NonBlankPassword implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || ((Password) value).value() == null || ((Password) value).value().isBlank()) {
        throw new ConfigException(name + " is required and must not be blank");
      }
    }

    @Override
    public String toString() {
      return "non-blank";
    }
  }
}
