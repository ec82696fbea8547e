package dev.iotforwarder.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time per thread group over an interval (diagnostics: which threads were busy during a round).
 * Thread names are grouped by replacing digits, so that the broker's handler pool counts as one.
 */
final class ThreadCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> start = new HashMap<>();
  private final long wallStart = System.nanoTime();

  ThreadCpu() {
    for (long id : THREADS.getAllThreadIds()) {
      start.put(id, Math.max(0, THREADS.getThreadCpuTime(id)));
    }
  }

  /** E.g. {@code "total 1.84 cores: main 0.98, kafka-producer-network-thread 0.41, ..."}. */
  String report() {
    double wall = System.nanoTime() - wallStart;
    Map<String, Double> byGroup = new TreeMap<>();
    double total = 0;
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long cpu = THREADS.getThreadCpuTime(ids[i]);
      if (cpu < 0 || infos[i] == null) {
        continue;
      }
      double used = (cpu - start.getOrDefault(ids[i], 0L)) / wall;
      String name = infos[i].getThreadName();
      String group = name.startsWith("iot-forwarder") ? name : name.replaceAll("\\d+", "N");
      byGroup.merge(group, used, Double::sum);
      total += used;
    }
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "total %.2f cores:", total));
    byGroup.entrySet().stream()
        .filter(e -> e.getValue() >= 0.02)
        .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
        .forEach(e -> sb.append(String.format(Locale.ROOT, " %s %.2f,", e.getKey(), e.getValue())));
    return sb.toString();
  }
}
