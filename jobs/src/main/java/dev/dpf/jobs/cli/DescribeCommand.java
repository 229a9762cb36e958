package dev.dpf.jobs.cli;

import dev.dpf.core.storage.Lake;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.jobs.query.TableDescription;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.StageRunner;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code dpf describe}: one table, for people. */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description =
        "Describe a table: what it is, its upstream and downstream tables, rows, files, last"
            + " update, and its columns with their PII tags.")
final class DescribeCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "TABLE", description = "zone.table, for example curated.customer_360")
  String table;

  @Override
  public Integer call() {
    Startup.Started started =
        Startup.start(
            new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile()),
            StageRunner::definition,
            () -> lakeOptions.existing());
    SparkSession spark = started.spark();
    PipelineDefinition definition = started.definition();
    var out = spec.commandLine().getOut();
    out.print(TableDescription.text(spark, definition, new Lake(spark, lakeOptions.lake), table));
    out.flush();
    return 0;
  }
}
