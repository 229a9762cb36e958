package dev.dpf.jobs.cli;

import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code dpf tables}: the lake's tables and rows. */
@Command(
    name = "tables",
    mixinStandardHelpOptions = true,
    description = "List the lake's tables with row counts.")
final class TablesCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    SparkSession spark = lakeOptions.existing();
    Lake lake = new Lake(spark, lakeOptions.lake);
    var out = spec.commandLine().getOut();
    out.printf("%-40s %12s%n", "table", "rows");
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        out.printf("%-40s %,12d%n", table, lake.rows(table));
      }
    }
    out.flush();
    return 0;
  }
}
