package dev.iotforwarder.cli;

import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.ckafka.CkafkaSinkBuilder;
import dev.iotforwarder.cli.internal.Replayer;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.spi.Sink;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dead-letters replay FILE}: re-forwards a dead-letter file to Kafka or CMQ. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Re-forwards every line of a FileDeadLetterSink file to one CKafka/Kafka topic or one CMQ"
            + " queue, through the library's Forwarder (per-device order kept, retries), with a"
            + " progress line and a summary on stderr. The input file is only read: nothing is"
            + " removed from it. The lines that fail (not a message envelope, or not delivered"
            + " after the retries) are copied unchanged to a new file, ready to replay again.",
        "",
        "Credentials come from environment variables only, never from the command line (which"
            + " shell history and process listings keep):",
        "  CMQ:    IOTFWD_CMQ_SECRET_ID, IOTFWD_CMQ_SECRET_KEY (required),"
            + " IOTFWD_CMQ_TOKEN (optional, temporary credentials)",
        "  CKafka: IOTFWD_KAFKA_USERNAME, IOTFWD_KAFKA_PASSWORD (with --ckafka-instance; SASL"
            + " PLAIN, user <instance>#<username>)",
        ""},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every line delivered",
        "1:some lines failed (they are in the failed-lines file)", "2:bad command line",
        "3:the file cannot be read, the failed-lines file exists, or credentials are missing"})
final class ReplayCommand implements Callable<Integer> {
  static final String CMQ_SECRET_ID = "IOTFWD_CMQ_SECRET_ID";
  static final String CMQ_SECRET_KEY = "IOTFWD_CMQ_SECRET_KEY";
  static final String CMQ_TOKEN = "IOTFWD_CMQ_TOKEN";
  static final String KAFKA_USERNAME = "IOTFWD_KAFKA_USERNAME";
  static final String KAFKA_PASSWORD = "IOTFWD_KAFKA_PASSWORD";

  @Parameters(paramLabel = "FILE", description = "the dead-letter file (JSON lines)")
  Path file;

  @ArgGroup(exclusive = true, multiplicity = "1", heading = "%nTarget (exactly one):%n")
  Target target;

  static final class Target {
    @ArgGroup(exclusive = false, multiplicity = "0..1", heading = "CKafka / Kafka:%n")
    Kafka kafka;
    @ArgGroup(exclusive = false, multiplicity = "0..1", heading = "CMQ:%n")
    Cmq cmq;
  }

  static final class Kafka {
    @Option(names = "--kafka-bootstrap", required = true, paramLabel = "HOST:PORT[,...]",
        description = "the bootstrap servers")
    String bootstrap;
    @Option(names = "--kafka-topic", required = true, paramLabel = "TOPIC",
        description = "the topic to send to")
    String topic;
    @Option(names = "--ckafka-instance", paramLabel = "ID",
        description = "a CKafka instance id: turns on SASL with the credentials from "
            + KAFKA_USERNAME + " and " + KAFKA_PASSWORD)
    String instance;
    @Option(names = "--kafka-tls", description = "with --ckafka-instance: SASL_SSL (the public"
        + " network) rather than SASL_PLAINTEXT")
    boolean tls;
  }

  static final class Cmq {
    @Option(names = "--cmq-endpoint", required = true, paramLabel = "URL",
        description = "the CMQ endpoint, e.g. https://cmq-gz.public.tencenttdmq.com")
    String endpoint;
    @Option(names = "--cmq-queue", required = true, paramLabel = "QUEUE",
        description = "the queue to send to")
    String queue;
  }

  @Option(names = "--failed", paramLabel = "FILE",
      description = "where the failed lines go; must not exist. Default: FILE.failed-<UTC time>")
  Path failedFile;

  @Option(names = "--attempts", paramLabel = "N", defaultValue = "5",
      description = "the most sends of one message (default: ${DEFAULT-VALUE})")
  int attempts;

  @Option(names = "--close-timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "how long to wait at the end for messages still being sent"
          + " (default: ${DEFAULT-VALUE})")
  int closeTimeoutSeconds;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;

  ReplayCommand() {
    this(System.getenv());
  }

  ReplayCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (attempts < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--attempts must be 1 or more");
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      err.println("error: " + file + " is not a readable file");
      return Main.UNUSABLE;
    }
    Path failed = failedFile != null ? failedFile : file.resolveSibling(file.getFileName()
        + ".failed-" + ZonedDateTime.now(ZoneOffset.UTC).format(
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")));
    if (Files.exists(failed)) {
      err.println("error: the failed-lines file " + failed + " exists already; name a new one"
          + " with --failed");
      return Main.UNUSABLE;
    }
    CmqClient client = null;
    Sink sink;
    String where;
    if (target.cmq != null) {
      String id = env.get(CMQ_SECRET_ID);
      String key = env.get(CMQ_SECRET_KEY);
      if (blank(id) || blank(key)) {
        err.println("error: CMQ credentials missing: set " + CMQ_SECRET_ID + " and "
            + CMQ_SECRET_KEY + " (and " + CMQ_TOKEN + " for temporary credentials)");
        return Main.UNUSABLE;
      }
      String token = env.get(CMQ_TOKEN);
      CmqCredentials creds = blank(token) ? CmqCredentials.of(id, key)
          : CmqCredentials.of(id, key, token);
      client = CmqClient.builder().endpoint(CmqEndpoint.of(target.cmq.endpoint))
          .credentials(creds).build();
      sink = CmqSink.builder().client(client).queue(target.cmq.queue).build();
      where = "CMQ queue " + target.cmq.queue + " at " + target.cmq.endpoint;
    } else {
      Kafka k = target.kafka;
      CkafkaSinkBuilder b = CkafkaSink.builder().bootstrapServers(k.bootstrap).topic(k.topic);
      if (k.instance != null) {
        String user = env.get(KAFKA_USERNAME);
        String password = env.get(KAFKA_PASSWORD);
        if (blank(user) || blank(password)) {
          err.println("error: --ckafka-instance needs " + KAFKA_USERNAME + " and "
              + KAFKA_PASSWORD + " in the environment");
          return Main.UNUSABLE;
        }
        b = k.tls ? b.saslSsl(k.instance, user, password) : b.sasl(k.instance, user, password);
      }
      sink = b.build();
      where = "Kafka topic " + k.topic + " at " + k.bootstrap;
    }
    err.println("replay: " + file + " to " + where);
    err.flush();
    Replayer.Summary s;
    try {
      s = new Replayer(failed, err, System.console() != null)
          .replay(file, sink, attempts, Duration.ofSeconds(closeTimeoutSeconds));
    } finally {
      if (client != null) {
        client.close();
      }
    }
    err.println("replay summary: " + s.lines() + " lines, " + s.delivered() + " delivered, "
        + s.failed() + " failed" + (s.failedFile() == null ? ""
            : "; the failed lines are in " + s.failedFile()) + "; " + file + " is unchanged");
    err.flush();
    return s.failed() == 0 ? Main.OK : Main.PROBLEMS;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
