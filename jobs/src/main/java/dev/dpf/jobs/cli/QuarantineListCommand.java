package dev.dpf.jobs.cli;

import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.QuarantineReport;
import dev.dpf.jobs.run.StageRunner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code dpf quarantine list}: quarantined records by reason. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = {
      "Count the quarantined records by stage, table and reason (the values in reasons masked, so"
          + " that records failing the same way count together), with an example of each."
    })
final class QuarantineListCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin Options.SelectOptions selection;

  @Override
  public Integer call() {
    JobOptions options = new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile());
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.existing());
    QuarantineReport.print(
        started.spark(),
        started.definition(),
        new Lake(started.spark(), lakeOptions.lake),
        selection.select,
        selection.exclude,
        spec.commandLine().getOut());
    return 0;
  }
}
