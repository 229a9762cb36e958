package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpf run}: all stages. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run all stages: ingest, transform, curate.")
class RunCommand extends StageCommand {
  @Mixin Options.RawOptions rawOptions;

  @Option(
      names = "--dry-run",
      description =
          "Tell what the run would do with each table, and why, and write nothing (as dpf"
              + " plan).")
  boolean dryRun;

  @Override
  Stage stage() {
    return Stage.RUN;
  }

  @Override
  String raw() {
    return rawOptions.raw();
  }

  @Override
  List<String> reingest() {
    return rawOptions.reingest;
  }

  @Override
  boolean dryRun() {
    return dryRun;
  }

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description =
          "Where to write the run's report, the pipeline's site as of this run (see dpf docs):"
              + " a new or empty folder, or one with a site dpf wrote (default:"
              + " <lake>/_system/report). Written whether the run succeeds or fails.")
  String reportDir;

  @Option(names = "--no-report", description = "Write no report.")
  boolean noReport;

  @Override
  List<String> reportOptions() {
    List<String> given = new java.util.ArrayList<>();
    if (reportDir != null) {
      given.add("--report");
    }
    if (noReport) {
      given.add("--no-report");
    }
    return given;
  }

  @Override
  String report() {
    return noReport ? null : reportDir == null ? "" : reportDir;
  }
}
