package dev.iotforwarder.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * LocalKafka's separate-JVM mode: the broker runs in a child JVM with its own classpath (for tests
 * whose {@code kafka-clients} is a version the broker cannot run with). The child runs {@link
 * EmbeddedBroker#main} with a {@code broker.properties} written into the broker's directory, appends
 * its output to {@code broker.log} there, and stops when it reads {@code stop} (or end-of-file) on
 * standard input. Not thread-safe: LocalKafka calls it under its lock.
 */
public final class SeparateJvmBroker {
  private final Process process;
  private final Path logFile;

  private SeparateJvmBroker(Process process, Path logFile) {
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * Starts the child JVM and waits for its "started" line, so that a JVM that dies at once fails
   * fast. If it does not start, it is stopped before this throws.
   *
   * @param classpath the child's classpath, the testkit's classes first
   * @param dir the broker's directory
   * @param config the broker's configuration
   * @param clusterId the cluster id to format the storage with, or null to keep it
   * @param timeout how long to wait for the "started" line
   * @return the running broker
   * @throws IOException if the files cannot be written or the JVM not started
   * @throws IllegalStateException if it exits or does not start within the timeout
   */
  public static SeparateJvmBroker launch(String classpath, Path dir, Map<String, String> config,
      String clusterId, Duration timeout) throws IOException {
    Path configFile = dir.resolve("broker.properties");
    Properties props = new Properties();
    props.putAll(config);
    try (Writer w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
      props.store(w, "LocalKafka broker config");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-cp", classpath, EmbeddedBroker.class.getName(),
        configFile.toString(), clusterId == null ? "-" : clusterId);
    Path logFile = dir.resolve("broker.log");
    long offset = Files.exists(logFile) ? Files.size(logFile) : 0;
    Process process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
    SeparateJvmBroker broker = new SeparateJvmBroker(process, logFile);
    try {
      broker.awaitStarted(offset, timeout);
    } catch (IOException | RuntimeException | Error e) {
      broker.stop();
      throw e;
    }
    return broker;
  }

  private void awaitStarted(long offset, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(logFile) && Files.size(logFile) > offset) {
        byte[] all = Files.readAllBytes(logFile);
        String fresh = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
            StandardCharsets.UTF_8);
        if (fresh.contains(EmbeddedBroker.STARTED)) {
          return;
        }
      }
      checkAlive();
      Polling.pause();
    }
    throw new IllegalStateException("the broker's JVM did not start within " + timeout + "; its log: " + logTail());
  }

  /**
   * Throws if the child JVM has exited.
   *
   * @throws IllegalStateException with its exit value and the end of its log
   */
  public void checkAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException("the broker's JVM exited with " + process.exitValue()
          + "; its log: " + logTail());
    }
  }

  /**
   * The last 30 lines of the child's output.
   *
   * @return the lines, or why they could not be read
   */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Asks the child to stop and waits up to 60 s, then kills it. */
  public void stop() {
    try (OutputStream in = process.getOutputStream()) {
      in.write("stop\n".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The classpath in the file a system property names, with the testkit's classes in front.
   *
   * @param property the property's name
   * @return the classpath, or null if the property is not set
   * @throws UncheckedIOException if the file cannot be read
   */
  public static String classpathFromFileProperty(String property) {
    String file = System.getProperty(property);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return classpathWithTestkit(Files.readString(Path.of(file), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + property + "=" + file, e);
    }
  }

  /**
   * The given classpath with the testkit's own classes (which hold the broker's main) in front.
   *
   * @param classpath entries separated by the platform's path separator or newlines
   * @return the classpath, each entry once
   */
  public static String classpathWithTestkit(String classpath) {
    List<String> entries = new ArrayList<>();
    try {
      entries.add(Path.of(EmbeddedBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString());
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot locate the testkit's classes", e);
    }
    for (String entry : classpath.split("[\\r\\n" + File.pathSeparator + "]+")) {
      if (!entry.isBlank() && !entries.contains(entry.trim())) {
        entries.add(entry.trim());
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
