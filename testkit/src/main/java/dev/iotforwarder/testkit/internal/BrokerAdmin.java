package dev.iotforwarder.testkit.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * LocalKafka's admin client and the waits it is used for: until the broker answers, until a new
 * topic's partitions accept writes (each answers a ListOffsets request from its leader; producing
 * before that can lose records, KAFKA-15591), and until every partition does again after a
 * restart. Uses only Admin API present in kafka-clients 3.9 and 4.x, since in separate-JVM mode the
 * test JVM's client may be the older one. Every wait is bounded by the timeout given at creation.
 * Thread-safe as the Admin client is.
 */
public final class BrokerAdmin implements AutoCloseable {
  private final Admin admin;
  private final Duration timeout;

  /**
   * Creates the admin client; does not wait for the broker.
   *
   * @param bootstrapServers the PLAINTEXT listener
   * @param timeout the bound of every wait
   */
  public BrokerAdmin(String bootstrapServers, Duration timeout) {
    this.admin = Admin.create(Map.of(
        "bootstrap.servers", bootstrapServers,
        "client.id", "local-kafka-admin",
        "request.timeout.ms", 5000,
        "default.api.timeout.ms", 10000));
    this.timeout = timeout;
  }

  /**
   * Waits until the broker lists itself in a DescribeCluster answer.
   *
   * @param checkAlive throws if the broker is known to be gone (a child JVM that exited)
   * @param diagnostics appended to the timeout's message, e.g. the child JVM's log
   * @throws IllegalStateException if it is not ready within the timeout
   */
  public void awaitReady(Runnable checkAlive, Supplier<String> diagnostics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      checkAlive.run();
      try {
        if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
            .nodes().get().isEmpty()) {
          return;
        }
      } catch (ExecutionException e) {
        last = e;
      } catch (InterruptedException e) {
        throw Polling.interrupted(e);
      }
      Polling.pause();
    }
    throw new IllegalStateException("the broker was not ready within " + timeout + diagnostics.get(), last);
  }

  /**
   * Creates a topic with replication factor 1 and waits until every partition accepts writes.
   *
   * @param name the name
   * @param partitions the number of partitions
   * @throws IllegalStateException if it exists, cannot be created, or is not ready within the timeout
   */
  public void createTopic(String name, int partitions) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        throw new IllegalStateException("topic " + name + " already exists", e.getCause());
      }
      throw new IllegalStateException("could not create topic " + name, e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("creating topic " + name + " took longer than " + timeout, e);
    } catch (InterruptedException e) {
      throw Polling.interrupted(e);
    }
    Set<TopicPartition> pending = new HashSet<>();
    for (int p = 0; p < partitions; p++) {
      pending.add(new TopicPartition(name, p));
    }
    awaitWritable(pending, deadline);
  }

  /**
   * Waits until every partition of every topic accepts writes, as after a restart.
   *
   * @throws IllegalStateException if the topics cannot be listed or are not ready within the timeout
   */
  public void awaitAllWritable() {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      Set<String> topics = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Set<TopicPartition> pending = new HashSet<>();
      if (!topics.isEmpty()) {
        admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .forEach((t, d) -> d.partitions().forEach(p -> pending.add(new TopicPartition(t, p.partition()))));
      }
      awaitWritable(pending, deadline);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("broker restarted but its topics could not be listed", e);
    } catch (InterruptedException e) {
      throw Polling.interrupted(e);
    }
  }

  private void awaitWritable(Set<TopicPartition> pending, long deadline) {
    Throwable last = null;
    while (!pending.isEmpty()) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      pending.forEach(tp -> request.put(tp, OffsetSpec.latest()));
      ListOffsetsResult result = admin.listOffsets(request);
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
          throw Polling.interrupted(e);
        }
      }
      if (!pending.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("partitions " + pending + " did not accept writes within "
              + timeout, last);
        }
        Polling.pause();
      }
    }
  }

  /** Closes the client, waiting up to 5 s. */
  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
