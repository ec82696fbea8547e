package dev.iotforwarder.cli;

import dev.iotforwarder.cli.internal.SpoolInspector;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code verify DIR}: checks every record's checksum. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {
        "Checks every record of a spool directory against its CRC32C checksum, each segment"
            + " header, and the checkpoint, and lists what is damaged. Read-only.",
        "While a forwarder holds the directory, an incomplete record at the end of the newest"
            + " segment is the one being written and is not counted as damage."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every record is intact",
        "1:damage found (corrupt records, torn tails, a damaged checkpoint, a newer format)",
        "2:bad command line", "3:not a spool directory, or it cannot be read"})
final class VerifyCommand extends SpoolDirCommand {
  @Override
  int show(SpoolInspector.Report r, PrintWriter out) {
    long records = r.segments().stream().mapToLong(SpoolInspector.SegmentInfo::records).sum();
    out.printf("checked %d segments, %d intact records, %d bytes%n", r.segments().size(), records,
        r.bytes());
    if (r.checkpointProblem() != null) {
      out.printf("DAMAGED checkpoint: %s%n", r.checkpointProblem());
    }
    for (SpoolInspector.Damage d : r.damaged()) {
      out.printf("DAMAGED %s offset %d, %d bytes: %s%n", d.segment(), d.offset(), d.length(),
          d.reason());
    }
    for (SpoolInspector.Damage d : r.tornTails()) {
      out.printf("TORN TAIL %s offset %d, %d bytes: %s%n", d.segment(), d.offset(), d.length(),
          d.reason());
    }
    for (String s : r.unsupported()) {
      out.printf("NEWER FORMAT %s: not checked%n", s);
    }
    for (SpoolInspector.Damage d : r.inProgressTails()) {
      out.printf("being written %s offset %d (not counted)%n", d.segment(), d.offset());
    }
    if (r.hasDamage()) {
      out.printf("verify: damage found%n");
      return Main.PROBLEMS;
    }
    out.printf("verify: ok%n");
    return Main.OK;
  }
}
