package dev.iotforwarder.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time over an interval, split into the client's side and the server's (LocalKafka's broker or
 * LocalCmq): what a message costs the client, GC and JIT included.
 *
 * <p>How: the whole process's CPU time ({@code com.sun.management.OperatingSystemMXBean
 * .getProcessCpuTime}, which counts every thread of the JVM, GC and compiler threads too) minus the
 * CPU time of the server's Java threads ({@link ThreadMXBean#getThreadCpuTime}). A Java thread is
 * the client's if its name is one of {@link #clientGroup}'s: {@code main} (the sending loop),
 * the forwarder's threads ({@code iot-forwarder-*}: a lane's dispatcher {@code -1} and completers,
 * CmqClient's HTTP threads), the Kafka producer's I/O thread, OkHttp's
 * threads and the harness's own sending threads ({@code bench-*}); every other Java thread (the
 * broker's handlers and network threads, LocalCmq's {@code local-cmq-*} and the JDK HTTP server's
 * dispatcher, a few idle JVM service threads) counts as the server's. What no Java thread accounts
 * for is the JVM's own work (GC, JIT, safepoints) and is charged to the client, although the
 * in-process server's allocations cause some of the GC: the client's figure is an upper bound,
 * alike for every side of a comparison.
 */
final class CpuMeter {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  /** The group of the JVM's own threads (process CPU not accounted for by any Java thread). */
  static final String JVM = "GC, JIT, other JVM";
  static final String SERVER = "server (broker / LocalCmq)";

  private final Map<Long, Long> start = new HashMap<>();
  private final long processStart;
  private final long wallStart;

  CpuMeter() {
    for (long id : THREADS.getAllThreadIds()) {
      start.put(id, Math.max(0, THREADS.getThreadCpuTime(id)));
    }
    processStart = OS.getProcessCpuTime();
    wallStart = System.nanoTime();
  }

  /**
   * The client-side group of a Java thread, or {@code null} for the server's side.
   *
   * @param name the thread's name
   * @return e.g. {@code "caller (main)"}
   */
  static String clientGroup(String name) {
    if (name.equals("main")) {
      return "caller (main)";
    }
    if (name.startsWith("iot-forwarder-cmq-http")) {
      return "CmqClient HTTP";
    }
    if (name.matches("iot-forwarder-.+-1")) { // a lane's first thread: its dispatcher (Lane)
      return "lane dispatcher";
    }
    if (name.matches("iot-forwarder-.+-\\d+")) { // the lane's other threads: its completers
      return "lane completer";
    }
    if (name.startsWith("iot-forwarder")) {
      return "forwarder, other";
    }
    if (name.startsWith("kafka-producer-network-thread")) {
      return "producer I/O";
    }
    if (name.startsWith("OkHttp")) {
      return "OkHttp";
    }
    if (name.startsWith("bench-")) {
      return "sending threads";
    }
    return null;
  }

  /**
   * The CPU used since this meter was made.
   *
   * @param messages how many messages the interval sent
   * @return the figures
   */
  Usage stop(long messages) {
    long process = OS.getProcessCpuTime() - processStart;
    long wall = System.nanoTime() - wallStart;
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    Map<String, Long> groups = new LinkedHashMap<>();
    long javaThreads = 0;
    long server = 0;
    for (int i = 0; i < ids.length; i++) {
      long cpu = THREADS.getThreadCpuTime(ids[i]);
      if (cpu < 0 || infos[i] == null) {
        continue;
      }
      long used = cpu - start.getOrDefault(ids[i], 0L);
      javaThreads += used;
      String group = clientGroup(infos[i].getThreadName());
      if (group == null) {
        server += used;
      } else {
        groups.merge(group, used, Long::sum);
      }
    }
    // Threads that ended in the interval take their CPU time with them; the JVM's share absorbs it.
    groups.put(JVM, Math.max(0, process - javaThreads));
    groups.put(SERVER, server);
    return new Usage(process - server, process, wall, messages, groups);
  }

  /**
   * What an interval cost.
   *
   * @param clientNanos CPU time of the client's side (process minus the server's threads)
   * @param processNanos CPU time of the whole process
   * @param wallNanos the interval's length
   * @param messages messages sent in it
   * @param groups CPU time per thread group, the server's last
   */
  record Usage(long clientNanos, long processNanos, long wallNanos, long messages, Map<String, Long> groups) {
    /** Client CPU nanoseconds per message. */
    double clientPerMessage() {
      return (double) clientNanos / messages;
    }

    /** CPU nanoseconds per message of each group. */
    Map<String, Double> perMessage() {
      Map<String, Double> m = new LinkedHashMap<>();
      groups.forEach((k, v) -> m.put(k, (double) v / messages));
      return m;
    }

    /** E.g. {@code "client 2.10 us/msg (1.52 cores), server 0.90 us/msg: caller (main) 0.98, ..."}. */
    String report() {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
          "client %.2f us/msg (%.2f cores), process %.2f cores:", clientPerMessage() / 1000,
          (double) clientNanos / wallNanos, (double) processNanos / wallNanos));
      perMessage().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.2f,", k, v / 1000)));
      sb.setLength(sb.length() - 1);
      return sb.append(" us/msg").toString();
    }
  }
}
