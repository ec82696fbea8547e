package dev.iotforwarder.connect.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A Connect cluster in distributed mode: worker JVMs ({@link ConnectWorker}) sharing one group and
 * its internal topics on a broker, loading the connectors from a {@code plugin.path} into which the
 * build's plugin zip was unpacked, and nothing else: the workers' class path has no project artifact.
 *
 * <p>Settings for quick failover: {@code scheduled.rebalance.max.delay.ms} 1 s (300 s by default),
 * session timeouts of 6 s (the broker's minimum) for the workers' group and the sink tasks' consumers,
 * offsets flushed every second.
 */
final class ConnectCluster implements AutoCloseable {
  private final Path dir;
  private final String bootstrap;
  private final String group = "connect-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path pluginPath;
  private final String classpath;
  private final List<ConnectWorker> workers = new ArrayList<>();
  private final ConnectRest rest = new ConnectRest();
  private int started;

  ConnectCluster(Path dir, String bootstrap) {
    this.dir = dir;
    this.bootstrap = bootstrap;
    try {
      Files.createDirectories(dir);
      this.pluginPath = unzip(Path.of(System.getProperty("connect.plugin.zip")), dir.resolve("plugins"));
      this.classpath = Files.readString(Path.of(System.getProperty("connect.worker.classpath"))).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts workers (in parallel) until {@code count} are alive. */
  synchronized void ensureWorkers(int count) {
    workers.removeIf(w -> !w.isAlive());
    List<CompletableFuture<ConnectWorker>> starting = new ArrayList<>();
    while (workers.size() + starting.size() < count) {
      String name = "worker-" + (++started);
      starting.add(CompletableFuture.supplyAsync(() -> ConnectWorker.start(dir, name, workerProps(), classpath)));
    }
    for (CompletableFuture<ConnectWorker> f : starting) {
      ConnectWorker w = f.join();
      workers.add(w);
      // The REST server listens before its resources are registered (404 until then).
      Await.until(w.workerId() + " serving its REST API", Duration.ofSeconds(90),
          () -> rest.get(w.url(), "connectors").status() == 200);
    }
  }

  List<ConnectWorker> workers() {
    return List.copyOf(workers);
  }

  /** Any live worker's REST URL. */
  String url() {
    return workers.stream().filter(ConnectWorker::isAlive).findFirst().orElseThrow().url();
  }

  ConnectRest rest() {
    return rest;
  }

  Path pluginPath() {
    return pluginPath;
  }

  /** Creates or updates a connector ({@code PUT /connectors/NAME/config}); fails unless 200 or 201. */
  void configure(String name, Map<String, String> config) {
    ConnectRest.Reply r = rest.put(url(), "connectors/" + name + "/config", config);
    if (r.status() != 200 && r.status() != 201) {
      throw new AssertionError("PUT connector " + name + " answered " + r.status() + ": " + r.text());
    }
  }

  /** The connector's status, or a missing node. */
  JsonNode status(String name) {
    return rest.get(url(), "connectors/" + name + "/status").body();
  }

  /** Waits until the connector and {@code tasks} tasks are all in {@code state}. */
  void awaitState(String name, String state, int tasks) {
    Await.until(name + " and " + tasks + " task(s) " + state, Duration.ofSeconds(90), () -> {
      JsonNode s = status(name);
      if (!state.equals(s.path("connector").path("state").asText())) {
        return false;
      }
      int n = 0;
      for (JsonNode t : s.path("tasks")) {
        if (!state.equals(t.path("state").asText())) {
          return false;
        }
        n++;
      }
      return n == tasks;
    }, () -> "; status: " + status(name));
  }

  /** The live worker running task 0 of a connector. */
  ConnectWorker workerOfTask0(String name) {
    String id = status(name).path("tasks").path(0).path("worker_id").asText();
    return workers.stream().filter(w -> w.workerId().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no worker " + id + " in " + workers));
  }

  /** Everything every worker (alive or not) logged. */
  String logs() {
    StringBuilder sb = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        sb.append(Files.readString(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sb.toString();
  }

  private Map<String, String> workerProps() {
    return ConnectRest.map(
        "bootstrap.servers", bootstrap,
        "group.id", group,
        "config.storage.topic", group + "-configs",
        "offset.storage.topic", group + "-offsets",
        "status.storage.topic", group + "-status",
        "config.storage.replication.factor", "1",
        "offset.storage.replication.factor", "1",
        "offset.storage.partitions", "3",
        "status.storage.replication.factor", "1",
        "status.storage.partitions", "1",
        "key.converter", "org.apache.kafka.connect.storage.StringConverter",
        "value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter",
        "listeners", "http://127.0.0.1:0",
        "rest.advertised.host.name", "127.0.0.1",
        "plugin.path", pluginPath.toString(),
        // Every plugin must declare itself in META-INF/services: proves the plugin's manifests.
        "plugin.discovery", "hybrid_fail",
        "scheduled.rebalance.max.delay.ms", "1000",
        "session.timeout.ms", "6000",
        "heartbeat.interval.ms", "1000",
        "offset.flush.interval.ms", "1000",
        "task.shutdown.graceful.timeout.ms", "5000",
        "consumer.max.poll.records", "500",
        // A killed worker's sink consumers hold their partitions until this runs out (45 s by default).
        "consumer.session.timeout.ms", "6000",
        "consumer.heartbeat.interval.ms", "1000");
  }

  private static Path unzip(Path zip, Path into) throws IOException {
    Files.createDirectories(into);
    try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        Path target = into.resolve(e.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("zip entry outside the target: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(z, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return into;
  }

  @Override
  public void close() throws InterruptedException {
    for (ConnectWorker w : workers) {
      w.kill();
    }
  }
}
