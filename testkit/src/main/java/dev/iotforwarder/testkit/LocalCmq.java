package dev.iotforwarder.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.iotforwarder.testkit.internal.CmqWire;
import dev.iotforwarder.testkit.internal.LocalQueue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

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
 *       gets 4100 unless {@link Builder#rejectReusedNonces(boolean) switched off}.
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
 * <p>Fault injection: a scripted sequence ({@link #injectFaults(Collection, Fault...)}) or a seeded
 * random rate ({@link #faultRate(double, long, Collection, Fault...)}) of error codes, HTTP
 * statuses, delays and dropped connections, optionally only for some actions. Counters and a log
 * of recent requests ({@link #requests()}) show what it received and stored.
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
  /** Default for {@link Builder#maxMsgSize(int)}: 1 MiB, as on TDMQ. */
  public static final int DEFAULT_MAX_MSG_SIZE = 1024 * 1024;
  /** Default for {@link Builder#maxBatchBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
  /** Default for {@link Builder#maxRequestBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
  /** Default for {@link Builder#visibilityTimeout(Duration)}: 30 s. */
  public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);

  private static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
  private static final Set<String> ACTIONS = Set.of("SendMessage", "BatchSendMessage", "PublishMessage",
      "BatchPublishMessage", "ReceiveMessage", "BatchReceiveMessage", "DeleteMessage", "BatchDeleteMessage");

  private final Map<String, String> keys;
  private final Clock clock;
  private final Duration defaultVisibility;
  private final int maxMsgSize;
  private final int maxBatchBytes;
  private final int maxRequestBytes;
  private final boolean rejectReusedNonces;
  private final int requestLogCapacity;
  private final HttpServer server;
  private final ExecutorService executor;
  private final JsonFactory json = new JsonFactory();

  private final Map<String, LocalQueue> queues = new ConcurrentHashMap<>();
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final Set<String> seenNonces = ConcurrentHashMap.newKeySet();
  private final AtomicLong requestIds = new AtomicLong();
  private final AtomicLong topicMsgIds = new AtomicLong(1_000_000_000L);
  private final LongAdder requests = new LongAdder();
  private final Map<String, LongAdder> requestsByAction = new ConcurrentHashMap<>();
  private final LongAdder signatureFailures = new LongAdder();
  private final LongAdder faultsInjected = new LongAdder();
  private final Map<Integer, LongAdder> repliesByCode = new ConcurrentHashMap<>();

  private final Object faultLock = new Object();
  private final Deque<Fault> scriptedFaults = new ArrayDeque<>();
  private Set<String> scriptedActions = Set.of();
  private double faultRate;
  private Random faultRandom;
  private List<Fault> rateFaults = List.of();
  private Set<String> rateActions = Set.of();

  private final Deque<RecordedRequest> requestLog = new ArrayDeque<>();
  private volatile boolean closed;

  private LocalCmq(Builder b) throws IOException {
    this.keys = Map.copyOf(b.keys.isEmpty() ? Map.of(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY) : b.keys);
    this.clock = b.clock;
    this.defaultVisibility = b.visibilityTimeout;
    this.maxMsgSize = b.maxMsgSize;
    this.maxBatchBytes = b.maxBatchBytes;
    this.maxRequestBytes = b.maxRequestBytes;
    this.rejectReusedNonces = b.rejectReusedNonces;
    this.requestLogCapacity = b.requestLogCapacity;
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
      // delayed ACK, and every reply waits ~40 ms. Read once per JVM, by the first HttpServer.
      System.setProperty(NODELAY_PROPERTY, "true");
    }
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 256);
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "local-cmq-" + server.getAddress().getPort() + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
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

  /**
   * A builder.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The base URL, without a path: use it with either path.
   *
   * @return e.g. {@code "http://127.0.0.1:41234"}
   */
  public String url() {
    return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port();
  }

  /**
   * The port.
   *
   * @return the bound port
   */
  public int port() {
    return server.getAddress().getPort();
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
    checkName(name);
    if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
      throw new IllegalArgumentException("visibilityTimeout must be positive: " + visibilityTimeout);
    }
    queues.computeIfAbsent(name, n -> new LocalQueue(n, visibilityTimeout.toMillis(), clock));
    return this;
  }

  /**
   * Creates a topic, or does nothing if it exists.
   *
   * @param name the topic name
   * @return this server
   */
  public LocalCmq createTopic(String name) {
    checkName(name);
    topics.computeIfAbsent(name, n -> new Topic());
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
    Topic t = topics.get(topic);
    if (t == null) {
      throw new IllegalArgumentException("no topic " + topic);
    }
    if (!queues.containsKey(queue)) {
      throw new IllegalArgumentException("no queue " + queue);
    }
    t.subscriptions.add(new Subscription(queue, Set.copyOf(filterTags), List.copyOf(bindingKeys)));
    return this;
  }

  /**
   * The bodies of every message in a queue now, visible or not, in enqueue order.
   *
   * @param queue the queue
   * @return a snapshot
   */
  public List<String> bodies(String queue) {
    return queue(queue).bodies();
  }

  /**
   * How many messages a queue holds now (not yet deleted).
   *
   * @param queue the queue
   * @return the count
   */
  public int depth(String queue) {
    return queue(queue).depth();
  }

  /**
   * How many messages were ever stored in a queue.
   *
   * @param queue the queue
   * @return the count
   */
  public long storedCount(String queue) {
    return queue(queue).storedCount();
  }

  /**
   * How many messages were deleted from a queue.
   *
   * @param queue the queue
   * @return the count
   */
  public long deletedCount(String queue) {
    return queue(queue).deletedCount();
  }

  /**
   * Removes every message of a queue.
   *
   * @param queue the queue
   */
  public void purge(String queue) {
    queue(queue).purge();
  }

  private LocalQueue queue(String name) {
    LocalQueue q = queues.get(name);
    if (q == null) {
      throw new IllegalArgumentException("no queue " + name);
    }
    return q;
  }

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid queue or topic name: " + name);
    }
  }

  // ----------------------------------------------------------------- counters

  /**
   * How many requests arrived on a valid path, whatever became of them.
   *
   * @return the count
   */
  public long requestCount() {
    return requests.sum();
  }

  /**
   * How many requests with this {@code Action} arrived.
   *
   * @param action e.g. {@code "BatchSendMessage"}
   * @return the count
   */
  public long requestCount(String action) {
    LongAdder a = requestsByAction.get(action);
    return a == null ? 0 : a.sum();
  }

  /**
   * How many requests were answered with this code (including injected ones).
   *
   * @param code e.g. 0, 4100 or 4420
   * @return the count
   */
  public long replyCount(int code) {
    LongAdder a = repliesByCode.get(code);
    return a == null ? 0 : a.sum();
  }

  /**
   * How many requests failed signature verification (4100).
   *
   * @return the count
   */
  public long signatureFailures() {
    return signatureFailures.sum();
  }

  /**
   * How many faults were injected.
   *
   * @return the count
   */
  public long faultsInjected() {
    return faultsInjected.sum();
  }

  /**
   * The most recent requests (up to {@link Builder#requestLogCapacity(int)}), oldest first.
   *
   * @return a snapshot
   */
  public List<RecordedRequest> requests() {
    synchronized (requestLog) {
      return List.copyOf(requestLog);
    }
  }

  /** Forgets the recorded requests (the counters stay). */
  public void clearRequests() {
    synchronized (requestLog) {
      requestLog.clear();
    }
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
    synchronized (faultLock) {
      scriptedFaults.clear();
      scriptedFaults.addAll(List.of(faults));
      scriptedActions = Set.copyOf(actions);
    }
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
    if (rate < 0 || rate > 1 || choices.length == 0) {
      throw new IllegalArgumentException("rate must be in [0, 1] and choices not empty");
    }
    synchronized (faultLock) {
      this.faultRate = rate;
      this.faultRandom = new Random(seed);
      this.rateFaults = List.of(choices);
      this.rateActions = Set.copyOf(actions);
    }
  }

  /** Removes every scripted fault and the fault rate. */
  public void clearFaults() {
    synchronized (faultLock) {
      scriptedFaults.clear();
      faultRate = 0;
      rateFaults = List.of();
    }
  }

  private Fault nextFault(String action) {
    synchronized (faultLock) {
      if (!scriptedFaults.isEmpty() && (scriptedActions.isEmpty() || scriptedActions.contains(action))) {
        return scriptedFaults.poll();
      }
      if (faultRate > 0 && (rateActions.isEmpty() || rateActions.contains(action))
          && faultRandom.nextDouble() < faultRate) {
        return rateFaults.get(faultRandom.nextInt(rateFaults.size()));
      }
      return null;
    }
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
    server.stop(0);
    queues.values().forEach(LocalQueue::wakeUp);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "LocalCmq[" + url() + ", queues=" + queues.keySet() + ", topics=" + topics.keySet() + "]";
  }

  // ----------------------------------------------------------------- request handling

  private void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    byte[] raw = readBody(ex.getRequestBody());
    if (!path.equals("/") && !path.equals("/v2/index.php")) {
      sendText(ex, 404, "not found: " + path);
      return;
    }
    requests.increment();
    String contentType = ex.getRequestHeaders().getFirst("Content-Type");
    Map<String, String> params = Map.of();
    String action = null;
    Fault fault = null;
    int code;
    try {
      if (!method.equals("GET") && !method.equals("POST")) {
        throw new CmqError(4000, 10410, "only GET or POST method is supported");
      }
      if (raw.length > maxRequestBytes) {
        throw new CmqError(4000, 10420, "request size is more than " + maxRequestBytes + " bytes");
      }
      try {
        String query = ex.getRequestURI().getRawQuery();
        params = method.equals("POST") && raw.length > 0
            ? CmqWire.decodeForm(new String(raw, StandardCharsets.UTF_8))
            : CmqWire.decodeForm(query);
      } catch (IllegalArgumentException e) {
        throw new CmqError(4000, 10420, "can not parse the request");
      }
      action = params.get("Action");
      if (action != null) {
        requestsByAction.computeIfAbsent(action, a -> new LongAdder()).increment();
      }
      fault = nextFault(action);
      if (fault != null) {
        faultsInjected.increment();
        switch (fault.kind) {
          case DROP -> {
            record(method, path, contentType, action, params, -1, -1);
            throw new DropConnection();
          }
          case HTTP_STATUS -> {
            record(method, path, contentType, action, params, -1, fault.status);
            sendText(ex, fault.status, "injected HTTP " + fault.status);
            return;
          }
          case ERROR -> throw new CmqError(fault.code, fault.module, fault.message());
          case DELAY -> sleep(fault.delay);
          case DELETE_FAILURES -> { } // applied by BatchDeleteMessage below
          default -> throw new IllegalStateException();
        }
      }
      if (action == null) {
        throw new CmqError(4000, 10010, "param Action missing");
      }
      verifySignature(method, ex.getRequestHeaders().getFirst("Host"), path, params);
      if (!ACTIONS.contains(action)) {
        throw new CmqError(4000, 10430, "action name " + action + " is not existed");
      }
      Map<String, Object> reply = new LinkedHashMap<>();
      dispatch(action, params, reply, fault);
      code = (Integer) reply.getOrDefault("code", 0);
      record(method, path, contentType, action, params, code, 200);
      sendJson(ex, code, (String) reply.getOrDefault("message", ""), reply);
    } catch (CmqError e) {
      record(method, path, contentType, action, params, e.code, 200);
      sendJson(ex, e.code, "(" + e.module + ")" + e.text, Map.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DropConnection();
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static void sleep(Duration d) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(d.toNanos());
  }

  private void record(String method, String path, String contentType, String action,
      Map<String, String> params, int code, int status) {
    if (requestLogCapacity == 0) {
      return;
    }
    RecordedRequest r = new RecordedRequest(method, path, contentType, action, Map.copyOf(params), code, status);
    synchronized (requestLog) {
      if (requestLog.size() == requestLogCapacity) {
        requestLog.pollFirst();
      }
      requestLog.addLast(r);
    }
  }

  private void verifySignature(String method, String host, String path, Map<String, String> p) {
    for (String required : List.of("SecretId", "Signature", "Nonce", "Timestamp")) {
      if (!p.containsKey(required)) {
        throw new CmqError(4000, 10010, "param " + required + " missing");
      }
    }
    if (!isDigits(p.get("Nonce")) || !isDigits(p.get("Timestamp"))) {
      throw new CmqError(4000, 10000, "param Nonce and Timestamp must be positive integers");
    }
    String secretId = p.get("SecretId");
    if (!secretId.startsWith("AKID")) {
      throw new CmqError(4000, 10450, "SecretId is invalid, it must start with AKID");
    }
    String key = keys.get(secretId);
    if (key == null) {
      signatureFailures.increment();
      throw new CmqError(4100, 10270, "SecretId is not existed");
    }
    boolean sha256 = "HmacSHA256".equals(p.get("SignatureMethod"));
    String toSign = CmqWire.stringToSign(method, host == null ? "" : host, path, p);
    if (!CmqWire.verify(sha256, key, toSign, p.get("Signature"))) {
      signatureFailures.increment();
      throw new CmqError(4100, 10030, "signature verification failed");
    }
    if (rejectReusedNonces && !seenNonces.add(secretId + "/" + p.get("Timestamp") + "/" + p.get("Nonce"))) {
      signatureFailures.increment();
      throw new CmqError(4100, 10030, "Nonce was used before with this Timestamp");
    }
  }

  private static boolean isDigits(String s) {
    if (s == null || s.isEmpty() || s.length() > 20) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private void dispatch(String action, Map<String, String> p, Map<String, Object> reply, Fault fault)
      throws InterruptedException {
    switch (action) {
      case "SendMessage" -> {
        LocalQueue q = existingQueue(p);
        String body = required(p, "msgBody");
        checkBodies(List.of(body));
        List<String> ids = q.send(List.of(body), delayMillis(p));
        reply.put("msgId", ids.get(0));
      }
      case "BatchSendMessage" -> {
        LocalQueue q = existingQueue(p);
        List<String> bodies = indexed(p, "msgBody", true);
        checkBodies(bodies);
        reply.put("msgList", idList(q.send(bodies, delayMillis(p))));
      }
      case "PublishMessage" -> {
        List<String> ids = publish(p, List.of(required(p, "msgBody")));
        reply.put("msgId", ids.get(0));
      }
      case "BatchPublishMessage" -> reply.put("msgList", idList(publish(p, indexed(p, "msgBody", true))));
      case "ReceiveMessage" -> {
        LocalQueue q = existingQueue(p);
        List<LocalQueue.Received> got = q.receive(1, pollingWaitMillis(p));
        if (got.isEmpty()) {
          throw new CmqError(7000, 10200, "no message");
        }
        reply.putAll(messageFields(got.get(0)));
      }
      case "BatchReceiveMessage" -> {
        LocalQueue q = existingQueue(p);
        int n = intParam(p, "numOfMsg", true, 1, 16, 10370);
        List<LocalQueue.Received> got = q.receive(n, pollingWaitMillis(p));
        if (got.isEmpty()) {
          throw new CmqError(7000, 10200, "no message");
        }
        List<Object> list = new ArrayList<>();
        for (LocalQueue.Received r : got) {
          list.add(messageFields(r));
        }
        reply.put("msgInfoList", list);
      }
      case "DeleteMessage" -> {
        LocalQueue q = existingQueue(p);
        if (!q.delete(required(p, "receiptHandle"))) {
          throw new CmqError(4430, 10260, "invalid receiptHandle");
        }
      }
      case "BatchDeleteMessage" -> {
        LocalQueue q = existingQueue(p);
        List<String> handles = indexed(p, "receiptHandle", true);
        int forcedFailures = fault != null && fault.kind == Fault.Kind.DELETE_FAILURES ? fault.count : 0;
        List<Object> errors = new ArrayList<>();
        for (String h : handles) {
          if (forcedFailures > 0) {
            forcedFailures--;
            errors.add(handleError(fault.code, fault.module, fault.message(), h));
          } else if (!q.delete(h)) {
            errors.add(handleError(4430, 10260, "invalid receiptHandle", h));
          }
        }
        if (!errors.isEmpty()) {
          boolean all = errors.size() == handles.size();
          reply.put("code", all ? 6020 : 6010);
          reply.put("message", all ? "(10290)batch delete message failed" : "(10150)delete message partially failed");
          reply.put("errorList", errors);
        }
      }
      default -> throw new CmqError(4000, 10430, "action name " + action + " is not existed");
    }
  }

  private static Map<String, Object> handleError(int code, int module, String text, String handle) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("code", code);
    e.put("message", "(" + module + ")" + text);
    e.put("receiptHandle", handle);
    return e;
  }

  private List<String> publish(Map<String, String> p, List<String> bodies) {
    String topicName = required(p, "topicName");
    if (!NAME.matcher(topicName).matches()) {
      throw new CmqError(4000, 10590, "topicName is invalid");
    }
    Topic topic = topics.get(topicName);
    if (topic == null) {
      throw new CmqError(4440, 10600, "topic is not existed, or deleted");
    }
    checkBodies(bodies);
    List<String> tags = indexed(p, "msgTag", false);
    if (tags.size() > 5) {
      throw new CmqError(4000, 10720, "msgTag number exceeds 5");
    }
    for (String tag : tags) {
      if (tag.isEmpty() || tag.length() > 16) {
        throw new CmqError(4000, 10720, "msgTag length must be in [1, 16]");
      }
    }
    String routingKey = p.get("routingKey");
    if (routingKey != null) {
      if (routingKey.getBytes(StandardCharsets.UTF_8).length > 64) {
        throw new CmqError(4000, 10000, "routingKey is longer than 64 bytes");
      }
      if (routingKey.chars().filter(c -> c == '.').count() > 15) {
        throw new CmqError(4000, 10691, "routingKey has more than 15 delimiters");
      }
    }
    if (topic.subscriptions.isEmpty()) {
      throw new CmqError(6030, 10650, "topic has no subscription");
    }
    int matched = 0;
    for (Subscription s : topic.subscriptions) {
      if (s.matches(tags, routingKey)) {
        LocalQueue q = queues.get(s.queue);
        if (q != null) {
          q.send(bodies, 0);
          matched++;
        }
      }
    }
    if (matched == 0) {
      throw new CmqError(6030, 10730, "no bindingKey or filterTag matches the routingKey or msgTag");
    }
    List<String> ids = new ArrayList<>(bodies.size());
    for (int i = 0; i < bodies.size(); i++) {
      ids.add(Long.toString(topicMsgIds.incrementAndGet()));
    }
    return ids;
  }

  private static List<Object> idList(List<String> ids) {
    List<Object> list = new ArrayList<>(ids.size());
    for (String id : ids) {
      list.add(Map.of("msgId", id));
    }
    return list;
  }

  private static Map<String, Object> messageFields(LocalQueue.Received r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("msgBody", r.body());
    m.put("msgId", r.msgId());
    m.put("receiptHandle", r.receiptHandle());
    m.put("enqueueTime", r.enqueueTime());
    m.put("nextVisibleTime", r.nextVisibleTime());
    m.put("firstDequeueTime", r.firstDequeueTime());
    m.put("dequeueCount", r.dequeueCount());
    return m;
  }

  private LocalQueue existingQueue(Map<String, String> p) {
    String name = required(p, "queueName");
    if (!NAME.matcher(name).matches()) {
      throw new CmqError(4000, 10020, "queueName is invalid");
    }
    LocalQueue q = queues.get(name);
    if (q == null) {
      throw new CmqError(4440, 10100, "queue is not existed, or deleted");
    }
    return q;
  }

  private void checkBodies(List<String> bodies) {
    long total = 0;
    for (String body : bodies) {
      if (body.isEmpty()) {
        throw new CmqError(4000, 10120, "msgBody is empty");
      }
      int size = body.getBytes(StandardCharsets.UTF_8).length;
      if (size > maxMsgSize) {
        throw new CmqError(4400, 10230, "message size is larger than maxMsgSize " + maxMsgSize);
      }
      total += size;
    }
    if (total > maxBatchBytes) {
      throw new CmqError(4470, 10300, "total message size exceed " + maxBatchBytes);
    }
  }

  private static String required(Map<String, String> p, String name) {
    String v = p.get(name);
    if (v == null) {
      throw new CmqError(4000, 10010, "param " + name + " missing");
    }
    return v;
  }

  private static long delayMillis(Map<String, String> p) {
    return intParam(p, "delaySeconds", false, 0, 3600, 10000) * 1000L;
  }

  private static long pollingWaitMillis(Map<String, String> p) {
    return intParam(p, "pollingWaitSeconds", false, 0, 30, 10000) * 1000L;
  }

  private static int intParam(Map<String, String> p, String name, boolean required, int min, int max, int module) {
    String v = p.get(name);
    if (v == null) {
      if (required) {
        throw new CmqError(4000, 10010, "param " + name + " missing");
      }
      return 0;
    }
    try {
      int i = Integer.parseInt(v.trim());
      if (i >= min && i <= max) {
        return i;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new CmqError(4000, module, "param " + name + " must be an integer in [" + min + ", " + max + "]");
  }

  /** The values of {@code prefix.N}, ordered by N, which must be consecutive from 0 or 1. */
  private static List<String> indexed(Map<String, String> p, String prefix, boolean required) {
    TreeMap<Integer, String> byIndex = new TreeMap<>();
    String dotted = prefix + ".";
    for (Map.Entry<String, String> e : p.entrySet()) {
      if (e.getKey().startsWith(dotted)) {
        String n = e.getKey().substring(dotted.length());
        if (!isDigits(n) || n.length() > 4) {
          throw new CmqError(4000, 10000, "param " + e.getKey() + " is invalid");
        }
        byIndex.put(Integer.parseInt(n), e.getValue());
      }
    }
    if (byIndex.isEmpty()) {
      if (required) {
        throw new CmqError(4000, 10010, "param " + prefix + " missing");
      }
      return List.of();
    }
    if (byIndex.size() > 16) {
      throw new CmqError(4000, 10370, "the number of " + prefix + " must be in [1, 16]");
    }
    int first = byIndex.firstKey();
    if ((first != 0 && first != 1) || byIndex.lastKey() - first + 1 != byIndex.size()) {
      throw new CmqError(4000, 10380, "param " + prefix + " is not consequent");
    }
    return new ArrayList<>(byIndex.values());
  }

  private void sendJson(HttpExchange ex, int code, String message, Map<String, Object> fields) throws IOException {
    repliesByCode.computeIfAbsent(code, c -> new LongAdder()).increment();
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("code", code);
      g.writeStringField("message", message);
      g.writeStringField("requestId", Long.toString(requestIds.incrementAndGet()));
      for (Map.Entry<String, Object> e : fields.entrySet()) {
        if (e.getKey().equals("code") || e.getKey().equals("message")) {
          continue;
        }
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    }
    byte[] bytes = out.toByteArray();
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(200, bytes.length);
    try (var body = ex.getResponseBody()) {
      body.write(bytes);
    }
  }

  @SuppressWarnings("unchecked")
  private static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else {
      g.writeNull();
    }
  }

  private static void sendText(HttpExchange ex, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (var body = ex.getResponseBody()) {
      body.write(bytes);
    }
  }

  // ----------------------------------------------------------------- types

  /** A CMQ error reply. */
  private static final class CmqError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int code;
    final int module;
    final String text;

    CmqError(int code, int module, String text) {
      super(null, null, false, false);
      this.code = code;
      this.module = module;
      this.text = text;
    }
  }

  /** Thrown out of the handler so the JDK server closes the connection without a reply. */
  private static final class DropConnection extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    DropConnection() {
      super("connection dropped on purpose by LocalCmq", new IOException("dropped"));
    }
  }

  private static final class Topic {
    final List<Subscription> subscriptions = new java.util.concurrent.CopyOnWriteArrayList<>();
  }

  private record Subscription(String queue, Set<String> filterTags, List<String> bindingKeys) {
    boolean matches(List<String> tags, String routingKey) {
      if (!filterTags.isEmpty()) {
        Set<String> overlap = new HashSet<>(tags);
        overlap.retainAll(filterTags);
        if (overlap.isEmpty()) {
          return false;
        }
      }
      if (!bindingKeys.isEmpty()) {
        if (routingKey == null) {
          return false;
        }
        return bindingKeys.stream().anyMatch(b -> CmqWire.bindingMatches(b, routingKey));
      }
      return true;
    }
  }

  /**
   * One request as LocalCmq saw it.
   *
   * @param method the HTTP method
   * @param path the request path
   * @param contentType the {@code Content-Type} header, or {@code null}
   * @param action the {@code Action} parameter, or {@code null}
   * @param params every parameter, decoded
   * @param code the CMQ code answered, or -1 for an injected HTTP status or dropped connection
   * @param httpStatus the HTTP status answered, or -1 for a dropped connection
   */
  public record RecordedRequest(String method, String path, String contentType, String action,
      Map<String, String> params, int code, int httpStatus) {}

  /**
   * A fault to inject. Immutable.
   *
   * <ul>
   *   <li>{@link #error(int)}: answer with this CMQ code instead of processing the request;
   *   <li>{@link #httpStatus(int)}: answer with this HTTP status and a text body;
   *   <li>{@link #delay(Duration)}: wait, then process the request normally (a client that timed
   *       out meanwhile may send it again: a duplicate, as with the real service);
   *   <li>{@link #drop()}: close the connection without an answer; nothing is stored;
   *   <li>{@link #deleteFailures(int, int)}: on {@code BatchDeleteMessage}, fail the first handles
   *       with a code and delete the rest (6010).
   * </ul>
   */
  public static final class Fault {
    enum Kind { ERROR, HTTP_STATUS, DELAY, DROP, DELETE_FAILURES }

    private static final Map<Integer, Integer> MODULES = Map.of(
        4000, 10000, 4100, 10030, 4400, 10230, 4410, 10240, 4420, 10250, 4440, 10100,
        4470, 10300, 4480, 10460, 6000, 10050, 6070, 10690);

    final Kind kind;
    final int code;
    final int module;
    final int status;
    final int count;
    final Duration delay;

    private Fault(Kind kind, int code, int module, int status, int count, Duration delay) {
      this.kind = kind;
      this.code = code;
      this.module = module;
      this.status = status;
      this.count = count;
      this.delay = delay;
    }

    /**
     * Answer with a CMQ error code, with the module code the documentation gives for it.
     *
     * @param code e.g. 4420 (throttled), 6000 (internal error), 4410 (queue full)
     * @return the fault
     */
    public static Fault error(int code) {
      return error(code, MODULES.getOrDefault(code, 10000));
    }

    /**
     * Answer with a CMQ error code and module code: {@code "message": "(module)injected fault"}.
     *
     * @param code the code
     * @param moduleCode the module code
     * @return the fault
     */
    public static Fault error(int code, int moduleCode) {
      return new Fault(Kind.ERROR, code, moduleCode, 0, 0, null);
    }

    /**
     * Answer with an HTTP status and a plain-text body.
     *
     * @param status e.g. 502 or 503
     * @return the fault
     */
    public static Fault httpStatus(int status) {
      return new Fault(Kind.HTTP_STATUS, 0, 0, status, 0, null);
    }

    /**
     * Wait, then process the request normally.
     *
     * @param delay how long
     * @return the fault
     */
    public static Fault delay(Duration delay) {
      return new Fault(Kind.DELAY, 0, 0, 0, 0, Objects.requireNonNull(delay));
    }

    /**
     * Close the connection without an answer, before processing.
     *
     * @return the fault
     */
    public static Fault drop() {
      return new Fault(Kind.DROP, 0, 0, 0, 0, null);
    }

    /**
     * On {@code BatchDeleteMessage}: the first {@code count} handles fail with {@code code} and are
     * not deleted; the others are deleted.
     *
     * @param count how many handles fail
     * @param code their code, e.g. 6000
     * @return the fault
     */
    public static Fault deleteFailures(int count, int code) {
      return new Fault(Kind.DELETE_FAILURES, code, MODULES.getOrDefault(code, 10000), 0, count, null);
    }

    String message() {
      return "injected fault " + code;
    }

    @Override
    public String toString() {
      return switch (kind) {
        case ERROR -> "Fault.error(" + code + ", " + module + ")";
        case HTTP_STATUS -> "Fault.httpStatus(" + status + ")";
        case DELAY -> "Fault.delay(" + delay + ")";
        case DROP -> "Fault.drop()";
        case DELETE_FAILURES -> "Fault.deleteFailures(" + count + ", " + code + ")";
      };
    }
  }

  /** Configures a {@link LocalCmq}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private int port;
    private Clock clock = Clock.systemUTC();
    private Duration visibilityTimeout = DEFAULT_VISIBILITY_TIMEOUT;
    private int maxMsgSize = DEFAULT_MAX_MSG_SIZE;
    private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private boolean rejectReusedNonces = true;
    private int requestLogCapacity = 10_000;

    private Builder() {}

    /**
     * Accepts this key. Default: only {@link #DEFAULT_SECRET_ID} / {@link #DEFAULT_SECRET_KEY}, which
     * is no longer accepted once any key is added.
     *
     * @param secretId the SecretId, starting with {@code AKID}
     * @param secretKey the SecretKey
     * @return this builder
     */
    public Builder credentials(String secretId, String secretKey) {
      if (secretId == null || secretKey == null) {
        problems.add("credentials " + (secretId == null ? "secretId == null" : "secretKey == null for " + secretId));
      } else {
        keys.put(secretId, secretKey);
      }
      return this;
    }

    /**
     * The port. Default: 0, a free one.
     *
     * @param port 0 to 65535
     * @return this builder
     */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * The clock for visibility timeouts and message times. Default: the system clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      if (clock == null) {
        problems.add("clock == null");
      } else {
        this.clock = clock;
      }
      return this;
    }

    /**
     * The visibility timeout of queues created without one. Default: 30 s.
     *
     * @param visibilityTimeout positive
     * @return this builder
     */
    public Builder visibilityTimeout(Duration visibilityTimeout) {
      this.visibilityTimeout = visibilityTimeout;
      return this;
    }

    /**
     * The largest message body in UTF-8 bytes (4400 above it). Default: 1 MiB; legacy queues had
     * 64 KiB.
     *
     * @param maxMsgSize positive
     * @return this builder
     */
    public Builder maxMsgSize(int maxMsgSize) {
      this.maxMsgSize = maxMsgSize;
      return this;
    }

    /**
     * The largest total of the bodies in one batch (4470 above it). Default: 1 MiB; legacy CMQ had
     * 64 KiB.
     *
     * @param maxBatchBytes positive
     * @return this builder
     */
    public Builder maxBatchBytes(int maxBatchBytes) {
      this.maxBatchBytes = maxBatchBytes;
      return this;
    }

    /**
     * The largest request body (4000/10420 above it). Default: 1 MiB.
     *
     * @param maxRequestBytes positive
     * @return this builder
     */
    public Builder maxRequestBytes(int maxRequestBytes) {
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /**
     * Whether a request that repeats the {@code (SecretId, Timestamp, Nonce)} of an earlier one is
     * rejected with 4100, which catches clients that resend a signed request instead of signing
     * anew. Whether the real service does this is not documented. Default: {@code true}.
     *
     * @param reject whether to reject
     * @return this builder
     */
    public Builder rejectReusedNonces(boolean reject) {
      this.rejectReusedNonces = reject;
      return this;
    }

    /**
     * How many recent requests {@link LocalCmq#requests()} keeps. Default: 10 000.
     *
     * @param capacity 0 or more
     * @return this builder
     */
    public Builder requestLogCapacity(int capacity) {
      this.requestLogCapacity = capacity;
      return this;
    }

    /**
     * Starts the server.
     *
     * @return the running server
     * @throws IllegalArgumentException listing every invalid setting
     * @throws UncheckedIOException if the port cannot be bound
     */
    public LocalCmq start() {
      List<String> problems = new ArrayList<>(this.problems);
      if (port < 0 || port > 65535) {
        problems.add("port was " + port + " but must be in [0, 65535]");
      }
      if (visibilityTimeout == null || visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
        problems.add("visibilityTimeout was " + visibilityTimeout + " but must be positive");
      }
      if (maxMsgSize < 1) {
        problems.add("maxMsgSize was " + maxMsgSize + " but must be positive");
      }
      if (maxBatchBytes < 1) {
        problems.add("maxBatchBytes was " + maxBatchBytes + " but must be positive");
      }
      if (maxRequestBytes < 1) {
        problems.add("maxRequestBytes was " + maxRequestBytes + " but must be positive");
      }
      if (requestLogCapacity < 0) {
        problems.add("requestLogCapacity was " + requestLogCapacity + " but must be >= 0");
      }
      for (String id : keys.keySet()) {
        if (!id.startsWith("AKID")) {
          problems.add("secretId " + id + " must start with AKID");
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("Invalid LocalCmq configuration: " + String.join("; ", problems));
      }
      try {
        return new LocalCmq(this);
      } catch (IOException e) {
        throw new UncheckedIOException("LocalCmq could not start", e);
      }
    }
  }
}
