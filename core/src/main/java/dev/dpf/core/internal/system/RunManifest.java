package dev.dpf.core.internal.system;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code _system.manifests}: the version every table of the lake had when a stage of a run ended
 * (the stages of a run ending one after another, the last one recorded is the state the run left).
 * Recorded, never inferred from commit times, so that a query as of a run sees one consistent state
 * across tables and a restore knows every table's version exactly.
 */
public final class RunManifest {
  /** The manifest table's name in the system zone. */
  public static final TableName TABLE = SystemTables.MANIFESTS;

  private static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType, false)
          .add("stage", DataTypes.StringType, false)
          .add("table_name", DataTypes.StringType, false)
          .add("version", DataTypes.LongType, false)
          .add("run_started_at", DataTypes.TimestampType, false)
          .add("recorded_at", DataTypes.TimestampType, false);

  private RunManifest() {}

  /**
   * Appends the latest version of every table of the lake but this one (a listing of each zone and
   * of each table's Delta log; nothing read), as the state the run left at the end of {@code
   * stage}.
   */
  public static void record(
      Lake lake, DeltaWriter writer, String runId, Instant runStartedAt, Stage stage) {
    Map<TableName, Long> versions = latest(lake);
    List<Map.Entry<TableName, Long>> entries = new ArrayList<>(versions.entrySet());
    Timestamp started = Timestamp.from(runStartedAt);
    SystemLogs.append(
        lake.spark(),
        writer,
        TABLE,
        SCHEMA,
        entries,
        (e, now) ->
            RowFactory.create(
                runId, stage.label(), e.getKey().toString(), e.getValue(), started, now));
  }

  /** The latest version of every table of the lake but the manifest, by name. */
  public static Map<TableName, Long> latest(Lake lake) {
    Map<TableName, Long> out = new TreeMap<>(java.util.Comparator.comparing(TableName::toString));
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        if (!table.equals(TABLE)) {
          long v = lake.latestVersion(table);
          if (v >= 0) {
            out.put(table, v);
          }
        }
      }
    }
    return out;
  }

  /**
   * The versions the run's last recorded stage left, by table; empty when the lake has no manifest
   * of the run (a run that changed nothing, a run older than the manifest, or no such run).
   */
  public static Optional<Map<TableName, Long>> of(Lake lake, String runId) {
    if (!lake.exists(TABLE)) {
      return Optional.empty();
    }
    var rows = lake.read(TABLE).where(col("run_id").equalTo(runId));
    Row last = rows.agg(max("recorded_at")).head();
    if (last.isNullAt(0)) {
      return Optional.empty();
    }
    Map<TableName, Long> out = new TreeMap<>(java.util.Comparator.comparing(TableName::toString));
    for (Row r :
        rows.where(col("recorded_at").equalTo(last.getTimestamp(0)))
            .select("table_name", "version")
            .collectAsList()) {
      out.put(TableName.of(r.getString(0)), r.getLong(1));
    }
    return Optional.of(out);
  }

  /**
   * A run the manifest records.
   *
   * @param runId the run
   * @param startedAt when it started
   * @param endedAt when its last stage was recorded
   */
  public record RunEnd(String runId, Instant startedAt, Instant endedAt) {}

  /** Every run the manifest records, the newest end first. */
  public static List<RunEnd> runs(Lake lake) {
    if (!lake.exists(TABLE)) {
      return List.of();
    }
    List<RunEnd> out = new ArrayList<>();
    for (Row r :
        lake.read(TABLE)
            .groupBy("run_id")
            .agg(
                org.apache.spark.sql.functions.min("run_started_at"),
                org.apache.spark.sql.functions.max("recorded_at").as("ended"))
            .orderBy(col("ended").desc(), col("run_id").desc())
            .collectAsList()) {
      out.add(
          new RunEnd(r.getString(0), r.getTimestamp(1).toInstant(), r.getTimestamp(2).toInstant()));
    }
    return out;
  }

  /** The versions each of {@code runs} left at its last recorded stage, by run. */
  public static Map<String, Map<TableName, Long>> of(Lake lake, java.util.Collection<String> runs) {
    Map<String, Map<TableName, Long>> out = new TreeMap<>();
    if (runs.isEmpty() || !lake.exists(TABLE)) {
      return out;
    }
    var rows = lake.read(TABLE).where(col("run_id").isin(runs.toArray()));
    var last =
        rows.groupBy(col("run_id").as("last_run")).agg(max("recorded_at").as("last_recorded"));
    for (Row r :
        rows.join(
                last,
                col("run_id")
                    .equalTo(col("last_run"))
                    .and(col("recorded_at").equalTo(col("last_recorded"))))
            .select("run_id", "table_name", "version")
            .collectAsList()) {
      out.computeIfAbsent(
              r.getString(0),
              k -> new TreeMap<>(java.util.Comparator.comparing(TableName::toString)))
          .put(TableName.of(r.getString(1)), r.getLong(2));
    }
    return out;
  }

  /**
   * Appends {@code versions} as the state the run {@code runId} left, recorded again at the end of
   * {@code stage} of another run (maintenance that rewrote its files without changing a row).
   */
  public static void recordAgain(
      Lake lake, DeltaWriter writer, RunEnd run, Stage stage, Map<TableName, Long> versions) {
    Timestamp started = Timestamp.from(run.startedAt());
    SystemLogs.append(
        lake.spark(),
        writer,
        TABLE,
        SCHEMA,
        new ArrayList<>(versions.entrySet()),
        (e, now) ->
            RowFactory.create(
                run.runId(), stage.label(), e.getKey().toString(), e.getValue(), started, now));
  }
}
