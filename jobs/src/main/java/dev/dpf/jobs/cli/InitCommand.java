package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import picocli.CommandLine.Command;

/** {@code dpf init}: the lake's databases and empty tables. */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = {
      "Create the lake's databases and, empty, every transformed and curated table of the"
          + " definition (with the schema a run gives it); tables that exist are left alone.",
      "Consolidated tables take their columns from the sources' data: the first ingest creates"
          + " them."
    })
final class InitCommand extends StageCommand {
  @Override
  Stage stage() {
    return Stage.INIT;
  }
}
