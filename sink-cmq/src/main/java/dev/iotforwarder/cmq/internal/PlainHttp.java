package dev.iotforwarder.cmq.internal;

import dev.iotforwarder.cmq.CmqEndpoint;
import java.util.Locale;
import java.util.Optional;

/**
 * The plain-HTTP rule: HTTPS everywhere, except the VPC-private hosts Tencent serves only over HTTP
 * ({@code *.tencentyun.com}: {@code <region>.mqadapter.cmq.tencentyun.com}, {@code
 * cmq-queue-<region>.api.tencentyun.com}) and loopback. Any other plain-HTTP endpoint gets one WARN at
 * build time: the signature authenticates a request but hides nothing, so the message bodies, the
 * queue names and the SecretId travel readable, and a reply can be forged. Stateless.
 */
public final class PlainHttp {
  private PlainHttp() {}

  /**
   * The warning for an endpoint, if it deserves one.
   *
   * @param endpoint the endpoint
   * @return the WARN text, or empty for HTTPS, Tencent's private hosts and loopback
   */
  public static Optional<String> warning(CmqEndpoint endpoint) {
    if (!"http".equals(endpoint.scheme())) {
      return Optional.empty();
    }
    String host = hostOnly(endpoint.host()).toLowerCase(Locale.ROOT);
    if (host.endsWith(".tencentyun.com") || isLoopback(host)) {
      return Optional.empty();
    }
    return Optional.of("CMQ endpoint " + endpoint.url() + " is plain HTTP and neither a Tencent private"
        + " (*.tencentyun.com) nor a loopback host: the request signature does not hide the message"
        + " bodies, queue names or SecretId from anyone on the path, and replies can be forged; use https");
  }

  private static String hostOnly(String authority) {
    if (authority.startsWith("[")) {
      int end = authority.indexOf(']');
      return end > 0 ? authority.substring(1, end) : authority;
    }
    int colon = authority.lastIndexOf(':');
    return colon >= 0 ? authority.substring(0, colon) : authority;
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.")
        || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
  }
}
