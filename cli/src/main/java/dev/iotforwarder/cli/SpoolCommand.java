package dev.iotforwarder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code spool}: the group of {@code status} and {@code dump}. */
@Command(name = "spool", mixinStandardHelpOptions = true,
    description = "Look into a spool directory (read-only; works while a forwarder holds it).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:help shown", "2:no or an unknown command (see each command's --help for"
        + " its own exit codes)"},
    subcommands = {SpoolStatusCommand.class, SpoolDumpCommand.class})
final class SpoolCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "say status or dump");
  }
}
