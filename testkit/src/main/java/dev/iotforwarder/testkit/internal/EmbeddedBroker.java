package dev.iotforwarder.testkit.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The only class that touches the Kafka broker's internal API ({@code KafkaRaftServer}, {@code
 * KafkaConfig}, {@code Formatter}, {@code MetadataVersion}). These are not public API and change
 * between Kafka releases; keeping them here means a Kafka upgrade touches one file.
 *
 * <p>It also has a {@code main} for LocalKafka's separate-JVM mode ({@link SeparateJvmBroker}):
 * {@code EmbeddedBroker <config.properties> <clusterId|->} formats the storage (unless the cluster id
 * is {@code -}), starts the broker, and shuts it down when a line {@code stop} or end-of-file arrives
 * on standard input (so a broker whose parent JVM died stops too).
 */
public final class EmbeddedBroker {
  /** The line the separate-JVM main prints once the broker is up. */
  public static final String STARTED = "local-kafka: started";

  private final KafkaRaftServer server;

  private EmbeddedBroker(KafkaRaftServer server) {
    this.server = server;
  }

  /**
   * Formats {@code log.dirs} as a fresh single-node KRaft cluster, as {@code kafka-storage.sh format}
   * does.
   */
  public static void format(Map<String, String> config, String clusterId) throws Exception {
    String dir = config.get("log.dirs");
    new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8))
        .setNodeId(Integer.parseInt(config.get("node.id")))
        .setClusterId(clusterId)
        .setDirectories(List.of(dir))
        .setMetadataLogDirectory(dir)
        .setControllerListenerName(config.get("controller.listener.names"))
        .setReleaseVersion(MetadataVersion.latestProduction())
        .run();
  }

  /** Starts a broker on formatted storage; returns once its sockets are bound. */
  public static EmbeddedBroker start(Map<String, String> config) {
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    EmbeddedBroker broker = new EmbeddedBroker(server);
    try {
      server.startup();
    } catch (RuntimeException | Error e) {
      broker.stopQuietly(e);
      throw e;
    }
    return broker;
  }

  /** Shuts the broker down and waits until it has. */
  public void stop() {
    server.shutdown();
    server.awaitShutdown();
  }

  private void stopQuietly(Throwable primary) {
    try {
      stop();
    } catch (RuntimeException | Error e) {
      primary.addSuppressed(e);
    }
  }

  /** Separate-JVM entry point; see the class comment. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: EmbeddedBroker <config.properties> <clusterId|->");
    }
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      props.load(r);
    }
    Map<String, String> config = new HashMap<>();
    props.stringPropertyNames().forEach(k -> config.put(k, props.getProperty(k)));
    if (!"-".equals(args[1])) {
      format(config, args[1]);
    }
    EmbeddedBroker broker = start(config);
    System.out.println(STARTED);
    System.out.flush();
    awaitStopCommand(System.in);
    broker.stop();
    System.out.println("local-kafka: stopped");
    System.exit(0);
  }

  private static void awaitStopCommand(InputStream in) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.trim().equals("stop")) {
          return;
        }
      }
    } catch (IOException e) {
      // the parent is gone: stop
    }
  }
}
