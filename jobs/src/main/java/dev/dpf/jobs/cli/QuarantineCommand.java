package dev.dpf.jobs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dpf quarantine}: its subcommands. */
@Command(
    name = "quarantine",
    mixinStandardHelpOptions = true,
    description = "The quarantined records: list them by reason, replay them after a fix.",
    subcommands = {QuarantineListCommand.class, QuarantineReplayCommand.class})
final class QuarantineCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
