package dev.iotforwarder.reliability;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The secrets every test of the suite uses, and the forms in which they must never show up: as
 * they are, URL-encoded (how a form body or query string would carry them) and Base64-encoded (how
 * a SASL PLAIN token or an envelope payload would carry them).
 */
public final class Secrets {
  /** The CMQ SecretId: not a secret (it is sent in every request), but the key's partner. */
  public static final String CMQ_SECRET_ID = "AKIDreliabilitySuiteId00000000000";
  /** The CMQ SecretKey. */
  public static final String CMQ_SECRET_KEY = "relCmqSecretKey+7f3a9c1e/5b2d4086";
  /** An STS session token, sent (and signed) as the {@code Token} parameter of every request. */
  public static final String STS_TOKEN = "relStsSessionToken=0c8e2f6a4b1d9735";
  /** The CKafka instance id of the SASL user. */
  public static final String SASL_INSTANCE_ID = "ckafka-rel01";
  /** The CKafka user name (without the instance id). */
  public static final String SASL_USER = "forwarder";
  /** The SASL user as the broker sees it. */
  public static final String SASL_USERNAME = SASL_INSTANCE_ID + "#" + SASL_USER;
  /** The SASL password. */
  public static final String SASL_PASSWORD = "relSaslPassword!5e1b7d3f9a2c4608";

  private static final Map<String, String> NEEDLES = needleMap();

  private Secrets() {}

  private static Map<String, String> needleMap() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : Map.of(
        CMQ_SECRET_KEY, "CMQ SecretKey", STS_TOKEN, "STS token", SASL_PASSWORD, "SASL password").entrySet()) {
      String s = e.getKey();
      out.put(s, e.getValue());
      out.put(URLEncoder.encode(s, StandardCharsets.UTF_8), e.getValue() + " (URL-encoded)");
      out.put(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)),
          e.getValue() + " (Base64)");
    }
    return Map.copyOf(out);
  }

  /** @return the secrets, each in every form that must not leak */
  public static Set<String> needles() {
    return NEEDLES.keySet();
  }

  /**
   * Which secret a text contains, if any.
   *
   * @param text the text
   * @return a label of the leaked secret and its form, or {@code null}
   */
  public static String leakIn(String text) {
    if (text == null) {
      return null;
    }
    for (Map.Entry<String, String> e : NEEDLES.entrySet()) {
      if (text.contains(e.getKey())) {
        return e.getValue();
      }
    }
    return null;
  }
}
