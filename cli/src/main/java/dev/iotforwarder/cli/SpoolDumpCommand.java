package dev.iotforwarder.cli;

import dev.iotforwarder.EnvelopeCodec;
import dev.iotforwarder.cli.internal.SpoolInspector;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

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
final class SpoolDumpCommand extends SpoolDirCommand {
  private final EnvelopeCodec codec = EnvelopeCodec.standard();
  private final OutputStream stdout = new BufferedOutputStream(System.out, 64 * 1024);

  @Override
  SpoolInspector.PendingVisitor visitor() {
    return rec -> {
      stdout.write(codec.encode(rec.message()));
      stdout.write('\n');
    };
  }

  @Override
  int show(SpoolInspector.Report r, PrintWriter out) throws IOException {
    stdout.flush();
    PrintWriter err = spec.commandLine().getErr();
    err.printf("dumped %d messages from %d segments (%d corrupt stretches skipped)%s%n",
        r.pendingUpperBound(), r.segments().size(), r.damaged().size(),
        r.held() ? "; a forwarder holds the directory: this is a snapshot" : "");
    err.flush();
    return Main.OK;
  }
}
