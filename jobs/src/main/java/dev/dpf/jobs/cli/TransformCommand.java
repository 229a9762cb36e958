package dev.dpf.jobs.cli;

import dev.dpf.jobs.run.StageRunner;
import picocli.CommandLine.Command;

/** {@code dpf transform}: consolidated to transformed. */
@Command(
    name = "transform",
    mixinStandardHelpOptions = true,
    description =
        "Consolidated -> transformed: typed datasets (bad rows to quarantine) and transformed models.")
final class TransformCommand extends StageCommand {
  @Override
  StageRunner.Stage stage() {
    return StageRunner.Stage.TRANSFORM;
  }
}
