package dev.dpf.core.internal.system;

import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.definition.TableName;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code _system.runs}: one row per table per stage per run, with rows read, written and
 * quarantined, so every run's counts can be reconciled after the fact.
 */
public final class RunLog {
  /** The run log's table name in the system zone. */
  public static final TableName TABLE = SystemTables.RUNS;

  private static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType, false)
          .add("stage", DataTypes.StringType, false)
          .add("table_name", DataTypes.StringType, false)
          .add("status", DataTypes.StringType, false)
          .add("rows_read", DataTypes.LongType, false)
          .add("rows_written", DataTypes.LongType, false)
          .add("rows_quarantined", DataTypes.LongType, false)
          .add("rows_superseded", DataTypes.LongType, false)
          .add("files", DataTypes.IntegerType, false)
          .add("seconds", DataTypes.DoubleType, false)
          .add("note", DataTypes.StringType, true)
          .add("logged_at", DataTypes.TimestampType, false);

  private RunLog() {}

  public static void append(
      SparkSession spark, DeltaWriter writer, String runId, List<TableResult> results) {
    SystemLogs.append(
        spark,
        writer,
        TABLE,
        SCHEMA,
        results,
        (r, now) ->
            RowFactory.create(
                runId,
                r.stage().label(),
                r.table(),
                r.status().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                r.rowsRead(),
                r.rowsWritten(),
                r.rowsQuarantined(),
                r.rowsSuperseded(),
                r.files(),
                r.seconds(),
                r.note(),
                now));
  }
}
