package dev.iotforwarder.cmq;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where CMQ requests go: scheme, host (with an optional port) and request path.
 *
 * <p>The path matters for the signature, which covers {@code host + path}. It is chosen by host:
 * {@code "/v2/index.php"} for the legacy hosts ({@code *.api.qcloud.com}, {@code *.api.tencentyun.com})
 * and {@code "/"} for everything else (the TDMQ hosts {@code *.tencenttdmq.com} and {@code
 * *.mqadapter.cmq.*}, and local test servers). A path in the URL given to {@link #of(String)}, or
 * {@link #withPath(String)}, overrides the choice.
 *
 * <p>Presets, by region short code such as {@code "gz"}, {@code "sh"} or {@code "bj"}:
 *
 * <ul>
 *   <li>{@link #tdmqPublic(String)}: {@code https://cmq-<region>.public.tencenttdmq.com}, path {@code /}
 *   <li>{@link #tdmqPrivate(String)}: {@code http://<region>.mqadapter.cmq.tencentyun.com}, path {@code /}
 *   <li>{@link #legacyQueuePublic(String)}: {@code https://cmq-queue-<region>.api.qcloud.com}, path
 *       {@code /v2/index.php}; {@link #legacyQueuePrivate(String)} the same over
 *       {@code http://cmq-queue-<region>.api.tencentyun.com}
 *   <li>{@link #legacyTopicPublic(String)} and {@link #legacyTopicPrivate(String)}: the same with
 *       {@code cmq-topic-}; legacy CMQ serves queues and topics on different hosts
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class CmqEndpoint {
  /** The path of the legacy hosts. */
  public static final String LEGACY_PATH = "/v2/index.php";
  /** The path of the TDMQ hosts. */
  public static final String ROOT_PATH = "/";

  private static final Pattern REGION = Pattern.compile("[a-z][a-z0-9]{0,31}");

  private final String scheme;
  private final String host;
  private final String path;

  private CmqEndpoint(String scheme, String host, String path) {
    this.scheme = scheme;
    this.host = host;
    this.path = path;
  }

  /**
   * An endpoint from a URL such as {@code "https://cmq-gz.public.tencenttdmq.com"} or {@code
   * "http://127.0.0.1:8080"}. A trailing slash is ignored; a path other than {@code "/"} is kept as
   * the request path; otherwise the path is chosen by host.
   *
   * @param url an {@code http} or {@code https} URL without query or fragment
   * @return the endpoint
   * @throws IllegalArgumentException if the URL is not such a URL
   */
  public static CmqEndpoint of(String url) {
    Objects.requireNonNull(url, "url == null");
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("CMQ endpoint is not a URL: " + url, e);
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException(
          "CMQ endpoint scheme was " + scheme + " but must be http or https: " + url);
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty() || uri.getHost() == null) {
      throw new IllegalArgumentException("CMQ endpoint has no host: " + url);
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "CMQ endpoint must not have user info, a query or a fragment: " + url);
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      path = defaultPath(uri.getHost());
    } else if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new CmqEndpoint(scheme, authority, path);
  }

  /**
   * The TDMQ for CMQ public endpoint of a region: {@code https://cmq-<region>.public.tencenttdmq.com},
   * path {@code /}. Serves queues and topics.
   *
   * @param region the region short code, e.g. {@code "gz"}
   * @return the endpoint
   */
  public static CmqEndpoint tdmqPublic(String region) {
    return new CmqEndpoint("https", "cmq-" + region(region) + ".public.tencenttdmq.com", ROOT_PATH);
  }

  /**
   * The TDMQ for CMQ private (VPC) endpoint of a region: {@code
   * http://<region>.mqadapter.cmq.tencentyun.com}, path {@code /}. Serves queues and topics.
   *
   * @param region the region short code, e.g. {@code "gz"}
   * @return the endpoint
   */
  public static CmqEndpoint tdmqPrivate(String region) {
    return new CmqEndpoint("http", region(region) + ".mqadapter.cmq.tencentyun.com", ROOT_PATH);
  }

  /**
   * The legacy CMQ queue endpoint on the public network (HTTPS only).
   *
   * @param region the region short code, e.g. {@code "gz"}
   * @return {@code https://cmq-queue-<region>.api.qcloud.com}, path {@code /v2/index.php}
   */
  public static CmqEndpoint legacyQueuePublic(String region) {
    return new CmqEndpoint("https", "cmq-queue-" + region(region) + ".api.qcloud.com", LEGACY_PATH);
  }

  /**
   * The legacy CMQ queue endpoint inside Tencent Cloud (HTTP only).
   *
   * @param region the region short code, e.g. {@code "gz"}
   * @return {@code http://cmq-queue-<region>.api.tencentyun.com}, path {@code /v2/index.php}
   */
  public static CmqEndpoint legacyQueuePrivate(String region) {
    return new CmqEndpoint("http", "cmq-queue-" + region(region) + ".api.tencentyun.com", LEGACY_PATH);
  }

  /**
   * The legacy CMQ topic endpoint on the public network (HTTPS only).
   *
   * @param region the region short code, e.g. {@code "gz"}
   * @return {@code https://cmq-topic-<region>.api.qcloud.com}, path {@code /v2/index.php}
   */
  public static CmqEndpoint legacyTopicPublic(String region) {
    return new CmqEndpoint("https", "cmq-topic-" + region(region) + ".api.qcloud.com", LEGACY_PATH);
  }

  /**
   * The legacy CMQ topic endpoint inside Tencent Cloud (HTTP only).
   *
   * @param region the region short code, e.g. {@code "gz"}
   * @return {@code http://cmq-topic-<region>.api.tencentyun.com}, path {@code /v2/index.php}
   */
  public static CmqEndpoint legacyTopicPrivate(String region) {
    return new CmqEndpoint("http", "cmq-topic-" + region(region) + ".api.tencentyun.com", LEGACY_PATH);
  }

  /**
   * The same host with another request path, e.g. {@code "/v2/index.php"} for a TDMQ host that a
   * client of yours already signs that way.
   *
   * @param path an absolute path starting with {@code /}
   * @return a new endpoint
   * @throws IllegalArgumentException if the path does not start with {@code /} or has a query
   */
  public CmqEndpoint withPath(String path) {
    Objects.requireNonNull(path, "path == null");
    if (!path.startsWith("/") || path.contains("?") || path.contains("#") || path.contains(" ")) {
      throw new IllegalArgumentException(
          "path was \"" + path + "\" but must start with / and have no query, fragment or space");
    }
    return new CmqEndpoint(scheme, host, path);
  }

  private static String defaultPath(String hostName) {
    String h = hostName.toLowerCase(Locale.ROOT);
    return h.endsWith(".api.qcloud.com") || h.endsWith(".api.tencentyun.com") ? LEGACY_PATH : ROOT_PATH;
  }

  private static String region(String region) {
    Objects.requireNonNull(region, "region == null");
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException(
          "region was \"" + region + "\" but must be a short code such as gz, sh or bj");
    }
    return region;
  }

  /**
   * The scheme.
   *
   * @return {@code "http"} or {@code "https"}
   */
  public String scheme() {
    return scheme;
  }

  /**
   * The host as it goes into the string-to-sign: the URL's authority, with a port only if the URL
   * has one.
   *
   * @return e.g. {@code "cmq-gz.public.tencenttdmq.com"} or {@code "127.0.0.1:8080"}
   */
  public String host() {
    return host;
  }

  /**
   * The request path, which is also signed.
   *
   * @return e.g. {@code "/"} or {@code "/v2/index.php"}
   */
  public String path() {
    return path;
  }

  /**
   * The full request URL.
   *
   * @return {@code scheme://host + path}
   */
  public String url() {
    return scheme + "://" + host + path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CmqEndpoint e
        && scheme.equals(e.scheme) && host.equals(e.host) && path.equals(e.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scheme, host, path);
  }

  @Override
  public String toString() {
    return url();
  }
}
