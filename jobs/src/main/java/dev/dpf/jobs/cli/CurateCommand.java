package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import picocli.CommandLine.Command;

/** {@code dpf curate}: the curated models. */
@Command(
    name = "curate",
    mixinStandardHelpOptions = true,
    description = "Transformed -> curated: the curated SQL models.")
final class CurateCommand extends StageCommand {
  @Override
  Stage stage() {
    return Stage.CURATE;
  }
}
