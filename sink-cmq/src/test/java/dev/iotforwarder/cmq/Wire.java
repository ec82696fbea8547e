package dev.iotforwarder.cmq;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Test helpers that read requests the way a server would, independently of the client's code. */
final class Wire {
  private Wire() {}

  static Map<String, String> parseForm(String body) {
    Map<String, String> p = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      p.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return p;
  }

  /** The signature a server computes: POST, host, path, sorted raw pairs without Signature. */
  static String expectedSignature(String algorithm, String key, String host, String path, Map<String, String> params)
      throws Exception {
    TreeMap<String, String> sorted = new TreeMap<>(params);
    sorted.remove("Signature");
    StringBuilder s = new StringBuilder("POST").append(host).append(path).append('?');
    String sep = "";
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      s.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = "&";
    }
    Mac mac = Mac.getInstance(algorithm);
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
    return Base64.getEncoder().encodeToString(mac.doFinal(s.toString().getBytes(StandardCharsets.UTF_8)));
  }
}
