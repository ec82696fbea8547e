package dev.iotforwarder.testkit;

import dev.iotforwarder.internal.shared.Problems;
import dev.iotforwarder.testkit.internal.BrokerAdmin;
import dev.iotforwarder.testkit.internal.KafkaBrokerConfig;
import dev.iotforwarder.testkit.internal.KafkaNode;
import dev.iotforwarder.testkit.internal.SeparateJvmBroker;
import dev.iotforwarder.testkit.internal.TlsListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 *
 * <p>This class holds the lifecycle (start, stop, restart, close) and the ports; the broker's
 * settings, the separate-JVM mode, the admin client and its waits, and the only code that touches
 * Kafka's internal API each have their own file in {@code testkit.internal}.
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

  private enum State { RUNNING, STOPPED, CLOSED }

  private final Map<String, String> saslUsers;
  private final KafkaNode node;
  // Written under this; volatile so that the accessors do not wait for a restart in progress.
  private volatile State state = State.STOPPED;

  private final TlsListener tls;

  private LocalKafka(Builder b) {
    this.saslUsers = new LinkedHashMap<>(b.saslUsers);
    String d = System.getProperty(DIR_PROPERTY);
    Path parentDir = b.directory != null ? b.directory
        : Path.of(d != null && !d.isBlank() ? d : System.getProperty("java.io.tmpdir"));
    String separateJvmClasspath = b.separateJvmClasspath != null ? b.separateJvmClasspath
        : SeparateJvmBroker.classpathFromFileProperty(BROKER_CLASSPATH_FILE_PROPERTY);
    this.tls = b.saslSsl ? TlsListener.create(parentDir) : null;
    Map<String, String> brokerProperties = new LinkedHashMap<>();
    if (tls != null) {
      brokerProperties.putAll(tls.brokerProperties());
    }
    brokerProperties.putAll(b.brokerProperties);
    this.node = new KafkaNode(saslUsers, brokerProperties, parentDir, b.timeout, separateJvmClasspath);
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
    return "127.0.0.1:" + node.plainPort();
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
    return "127.0.0.1:" + node.saslPort();
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
    props.put("security.protocol", tls != null ? "SASL_SSL" : "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put("sasl.jaas.config", KafkaBrokerConfig.clientJaas(username, password));
    if (tls != null) {
      props.putAll(tls.clientProperties());
    }
    return props;
  }

  /**
   * With {@link Builder#saslSsl()}: the client settings that trust the listener's test certificate
   * ({@code ssl.truststore.type=PEM}, {@code ssl.truststore.certificates}); host name verification
   * stays on (the certificate names {@code 127.0.0.1} and {@code localhost}).
   *
   * @return a new mutable map
   * @throws IllegalStateException without {@link Builder#saslSsl()}
   */
  public Map<String, Object> tlsClientProperties() {
    if (tls == null) {
      throw new IllegalStateException("no TLS listener: build with LocalKafka.builder().saslUser(...).saslSsl()");
    }
    return new HashMap<>(tls.clientProperties());
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
    return node.directory();
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
    runningAdmin().createTopic(name, partitions);
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
      node.stop();
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
    node.restart();
    state = State.RUNNING;
    node.admin().awaitAllWritable();
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
      node.stop();
    } catch (RuntimeException | Error e) {
      log.warn("LocalKafka: stopping the broker failed", e);
    }
    node.deleteDirectory();
    if (tls != null) {
      tls.delete();
    }
  }

  /** Shows the listeners, the state and the SASL user names; never a password. */
  @Override
  public String toString() {
    return "LocalKafka[bootstrapServers=" + bootstrapServers()
        + (saslUsers.isEmpty() ? "" : ", saslBootstrapServers=127.0.0.1:" + node.saslPort()
            + ", saslUsers=" + saslUsers.keySet())
        + ", state=" + state
        + (node.separateJvm() ? ", separateJvm" : "")
        + ", directory=" + node.directory() + "]";
  }

  private synchronized void startFresh() {
    try {
      node.startFresh(START_ATTEMPTS);
    } catch (RuntimeException | Error e) {
      state = State.CLOSED;
      throw e;
    }
    state = State.RUNNING;
  }

  private BrokerAdmin runningAdmin() {
    synchronized (this) {
      if (state != State.RUNNING) {
        throw new IllegalStateException("LocalKafka is not running (" + state + ")");
      }
      return node.admin();
    }
  }

  /**
   * Builds and starts a {@link LocalKafka}. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, String> saslUsers = new LinkedHashMap<>();
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>(); // found by saslUser, in Problems style
    private Path directory;
    private Duration timeout = Duration.ofSeconds(60);
    private String separateJvmClasspath;
    private boolean saslSsl;

    private Builder() {}

    /**
     * Serves the SASL listener over TLS ({@code SASL_SSL}, as CKafka's public endpoints do where the
     * instance offers it) with a self-signed certificate for {@code 127.0.0.1} made at start with the
     * JDK's {@code keytool}; clients trust it with {@link LocalKafka#tlsClientProperties()}, which
     * {@link LocalKafka#saslClientProperties(String, String)} includes. Needs {@link #saslUser}.
     * Default: SASL_PLAINTEXT.
     *
     * @return this builder
     */
    public Builder saslSsl() {
      this.saslSsl = true;
      return this;
    }

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
        problems.add("saslUser username was " + (username == null ? "null" : "empty") + " but must be non-empty");
        ok = false;
      }
      if (password == null || password.isEmpty()) {
        problems.add("saslUser password for " + username + " was " + (password == null ? "null" : "empty")
            + " but must be non-empty");
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
      this.timeout = timeout;
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
      this.separateJvmClasspath = classpath == null ? null : SeparateJvmBroker.classpathWithTestkit(classpath);
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
      Problems p = Problems.of("LocalKafka configuration");
      problems.forEach(p::add);
      p.positive("timeout", timeout);
      p.check(!saslSsl || !saslUsers.isEmpty(), "saslSsl was set but no saslUser was added");
      brokerProperties.forEach((k, v) -> {
        if (k == null || k.isBlank()) {
          p.add("brokerProperty key was " + (k == null ? "null" : "\"" + k + "\"") + " but must be non-blank");
        } else {
          p.required("brokerProperty " + k, v);
        }
      });
      p.throwIfAny();
      LocalKafka kafka = new LocalKafka(this);
      kafka.startFresh();
      return kafka;
    }
  }
}
