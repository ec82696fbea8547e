package dev.iotforwarder.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.iotforwarder.DeviceMessage;
import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.Forwarder;
import dev.iotforwarder.LaneOptions;
import dev.iotforwarder.MessageFilter;
import dev.iotforwarder.OverflowPolicy;
import dev.iotforwarder.RetryPolicy;
import dev.iotforwarder.SpoolOptions;
import dev.iotforwarder.ckafka.CkafkaSink;
import dev.iotforwarder.cmq.CmqClient;
import dev.iotforwarder.cmq.CmqCredentials;
import dev.iotforwarder.cmq.CmqEndpoint;
import dev.iotforwarder.cmq.CmqReceiver;
import dev.iotforwarder.cmq.CmqSigner;
import dev.iotforwarder.cmq.CmqSink;
import dev.iotforwarder.reliability.logging.LogCapture;
import dev.iotforwarder.spi.BatchLimits;
import dev.iotforwarder.testing.FlakySink;
import dev.iotforwarder.testing.RecordingSink;
import dev.iotforwarder.testkit.LocalCmq;
import dev.iotforwarder.testkit.LocalKafka;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad arguments to every public builder of the library and the testkit: {@code build()} (or {@code
 * start()}) throws one {@link IllegalArgumentException} that lists every problem, naming each
 * setting; no setter throws early, so that a second problem is never hidden behind the first. None of
 * the messages holds a secret.
 */
@ExtendWith(ReliabilityExtension.class)
class BuilderArgumentsTest {

  private static final java.util.concurrent.atomic.AtomicInteger CHECKS = new java.util.concurrent.atomic.AtomicInteger();
  private static final java.util.concurrent.atomic.AtomicInteger PROBLEMS = new java.util.concurrent.atomic.AtomicInteger();
  private static final long START = System.nanoTime();

  @org.junit.jupiter.api.AfterAll
  static void report() {
    Figures.report(new Figures.Row("Builders", CHECKS.get(), 0, 0, "n/a", 0, Sampler.heapUsed() >> 20,
        Duration.ofNanos(System.nanoTime() - START), "15 public builders (core, sink-cmq, sink-ckafka, testkit), "
            + CHECKS.get() + " builds with " + PROBLEMS.get() + " bad settings in all: each build threw one"
            + " IllegalArgumentException naming every bad setting"));
  }

  /** Runs {@code build}, expects one IllegalArgumentException naming every fragment, and returns it. */
  private static IllegalArgumentException listsEvery(Supplier<?> build, String... fragments) {
    CHECKS.incrementAndGet();
    PROBLEMS.addAndGet(fragments.length);
    Throwable t = catchThrowable(build::get);
    assertThat(t).as("build() of a builder with %d bad settings", fragments.length)
        .isExactlyInstanceOf(IllegalArgumentException.class);
    LogCapture.scan("builder exception", t);
    for (String f : fragments) {
      assertThat(t.getMessage()).as("the exception lists every problem").contains(f);
    }
    System.out.println("[builders] " + t.getMessage());
    return (IllegalArgumentException) t;
  }

  @Test
  @DisplayName("ForwarderBuilder: null routes, sinks, dead-letter sink, lane options, listener, thread factory, clock, random and a negative close timeout, all at once")
  void forwarderBuilder() {
    RecordingSink a = new RecordingSink("a");
    listsEvery(() -> Forwarder.builder()
            .route(null)
            .route(MessageFilter.all(), null)
            .failover(MessageFilter.all(), a, a)
            .filter(null)
            .deadLetter((dev.iotforwarder.spi.Sink) null)
            .laneDefaults(null)
            .lane(null, LaneOptions.DEFAULTS)
            .lane("nope", null)
            .listener(null)
            .threadFactory(null)
            .clock(null)
            .random(null)
            .closeTimeout(Duration.ofSeconds(-1))
            .build(),
        "route sink was null but is required", "failover primary and backup are the same sink", "filter was null but is required",
        "deadLetter was null but is required", "laneDefaults was null but is required", "lane sinkName was null but is required", "lane options for nope was null but is required",
        "listener was null but is required", "threadFactory was null but is required", "clock was null but is required", "random was null but is required", "closeTimeout",
        "no route");
    listsEvery(() -> Forwarder.builder()
            .route(a)
            .route(new RecordingSink("a"))
            .lane("b", LaneOptions.builder().statusOverflow(OverflowPolicy.DROP_OLDEST).build())
            .laneDefaults(LaneOptions.builder().statusOverflow(OverflowPolicy.DROP_OLDEST).build())
            .build(),
        "two different sinks are named a", "lane options for b but no route uses a sink of that name",
        "drops Status messages");
  }

