package dev.iotforwarder.testkit;

import dev.iotforwarder.testkit.internal.CmqActions;
import dev.iotforwarder.testkit.internal.CmqCounters;
import dev.iotforwarder.testkit.internal.CmqHttpServer;
import dev.iotforwarder.testkit.internal.CmqSignatures;
import dev.iotforwarder.testkit.internal.CmqStore;
import dev.iotforwarder.testkit.internal.FaultPlan;
import dev.iotforwarder.testkit.internal.RequestLog;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A CMQ-compatible HTTP endpoint on a free loopback port, for tests and demos: it speaks the CMQ
 * data-flow API ({@code SendMessage}, {@code BatchSendMessage}, {@code PublishMessage}, {@code
 * BatchPublishMessage}, {@code ReceiveMessage}, {@code BatchReceiveMessage}, {@code DeleteMessage},
 * {@code BatchDeleteMessage}) with the documented reply shapes and error codes, and keeps queues and
 * topics in memory.
 *
 * <pre>{@code
 * try (LocalCmq cmq = LocalCmq.start()) {
 *   cmq.createQueue("alarms");
 *   CmqSink sink = CmqSink.builder()
 *       .endpoint(CmqEndpoint.of(cmq.url()))
 *       .credentials(CmqCredentials.of(cmq.secretId(), cmq.secretKey()))
 *       .queue("alarms")
 *       .build();
 *   ...
 *   assertThat(cmq.bodies("alarms")).hasSize(1);
 * }
 * }</pre>
 *
 * <p>What it checks, like the real service and for any conforming client:
 *
 * <ul>
 *   <li>Both request paths ({@code /} and {@code /v2/index.php}; others get HTTP 404), POST form
 *       bodies with any {@code Content-Type} (a POST without a body is read from its query string)
 *       and GET query strings; other methods get 4000 (module 10410).
 *   <li>The signature, over {@code METHOD + Host header + path + "?" + sorted raw name=value pairs},
 *       with HmacSHA256 when {@code SignatureMethod} is {@code HmacSHA256} and HmacSHA1 otherwise
 *       (also when it is missing). A bad signature or unknown SecretId gets 4100; a SecretId not
 *       starting with {@code AKID} gets 4000/10450; a reused {@code (SecretId, Timestamp, Nonce)}
 *       gets 4100 unless {@link LocalCmqBuilder#rejectReusedNonces(boolean) switched off}.
 *   <li>Parameters: names (4000/10020), batches of 1 to 16 (4000/10370) with consecutive indexes
 *       starting at 0 or 1 (4000/10380), non-empty bodies (4000/10120), message size (4400/10230),
 *       batch size (4470/10300), request size (4000/10420), tags and routing keys, missing queues
 *       and topics (4440).
 * </ul>
 *
 * <p>Queues keep messages in enqueue order; a receive hides a message for the queue's visibility
 * timeout and gives it a fresh receipt handle, which deletes it until that timeout runs out (then
 * 4430). Receives long-poll for up to {@code pollingWaitSeconds}; an empty receive answers 7000.
 * Topics deliver each published message into every subscribed queue whose filter tags overlap the
 * message's tags (a subscription without tags gets everything) and whose binding keys match its
 * routing key ({@code *} one word, {@code #} any number); no subscription gives 6030/10650, no match
 * 6030/10730. Batch deletes that fail in part answer 6010 with an {@code errorList}.
 *
 * <p>Fault injection ({@link CmqFault}): a scripted sequence ({@link #injectFaults(Collection,
 * Fault...)}) or a seeded random rate ({@link #faultRate(double, long, Collection, Fault...)}) of
 * error codes, HTTP statuses, delays and dropped connections, optionally only for some actions.
 * Counters and a log of recent requests ({@link #requests()}, each a {@link RecordedCmqRequest})
 * show what it received and stored.
 *
 * <p>Cut like OkHttp's mockwebserver: this class is the facade; the builder ({@link
 * LocalCmqBuilder}), the fault ({@link CmqFault}), the recorded request ({@link
 * RecordedCmqRequest}), and, in {@code testkit.internal}, the action dispatch, the signature check,
 * the queues and topics and the HTTP plumbing each have their own file.
 *
 * <p>Thread-safe. {@link #close()} stops the server and its threads. The first LocalCmq of a JVM sets
 * the system property {@code sun.net.httpserver.nodelay} to {@code true} unless it is already set,
 * so that replies are not held back by Nagle's algorithm.
 */
public final class LocalCmq implements AutoCloseable {
  /** The SecretId accepted when no other credentials are configured. */
  public static final String DEFAULT_SECRET_ID = "AKIDLocalCmqTestOnly000000000000000";
  /** The SecretKey of {@link #DEFAULT_SECRET_ID}. */
  public static final String DEFAULT_SECRET_KEY = "localCmqTestOnlySecretKey0000000";
  /** Default for {@link LocalCmqBuilder#maxMsgSize(int)}: 1 MiB, as on TDMQ. */
  public static final int DEFAULT_MAX_MSG_SIZE = 1024 * 1024;
  /** Default for {@link LocalCmqBuilder#maxBatchBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
  /** Default for {@link LocalCmqBuilder#maxRequestBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
  /** Default for {@link LocalCmqBuilder#visibilityTimeout(Duration)}: 30 s. */
  public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);

  private final Map<String, String> keys;
  private final Duration defaultVisibility;
  private final CmqStore store;
  private final CmqCounters counters = new CmqCounters();
  private final FaultPlan faults = new FaultPlan();
  private final RequestLog requestLog;
  private final CmqHttpServer http;
  private volatile boolean closed;

  LocalCmq(LocalCmqBuilder b) throws IOException {
    this.keys = Map.copyOf(b.keys.isEmpty() ? Map.of(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY) : b.keys);
    this.defaultVisibility = b.visibilityTimeout;
    this.store = new CmqStore(b.clock);
    this.requestLog = new RequestLog(b.requestLogCapacity);
    this.http = new CmqHttpServer(b.port, b.maxRequestBytes, counters, faults,
        new CmqSignatures(keys, b.rejectReusedNonces, counters),
        new CmqActions(store, b.maxMsgSize, b.maxBatchBytes), requestLog);
  }

  /**
   * Starts a server with the defaults: a free port, {@link #DEFAULT_SECRET_ID} / {@link
   * #DEFAULT_SECRET_KEY}, no queues yet.
   *
   * @return the running server
   */
  public static LocalCmq start() {
    return builder().start();
  }

  /** A builder with the defaults. */
  public static LocalCmqBuilder builder() {
    return new LocalCmqBuilder();
  }

  /** The base URL, without a path (use it with either path), e.g. {@code "http://127.0.0.1:41234"}. */
  public String url() {
    return "http://" + http.address().getAddress().getHostAddress() + ":" + port();
  }

  /** The bound port. */
  public int port() {
    return http.address().getPort();
  }

  /**
   * The first configured SecretId (the default one unless credentials were given).
   *
   * @return a SecretId the server accepts
   */
  public String secretId() {
    return keys.keySet().stream().sorted().findFirst().orElseThrow();
  }

  /**
   * The SecretKey of {@link #secretId()}.
   *
   * @return the key
   */
  public String secretKey() {
    return keys.get(secretId());
  }

  // ----------------------------------------------------------------- queues and topics

  /**
   * Creates a queue with the default visibility timeout, or does nothing if it exists.
   *
   * @param name the queue name: a letter, then up to 63 letters, digits, {@code -} or {@code _}
   * @return this server
   */
  public LocalCmq createQueue(String name) {
    return createQueue(name, defaultVisibility);
  }

  /**
   * Creates a queue, or does nothing if it exists.
   *
   * @param name the queue name
   * @param visibilityTimeout how long a received message stays hidden; millisecond precision, so
   *     tests can use less than CMQ's 1-second minimum
   * @return this server
   */
  public LocalCmq createQueue(String name, Duration visibilityTimeout) {
    store.createQueue(name, visibilityTimeout);
    return this;
  }

  /** Creates a topic (named like a queue), or does nothing if it exists; returns this server. */
  public LocalCmq createTopic(String name) {
    store.createTopic(name);
    return this;
  }

  /**
   * Subscribes a queue to a topic. The queue and topic must exist.
   *
   * @param topic the topic
   * @param queue the queue that receives the topic's messages
   * @param filterTags if not empty, only messages with at least one of these tags are delivered
   * @param bindingKeys if not empty, only messages whose routing key matches one of these patterns
   * @return this server
   */
  public LocalCmq subscribe(String topic, String queue, List<String> filterTags, List<String> bindingKeys) {
    store.subscribe(topic, queue, filterTags, bindingKeys);
    return this;
  }

  /**
   * The bodies of every message in a queue now, visible or not, in enqueue order.
   *
   * @param queue the queue
   * @return a snapshot
   */
  public List<String> bodies(String queue) {
    return store.queue(queue).bodies();
  }

  /** How many messages a queue holds now (not yet deleted). */
  public int depth(String queue) {
    return store.queue(queue).depth();
  }

  /** How many messages were ever stored in a queue. */
  public long storedCount(String queue) {
    return store.queue(queue).storedCount();
  }

  /** How many messages were deleted from a queue. */
  public long deletedCount(String queue) {
    return store.queue(queue).deletedCount();
  }

  /** Removes every message of a queue. */
  public void purge(String queue) {
    store.queue(queue).purge();
  }

  // ----------------------------------------------------------------- counters

  /** How many requests arrived on a valid path, whatever became of them. */
  public long requestCount() {
    return counters.requests();
  }

  /**
   * How many requests with this {@code Action} arrived.
   *
   * @param action e.g. {@code "BatchSendMessage"}
   * @return the count
   */
  public long requestCount(String action) {
    return counters.requests(action);
  }

  /**
   * How many requests were answered with this code (including injected ones).
   *
   * @param code e.g. 0, 4100 or 4420
   * @return the count
   */
  public long replyCount(int code) {
    return counters.replies(code);
  }

  /** How many requests failed signature verification (4100). */
  public long signatureFailures() {
    return counters.signatureFailures();
  }

  /** How many faults were injected. */
  public long faultsInjected() {
    return counters.faultsInjected();
  }

  /**
   * The most recent requests (up to {@link LocalCmqBuilder#requestLogCapacity(int)}), oldest first.
   *
   * @return a snapshot
   */
  public List<RecordedCmqRequest> requests() {
    return requestLog.snapshot();
  }

  /** Forgets the recorded requests (the counters stay). */
  public void clearRequests() {
    requestLog.clear();
  }

  // ----------------------------------------------------------------- faults

  /**
   * Scripts faults for the next requests of any action, one fault per request, in order.
   *
   * @param faults the faults
   */
  public void injectFaults(Fault... faults) {
    injectFaults(List.of(), faults);
  }

  /**
   * Scripts faults for the next requests whose {@code Action} is in {@code actions} (all actions if
   * empty), one fault per request, in order. Replaces an earlier script.
   *
   * @param actions the actions to fault, or empty for all
   * @param faults the faults
   */
  public void injectFaults(Collection<String> actions, Fault... faults) {
    this.faults.script(actions, cmqFaults(faults));
  }

  /**
   * Faults a random share of the requests whose {@code Action} is in {@code actions} (all actions if
   * empty), each with a fault drawn uniformly from {@code choices}, from a seeded random source.
   * Scripted faults go first. Replaces an earlier rate.
   *
   * @param rate 0 to 1
   * @param seed the seed
   * @param actions the actions to fault, or empty for all
   * @param choices the faults to draw from, at least one
   */
  public void faultRate(double rate, long seed, Collection<String> actions, Fault... choices) {
    this.faults.rate(rate, seed, actions, cmqFaults(choices));
  }

  /** Removes every scripted fault and the fault rate. */
  public void clearFaults() {
    faults.clear();
  }

  private static List<CmqFault> cmqFaults(Fault... faults) {
    List<CmqFault> list = new ArrayList<>(faults.length);
    for (Fault f : faults) {
      list.add((CmqFault) f); // the only implementation: Fault is sealed
    }
    return list;
  }

  /**
   * Stops the server and its threads; waiting receives end. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    http.stop(store::wakeUpAll);
  }

  @Override
  public String toString() {
    return "LocalCmq[" + url() + ", " + store + "]";
  }

  /**
   * The name {@link CmqFault} had before it got its own file, kept so that {@code Fault.error(4420)}
   * and {@code Fault[]} still compile. Each factory returns the {@link CmqFault} of the same name.
   */
  public sealed interface Fault permits CmqFault {
    /** {@link CmqFault#error(int)}. */
    static CmqFault error(int code) {
      return CmqFault.error(code);
    }

    /** {@link CmqFault#error(int, int)}. */
    static CmqFault error(int code, int moduleCode) {
      return CmqFault.error(code, moduleCode);
    }

    /** {@link CmqFault#httpStatus(int)}. */
    static CmqFault httpStatus(int status) {
      return CmqFault.httpStatus(status);
    }

    /** {@link CmqFault#delay(Duration)}. */
    static CmqFault delay(Duration delay) {
      return CmqFault.delay(delay);
    }

    /** {@link CmqFault#drop()}. */
    static CmqFault drop() {
      return CmqFault.drop();
    }

    /** {@link CmqFault#deleteFailures(int, int)}. */
    static CmqFault deleteFailures(int count, int code) {
      return CmqFault.deleteFailures(count, code);
    }
  }

  /**
   * The name {@link RecordedCmqRequest} had before it got its own file, kept so that {@code for
   * (LocalCmq.RecordedRequest r : cmq.requests())} still compiles; the record documents each value.
   */
  public sealed interface RecordedRequest permits RecordedCmqRequest {
    /** {@link RecordedCmqRequest#method()}. */
    String method();

    /** {@link RecordedCmqRequest#path()}. */
    String path();

    /** {@link RecordedCmqRequest#contentType()}. */
    String contentType();

    /** {@link RecordedCmqRequest#action()}. */
    String action();

    /** {@link RecordedCmqRequest#params()}. */
    Map<String, String> params();

    /** {@link RecordedCmqRequest#code()}. */
    int code();

    /** {@link RecordedCmqRequest#httpStatus()}. */
    int httpStatus();
  }
}
