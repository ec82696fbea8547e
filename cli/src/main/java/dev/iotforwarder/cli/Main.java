package dev.iotforwarder.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The operator tool's entry point: {@code java -jar iot-forwarder-cli-VERSION.jar COMMAND}.
 *
 * <p>Exit codes, the same for every command: {@value #OK} success; {@value #PROBLEMS} the command
 * ran and found problems (damage for {@code verify}, lines that failed for {@code replay});
 * {@value #USAGE} a bad command line; {@value #UNUSABLE} the input could not be used (no such
 * directory or file, not a spool, a newer format, missing credentials, an I/O error).
 */
@Command(name = "iot-forwarder", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Operator tool for iot-forwarder: look into a spool directory, check it, and"
        + " replay a dead-letter file.",
    subcommands = {SpoolCommand.class, VerifyCommand.class, DeadLettersCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the command ran and found problems (verify: damage; replay: lines that failed)",
        "2:bad command line",
        "3:the input could not be used (missing, not a spool, newer format, no credentials, I/O)"})
public final class Main implements Runnable {
  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: the command ran and found problems. */
  public static final int PROBLEMS = 1;
  /** Exit code: a bad command line. */
  public static final int USAGE = 2;
  /** Exit code: the input could not be used. */
  public static final int UNUSABLE = 3;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Used by picocli. */
  public Main() {}

  /**
   * Runs the tool and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs the tool.
   *
   * @param args the command line
   * @return the exit code
   */
  public static int run(String... args) {
    // Library and Kafka log lines go to stderr, warnings and errors only, unless the user says else.
    System.setProperty("org.slf4j.simpleLogger.logFile",
        System.getProperty("org.slf4j.simpleLogger.logFile", "System.err"));
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      PrintWriter err = line.getErr();
      err.println("error: " + e.getMessage());
      err.flush();
      return UNUSABLE;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** The version, from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"iot-forwarder-cli " + (v == null ? "(development build)" : v)};
    }
  }
}
