package dev.iotforwarder.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What a figure was measured on: cores, JVM, heap, load. */
final class Machine {
  private Machine() {}

  /** The 1-, 5- and 15-minute load averages, as {@code /proc/loadavg} shows them. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
    }
  }

  static Map<String, Object> describe() {
    RuntimeMXBean rt = ManagementFactory.getRuntimeMXBean();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", Instant.now().toString());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    m.put("jvmArgs", rt.getInputArguments().stream()
        .filter(a -> !a.startsWith("-Dbenchmarks.") && !a.startsWith("-Diotforwarder.")).toList());
    m.put("loadAverageAtStart", loadAverage());
    return m;
  }

  static String oneLine(Map<String, Object> m) {
    return m.get("cores") + " cores, " + m.get("jvm") + ", max heap " + m.get("maxHeapMiB")
        + " MiB, load " + m.get("loadAverageAtStart");
  }

  /** Where results go: the module's target directory when run with the generated argfile. */
  static Path outputDirectory() {
    String d = System.getProperty("benchmarks.outputDirectory");
    return Path.of(d != null && !d.isBlank() ? d : "target");
  }
}
