package dev.dpf.jobs.cli;

import dev.dpf.jobs.run.StageRunner;
import picocli.CommandLine.Command;

/** {@code dpf curate}: the curated models. */
@Command(
    name = "curate",
    mixinStandardHelpOptions = true,
    description = "Transformed -> curated: the curated SQL models.")
final class CurateCommand extends StageCommand {
  @Override
  StageRunner.Stage stage() {
    return StageRunner.Stage.CURATE;
  }
}
