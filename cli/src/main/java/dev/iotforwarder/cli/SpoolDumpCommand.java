package dev.iotforwarder.cli;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.cli.internal.SpoolInspector;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code spool dump DIR}: the pending messages as envelope JSON lines. */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = {
        "Writes the spool's pending messages to stdout, one envelope JSON line each (the nine"
            + " fields, as the library's EnvelopeCodec writes them), in spool order; nothing else"
            + " goes to stdout, so it pipes (to jq, to a file, to a Kafka console producer).",
        "Read-only, like status. It writes every record at or above the checkpoint: some may have"
            + " been delivered already (the spool persists only the checkpoint). A summary goes to"
            + " stderr."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:dumped", "2:bad command line",
        "3:not a spool directory, or it cannot be read"})
final class SpoolDumpCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "the spool directory")
  Path dir;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    EnvelopeCodec codec = EnvelopeCodec.standard();
    OutputStream out = new BufferedOutputStream(System.out, 64 * 1024);
    SpoolInspector.Report r;
    try {
      r = SpoolInspector.inspect(dir, rec -> {
        out.write(codec.encode(rec.message()));
        out.write('\n');
      });
    } catch (SpoolInspector.NotASpoolException e) {
      err.println("error: " + e.getMessage());
      return Main.UNUSABLE;
    } finally {
      out.flush();
    }
    err.printf("dumped %d messages from %d segments (%d corrupt stretches skipped)%s%n",
        r.pendingUpperBound(), r.segments().size(), r.damaged().size(),
        r.held() ? "; a forwarder holds the directory: this is a snapshot" : "");
    err.flush();
    return Main.OK;
  }
}
