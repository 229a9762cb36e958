package dev.dpf.core.storage;

import dev.dpf.core.definition.Zone;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code _system.transform_log}: the consolidated ingest batches each transform applied. A
 * dataset's next transform reads only rows of later batches (ingest commits batches in id order).
 * The row is written after the dataset's tables are committed; a run killed before that leaves the
 * batches unlogged, and the next run applies them again, which changes nothing (every change
 * carries its sequence and only a later one overwrites).
 */
public final class TransformLog {
  /** The log's table name in the system zone. */
  public static final String TABLE = "transform_log";

  private static final StructType SCHEMA =
      new StructType()
          .add("dataset", DataTypes.StringType, false)
          .add("run_id", DataTypes.StringType, false)
          .add("mode", DataTypes.StringType, false)
          .add("batch_from", DataTypes.LongType, true)
          .add("batch_to", DataTypes.LongType, false)
          .add("logged_at", DataTypes.TimestampType, false);

  private final SparkSession spark;
  private final Lake lake;
  private Map<String, Long> applied;
  private boolean rowsRead;

  public TransformLog(SparkSession spark, Lake lake) {
    this.spark = spark;
    this.lake = lake;
  }

  /**
   * The last ingest batch applied to the dataset, if any. Told by the summary the log's latest
   * commit carries ({@link Lake#logSummary}) when it names the dataset; otherwise by the log's
   * rows, read once per instance.
   */
  public synchronized Optional<Long> lastBatch(String dataset) {
    if (applied == null) {
      applied = new HashMap<>();
      lake.logSummary(Zone.SYSTEM, TABLE)
          .ifPresent(
              s ->
                  s.fields().forEachRemaining(e -> applied.put(e.getKey(), e.getValue().asLong())));
    }
    if (!applied.containsKey(dataset) && !rowsRead) {
      rowsRead = true;
      if (lake.exists(Zone.SYSTEM, TABLE)) {
        for (Row r :
            lake.read(Zone.SYSTEM, TABLE)
                .groupBy("dataset")
                .agg(org.apache.spark.sql.functions.max("batch_to"))
                .collectAsList()) {
          applied.put(r.getString(0), r.getLong(1));
        }
      }
    }
    return Optional.ofNullable(applied.get(dataset));
  }

  /**
   * Records that the dataset's tables now hold every batch up to {@code batchTo}; the commit's
   * summary carries each dataset's last batch.
   */
  public synchronized void record(
      String dataset, String runId, String mode, Long batchFrom, long batchTo) {
    Row row =
        RowFactory.create(dataset, runId, mode, batchFrom, batchTo, Timestamp.from(Instant.now()));
    lake.appendLog(
        Zone.SYSTEM,
        TABLE,
        spark.createDataFrame(List.of(row), SCHEMA),
        summary -> summary.put(dataset, Math.max(batchTo, summary.path(dataset).asLong(batchTo))));
    if (applied != null) {
      applied.merge(dataset, batchTo, Math::max);
    }
  }
}
