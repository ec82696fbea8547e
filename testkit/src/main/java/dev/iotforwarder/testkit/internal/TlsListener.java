package dev.iotforwarder.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * LocalKafka's TLS option: a self-signed certificate for {@code 127.0.0.1} and {@code localhost},
 * made at start with the JDK's {@code keytool} (no key or certificate file is committed anywhere),
 * in a PKCS12 keystore in a directory of its own; the broker settings that turn the SASL listener's
 * protocol into {@code SASL_SSL} (the listener keeps its name {@code SASL_PLAINTEXT}, so its
 * listener-scoped SASL settings stay as they are); and the client settings that trust exactly this
 * certificate, as an inline PEM, with host name verification left on. Immutable once made.
 */
public final class TlsListener {
  private final Path dir;
  private final Path keystore;
  private final String password;
  private final String certificatePem;

  private TlsListener(Path dir, Path keystore, String password, String certificatePem) {
    this.dir = dir;
    this.keystore = keystore;
    this.password = password;
    this.certificatePem = certificatePem;
  }

  /**
   * Makes a key pair and certificate (EC P-256, valid 2 days) in a new directory under {@code parent}.
   *
   * @param parent where the directory goes
   * @return the listener's material
   * @throws IllegalStateException if keytool fails
   */
  public static TlsListener create(Path parent) {
    try {
      Path dir = Files.createTempDirectory(Files.createDirectories(parent), "local-kafka-tls-");
      Path keystore = dir.resolve("broker.p12");
      byte[] secret = new byte[16];
      new SecureRandom().nextBytes(secret);
      String password = HexFormat.of().formatHex(secret);
      keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
          "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
          "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password, "-keypass", password);
      String pem = keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(),
          "-storetype", "PKCS12", "-storepass", password);
      return new TlsListener(dir, keystore, password, pem.trim());
    } catch (IOException e) {
      throw new UncheckedIOException("LocalKafka: could not make the test certificate", e);
    }
  }

  private static String keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8));
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running keytool", e);
    }
  }

  /**
   * The broker settings: the SASL listener's protocol becomes {@code SASL_SSL}, with this keystore.
   *
   * @return the settings, to go before the user's own
   */
  public Map<String, String> brokerProperties() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_SSL");
    c.put("listener.name.sasl_plaintext.ssl.keystore.type", "PKCS12");
    c.put("listener.name.sasl_plaintext.ssl.keystore.location", keystore.toString());
    c.put("listener.name.sasl_plaintext.ssl.keystore.password", password);
    c.put("listener.name.sasl_plaintext.ssl.key.password", password);
    return c;
  }

  /**
   * The client settings that trust this certificate: {@code ssl.truststore.type=PEM} and {@code
   * ssl.truststore.certificates}.
   *
   * @return a new map
   */
  public Map<String, Object> clientProperties() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("ssl.truststore.type", "PEM");
    c.put("ssl.truststore.certificates", certificatePem);
    return c;
  }

  /**
   * The certificate, PEM-encoded.
   *
   * @return the PEM text
   */
  public String certificatePem() {
    return certificatePem;
  }

  /** Deletes the keystore and its directory; never throws. */
  public void delete() {
    try {
      Files.deleteIfExists(keystore);
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // left for the temp directory's cleanup
    }
  }
}
