package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import picocli.CommandLine.Command;

/** {@code dpf quarantine replay}: quarantined records run again. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Run the quarantined records of the (selected) datasets again with the definition as it is"
          + " now, after a fix to it (a date format, a widened rule, ...): those that pass now"
          + " enter their tables, each exactly once; the others stay quarantined with their"
          + " reasons as they are now. Reconciled and logged like a transform.",
      "Ingest records are replayed by run --reingest SOURCE; a model's are judged again when it"
          + " is rebuilt."
    })
final class QuarantineReplayCommand extends StageCommand {
  @Override
  Stage stage() {
    return Stage.REPLAY;
  }
}
