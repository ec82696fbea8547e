package dev.iotforwarder.testkit.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server side of the CMQ wire format, written independently of sink-cmq's client: form and query
 * decoding, and signature verification.
 */
public final class CmqWire {
  private CmqWire() {}

  /**
   * Decodes {@code a=1&b=2} (form body or query string): {@code +} is a space, {@code %XX} are UTF-8
   * bytes. A name given twice keeps its first value.
   *
   * @param encoded the encoded text, may be empty
   * @return the parameters in order
   * @throws IllegalArgumentException if an escape is malformed
   */
  public static Map<String, String> decodeForm(String encoded) {
    Map<String, String> params = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return params;
    }
    for (String pair : encoded.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.putIfAbsent(name, value);
    }
    return params;
  }

  /**
   * The string-to-sign of the CMQ HMAC scheme.
   *
   * @param method the HTTP method
   * @param host the Host header
   * @param path the request path
   * @param params every parameter; {@code Signature} is left out
   * @return {@code method + host + path + "?" + sorted name=value pairs}
   */
  public static String stringToSign(String method, String host, String path, Map<String, String> params) {
    List<String> names = new ArrayList<>(params.keySet());
    names.remove("Signature");
    Collections.sort(names);
    StringBuilder sb = new StringBuilder().append(method).append(host).append(path).append('?');
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        sb.append('&');
      }
      String n = names.get(i);
      sb.append(n.replace('_', '.')).append('=').append(params.get(n));
    }
    return sb.toString();
  }

  /**
   * Whether {@code signature} is the Base64 HMAC of the string-to-sign.
   *
   * @param sha256 HmacSHA256 if true, else HmacSHA1
   * @param key the SecretKey
   * @param stringToSign the string
   * @param signature the signature sent
   * @return {@code true} if it matches
   */
  public static boolean verify(boolean sha256, String key, String stringToSign, String signature) {
    String alg = sha256 ? "HmacSHA256" : "HmacSHA1";
    byte[] expected;
    try {
      Mac mac = Mac.getInstance(alg);
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), alg));
      expected = mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(alg + " is not available", e);
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(expected, given);
  }

  /**
   * Whether a binding key pattern ({@code *} one word, {@code #} zero or more words, words separated
   * by {@code .}) matches a routing key.
   *
   * @param pattern the binding key
   * @param routingKey the routing key
   * @return {@code true} on a match
   */
  public static boolean bindingMatches(String pattern, String routingKey) {
    return match(pattern.split("\\.", -1), 0, routingKey.split("\\.", -1), 0);
  }

  private static boolean match(String[] p, int i, String[] k, int j) {
    if (i == p.length) {
      return j == k.length;
    }
    if (p[i].equals("#")) {
      for (int skip = j; skip <= k.length; skip++) {
        if (match(p, i + 1, k, skip)) {
          return true;
        }
      }
      return false;
    }
    if (j == k.length) {
      return false;
    }
    return (p[i].equals("*") || p[i].equals(k[j])) && match(p, i + 1, k, j + 1);
  }
}
