package dev.iotforwarder.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dead-letters}: the group of {@code replay}. */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
    description = "Work with a dead-letter file written by FileDeadLetterSink.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:help shown", "2:no or an unknown command (see each command's --help for"
        + " its own exit codes)"},
    subcommands = {ReplayCommand.class})
final class DeadLettersCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "say replay");
  }
}
