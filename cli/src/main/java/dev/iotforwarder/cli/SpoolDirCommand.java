package dev.iotforwarder.cli;

import dev.iotforwarder.cli.internal.SpoolInspector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Parameters;

/** What the commands on a spool directory share: the DIR parameter and the read-only scan. */
abstract class SpoolDirCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "the spool directory")
  Path dir;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Scans the directory and shows the report; says on stderr why, if it is no spool. */
  @Override
  public final Integer call() throws IOException {
    SpoolInspector.Report r;
    try {
      r = SpoolInspector.inspect(dir, visitor());
    } catch (SpoolInspector.NotASpoolException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return Main.UNUSABLE;
    }
    return show(r, spec.commandLine().getOut());
  }

  /** @return what receives each pending record during the scan; null by default */
  SpoolInspector.PendingVisitor visitor() {
    return null;
  }

  /**
   * Shows what the scan found.
   *
   * @param r the report
   * @param out stdout
   * @return the exit code
   * @throws IOException if output fails
   */
  abstract int show(SpoolInspector.Report r, PrintWriter out) throws IOException;
}
