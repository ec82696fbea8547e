package dev.iotforwarder.connect.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The connectors' version: the Maven project version, from a resource the build writes. */
public final class Version {
  private static final String VERSION = load();

  private Version() {}

  /**
   * The version.
   *
   * @return e.g. {@code 0.1.0}, or {@code unknown} if the resource is missing
   */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("/iot-forwarder-connect-cmq.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
