package dev.iotforwarder.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM that runs one of the suite's {@code main} classes on this JVM's
 * class path, with the simple SLF4J binding at WARN (its stderr goes to a log file), and that log
 * file's path under {@code target/reliability}.
 */
final class ChildJvm {
  private ChildJvm() {}

  /** {@code target/reliability/<name>}, its directory created. */
  static Path log(String name) throws IOException {
    Path log = Path.of("target", "reliability", name);
    Files.createDirectories(log.getParent());
    return log;
  }

  /**
   * @param jvmOptions options before the class name (the heap bound, say)
   * @param main the class to run
   * @param args its arguments
   */
  static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvmOptions);
    cmd.add("-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }
}
