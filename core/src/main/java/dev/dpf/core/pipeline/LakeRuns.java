package dev.dpf.core.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.internal.stage.versions.Maintain;
import dev.dpf.core.internal.system.RunManifest;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.LakeCatalog;
import dev.dpf.definition.TableName;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A lake's runs, as its logs record them: the list of runs, and the version of every table each run
 * left ({@link SystemTables#MANIFESTS}), to read the lake as a run left it. Reads only.
 */
public final class LakeRuns {
  private final Lake lake;

  public LakeRuns(Lake lake) {
    this.lake = java.util.Objects.requireNonNull(lake, "lake");
  }

  /**
   * One row per run in the run log, newest first: {@code run_id}, {@code started_at}, {@code
   * ended_at}, {@code status} ({@code failed} when a table or the run failed, else {@code ok}),
   * {@code stages} (in the order they ran), {@code tables_changed} (tables with an {@code ok}
   * result), {@code rows_read}, {@code rows_written}, {@code rows_quarantined} (of those results),
   * and {@code restorable} (whether the lake records the versions it left: {@code --as-of-run},
   * {@code diff} and {@code restore} can use it). Empty when the lake has no run log.
   */
  public Dataset<Row> runs() {
    if (!lake.exists(SystemTables.RUNS)) {
      return lake.spark()
          .emptyDataFrame()
          .select(
              lit(null).cast("string").as("run_id"),
              lit(null).cast("timestamp").as("started_at"),
              lit(null).cast("timestamp").as("ended_at"),
              lit(null).cast("string").as("status"),
              lit(null).cast("string").as("stages"),
              lit(null).cast("long").as("tables_changed"),
              lit(null).cast("long").as("rows_read"),
              lit(null).cast("long").as("rows_written"),
              lit(null).cast("long").as("rows_quarantined"),
              lit(null).cast("boolean").as("restorable"));
    }
    Column ok = col("status").equalTo("ok").and(col("table_name").startsWith("(").unary_$bang());
    Dataset<Row> runs =
        lake.read(SystemTables.RUNS)
            .groupBy("run_id")
            .agg(
                min("logged_at").as("first_logged"),
                max("logged_at").as("ended_at"),
                max(when(col("status").equalTo("failed"), 1).otherwise(0)).as("failed"),
                expr("array_join(array_distinct(transform(sort_array(collect_list("
                        + "struct(logged_at, stage))), s -> s.stage)), ',')")
                    .as("stages"),
                countDistinct(when(ok, col("table_name"))).as("tables_changed"),
                coalesce(sum(when(ok, col("rows_read"))), lit(0L)).as("rows_read"),
                coalesce(sum(when(ok, col("rows_written"))), lit(0L)).as("rows_written"),
                coalesce(sum(when(ok, col("rows_quarantined"))), lit(0L)).as("rows_quarantined"));
    Dataset<Row> manifests =
        lake.exists(SystemTables.MANIFESTS)
            ? lake.read(SystemTables.MANIFESTS)
                .groupBy(col("run_id").as("manifest_run"))
                .agg(min("run_started_at").as("run_started_at"))
            : lake.spark()
                .emptyDataFrame()
                .select(
                    lit(null).cast("string").as("manifest_run"),
                    lit(null).cast("timestamp").as("run_started_at"));
    Column kept = keptSince(runs);
    return runs.join(manifests, runs.col("run_id").equalTo(col("manifest_run")), "left")
        .select(
            col("run_id"),
            coalesce(col("run_started_at"), col("first_logged")).as("started_at"),
            col("ended_at"),
            when(col("failed").equalTo(1), "failed").otherwise("ok").as("status"),
            col("stages"),
            col("tables_changed"),
            col("rows_read"),
            col("rows_written"),
            col("rows_quarantined"),
            col("manifest_run").isNotNull().and(kept).as("restorable"))
        .orderBy(col("ended_at").desc(), col("run_id").desc());
  }

  /**
   * Whether a run (by its {@code ended_at}) is one the last maintenance kept: it kept the runs from
   * the one its run log rows name on and removed what older ones alone read.
   */
  private Column keptSince(Dataset<Row> runs) {
    Row keptFrom =
        lake
            .read(SystemTables.RUNS)
            .where(col("stage").equalTo("maintain").and(col("note").startsWith(Maintain.KEEPS)))
            .orderBy(col("logged_at").desc())
            .select(
                org.apache.spark.sql.functions.regexp_extract(
                    col("note"), "^" + Maintain.KEEPS + "(\\S+)", 1))
            .limit(1)
            .collectAsList()
            .stream()
            .findFirst()
            .orElse(null);
    Column kept = lit(true);
    if (keptFrom != null) {
      Row end =
          runs
              .where(col("run_id").equalTo(keptFrom.getString(0)))
              .select("ended_at")
              .collectAsList()
              .stream()
              .findFirst()
              .orElse(null);
      if (end != null) {
        kept = col("ended_at").geq(lit(end.getTimestamp(0)));
      }
    }
    return kept;
  }

  /**
   * The version of every table of the lake at the end of the run {@code runId}, by table.
   *
   * @throws DpfException when the lake records none for it
   */
  public Map<TableName, Long> versionsAt(String runId) {
    return RunManifest.of(lake, runId)
        .orElseThrow(
            () ->
                new DpfException(
                    "The lake has no record of the tables' versions at the end of run "
                        + runId
                        + " (a run that changed nothing, a run of an older dpf, or no run of"
                        + " this lake): `dpf runs` lists the runs it has"));
  }

  /**
   * Makes the session's SQL read every table of the lake as the run {@code runId} left it (a table
   * the run did not have is not found), until {@link #unpin}.
   */
  public void pin(String runId) {
    Map<TableName, Long> versions = versionsAt(runId);
    for (Map.Entry<TableName, Long> e : versions.entrySet()) {
      if (lake.exists(e.getKey()) && lake.latestVersion(e.getKey()) != e.getValue()) {
        lake.missingAt(e.getKey(), e.getValue())
            .ifPresent(
                gone -> {
                  throw new DpfException(
                      "Run "
                          + runId
                          + " can no longer be read as it left the lake: "
                          + e.getKey()
                          + " "
                          + gone
                          + " (removed by maintenance or an erase's purge: `dpf runs` shows which"
                          + " runs can still be read)");
                });
      }
    }
    LakeCatalog.pinVersions(lake.spark(), versions);
  }

  /** Makes the session's SQL read the latest versions again. */
  public void unpin() {
    LakeCatalog.pinVersions(lake.spark(), Map.of());
  }
}
