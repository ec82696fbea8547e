package dev.iotforwarder.reliability.logging;

import dev.iotforwarder.reliability.Secrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * What the suite's SLF4J provider captured: every event is formatted (message, arguments and the
 * full stack trace of its throwable, causes and suppressed included) and checked for the {@link
 * Secrets} at once, so that nothing has to be kept to be checked afterwards. The last lines are kept
 * for diagnostics; WARN and ERROR are echoed to stderr.
 *
 * <p>Tests also pass exception texts and {@code toString()}s of configs through {@link #scan}, into
 * the same record of leaks, which {@link dev.iotforwarder.reliability.ReliabilityExtension} asserts
 * empty after every test.
 */
public final class LogCapture {
  /** System property: the threshold of every logger but the broker's; default TRACE. */
  public static final String LEVEL_PROPERTY = "reliability.log.level";
  /** System property: the threshold of the Kafka broker's internal loggers; default INFO. */
  public static final String BROKER_LEVEL_PROPERTY = "reliability.log.brokerLevel";

  private static final List<String> BROKER_PREFIXES = List.of(
      "kafka.", "state.change.logger", "org.apache.kafka.server", "org.apache.kafka.raft",
      "org.apache.kafka.controller", "org.apache.kafka.storage", "org.apache.kafka.metadata",
      "org.apache.kafka.image", "org.apache.kafka.coordinator", "org.apache.kafka.queue",
      "org.apache.kafka.snapshot", "org.apache.kafka.network", "org.apache.kafka.security",
      "org.apache.kafka.timeline", "org.apache.kafka.logger", "org.apache.kafka.jmh",
      "org.apache.kafka.common.utils.Mx", "org.apache.kafka.storage");
  /** System property: a regular expression; captured lines below WARN that match it are echoed too. */
  public static final String ECHO_PROPERTY = "reliability.log.echo";

  private static final int RECENT = 4000;
  private static final java.util.regex.Pattern ECHO = System.getProperty(ECHO_PROPERTY) == null ? null
      : java.util.regex.Pattern.compile(System.getProperty(ECHO_PROPERTY));

  private static final Map<Level, LongAdder> COUNTS = new EnumMap<>(Level.class);
  private static final ArrayDeque<String> RECENT_LINES = new ArrayDeque<>(RECENT);
  private static final List<String> LEAKS = Collections.synchronizedList(new ArrayList<>());
  private static final LongAdder SCANNED = new LongAdder();
  private static final Map<String, LongAdder> WATCHED = new java.util.concurrent.ConcurrentHashMap<>();

  static {
    for (Level l : Level.values()) {
      COUNTS.put(l, new LongAdder());
    }
  }

  private LogCapture() {}

  static Level thresholdFor(String name) {
    for (String p : BROKER_PREFIXES) {
      if (name.startsWith(p)) {
        return Level.valueOf(System.getProperty(BROKER_LEVEL_PROPERTY, "INFO"));
      }
    }
    return Level.valueOf(System.getProperty(LEVEL_PROPERTY, "TRACE"));
  }

  static void record(Level level, String logger, String message, Throwable throwable) {
    COUNTS.get(level).increment();
    String line = level + " [" + Thread.currentThread().getName() + "] " + logger + " - " + message;
    String trace = throwable == null ? null : stackTrace(throwable);
    String all = trace == null ? line : line + "\n" + trace;
    check("log line", all);
    WATCHED.forEach((needle, count) -> {
      if (all.contains(needle)) {
        count.increment();
      }
    });
    synchronized (RECENT_LINES) {
      if (RECENT_LINES.size() == RECENT) {
        RECENT_LINES.pollFirst();
      }
      RECENT_LINES.addLast(line);
    }
    if (level.toInt() >= Level.WARN.toInt() || ECHO != null && ECHO.matcher(line).find()) {
      System.err.println(line);
      if (trace != null) {
        System.err.print(trace);
      }
    }
  }

  private static void check(String where, String text) {
    SCANNED.increment();
    String leak = Secrets.leakIn(text);
    if (leak != null && LEAKS.size() < 100) {
      LEAKS.add(leak + " in " + where + ": " + abbreviate(text));
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }

  /**
   * Checks a text (an exception message, a {@code toString()}) for secrets.
   *
   * @param where what the text is, for the report
   * @param text the text
   */
  public static void scan(String where, String text) {
    check(where, String.valueOf(text));
  }

  /**
   * Checks an exception: its {@code toString()}, every message in its cause chain and its full stack
   * trace text.
   *
   * @param where what the exception is, for the report
   * @param t the exception, may be {@code null}
   */
  public static void scan(String where, Throwable t) {
    if (t == null) {
      return;
    }
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      all.append(c).append('\n').append(c.getMessage()).append('\n');
    }
    all.append(stackTrace(t));
    check(where, all.toString());
  }

  /**
   * Checks the {@code toString()} of objects.
   *
   * @param objects configs, sinks, clients
   */
  public static void scanToString(Object... objects) {
    for (Object o : objects) {
      check("toString() of " + (o == null ? "null" : o.getClass().getSimpleName()), String.valueOf(o));
    }
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** @return every secret found so far, with where it was found */
  public static List<String> leaks() {
    synchronized (LEAKS) {
      return List.copyOf(LEAKS);
    }
  }

  /**
   * Counts, from now on, the captured events (with their stack traces) that contain a text.
   *
   * @param needle the text
   */
  public static void watch(String needle) {
    WATCHED.computeIfAbsent(needle, n -> new LongAdder());
  }

  /** @return how many captured events contained the watched text since {@link #watch} */
  public static long watched(String needle) {
    LongAdder a = WATCHED.get(needle);
    return a == null ? 0 : a.sum();
  }

  /** @return how many log events were captured at this level */
  public static long count(Level level) {
    return COUNTS.get(level).sum();
  }

  /** @return how many log events were captured in all */
  public static long total() {
    long n = 0;
    for (LongAdder a : COUNTS.values()) {
      n += a.sum();
    }
    return n;
  }

  /** @return how many texts (log events and scans) were checked */
  public static long scanned() {
    return SCANNED.sum();
  }

  /**
   * The recent captured lines that match.
   *
   * @param filter which lines
   * @return a copy, oldest first
   */
  public static List<String> recent(Predicate<String> filter) {
    synchronized (RECENT_LINES) {
      return RECENT_LINES.stream().filter(filter).toList();
    }
  }

  /** @return whether SLF4J is bound to this suite's provider */
  public static boolean active() {
    return LoggerFactory.getILoggerFactory() instanceof CapturingLoggerFactory;
  }
}
