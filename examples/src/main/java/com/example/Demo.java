package com.example;

import dev.iotforwarder.FileDeadLetterSink;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.ForwarderStats;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SinkStats;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The iot-forwarder demo: a gateway forwards a simulated fleet's messages through one {@link
 * Forwarder} into Kafka and CMQ, a backend reads everything back, and the demo checks that nothing
 * was lost, reordered or altered. Kafka and CMQ run in this JVM ({@link LocalKafka}, {@link
 * LocalCmq}): nothing to install.
 *
 * <pre>
 *   gateway (Fleet) ──forward()──► Forwarder ──► ckafka      ──► Kafka topics device-status, device-telemetry
 *                                           ├──► cmq-status  ──► CMQ queue device-status       (Status only)
 *                                           └──► cmq-alarms  ──► CMQ topic device-alarms ──► queue alarms
 *                                                                (topic +/+/alarm, tagged)
 *   backend (Backend): Kafka consumer + CmqReceivers ──► checks (Stream) ──► summary table, exit status
 * </pre>
 *
 * <p>Run it with {@code mvn -B -q -Pdemo -pl examples -am verify -DskipTests}; see {@link
 * DemoOptions#USAGE} for the options.
 */
public final class Demo {
  static final String KAFKA_SINK = "ckafka";
  static final String CMQ_STATUS_SINK = "cmq-status";
  static final String CMQ_ALARMS_SINK = "cmq-alarms";
  static final List<String> SINKS = List.of(KAFKA_SINK, CMQ_STATUS_SINK, CMQ_ALARMS_SINK);

  static final String STATUS_TOPIC = "device-status";
  static final String TELEMETRY_TOPIC = "device-telemetry";
  static final String STATUS_QUEUE = "device-status";
  static final String ALARM_TOPIC = "device-alarms";
  static final String ALARM_QUEUE = "alarms";

  /** CKafka-style SASL users: {@code <instanceId>#<userName>}. Local and throw-away. */
  private static final String CKAFKA_INSTANCE = "ckafka-demo";
  private static final String GATEWAY_USER = "gateway";
  private static final String BACKEND_USER = "backend";
  private static final String LOCAL_PASSWORD = "local-demo-only";

  private Demo() {}

  /**
   * Runs the demo and exits with its status.
   *
   * @param args the options; see {@link DemoOptions#USAGE}
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.console() != null));
  }

  /**
   * Runs the demo.
   *
   * @param args the options
   * @param out where the progress and the summary go
   * @param err where problems go
   * @param terminal whether {@code out} is a terminal (progress rewritten in place)
   * @return the exit status: 0 every check passed, 1 a check failed, 2 bad options
   */
  static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
    return execute(args, out, err, terminal).exitCode();
  }

  /**
   * What a run found (for tests).
   *
   * @param exitCode the exit status
   * @param stats the forwarder's counters after the run, or null if it did not get that far
   * @param cmqFaultsInjected how many faults LocalCmq injected
   * @param lost expected envelopes the backend did not read back
   */
  record Result(int exitCode, ForwarderStats stats, long cmqFaultsInjected, long lost) {
    static Result of(int exitCode) {
      return new Result(exitCode, null, 0, -1);
    }
  }

  /** Like {@link #run}, with what the run found. */
  static Result execute(String[] args, PrintStream out, PrintStream err, boolean terminal) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (DemoOptions.UsageException e) {
      err.println("demo: " + e.getMessage());
      err.println("Run with --help to see the options.");
      return Result.of(2);
    }
    if (options.help()) {
      out.print(DemoOptions.USAGE);
      return Result.of(0);
    }
    configureLogging(options.verbose());
    try {
      return new Demo.Run(options, out, terminal).call();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("demo: interrupted");
      return Result.of(1);
    } catch (RuntimeException | IOException e) {
      err.println("demo: failed: " + e);
      e.printStackTrace(err);
      return Result.of(1);
    }
  }

  /**
   * Sets slf4j-simple's levels before anything logs (it reads them once): WARN for everything, the
   * library too, and ERROR for Kafka's clients and broker; {@code --verbose} shows the library's
   * DEBUG lines and Kafka's WARNs. A level given on the command line ({@code
   * -Dorg.slf4j.simpleLogger...}) wins. The defaults are in {@code simplelogger.properties}.
   */
  static void configureLogging(boolean verbose) {
    if (verbose) {
      setIfAbsent("org.slf4j.simpleLogger.log.dev.iotforwarder", "debug");
    } else {
      // Kafka's expected WARNs: each broker start ("Performing controller activation"), and every
      // client's reconnect attempts while the broker is down on purpose (--kafka-outage-seconds),
      // which the demo reports itself. --verbose shows them.
      setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
      // The admin client logs an ERROR when a partition it waits for is not ready yet, which
      // LocalKafka.createTopic retries until it is (a gate against KAFKA-15591).
      setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka.clients.admin.internals.PartitionLeaderStrategy",
          "off");
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** One run: the embedded queues, the gateway, the backend, and the report. */
  private static final class Run {
    private final DemoOptions options;
    private final PrintStream out;
    private final boolean terminal;
    private final Fleet fleet;
    private final Phases phases;
    private final AtomicLong forwarded = new AtomicLong();
    private final LongAdder failedForwards = new LongAdder();
    private final Metrics metrics = new Metrics(SINKS);
    private volatile String phase = "starting";
    private volatile boolean kafkaDown;
    private volatile String outageProblem;

    Run(DemoOptions options, PrintStream out, boolean terminal) {
      this.options = options;
      this.out = out;
      this.terminal = terminal;
      this.fleet = Fleet.plan(options.devices(), options.messages(), options.seed());
      this.phases = Phases.of(options, fleet.messages());
    }

    Result call() throws InterruptedException, IOException {
      printPlan();
      long startNanos = System.nanoTime();
      try (LocalKafka kafka = LocalKafka.builder()
              .saslUser(CKAFKA_INSTANCE + "#" + GATEWAY_USER, LOCAL_PASSWORD)
              .saslUser(CKAFKA_INSTANCE + "#" + BACKEND_USER, LOCAL_PASSWORD)
              .start();
          LocalCmq cmq = LocalCmq.start()) {
        kafka.createTopic(STATUS_TOPIC, 2);
        kafka.createTopic(TELEMETRY_TOPIC, 4);
        cmq.createQueue(STATUS_QUEUE).createTopic(ALARM_TOPIC).createQueue(ALARM_QUEUE)
            .subscribe(ALARM_TOPIC, ALARM_QUEUE, List.of("alarm"), List.of());
        if (options.cmqFaultRate() > 0) {
          cmq.faultRate(options.cmqFaultRate(), options.seed(), List.of("BatchSendMessage", "BatchPublishMessage"),
              LocalCmq.Fault.error(4420), LocalCmq.Fault.error(6000), LocalCmq.Fault.httpStatus(503),
              LocalCmq.Fault.drop());
        }
        out.printf(Locale.ROOT, "  Kafka     LocalKafka %s, SASL_PLAINTEXT/PLAIN as %s#%s (started in %.1f s)%n",
            kafka.saslBootstrapServers(), CKAFKA_INSTANCE, GATEWAY_USER, (System.nanoTime() - startNanos) / 1e9);
        out.printf(Locale.ROOT, "  CMQ       LocalCmq %s, requests signed with HmacSHA256%n%n", cmq.url());
        out.flush();
        Result result = forwardAndCheck(kafka, cmq);
        return new Result(result.exitCode(), result.stats(), cmq.faultsInjected(), result.lost());
      }
    }

    private void printPlan() {
      out.println("iot-forwarder demo: a gateway forwards a device fleet's messages to Kafka and CMQ,");
      out.println("a backend reads them back, and every message is checked.");
      out.println();
      out.printf(Locale.ROOT, "  fleet     %,d devices of %d products (%s)%n", fleet.devices(),
          Fleet.PRODUCTS.size(), String.join(", ", Fleet.PRODUCTS));
      out.printf(Locale.ROOT, "  messages  %,d: %,d Status (Online/Offline), %,d telemetry, %,d alarms; %s%n",
          fleet.messages(), fleet.count(Fleet.Kind.ONLINE, Fleet.Kind.OFFLINE), fleet.count(Fleet.Kind.TELEMETRY),
          fleet.count(Fleet.Kind.ALARM),
          phases.describe());
      out.printf("  routes    every message -> %-10s Kafka topics %s (Status), %s (Publish)%n",
          KAFKA_SINK, STATUS_TOPIC, TELEMETRY_TOPIC);
      out.printf("            Status        -> %-10s CMQ queue %s%n", CMQ_STATUS_SINK, STATUS_QUEUE);
      out.printf("            %-13s -> %-10s CMQ topic %s, tags [alarm, <product>] -> queue %s%n",
          Fleet.ALARM_PATTERN, CMQ_ALARMS_SINK, ALARM_TOPIC, ALARM_QUEUE);
      if (options.cmqFaultRate() > 0) {
        out.printf(Locale.ROOT, "  faults    CMQ fails %.0f%% of send requests (4420, 6000, HTTP 503, dropped"
            + " connection)%n", options.cmqFaultRate() * 100);
      }
      if (options.kafkaOutageSeconds() > 0) {
        out.printf(Locale.ROOT, "  outage    the Kafka broker stops after %,d messages and restarts %d s later%n",
            outageAt(), options.kafkaOutageSeconds());
      }
      out.flush();
    }

    private int outageAt() {
      return options.kafkaOutageSeconds() > 0 ? fleet.messages() / 3 : -1;
    }

    private Result forwardAndCheck(LocalKafka kafka, LocalCmq cmq) throws InterruptedException, IOException {
      Path work = Files.createTempDirectory("iot-forwarder-demo-");
      Path deadLetters = work.resolve("dead-letters.jsonl");
      CmqEndpoint endpoint = CmqEndpoint.of(cmq.url());
      CmqCredentials credentials = CmqCredentials.of(cmq.secretId(), cmq.secretKey());
      Stream kafkaStatus = new Stream("Kafka " + STATUS_TOPIC, fleet, Fleet.Kind.ONLINE, Fleet.Kind.OFFLINE);
      Stream kafkaTelemetry = new Stream("Kafka " + TELEMETRY_TOPIC, fleet, Fleet.Kind.TELEMETRY, Fleet.Kind.ALARM);
      Stream cmqStatus = new Stream("CMQ " + STATUS_QUEUE, fleet, Fleet.Kind.ONLINE, Fleet.Kind.OFFLINE);
      Stream cmqAlarms = new Stream("CMQ " + ALARM_QUEUE, fleet, Fleet.Kind.ALARM);
      Map<String, List<Stream>> streamsBySink = new LinkedHashMap<>();
      streamsBySink.put(KAFKA_SINK, List.of(kafkaStatus, kafkaTelemetry));
      streamsBySink.put(CMQ_STATUS_SINK, List.of(cmqStatus));
      streamsBySink.put(CMQ_ALARMS_SINK, List.of(cmqAlarms));

      ForwarderStats stats;
      PresenceTable.Outcome presenceOutcome = null;
      long startNanos = System.nanoTime();
      long forwardNanos = 0;
      try (CmqClient gatewayCmq = CmqClient.builder().endpoint(endpoint).credentials(credentials).build();
          CmqClient backendCmq = CmqClient.builder().endpoint(endpoint).credentials(credentials).build();
          Backend backend = new Backend(
              kafka.saslClientProperties(CKAFKA_INSTANCE + "#" + BACKEND_USER, LOCAL_PASSWORD),
              Map.of(STATUS_TOPIC, Map.entry(2, kafkaStatus), TELEMETRY_TOPIC, Map.entry(4, kafkaTelemetry)),
              backendCmq,
              Map.of(STATUS_QUEUE, cmqStatus, ALARM_QUEUE, cmqAlarms));
          PresenceTable presence = new PresenceTable(
              kafka.saslClientProperties(CKAFKA_INSTANCE + "#" + BACKEND_USER, LOCAL_PASSWORD), STATUS_TOPIC)) {
        Forwarder forwarder = buildForwarder(kafka, gatewayCmq, deadLetters);
        try {
          Progress progress = new Progress(out, terminal, () -> progressLine(forwarder, backend));
          try {
            phase = phases.firstPhase();
            startNanos = System.nanoTime();
            Thread outage = forward(forwarder, kafka);
            forwardNanos = System.nanoTime() - startNanos;
            phase = "draining";
            boolean flushed = forwarder.flush(Duration.ofSeconds(300L + options.kafkaOutageSeconds()));
            if (outage != null) {
              outage.join();
            }
            phase = "checking";
            boolean complete = backend.awaitComplete(Duration.ofSeconds(15));
            presenceOutcome = presence.outcome(fleet, presence.awaitMatches(fleet, Duration.ofSeconds(30)));
            phase = complete ? "done" : "gave up";
            if (!flushed) {
              out.println();
              out.println("demo: the forwarder did not drain within the flush timeout");
            }
          } finally {
            progress.close();
          }
          stats = forwarder.stats();
        } finally {
          forwarder.close();
        }
      }
      double forwardSeconds = forwardNanos / 1e9;
      double totalSeconds = (System.nanoTime() - startNanos) / 1e9;
      out.println();
      out.printf(Locale.ROOT, "Forwarded %,d messages in %.1f s; delivered and read back in %.1f s.%n%n",
          forwarded.get(), forwardSeconds, totalSeconds);
      Report report = new Report(fleet, stats, metrics, streamsBySink, List.of(kafkaStatus, cmqStatus), startNanos);
      report.printTable(out);
      out.println();
      phases.print(report, out);
      boolean deadLettered = stats.sinks().values().stream().anyMatch(s -> s.deadLettered() > 0);
      if (deadLettered) {
        out.println();
        out.println("Dead letters (with the reason for each): " + deadLetters.toAbsolutePath());
      } else {
        Files.deleteIfExists(deadLetters);
        Files.deleteIfExists(work);
      }
      out.println();
      boolean passed = report.printChecks(out, failedForwards.sum(), outageProblem);
      passed &= presenceOutcome != null && presenceOutcome.print(out);
      out.println();
      out.println(passed ? "PASS: every message arrived, once or more, in order and intact (exit status 0)"
          : "FAIL: see the checks above (exit status 1)");
      out.flush();
      long lost = 0;
      for (List<Stream> streams : streamsBySink.values()) {
        for (Stream stream : streams) {
          lost += stream.lost();
        }
      }
      return new Result(passed ? 0 : 1, stats, 0, lost);
    }

    private Forwarder buildForwarder(LocalKafka kafka, CmqClient cmqClient, Path deadLetters) {
      int outageMillis = options.kafkaOutageSeconds() * 1000;
      CkafkaSink kafkaSink = CkafkaSink.builder()
          .name(KAFKA_SINK)
          .bootstrapServers(kafka.saslBootstrapServers())
          .sasl(CKAFKA_INSTANCE, GATEWAY_USER, LOCAL_PASSWORD)
          .topicRouter(m -> m.isStatus() ? STATUS_TOPIC : TELEMETRY_TOPIC)
          // Riding out a broker outage without dead letters: the producer retries a record it has
          // for delivery.timeout.ms, and the sink tries a record the producer did not take (no
          // metadata while the broker is down) again until the same delivery.timeout.ms has passed.
          .producerProperty("delivery.timeout.ms", Math.max(120_000, outageMillis + 60_000))
          .build();
      CmqSink statusSink = CmqSink.builder()
          .name(CMQ_STATUS_SINK)
          .client(cmqClient)
          .queue(STATUS_QUEUE)
          .build();
      CmqSink alarmSink = CmqSink.builder()
          .name(CMQ_ALARMS_SINK)
          .client(cmqClient)
          .topic(ALARM_TOPIC)
          .msgTags(m -> List.of("alarm", m.productName()))
          .build();
      LaneOptions lanes = LaneOptions.builder()
          // Back-pressure instead of rejection: a full lane (Kafka down) makes forward() wait.
          .blockTimeout(Duration.ofSeconds(60L + options.kafkaOutageSeconds()))
          // A gateway that would rather retry than park: up to 20 sends, backing off up to 1 s.
          .retryPolicy(RetryPolicy.builder()
              .maxAttempts(20)
              .initialBackoff(Duration.ofMillis(50))
              .maxBackoff(Duration.ofSeconds(1))
              .build())
          .build();
      return Forwarder.builder()
          .route(kafkaSink)                                              // every message
          .route(MessageFilter.statusOnly(), statusSink)                 // Status also to CMQ
          .route(MessageFilter.topic(Fleet.ALARM_PATTERN), alarmSink)    // alarms to a CMQ topic
          .laneDefaults(lanes)
          // The Kafka producer batches by itself (and keeps order): let it hold enough records to
          // fill its batches. The CMQ lanes keep one message per device in flight, for order.
          .lane(KAFKA_SINK, lanes.toBuilder().maxInFlight(16_384).build())
          .deadLetter(FileDeadLetterSink.open(deadLetters))
          .listener(metrics)
          .build();
    }

    /** The gateway: forwards the fleet's messages in order, paced if asked; returns the outage thread. */
    private Thread forward(Forwarder forwarder, LocalKafka kafka) {
      int n = fleet.messages();
      int outageAt = outageAt();
      Thread outage = null;
      int flat = phases.flat();
      int rate = phases.rate();
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        if (i == flat && flat > 0) {
          // Every message of the flat-out phase is acknowledged before the paced phase starts, so
          // that neither phase's figures include the other's messages, and the paced phase measures
          // a warm gateway and broker.
          phase = "draining";
          forwarder.flush(Duration.ofSeconds(60L + options.kafkaOutageSeconds()));
          phase = "paced";
          start = System.nanoTime();
          metrics.secondPhaseStarts(start);
        }
        if (i >= flat) {
          long due = start + (long) ((i - flat) * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
        }
        if (i == outageAt) {
          outage = new Thread(() -> outage(kafka), "demo-kafka-outage");
          outage.setDaemon(true);
          outage.start();
        }
        forwarder.forward(fleet.message(i)).whenComplete((result, error) -> {
          if (error != null) {
            failedForwards.increment();
          }
        });
        forwarded.lazySet(i + 1);
      }
      return outage;
    }

    private void outage(LocalKafka kafka) {
      try {
        kafkaDown = true;
        kafka.stop();
        Thread.sleep(options.kafkaOutageSeconds() * 1000L);
        kafka.restart();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        outageProblem = "the outage thread was interrupted";
      } catch (RuntimeException e) {
        outageProblem = "the Kafka broker did not come back: " + e;
      } finally {
        kafkaDown = false;
      }
    }

    private long lastForwarded;
    private long lastNanos = System.nanoTime();

    /** The progress line; called by the progress thread only. */
    private String progressLine(Forwarder forwarder, Backend backend) {
      ForwarderStats s = forwarder.stats();
      long now = System.nanoTime();
      long count = forwarded.get();
      double rate = (count - lastForwarded) / Math.max(1e-9, (now - lastNanos) / 1e9);
      lastForwarded = count;
      lastNanos = now;
      StringBuilder line = new StringBuilder(120);
      line.append(String.format(Locale.ROOT, "%-8s %3d%% %s/s | delivered", phase,
          count * 100 / fleet.messages(), Progress.compact(Math.round(rate))));
      long retries = 0;
      for (String sink : SINKS) {
        SinkStats st = s.sink(sink);
        line.append(' ').append(sink).append(' ').append(Progress.compact(st.succeeded()));
        retries += st.retries();
      }
      line.append(" | retries ").append(Progress.compact(retries));
      line.append(" | read back ").append(backend.unique() * 100 / Math.max(1, backend.expected())).append('%');
      if (kafkaDown) {
        line.append(" | Kafka DOWN");
      }
      return line.toString();
    }
  }
}
