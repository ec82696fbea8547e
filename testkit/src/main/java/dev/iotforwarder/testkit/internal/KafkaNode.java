package dev.iotforwarder.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running part of LocalKafka: its directory, its three loopback ports, the broker (in this JVM
 * as an {@link EmbeddedBroker}, or in a {@link SeparateJvmBroker}) and its {@link BrokerAdmin}. A
 * fresh start picks ports and a directory and formats the storage, retrying on new ports when one
 * was taken meanwhile; a restart reuses both.
 *
 * <p>Not thread-safe: LocalKafka calls every method under its own lock. The ports and directory are
 * volatile so that LocalKafka's accessors can read them without that lock.
 */
public final class KafkaNode {
  private static final Logger log = LoggerFactory.getLogger("dev.iotforwarder.testkit.LocalKafka");

  private final Map<String, String> saslUsers;
  private final Map<String, String> brokerProperties;
  private final Path parentDir;
  private final Duration timeout;
  private final String separateJvmClasspath;

  private volatile Path dir;
  private volatile int plainPort;
  private volatile int saslPort;
  private int controllerPort;
  private EmbeddedBroker broker;
  private SeparateJvmBroker separateJvm;
  private BrokerAdmin admin;

  /**
   * A node that is not started yet.
   *
   * @param saslUsers password by user; empty for no SASL listener
   * @param brokerProperties the user's broker settings
   * @param parentDir where the node's own directory is created
   * @param timeout the bound of every wait
   * @param separateJvmClasspath the child JVM's classpath, or null to run the broker in this JVM
   */
  public KafkaNode(Map<String, String> saslUsers, Map<String, String> brokerProperties, Path parentDir,
      Duration timeout, String separateJvmClasspath) {
    this.saslUsers = new LinkedHashMap<>(saslUsers);
    this.brokerProperties = brokerProperties;
    this.parentDir = parentDir;
    this.timeout = timeout;
    this.separateJvmClasspath = separateJvmClasspath;
  }

  /**
   * Starts on fresh ports in a fresh directory; a failed attempt leaves nothing behind and is
   * retried on new ports.
   *
   * @param attempts how many attempts
   * @throws IllegalStateException if no attempt succeeded
   */
  public void startFresh(int attempts) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        dir = Files.createTempDirectory(Files.createDirectories(parentDir), "local-kafka-");
        pickPorts();
        startBroker(true);
        return;
      } catch (IOException | RuntimeException | Error e) {
        stopQuietly(e);
        deleteDirectory();
        dir = null;
        if (e instanceof Error err) {
          throw err;
        }
        last = e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
        log.warn("LocalKafka: start attempt {} of {} failed: {}", attempt, attempts, e.toString());
      }
    }
    throw new IllegalStateException("LocalKafka did not start after " + attempts + " attempts", last);
  }

  /**
   * Starts the stopped broker again on the same ports with the same data; on failure it is left
   * stopped.
   *
   * @throws IllegalStateException if it does not start within the timeout
   */
  public void restart() {
    try {
      startBroker(false);
    } catch (RuntimeException | Error e) {
      stopQuietly(e);
      throw e;
    }
  }

  private void pickPorts() throws IOException {
    int count = saslUsers.isEmpty() ? 2 : 3;
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        s.setReuseAddress(true);
        sockets.add(s);
      }
      plainPort = sockets.get(0).getLocalPort();
      controllerPort = sockets.get(1).getLocalPort();
      saslPort = count == 3 ? sockets.get(2).getLocalPort() : 0;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /** Starts the broker process or thread on the current ports and dir; waits until it is ready. */
  private void startBroker(boolean format) {
    Map<String, String> config = KafkaBrokerConfig.of(plainPort, controllerPort, saslPort, dir, saslUsers,
        brokerProperties);
    String clusterId = format ? Uuid.randomUuid().toString() : null;
    try {
      if (separateJvmClasspath == null) {
        if (format) {
          EmbeddedBroker.format(config, clusterId);
        }
        broker = EmbeddedBroker.start(config);
      } else {
        separateJvm = SeparateJvmBroker.launch(separateJvmClasspath, dir, config, clusterId, timeout);
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not start the broker", e);
    }
    admin = new BrokerAdmin("127.0.0.1:" + plainPort, timeout);
    SeparateJvmBroker jvm = separateJvm;
    if (jvm == null) {
      admin.awaitReady(() -> { }, () -> "");
    } else {
      admin.awaitReady(jvm::checkAlive, () -> "; its log: " + jvm.logTail());
    }
  }

  /** Stops the admin client and the broker, if they run; keeps the ports and the directory. */
  public void stop() {
    BrokerAdmin a = admin;
    admin = null;
    if (a != null) {
      a.close();
    }
    EmbeddedBroker b = broker;
    broker = null;
    if (b != null) {
      b.stop();
    }
    SeparateJvmBroker p = separateJvm;
    separateJvm = null;
    if (p != null) {
      p.stop();
    }
  }

  private void stopQuietly(Throwable primary) {
    try {
      stop();
    } catch (RuntimeException | Error e) {
      primary.addSuppressed(e);
    }
  }

  /** Deletes the directory and everything in it; a failure is logged at WARN. */
  public void deleteDirectory() {
    Path root = dir;
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("LocalKafka: could not delete {}: {}", root, e.toString());
    }
  }

  /**
   * The admin client of the running broker.
   *
   * @return the client, or null when stopped
   */
  public BrokerAdmin admin() {
    return admin;
  }

  /**
   * The broker's directory.
   *
   * @return the directory, or null before a start
   */
  public Path directory() {
    return dir;
  }

  /**
   * The PLAINTEXT listener's port.
   *
   * @return the port, or 0 before a start
   */
  public int plainPort() {
    return plainPort;
  }

  /**
   * The SASL_PLAINTEXT listener's port.
   *
   * @return the port, or 0 without SASL users
   */
  public int saslPort() {
    return saslPort;
  }

  /**
   * Whether the broker runs in a child JVM.
   *
   * @return {@code true} in separate-JVM mode
   */
  public boolean separateJvm() {
    return separateJvmClasspath != null;
  }
}
