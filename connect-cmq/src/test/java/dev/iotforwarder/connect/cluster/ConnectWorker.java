package dev.iotforwarder.connect.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Connect worker in distributed mode, in a JVM of its own ({@code ConnectDistributed}), so that
 * {@link #kill()} is an abrupt loss ({@code destroyForcibly}), not an in-JVM graceful stop. Its
 * output goes to a log file, which the tests also search for secrets.
 */
final class ConnectWorker implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("REST server listening at \\S+, advertising URL (http://[^/\\s]+/)");

  private final Process process;
  private final Path log;
  private final String url;

  private ConnectWorker(Process process, Path log, String url) {
    this.process = process;
    this.log = log;
    this.url = url;
  }

  /**
   * Starts a worker and waits until its REST server listens.
   *
   * @param dir where its properties and log go
   * @param name e.g. {@code worker-1}
   * @param props the worker properties
   * @param classpath the worker's class path (connect-runtime; not the connectors)
   * @return the running worker
   */
  static ConnectWorker start(Path dir, String name, Map<String, String> props, String classpath) {
    try {
      Path config = dir.resolve(name + ".properties");
      Properties p = new Properties();
      p.putAll(props);
      try (var out = Files.newBufferedWriter(config)) {
        p.store(out, "Connect worker " + name);
      }
      Path log = dir.resolve(name + ".log");
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
          "-Djava.io.tmpdir=" + dir,
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn",
          "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common=warn",
          "-Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=warn",
          "-Dorg.slf4j.simpleLogger.log.org.reflections=warn",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
          "-cp", classpath,
          "org.apache.kafka.connect.cli.ConnectDistributed", config.toString()));
      Process process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
        }
        Matcher m = LISTENING.matcher(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "");
        if (m.find()) {
          return new ConnectWorker(process, log, m.group(1));
        }
        process.waitFor(100, TimeUnit.MILLISECONDS);
      }
      process.destroyForcibly();
      throw new IllegalStateException(name + " did not start its REST server in 120 s; see " + log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The REST base URL, e.g. {@code http://127.0.0.1:41234/}. */
  String url() {
    return url;
  }

  /** The worker id Connect's status shows: {@code host:port} of the advertised URL. */
  String workerId() {
    return url.substring("http://".length(), url.length() - 1);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the worker's JVM at once (SIGKILL): no graceful stop, no offset commit, no rebalance. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Everything the worker logged so far. */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      kill();
    }
  }
}
