package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code dpf ingest}: raw to consolidated. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = "Raw -> consolidated: append the records of raw files not ingested before.")
final class IngestCommand extends StageCommand {
  @Mixin Options.RawOptions rawOptions;

  @Override
  Stage stage() {
    return Stage.INGEST;
  }

  @Override
  String raw() {
    return rawOptions.raw();
  }

  @Override
  List<String> reingest() {
    return rawOptions.reingest;
  }
}