  @Test
  @DisplayName("LaneOptions, RetryPolicy, EnvelopeCodec, DeviceMessage, BatchLimits, SpoolOptions and FlakySink builders list every bad setting")
  void coreBuilders() {
    listsEvery(() -> LaneOptions.builder().maxMessages(0).maxBytes(0).maxInFlight(0).threads(0)
            .publishOverflow(null).statusOverflow(null).blockTimeout(Duration.ofMillis(-1))
            .sendTimeout(Duration.ZERO).retryPolicy(null).build(),
        "maxMessages", "maxBytes", "maxInFlight", "threads", "publishOverflow", "statusOverflow",
        "blockTimeout", "sendTimeout", "retryPolicy");
    listsEvery(() -> RetryPolicy.builder().maxAttempts(0).initialBackoff(Duration.ofMillis(-1)).maxBackoff(null)
            .multiplier(Double.NaN).jitter(1.5).maxElapsed(Duration.ZERO).build(),
        "maxAttempts", "initialBackoff", "maxBackoff", "multiplier", "jitter", "maxElapsed");
    listsEvery(() -> EnvelopeCodec.builder().maxEnvelopeBytes(10).maxNestingDepth(0).build(),
        "maxEnvelopeBytes", "maxNestingDepth");
    listsEvery(() -> DeviceMessage.builder().msgType(null).event(null).topic(null).seq(-1).deviceId(null)
            .productName("").deviceName(null).payload(null).build(),
        "msgType", "event", "topic", "seq", "deviceId", "productName", "deviceName", "payload");
    listsEvery(() -> new BatchLimits(0, 0, Duration.ofDays(-1), 0),
        "maxCount", "maxBytes", "linger", "maxInFlight");
    listsEvery(() -> SpoolOptions.builder().fsyncEvery(Duration.ZERO).segmentBytes(10).maxDiskBytes(5)
            .fullPolicy(null).blockTimeout(Duration.ofSeconds(-1)).build(),
        "fsyncInterval", "segmentBytes", "maxDiskBytes", "fullPolicy", "blockTimeout");
    listsEvery(() -> Forwarder.builder().route(new RecordingSink("s")).spool(null, null).build(),
        "spool directory was null but is required", "spool options was null but is required");
    listsEvery(() -> FlakySink.builder(null).retriableFailureRate(2).permanentFailureRate(-1)
            .latency(null, Duration.ZERO).build(),
        "name", "retriableFailureRate", "permanentFailureRate", "latency");
  }

  @Test
  @DisplayName("CmqClient, CmqSigner, CmqSink and CmqReceiver builders list every bad setting, never the SecretKey")
  void cmqBuilders() {
    CmqCredentials creds = CmqCredentials.of(Secrets.CMQ_SECRET_ID, Secrets.CMQ_SECRET_KEY, Secrets.STS_TOKEN);
    listsEvery(() -> CmqClient.builder().credentials(creds).signer(CmqSigner.of(creds)).signatureMethod(null)
            .timeouts(Duration.ZERO, null, Duration.ofHours(2)).maxRequests(0).build(),
        "endpoint", "credentials and signer", "signatureMethod", "connectTimeout", "readTimeout",
        "writeTimeout", "maxRequests");
    listsEvery(() -> CmqSigner.builder(null).signatureMethod(null).clock(null).nonceSource(null).build(),
        "credentials", "signatureMethod", "clock", "nonceSource");
    listsEvery(() -> CmqSink.builder().name(" ").queue("q").topic("t").delaySeconds(-1)
            .maxBatchCount(17).maxBatchBytes(1).maxMessageBytes(0).linger(null).maxInFlight(0)
            .closeTimeout(Duration.ofMillis(-1)).codec(null).build(),
        "name", "queue and topic were both set", "client", "delaySeconds", "maxBatchCount",
        "maxBatchBytes", "maxMessageBytes", "linger", "maxInFlight", "closeTimeout", "codec");
    listsEvery(() -> CmqReceiver.builder().codec(null).batchSize(0)
            .pollingWait(Duration.ofSeconds(31)).pollers(0).deleteRetries(11).maxBackoff(Duration.ofMillis(1))
            .closeTimeout(null).build(),
        "queue", "handler", "client", "codec", "batchSize", "pollingWait", "pollers", "deleteRetries",
        "maxBackoff", "closeTimeout");
    try (CmqClient client = CmqClient.builder().endpoint(CmqEndpoint.of("http://127.0.0.1:1")).credentials(creds)
        .build()) {
      listsEvery(() -> CmqSink.builder().queue("q").client(client).msgTags(CmqSink.tagByMsgType()).build(),
          "msgTags and routingKey are for topic mode");
    }
  }

  @Test
  @DisplayName("CkafkaSink builder lists every bad setting, never the SASL password")
  void ckafkaBuilder() {
    listsEvery(() -> CkafkaSink.builder().name("").key(null).codec(null).closeTimeout(Duration.ofSeconds(-1))
            .producerProperty("key.serializer", "x").sasl("bad#id", " ", Secrets.SASL_PASSWORD)
            .producerProperty("sasl.jaas.config", "x").build(),
        "name", "topic or topicRouter", "key", "codec", "closeTimeout", "bootstrapServers", "key.serializer",
        "instanceId", "userName", "sasl.jaas.config was set as a producer property");
    listsEvery(() -> CkafkaSink.builder().topic(" ").sasl(Secrets.SASL_INSTANCE_ID, Secrets.SASL_USER, "")
            .bootstrapServers("127.0.0.1:1").build(),
        "topic was \" \"", "password was \"\" but must not be empty");
  }

  @Test
  @DisplayName("LocalCmq and LocalKafka builders list every bad setting at start()")
  void testkitBuilders() {
    listsEvery(() -> LocalCmq.builder().port(-1).credentials(null, "k").credentials("NOTAKID", "k").clock(null)
            .visibilityTimeout(null).maxMsgSize(0).maxBatchBytes(0).maxRequestBytes(0).requestLogCapacity(-1)
            .start(),
        "port", "credentials secretId was null but is required", "clock", "visibilityTimeout", "maxMsgSize", "maxBatchBytes",
        "maxRequestBytes", "requestLogCapacity", "must start with AKID");
    listsEvery(() -> LocalKafka.builder().saslUser("", "x").saslUser("u", null).timeout(Duration.ZERO).start(),
        "saslUser username was empty but must be non-empty",
        "saslUser password for u was null but must be non-empty", "timeout was PT0S but must be > 0");
  }
}
