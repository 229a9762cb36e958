package dev.dpf.core.internal.system;

import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
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
 * The rows of a stage's datasets are written together, as one commit, once the stage's datasets are
 * done ({@link #flush}); a run killed before that leaves the batches unlogged, and the next run
 * applies them again, which changes nothing (every change carries its sequence and only a later one
 * overwrites).
 */
public final class TransformLog {
  /** The log's table name in the system zone. */
  public static final TableName TABLE = SystemTables.TRANSFORM_LOG;

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
  private final DeltaWriter writer;
  private Map<String, Long> applied; // from the rows, read once when the summary cannot tell
  private com.fasterxml.jackson.databind.JsonNode summary; // the latest commit's, read once
  private final List<Applied> unwritten = new ArrayList<>(); // recorded, not yet in the log

  private record Applied(Row row, String dataset, long batchTo, String shape) {}

  public TransformLog(SparkSession spark, Lake lake, DeltaWriter writer) {
    this.spark = spark;
    this.lake = lake;
    this.writer = writer;
  }

  /**
   * What the log's latest commit says of the dataset's last transform: the last ingest batch it
   * applied and the shape it recorded (see {@link #record}). Empty when that commit does not name
   * the dataset; then {@link #lastBatch} reads the log's rows.
   */
  public synchronized Optional<Entry> lastEntry(String dataset) {
    if (summary == null) {
      summary =
          writer
              .logSummary(TABLE)
              .map(com.fasterxml.jackson.databind.JsonNode.class::cast)
              .orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }
    var e = summary.path(dataset);
    return e.path("batch").isNumber()
        ? Optional.of(new Entry(e.path("batch").asLong(), e.path("shape").asText(null)))
        : Optional.empty();
  }

  /**
   * The last transform of a dataset, as the log's latest commit summarizes it.
   *
   * @param batch the last ingest batch applied
   * @param shape what the caller recorded of the tables' shapes then; null when nothing was
   */
  public record Entry(long batch, String shape) {}

  /** The last ingest batch applied to the dataset, if any (the log's rows are read once). */
  public synchronized Optional<Long> lastBatch(String dataset) {
    Optional<Entry> entry = lastEntry(dataset);
    if (entry.isPresent()) {
      return Optional.of(entry.get().batch());
    }
    if (applied == null) {
      applied = new HashMap<>();
      if (lake.exists(TABLE)) {
        for (Row r :
            lake.read(TABLE)
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
   * Records that the dataset's tables now hold every batch up to {@code batchTo}, written to the
   * log by the next {@link #flush}.
   *
   * @param shape an opaque digest of what the tables looked like, or null
   */
  public synchronized void record(
      String dataset, String runId, String mode, Long batchFrom, long batchTo, String shape) {
    Row row =
        RowFactory.create(dataset, runId, mode, batchFrom, batchTo, Timestamp.from(Instant.now()));
    unwritten.add(new Applied(row, dataset, batchTo, shape));
    if (applied != null) {
      applied.merge(dataset, batchTo, Math::max);
    }
  }

  /**
   * Writes what was recorded since the last flush as one commit, whose summary carries, per
   * dataset, the last batch and the shape recorded; nothing when nothing was recorded.
   */
  public synchronized void flush() {
    if (unwritten.isEmpty()) {
      return;
    }
    List<Applied> entries = List.copyOf(unwritten);
    writer.appendLog(
        TABLE,
        spark.createDataFrame(entries.stream().map(Applied::row).toList(), SCHEMA),
        summary -> {
          for (Applied a : entries) {
            long batch =
                Math.max(a.batchTo(), summary.path(a.dataset()).path("batch").asLong(a.batchTo()));
            var entry = summary.putObject(a.dataset()).put("batch", batch);
            if (a.shape() != null) {
              entry.put("shape", a.shape());
            }
          }
        });
    unwritten.clear();
    summary = null; // read again from the commit just made
  }
}
