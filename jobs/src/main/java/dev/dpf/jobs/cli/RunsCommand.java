package dev.dpf.jobs.cli;

import dev.dpf.core.pipeline.LakeRuns;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.query.SqlOutput;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpf runs}: the lake's runs, newest first. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = {
      "List the lake's runs, newest first, from its run log: id, start and end, status (failed"
          + " when a table or the run failed), stages, tables changed, rows read, written and"
          + " quarantined, and whether the lake still has what it needs to read the run's state"
          + " (sql --as-of-run), compare it (diff) and restore it (restore --to-run).",
      "A run that found nothing new changed nothing and is not logged."
    })
final class RunsCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table, csv or json (JSON lines) (default: ${DEFAULT-VALUE}).")
  SqlOutput.Format format;

  @Option(
      names = "--limit",
      defaultValue = "20",
      description = "Show at most this many runs, the newest (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--limit must be at least 1, got " + limit);
    }
    SparkSession spark = lakeOptions.existing();
    var out = spec.commandLine().getOut();
    out.print(
        SqlOutput.text(new LakeRuns(new Lake(spark, lakeOptions.lake)).runs(), format, limit));
    out.flush();
    return 0;
  }
}
