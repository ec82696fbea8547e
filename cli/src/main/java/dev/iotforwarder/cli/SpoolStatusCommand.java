package dev.iotforwarder.cli;

import dev.iotforwarder.cli.internal.SpoolInspector;
import dev.iotforwarder.internal.spool.SpoolLockProbe;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code spool status DIR}: what a spool directory holds. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {
        "Shows a spool directory: its lock, checkpoint, segments, the messages pending (at most),"
            + " per sink, the oldest pending message's age, bytes on disk, and damage skipped.",
        "The oldest pending message is the first in the spool not done at the last checkpoint;"
            + " its age counts from when the gateway received it (the receive time the spool"
            + " keeps), as the forwarder's own oldest-pending figure does.",
        "Read-only: it takes no lock and changes no file, so it works while a forwarder holds the"
            + " directory (the figures are then a snapshot).",
        "Pending is an upper bound: the spool persists only a checkpoint (every record below it is"
            + " done), not which records above it were delivered since."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:shown (damage, if any, is listed; use verify to fail on it)",
        "2:bad command line", "3:not a spool directory, or it cannot be read"})
final class SpoolStatusCommand extends SpoolDirCommand {
  @Override
  int show(SpoolInspector.Report r, PrintWriter out) {
    out.printf("spool directory:  %s%n", r.dir().toAbsolutePath());
    out.printf("lock:             %s%n", lock(r.lock()));
    out.printf("checkpoint:       %s%n", r.checkpointProblem() == null
        ? "every record below sequence number " + r.doneBelow() + " is done"
        : "DAMAGED (" + r.checkpointProblem() + "): every record counts as pending");
    out.printf("segments:         %d%n", r.segments().size());
    for (SpoolInspector.SegmentInfo s : r.segments()) {
      if (s.vanished()) {
        out.printf("  %s  deleted by the forwarder while being read (all done)%n", s.name());
      } else {
        out.printf("  %s  %d bytes, %d records, %d at or above the checkpoint%n", s.name(),
            s.bytes(), s.records(), s.pending());
      }
    }
    out.printf("pending:          at most %d messages (an upper bound: the spool records only the"
        + " checkpoint, so some above it may be delivered already)%n", r.pendingUpperBound());
    for (Map.Entry<String, Long> e : r.pendingBySink().entrySet()) {
      out.printf("  sink %s: at most %d%n", e.getKey(), e.getValue());
    }
    if (r.oldestPendingSeq() < 0) {
      out.printf("oldest pending:   none%n");
    } else if (r.oldestPendingMillis() <= 0) {
      out.printf("oldest pending:   sequence number %d; its record holds no receive time%n",
          r.oldestPendingSeq());
    } else {
      Instant t = Instant.ofEpochMilli(r.oldestPendingMillis());
      out.printf("oldest pending:   received %s, %s ago (sequence number %d, the first record at"
          + " or above the checkpoint%s)%n", t, age(Duration.between(t, Instant.now())),
          r.oldestPendingSeq(), r.checkpointProblem() == null ? ""
              : "; the checkpoint is damaged, so it may be delivered already: an upper bound");
    }
    out.printf("bytes:            %d%n", r.bytes());
    out.printf("corrupt skipped:  %d%n", r.damaged().size());
    for (SpoolInspector.Damage d : r.damaged()) {
      out.printf("  %s offset %d, %d bytes: %s%n", d.segment(), d.offset(), d.length(), d.reason());
    }
    out.printf("torn tails:       %d (a forwarder cuts them off when it starts)%n",
        r.tornTails().size());
    for (SpoolInspector.Damage d : r.tornTails()) {
      out.printf("  %s offset %d, %d bytes: %s%n", d.segment(), d.offset(), d.length(), d.reason());
    }
    for (SpoolInspector.Damage d : r.inProgressTails()) {
      out.printf("being written:    %s offset %d, %d bytes (the forwarder is writing there)%n",
          d.segment(), d.offset(), d.length());
    }
    for (String s : r.unsupported()) {
      out.printf("newer format:     %s was written by a newer iot-forwarder; not read%n", s);
    }
    return Main.OK;
  }

  static String lock(SpoolLockProbe.Result lock) {
    String pid = lock.ownerPid().isPresent() ? " (process " + lock.ownerPid().getAsLong() + ")" : "";
    return switch (lock.state()) {
      case HELD -> "held by a running forwarder" + pid + ": read without taking it; the figures"
          + " are a snapshot";
      case FREE -> "free (no forwarder holds the directory)";
      case NO_LOCK_FILE -> "no lock file (no forwarder has opened this directory)";
      case UNKNOWN -> "cannot tell whether a forwarder holds it (" + lock.detail() + "); read"
          + " anyway, the figures may be a snapshot";
    };
  }

  static String age(Duration d) {
    long s = Math.max(0, d.getSeconds());
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return (s / 60) + " min " + (s % 60) + " s";
    }
    if (s < 86_400) {
      return (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }
    return (s / 86_400) + " d " + (s % 86_400 / 3600) + " h";
  }
}
