package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import picocli.CommandLine.Command;

/** {@code dpf transform}: consolidated to transformed. */
@Command(
    name = "transform",
    mixinStandardHelpOptions = true,
    description =
        "Consolidated -> transformed: typed datasets (bad rows to quarantine) and transformed models.")
final class TransformCommand extends StageCommand {
  @Override
  Stage stage() {
    return Stage.TRANSFORM;
  }
}
