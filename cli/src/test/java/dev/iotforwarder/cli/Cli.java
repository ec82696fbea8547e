package dev.iotforwarder.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the tool as a separate process, as an operator would: the java launcher with this module's
 * test classpath (which holds the tool's classes and every dependency it bundles), or {@code java
 * -jar} with the built jar.
 */
final class Cli {
  private Cli() {}

  /**
   * How a run ended.
   *
   * @param exit the exit code
   * @param out everything on stdout
   * @param err everything on stderr
   */
  record Run(int exit, String out, String err) {
    List<String> outLines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  /** Runs the tool from the classpath with the given environment additions. */
  static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(java(), "-cp", classpath(), Main.class.getName()));
    cmd.addAll(List.of(args));
    return exec(cmd, env);
  }

  /** Runs the tool from the classpath. */
  static Run run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }

  /** Runs {@code java -jar jar args}. */
  static Run runJar(Path jar, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return exec(cmd, Map.of());
  }

  private static Run exec(List<String> cmd, Map<String, String> env)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("cli-run");
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.environment().keySet().removeIf(k -> k.startsWith("IOTFWD_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the tool did not end within 3 minutes: " + cmd);
    }
    Run run = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    Files.delete(dir);
    return run;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String classpath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null ? cp : System.getProperty("java.class.path");
  }
}
