package dev.dpf.core.internal.system;

import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.definition.TableName;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** {@code _system.quality}: every quality rule's result in every run. */
public final class QualityLog {
  /** The table's name in the system zone. */
  public static final TableName TABLE = SystemTables.QUALITY;

  private static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType, false)
          .add("dataset", DataTypes.StringType, false)
          .add("rule", DataTypes.StringType, false)
          .add("action", DataTypes.StringType, false)
          .add("status", DataTypes.StringType, false)
          .add("checked", DataTypes.LongType, false)
          .add("passed", DataTypes.LongType, false)
          .add("failed", DataTypes.LongType, false)
          .add("samples", DataTypes.createArrayType(DataTypes.StringType), false)
          .add("detail", DataTypes.StringType, false)
          .add("logged_at", DataTypes.TimestampType, false);

  private QualityLog() {}

  public static void append(
      SparkSession spark, DeltaWriter writer, String runId, List<QualityResult> results) {
    SystemLogs.append(
        spark,
        writer,
        TABLE,
        SCHEMA,
        results,
        (r, now) ->
            RowFactory.create(
                runId,
                r.dataset(),
                r.rule().label(),
                r.rule().action().name().toLowerCase(Locale.ROOT),
                r.status().label(),
                r.checked(),
                r.passed(),
                r.failed(),
                r.samples().toArray(String[]::new),
                r.detail(),
                now));
  }
}
