package dev.dpf.core.internal.system;

import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.definition.TableName;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** What the run and quality logs share: one commit of a log's rows, stamped with one time. */
final class SystemLogs {
  private SystemLogs() {}

  /**
   * Appends a row per item to the log {@code table} (one file, one commit); nothing when there are
   * none. {@code row} makes an item's row with the time it is logged at.
   */
  static <T> void append(
      SparkSession spark,
      DeltaWriter writer,
      TableName table,
      StructType schema,
      List<T> items,
      BiFunction<T, Timestamp, Row> row) {
    if (items.isEmpty()) {
      return;
    }
    Timestamp now = Timestamp.from(Instant.now());
    List<Row> rows = items.stream().map(item -> row.apply(item, now)).toList();
    writer.append(table, spark.createDataFrame(rows, schema).coalesce(1), List.of());
  }
}
