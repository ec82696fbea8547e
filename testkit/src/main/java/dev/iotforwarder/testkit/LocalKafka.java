package dev.iotforwarder.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) for tests and demos,
 * running in this JVM on free loopback ports.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.start()) {
 *   kafka.createTopic("telemetry", 4);   // returns once every partition accepts writes
 *   Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>What it sets up:
 *
 * <ul>
 *   <li>A {@code PLAINTEXT} listener on {@code 127.0.0.1} ({@link #bootstrapServers()}) and, when a
 *       user was added with {@link Builder#saslUser(String, String)}, a {@code SASL_PLAINTEXT}
 *       listener with mechanism {@code PLAIN} ({@link #saslBootstrapServers()}). User names may have
 *       CKafka's form {@code <instanceId>#<userName>}. The SASL settings are listener-scoped: nothing
 *       JVM-global (such as {@code java.security.auth.login.config}) is touched.
 *   <li>Its files in a new directory {@code local-kafka-*} under {@link Builder#directory(Path)}
 *       (default: the system property {@value #DIR_PROPERTY}, else {@code java.io.tmpdir}; point
 *       either at the build directory so {@code mvn clean} removes what a killed JVM leaves behind).
 *   <li>A small heap footprint (about 40 MiB idle): {@code log.cleaner.dedupe.buffer.size} is 2 MiB
 *       instead of 128 MiB, and every internal topic has one partition and one replica.
 *   <li>{@code auto.create.topics.enable=false}: create topics with {@link #createTopic(String, int)},
 *       which waits until they really accept writes. An idempotent producer writing to a topic that
 *       was created a moment ago can lose records (KAFKA-15591, fixed in Kafka 4.5); the wait avoids
 *       it.
 * </ul>
 *
 * <p>The broker logs through SLF4J like the rest of Kafka. At INFO a start prints thousands of
 * lines; put a {@code simplelogger.properties} (or your binding's equivalent) at WARN on the test
 * classpath.
 *
 * <p><b>Separate JVM.</b> The broker needs the {@code kafka-clients} version it was built with. To
 * test a client of another version (say 3.9) against it, run the broker in a child JVM with its own
 * classpath: {@link Builder#separateJvm(String)}, or the system property {@value
 * #BROKER_CLASSPATH_FILE_PROPERTY} naming a file that holds that classpath (the testkit build writes
 * one to {@code target/local-kafka-broker.classpath}). Everything else works the same; only this
 * class's admin client runs in the test JVM, and it uses Admin API present in kafka-clients 3.9 and
 * 4.x.
 *
 * <p>Thread-safe. Starting costs about 2 s for the first broker in a JVM and 0.3 s after that; share
 * one broker per test JVM with {@link LocalKafkaExtension}.
 */
public final class LocalKafka implements AutoCloseable {
  /** System property: the default parent directory of the broker's files. */
  public static final String DIR_PROPERTY = "iotforwarder.localkafka.dir";

  /**
   * System property: a file holding the classpath (entries separated by the platform's path
   * separator or newlines) to run the broker with in a separate JVM. Unset: the broker runs in this
   * JVM.
   */
  public static final String BROKER_CLASSPATH_FILE_PROPERTY =
      "iotforwarder.localkafka.brokerClasspathFile";

  private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);
  private static final int START_ATTEMPTS = 3;
  private static final long POLL_MILLIS = 50;

  private enum State { RUNNING, STOPPED, CLOSED }

  private final Map<String, String> saslUsers;
  private final Map<String, String> brokerProperties;
  private final Path parentDir;
  private final Duration timeout;
  private final String separateJvmClasspath;

  // Written under this; volatile so that the accessors do not wait for a restart in progress.
  private volatile State state = State.STOPPED;
  private volatile Path dir;
  private volatile int plainPort;
  private volatile int saslPort;
  // Guarded by this.
  private int controllerPort;
  private EmbeddedBroker broker;
  private Process process;
  private Admin admin;

  private LocalKafka(Builder b) {
    this.saslUsers = new LinkedHashMap<>(b.saslUsers);
    this.brokerProperties = new LinkedHashMap<>(b.brokerProperties);
    String d = System.getProperty(DIR_PROPERTY);
    this.parentDir = b.directory != null ? b.directory
        : Path.of(d != null && !d.isBlank() ? d : System.getProperty("java.io.tmpdir"));
    this.timeout = b.timeout;
    this.separateJvmClasspath = b.separateJvmClasspath != null ? b.separateJvmClasspath
        : defaultSeparateJvmClasspath();
  }

  /**
   * Starts a broker with the defaults: PLAINTEXT only, files under the default directory.
   *
   * @return the running broker
   * @throws IllegalStateException if it did not start (after three attempts on fresh ports)
   */
  public static LocalKafka start() {
    return builder().start();
  }

  /**
   * A builder for a broker with a SASL listener, another directory or extra broker settings.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The {@code bootstrap.servers} value of the PLAINTEXT listener, e.g. {@code 127.0.0.1:41234}.
   * Stays the same across {@link #stop()} and {@link #restart()}.
   *
   * @return host and port
   */
  public String bootstrapServers() {
    return "127.0.0.1:" + plainPort;
  }

  /**
   * The {@code bootstrap.servers} value of the SASL_PLAINTEXT/PLAIN listener.
   *
   * @return host and port
   * @throws IllegalStateException if the broker was built without {@link Builder#saslUser}
   */
  public String saslBootstrapServers() {
    if (saslUsers.isEmpty()) {
      throw new IllegalStateException("no SASL listener: add a user with LocalKafka.builder().saslUser(...)");
    }
    return "127.0.0.1:" + saslPort;
  }

  /**
   * Client properties for the SASL listener: {@code bootstrap.servers}, {@code
   * security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=PLAIN} and the {@code sasl.jaas.config}
   * for the given user (which need not exist: tests of a wrong password use this too).
   *
   * @param username the user, e.g. {@code ckafka-abc123#user}
   * @param password the password
   * @return a new mutable map
   * @throws IllegalStateException if the broker has no SASL listener
   */
  public Map<String, Object> saslClientProperties(String username, String password) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", saslBootstrapServers());
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"" + jaasEscape(username) + "\" password=\"" + jaasEscape(password) + "\";");
    return props;
  }

  /**
   * Whether the broker is running (started, and neither stopped nor closed).
   *
   * @return {@code true} while running
   */
  public boolean isRunning() {
    return state == State.RUNNING;
  }

  /**
   * The directory that holds the broker's data and, in separate-JVM mode, its config and log.
   * {@link #close()} deletes it.
   *
   * @return the directory
   */
  public Path directory() {
    return dir;
  }

  /**
   * Creates a topic with replication factor 1 and returns only when every partition answers a
   * ListOffsets request from its leader, which means it accepts writes. Producing to a topic before
   * that can lose records (KAFKA-15591).
   *
   * @param name the topic name
   * @param partitions the number of partitions, {@code >= 1}
   * @throws IllegalArgumentException if {@code partitions < 1}
   * @throws IllegalStateException if the broker is not running, the topic exists, or the partitions
   *     are not ready within the start timeout
   */
  public void createTopic(String name, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions < 1: " + partitions);
    }
    Admin a = runningAdmin();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      a.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        throw new IllegalStateException("topic " + name + " already exists", e.getCause());
      }
      throw new IllegalStateException("could not create topic " + name, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("creating topic " + name + " took longer than " + timeout, e);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
    Set<TopicPartition> pending = new HashSet<>();
    for (int p = 0; p < partitions; p++) {
      pending.add(new TopicPartition(name, p));
    }
    awaitWritable(a, pending, deadline);
  }

  /**
   * Creates a topic with a unique name ({@code prefix} plus a random suffix) through {@link
   * #createTopic(String, int)}. Handy for tests that share one broker.
   *
   * @param prefix the start of the name, e.g. {@code "orders"}
   * @param partitions the number of partitions, {@code >= 1}
   * @return the name of the new topic
   * @throws IllegalStateException as {@link #createTopic(String, int)}
   */
  public String createUniqueTopic(String prefix, int partitions) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    createTopic(name, partitions);
    return name;
  }

  /**
   * Stops the broker and keeps its ports and data, so that {@link #restart()} brings it back with
   * every topic and record. Clients see the broker as unreachable meanwhile. No-op if not running.
   *
   * @throws IllegalStateException if the broker is closed
   */
  public synchronized void stop() {
    if (state == State.CLOSED) {
      throw new IllegalStateException("LocalKafka is closed");
    }
    if (state == State.RUNNING) {
      state = State.STOPPED;
      stopBroker();
    }
  }

  /**
   * Starts the broker again on the same ports with the same data (stopping it first if it runs), and
   * returns once every partition of every topic accepts writes again.
   *
   * @throws IllegalStateException if the broker is closed or does not come back within the start
   *     timeout (for instance because another process took one of its ports meanwhile)
   */
  public synchronized void restart() {
    stop();
    try {
      startBroker(false);
    } catch (RuntimeException | Error e) {
      stopQuietly(e);
      throw e;
    }
    state = State.RUNNING;
    long deadline = System.nanoTime() + timeout.toNanos();
    Admin a = admin;
    try {
      Set<String> topics = a.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Set<TopicPartition> pending = new HashSet<>();
      if (!topics.isEmpty()) {
        a.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .forEach((t, d) -> d.partitions().forEach(p -> pending.add(new TopicPartition(t, p.partition()))));
      }
      awaitWritable(a, pending, deadline);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("broker restarted but its topics could not be listed", e);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
  }

  /**
   * Stops the broker (if running) and deletes its directory. Idempotent; never throws: problems are
   * logged at WARN.
   */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    try {
      stopBroker();
    } catch (RuntimeException | Error e) {
      log.warn("LocalKafka: stopping the broker failed", e);
    }
    deleteQuietly(dir);
  }

  /** Shows the listeners, the state and the SASL user names; never a password. */
  @Override
  public String toString() {
    return "LocalKafka[bootstrapServers=" + bootstrapServers()
        + (saslUsers.isEmpty() ? "" : ", saslBootstrapServers=127.0.0.1:" + saslPort
            + ", saslUsers=" + saslUsers.keySet())
        + ", state=" + state
        + (separateJvmClasspath != null ? ", separateJvm" : "")
        + ", directory=" + dir + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private synchronized void startFresh() {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        dir = Files.createTempDirectory(Files.createDirectories(parentDir), "local-kafka-");
        pickPorts();
        startBroker(true);
        state = State.RUNNING;
        return;
      } catch (IOException | RuntimeException | Error e) {
        stopQuietly(e);
        deleteQuietly(dir);
        dir = null;
        if (e instanceof Error err) {
          throw err;
        }
        last = e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
        log.warn("LocalKafka: start attempt {} of {} failed: {}", attempt, START_ATTEMPTS, e.toString());
      }
    }
    state = State.CLOSED;
    throw new IllegalStateException("LocalKafka did not start after " + START_ATTEMPTS + " attempts", last);
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

  private Map<String, String> brokerConfig() {
    Map<String, String> c = new TreeMap<>();
    String plain = "PLAINTEXT://127.0.0.1:" + plainPort;
    String controller = "CONTROLLER://127.0.0.1:" + controllerPort;
    String sasl = "SASL_PLAINTEXT://127.0.0.1:" + saslPort;
    boolean withSasl = !saslUsers.isEmpty();
    c.put("process.roles", "broker,controller");
    c.put("node.id", "1");
    c.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    c.put("controller.listener.names", "CONTROLLER");
    c.put("listeners", plain + "," + controller + (withSasl ? "," + sasl : ""));
    c.put("advertised.listeners", plain + (withSasl ? "," + sasl : ""));
    c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        + (withSasl ? ",SASL_PLAINTEXT:SASL_PLAINTEXT" : ""));
    c.put("inter.broker.listener.name", "PLAINTEXT");
    c.put("log.dirs", dir.resolve("data").toString());
    c.put("offsets.topic.replication.factor", "1");
    c.put("offsets.topic.num.partitions", "1");
    c.put("transaction.state.log.replication.factor", "1");
    c.put("transaction.state.log.min.isr", "1");
    c.put("transaction.state.log.num.partitions", "1");
    c.put("share.coordinator.state.topic.replication.factor", "1");
    c.put("share.coordinator.state.topic.min.isr", "1");
    c.put("group.initial.rebalance.delay.ms", "0");
    c.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
    c.put("auto.create.topics.enable", "false");
    if (withSasl) {
      StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
      // The option key must be quoted: unquoted, the '#' of a CKafka user name ends the parse.
      saslUsers.forEach((user, password) -> jaas.append(" \"user_").append(jaasEscape(user))
          .append("\"=\"").append(jaasEscape(password)).append('"'));
      jaas.append(';');
      c.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
      c.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.toString());
    }
    c.putAll(brokerProperties);
    return c;
  }

  /** Starts the broker process or thread on the current ports and dir; waits until it is ready. */
  private void startBroker(boolean format) {
    Map<String, String> config = brokerConfig();
    String clusterId = format ? Uuid.randomUuid().toString() : null;
    try {
      if (separateJvmClasspath == null) {
        if (format) {
          EmbeddedBroker.format(config, clusterId);
        }
        broker = EmbeddedBroker.start(config);
      } else {
        process = launchSeparateJvm(config, clusterId);
        awaitSeparateJvmStarted();
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not start the broker", e);
    }
    admin = Admin.create(Map.of(
        "bootstrap.servers", bootstrapServers(),
        "client.id", "local-kafka-admin",
        "request.timeout.ms", 5000,
        "default.api.timeout.ms", 10000));
    awaitReady();
  }

  private Process launchSeparateJvm(Map<String, String> config, String clusterId) throws IOException {
    Path configFile = dir.resolve("broker.properties");
    Properties props = new Properties();
    props.putAll(config);
    try (Writer w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
      props.store(w, "LocalKafka broker config");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-cp", separateJvmClasspath, EmbeddedBroker.class.getName(),
        configFile.toString(), clusterId == null ? "-" : clusterId);
    Path logFile = dir.resolve("broker.log");
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
  }

  /** Waits for the child JVM's "started" line, so that a JVM that dies at once fails fast. */
  private void awaitSeparateJvmStarted() throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path logFile = dir.resolve("broker.log");
    long offset = Files.exists(logFile) ? Files.size(logFile) : 0;
    while (System.nanoTime() < deadline) {
      if (Files.exists(logFile) && Files.size(logFile) > offset) {
        byte[] all = Files.readAllBytes(logFile);
        String fresh = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
            StandardCharsets.UTF_8);
        if (fresh.contains(EmbeddedBroker.STARTED)) {
          return;
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the broker's JVM exited with " + process.exitValue()
            + "; its log: " + logTail());
      }
      pause();
    }
    throw new IllegalStateException("the broker's JVM did not start within " + timeout + "; its log: " + logTail());
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive()) {
        throw new IllegalStateException("the broker's JVM exited with " + process.exitValue()
            + "; its log: " + logTail());
      }
      try {
        if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
            .nodes().get().isEmpty()) {
          return;
        }
      } catch (ExecutionException e) {
        last = e;
      } catch (InterruptedException e) {
        throw interrupted(e);
      }
      pause();
    }
    throw new IllegalStateException("the broker was not ready within " + timeout
        + (process != null ? "; its log: " + logTail() : ""), last);
  }

  private void awaitWritable(Admin a, Set<TopicPartition> pending, long deadline) {
    Throwable last = null;
    while (!pending.isEmpty()) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      pending.forEach(tp -> request.put(tp, OffsetSpec.latest()));
      ListOffsetsResult result = a.listOffsets(request);
      for (TopicPartition tp : request.keySet()) {
        try {
          result.partitionResult(tp).get();
          pending.remove(tp);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof RetriableException)) {
            throw new IllegalStateException("ListOffsets failed for " + tp, e.getCause());
          }
          last = e.getCause();
        } catch (InterruptedException e) {
          throw interrupted(e);
        }
      }
      if (!pending.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("partitions " + pending + " did not accept writes within "
              + timeout, last);
        }
        pause();
      }
    }
  }

  private Admin runningAdmin() {
    synchronized (this) {
      if (state != State.RUNNING) {
        throw new IllegalStateException("LocalKafka is not running (" + state + ")");
      }
      return admin;
    }
  }

  private void stopBroker() {
    Admin a = admin;
    admin = null;
    if (a != null) {
      a.close(Duration.ofSeconds(5));
    }
    EmbeddedBroker b = broker;
    broker = null;
    if (b != null) {
      b.stop();
    }
    Process p = process;
    process = null;
    if (p != null) {
      stopProcess(p);
    }
  }

  private void stopQuietly(Throwable primary) {
    try {
      stopBroker();
    } catch (RuntimeException | Error e) {
      primary.addSuppressed(e);
    }
  }

  private static void stopProcess(Process p) {
    try (OutputStream in = p.getOutputStream()) {
      in.write("stop\n".getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("broker.log"), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void deleteQuietly(Path root) {
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

  private static void pause() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
  }

  private static IllegalStateException interrupted(InterruptedException e) {
    Thread.currentThread().interrupt();
    return new IllegalStateException("interrupted", e);
  }

  static String jaasEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String defaultSeparateJvmClasspath() {
    String file = System.getProperty(BROKER_CLASSPATH_FILE_PROPERTY);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return classpathWithTestkit(Files.readString(Path.of(file), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + BROKER_CLASSPATH_FILE_PROPERTY + "=" + file, e);
    }
  }

  /** The given classpath with the testkit's own classes (which hold the broker's main) in front. */
  private static String classpathWithTestkit(String classpath) {
    List<String> entries = new ArrayList<>();
    try {
      entries.add(Path.of(EmbeddedBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString());
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot locate the testkit's classes", e);
    }
    for (String entry : classpath.split("[\\r\\n" + java.io.File.pathSeparator + "]+")) {
      if (!entry.isBlank() && !entries.contains(entry.trim())) {
        entries.add(entry.trim());
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /**
   * Builds and starts a {@link LocalKafka}. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, String> saslUsers = new LinkedHashMap<>();
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private Path directory;
    private Duration timeout = Duration.ofSeconds(60);
    private String separateJvmClasspath;

    private Builder() {}

    /**
     * Adds a SASL_PLAINTEXT/PLAIN listener (once) and a user on it. Call again for more users.
     * Default: no SASL listener.
     *
     * @param username the user name; CKafka's form {@code <instanceId>#<userName>} works
     * @param password the password
     * @return this builder (a {@code null} or empty name or password is reported by {@link #start()})
     */
    public Builder saslUser(String username, String password) {
      boolean ok = true;
      if (username == null || username.isEmpty()) {
        problems.add("saslUser username is " + (username == null ? "null" : "empty"));
        ok = false;
      }
      if (password == null || password.isEmpty()) {
        problems.add("saslUser password for " + username + " is " + (password == null ? "null" : "empty"));
        ok = false;
      }
      if (ok) {
        saslUsers.put(username, password);
      }
      return this;
    }

    /**
     * Sets a broker configuration property, overriding LocalKafka's own choice (for example {@code
     * message.max.bytes}, or {@code auto.create.topics.enable=true}). The listener and directory
     * settings are LocalKafka's business: change them only if you know what you are doing.
     *
     * @param key the broker config key
     * @param value its value
     * @return this builder
     */
    public Builder brokerProperty(String key, String value) {
      brokerProperties.put(key, value);
      return this;
    }

    /**
     * Sets the directory under which the broker's own {@code local-kafka-*} directory is created.
     * Default: the system property {@value LocalKafka#DIR_PROPERTY}, else {@code java.io.tmpdir}.
     *
     * @param directory the parent directory; created if missing
     * @return this builder
     */
    public Builder directory(Path directory) {
      this.directory = directory;
      return this;
    }

    /**
     * Bounds every wait: the start (per attempt), topic creation and restart. Default: 60 s.
     *
     * @param timeout a positive duration
     * @return this builder (a timeout that is not positive is reported by {@link #start()})
     */
    public Builder timeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        problems.add("timeout was " + timeout + " but must be positive");
      } else {
        this.timeout = timeout;
      }
      return this;
    }

    /**
     * Runs the broker in a child JVM with this classpath instead of in this JVM: for tests whose
     * classpath holds a {@code kafka-clients} version the broker cannot run with. The classpath must
     * hold the broker's jars ({@code kafka_2.13} and its dependencies, at the testkit's Kafka
     * version); the testkit's own classes are added in front. The child JVM gets a 256 MiB heap and
     * writes its output to {@code broker.log} in {@link #directory()}. Default: the classpath in the
     * file named by the system property {@value LocalKafka#BROKER_CLASSPATH_FILE_PROPERTY}, if set;
     * otherwise the broker runs in this JVM.
     *
     * @param classpath entries separated by the platform's path separator
     * @return this builder
     */
    public Builder separateJvm(String classpath) {
      this.separateJvmClasspath = classpath == null ? null : classpathWithTestkit(classpath);
      return this;
    }

    /**
     * Starts the broker: picks free loopback ports, formats a fresh directory, starts, and waits until
     * the broker answers. A failed attempt (a port taken meanwhile) is retried twice on new ports.
     *
     * @return the running broker
     * @throws IllegalArgumentException listing every invalid setting
     * @throws IllegalStateException if it did not start; nothing is left behind on disk
     */
    public LocalKafka start() {
      List<String> all = new ArrayList<>(problems);
      brokerProperties.forEach((k, v) -> {
        if (k == null || k.isBlank() || v == null) {
          all.add("brokerProperty " + k + " = " + v + ": key and value are required");
        }
      });
      if (!all.isEmpty()) {
        throw new IllegalArgumentException("Invalid LocalKafka configuration: " + String.join("; ", all));
      }
      LocalKafka kafka = new LocalKafka(this);
      kafka.startFresh();
      return kafka;
    }
  }
}
