package dev.dpf.core.internal.stage.versions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.system.RunManifest;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Puts every table of the lake back to the version it had when a run ended, as its manifest ({@link
 * RunManifest}) records it: the zones, quarantine and the logs that decide what later runs do (the
 * ingest and transform logs), with new commits. A table the run did not have is emptied. The logs
 * of what happened stay as they are: the run log, the quality log and the manifests, so the restore
 * is one more run in them. The next run then reads again the raw files delivered after that run and
 * converges.
 */
public final class Restore {
  /** The tables a restore leaves as they are: the lake's record of what happened. */
  public static final Set<TableName> KEPT =
      Set.of(SystemTables.RUNS, SystemTables.QUALITY, SystemTables.MANIFESTS, SystemTables.ERASED);

  private static final ObjectMapper JSON = new ObjectMapper();

  private Restore() {}

  /**
   * What a restore does with one table.
   *
   * @param table the table
   * @param now its latest version
   * @param to the version it goes back to; -1: it is emptied (the run did not have it)
   * @param rowsNow its rows now
   * @param rowsThen its rows at {@code to}
   */
  public record Step(TableName table, long now, long to, long rowsNow, long rowsThen) {
    /** Whether the table changes: {@code restore}, {@code empty}, or {@code unchanged}. */
    public String action() {
      if (to == now || (to < 0 && rowsNow == 0)) {
        return "unchanged";
      }
      return to < 0 ? "empty" : "restore";
    }
  }

  /**
   * What restoring the lake to the end of {@code runId} does with each of its tables, in zone
   * order; reads the logs and counts rows, writes nothing.
   *
   * @throws DpfException when the lake has no manifest of the run, or a version the run left is no
   *     longer whole (its log or files were removed by maintenance)
   */
  public static List<Step> plan(Lake lake, String runId) {
    Map<TableName, Long> versions =
        RunManifest.of(lake, runId)
            .orElseThrow(
                () ->
                    new DpfException(
                        "Cannot restore to run "
                            + runId
                            + ": the lake has no record of the tables' versions at its end (a"
                            + " run that changed nothing, a run of an older dpf, or no run of"
                            + " this lake). `dpf runs` lists the runs that can be restored"));
    refuseBeforeAnErase(lake, runId);
    List<Step> steps = new ArrayList<>();
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        if (KEPT.contains(table)) {
          continue;
        }
        long now = lake.latestVersion(table);
        long to = versions.getOrDefault(table, -1L);
        Optional<String> gone = to >= 0 && to != now ? lake.missingAt(table, to) : Optional.empty();
        if (gone.isPresent()) {
          throw new DpfException(
              "Cannot restore to run "
                  + runId
                  + ": "
                  + table
                  + " "
                  + gone.get()
                  + " (removed by maintenance: `dpf runs` shows which runs can still be restored)");
        }
        long rowsNow = lake.rows(table);
        long rowsThen = to < 0 ? 0 : to == now ? rowsNow : lake.rowsAt(table, to);
        steps.add(new Step(table, now, to, rowsNow, rowsThen));
      }
    }
    for (TableName table : versions.keySet()) {
      if (!KEPT.contains(table) && !lake.exists(table)) {
        throw new DpfException(
            "Cannot restore to run "
                + runId
                + ": "
                + table
                + " had version "
                + versions.get(table)
                + " then and is no longer in the lake (its folder was removed)");
      }
    }
    return steps;
  }

  /**
   * Refuses a restore to a run that ended before an erase: the tables would get the erased
   * subject's rows back.
   */
  private static void refuseBeforeAnErase(Lake lake, String runId) {
    if (!lake.exists(SystemTables.ERASED)) {
      return;
    }
    java.time.Instant ended =
        RunManifest.runs(lake).stream()
            .filter(r -> r.runId().equals(runId))
            .map(RunManifest.RunEnd::endedAt)
            .findFirst()
            .orElse(null);
    if (ended == null) {
      return;
    }
    List<org.apache.spark.sql.Row> later =
        lake.read(SystemTables.ERASED)
            .filter(
                org.apache
                    .spark
                    .sql
                    .functions
                    .col("erased_at")
                    .gt(org.apache.spark.sql.functions.lit(java.sql.Timestamp.from(ended))))
            .select("run_id")
            .distinct()
            .collectAsList();
    if (!later.isEmpty()) {
      throw new DpfException(
          "Cannot restore to run "
              + runId
              + ": the erase run "
              + later.get(0).getString(0)
              + " removed a data subject after it, and a restore would bring the subject's rows"
              + " back. Restore to that erase run or a later one");
    }
  }

  /**
   * Restores the lake as its {@code plan} ({@link #plan}) says, one table after another, reporting
   * each; a restore stopped midway and run again finishes what is left ({@link
   * dev.dpf.core.storage.DeltaWriter#restore}).
   */
  public static List<TableResult> apply(
      RunContext run, StageLog log, String runId, List<Step> plan) {
    List<TableResult> out = new ArrayList<>();
    for (Step step : plan) {
      out.addAll(
          log.step(
              Stage.RESTORE, step.table().toString(), () -> List.of(restore(run, step, runId))));
    }
    return out;
  }

  private static TableResult restore(RunContext run, Step step, String runId) {
    long start = System.nanoTime();
    String table = step.table().toString();
    // The same for every try, so that a restore run again knows what an earlier one finished.
    ObjectNode marker = JSON.createObjectNode().put("run", runId).put("version", step.to());
    if (step.action().equals("unchanged")
        || !run.writer()
            .restore(
                step.table(),
                step.to(),
                marker,
                () -> run.options().hooks().reached("restore:" + table))) {
      return TableResult.upToDate(
          Stage.RESTORE,
          table,
          StageLog.seconds(start),
          step.to() < 0
              ? "not in run " + runId + ", and empty"
              : "at version " + step.to() + " as run " + runId + " left it");
    }
    return TableResult.of(Stage.RESTORE, table, TableResult.Status.OK)
        .read(step.rowsNow())
        .written(step.rowsThen())
        .seconds(StageLog.seconds(start))
        .note(
            step.to() < 0
                ? "emptied: made after run " + runId
                : "back to version " + step.to() + " (run " + runId + "), from " + step.now())
        .build();
  }
}
