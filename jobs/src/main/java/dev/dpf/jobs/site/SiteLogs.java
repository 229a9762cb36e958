package dev.dpf.jobs.site;

import static org.apache.spark.sql.functions.col;

import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.site.Site.QualityRow;
import dev.dpf.jobs.site.Site.Quarantined;
import dev.dpf.jobs.site.Site.RunRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;

/** What the site shows of the lake's own records: the run log, the quality log, the quarantine. */
final class SiteLogs {
  /** The runs the site shows, newest. */
  static final int RUNS = 30;

  private SiteLogs() {}

  /**
   * The run log's rows of the newest {@link #RUNS} runs, oldest first. The log is small (a row per
   * table per run) and read whole: one scan, no shuffle.
   */
  static List<RunRow> runs(Lake lake) {
    if (!lake.exists(SystemTables.RUNS)) {
      return List.of();
    }
    List<RunRow> all = new ArrayList<>();
    for (Row r : lake.readSmall(SystemTables.RUNS).collectAsList()) {
      all.add(
          new RunRow(
              r.getAs("run_id"),
              r.getAs("stage"),
              r.getAs("table_name"),
              r.getAs("status"),
              r.<Long>getAs("rows_read"),
              r.<Long>getAs("rows_written"),
              r.<Long>getAs("rows_quarantined"),
              r.<Long>getAs("rows_superseded"),
              r.<Integer>getAs("files"),
              r.<Double>getAs("seconds"),
              r.getAs("note") == null ? "" : r.getAs("note"),
              r.<java.sql.Timestamp>getAs("logged_at").toInstant()));
    }
    // A run's place is its first row's time; rows keep the order they were logged in.
    Map<String, Instant> started = new LinkedHashMap<>();
    all.forEach(r -> started.merge(r.runId(), r.at(), (a, b) -> a.isBefore(b) ? a : b));
    Set<String> newest = new java.util.HashSet<>();
    started.entrySet().stream()
        .sorted(Map.Entry.<String, Instant>comparingByValue().reversed())
        .limit(RUNS)
        .forEach(e -> newest.add(e.getKey()));
    return all.stream()
        .filter(r -> newest.contains(r.runId()))
        .sorted(
            java.util.Comparator.comparing((RunRow r) -> started.get(r.runId()))
                .thenComparing(RunRow::runId)
                .thenComparing(RunRow::at))
        .toList();
  }

  static List<QualityRow> quality(Lake lake, List<RunRow> runs) {
    if (!lake.exists(SystemTables.QUALITY) || runs.isEmpty()) {
      return List.of();
    }
    List<String> ids = runs.stream().map(RunRow::runId).distinct().toList();
    List<QualityRow> out = new ArrayList<>();
    for (Row r :
        lake.readSmall(SystemTables.QUALITY)
            .where(col("run_id").isin(ids.toArray()))
            .collectAsList()) {
      out.add(
          new QualityRow(
              r.getAs("run_id"),
              r.getAs("dataset"),
              r.getAs("rule"),
              r.getAs("action"),
              r.getAs("status"),
              r.<Long>getAs("checked"),
              r.<Long>getAs("failed"),
              r.getAs("detail"),
              r.<java.sql.Timestamp>getAs("logged_at").toInstant()));
    }
    List<String> order = runs.stream().map(RunRow::runId).distinct().toList();
    out.sort(java.util.Comparator.comparing((QualityRow q) -> order.indexOf(q.runId())));
    return out;
  }

  static List<Quarantined> quarantine(Lake lake) {
    if (!lake.exists(SystemTables.QUARANTINE)) {
      return List.of();
    }
    List<Quarantined> out = new ArrayList<>();
    for (Row r :
        SystemTables.quarantineByReason(lake.readSmall(SystemTables.QUARANTINE)).collectAsList()) {
      out.add(
          new Quarantined(
              r.getAs("stage"),
              r.getAs("dataset"),
              r.getAs("reason"),
              r.<Long>getAs("records"),
              r.getAs("example")));
    }
    return out;
  }
}
