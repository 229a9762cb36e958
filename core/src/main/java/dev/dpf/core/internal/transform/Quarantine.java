package dev.dpf.core.internal.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import dev.dpf.core.api.Stage;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The quarantine zone's one table, {@code quarantine.records}: every rejected record with its
 * stage, dataset, reason and the record itself as text. Partitioned by stage and dataset so a stage
 * can replace its own rows. A record's file, position and ingest batch find its consolidated row
 * again ({@link #replayable}).
 */
public final class Quarantine {
  /** The quarantine table's name. */

  /** Partition columns of the quarantine table. */
  public static final List<String> PARTITION_BY = List.of("stage", "dataset");

  private Quarantine() {}

  /**
   * Rejected rows in the quarantine table's shape.
   *
   * @param rejected rows with a {@code _source_file} column
   * @param reason why each row is rejected
   * @param record the rejected record as text (raw line or JSON of its fields)
   */
  public static Dataset<Row> records(
      Dataset<Row> rejected,
      Stage stage,
      String dataset,
      Column reason,
      Column record,
      String runId) {
    List<String> has = java.util.Arrays.asList(rejected.columns());
    return rejected.select(
        lit(stage.label()).as("stage"),
        lit(dataset).as("dataset"),
        reason.as("reason"),
        record.as("record"),
        col(Columns.SOURCE_FILE).as(Columns.SOURCE_FILE),
        position(has, Columns.ROW_NUMBER),
        position(has, Columns.LINE),
        position(has, Columns.BYTE_OFFSET),
        lit(runId).as(Columns.RUN_ID),
        current_timestamp().as("_quarantined_at"),
        // Last, so that a quarantine table made before it gains it by schema merging.
        position(has, Columns.BATCH_ID));
  }

  private static Column position(List<String> has, String name) {
    return value(has, name).as(name);
  }

  private static Column value(List<String> has, String name) {
    return (has.contains(name) ? col(name) : lit(null)).cast("long");
  }

  /**
   * The rows of {@code consolidated} that the dataset's transform quarantined, as listed in {@code
   * quarantined} (the quarantine table): same file, same position, same ingest batch (any batch for
   * a record quarantined before batches were recorded).
   */
  public static Dataset<Row> replayable(
      Dataset<Row> consolidated, Dataset<Row> quarantined, String dataset) {
    return quarantinedOrNot(consolidated, quarantined, dataset, "left_semi");
  }

  /** The rows of {@code consolidated} that the dataset's transform did not quarantine. */
  public static Dataset<Row> notQuarantined(
      Dataset<Row> consolidated, Dataset<Row> quarantined, String dataset) {
    return quarantinedOrNot(consolidated, quarantined, dataset, "left_anti");
  }

  private static Dataset<Row> quarantinedOrNot(
      Dataset<Row> consolidated, Dataset<Row> quarantined, String dataset, String join) {
    List<String> has = java.util.Arrays.asList(consolidated.columns());
    List<String> qHas = java.util.Arrays.asList(quarantined.columns());
    Dataset<Row> q =
        quarantined
            .filter(
                col("stage").equalTo(Stage.TRANSFORM.label()).and(col("dataset").equalTo(dataset)))
            .select(
                col(Columns.SOURCE_FILE).as("q_file"),
                col(Columns.ROW_NUMBER).as("q_row"),
                col(Columns.LINE).as("q_line"),
                col(Columns.BYTE_OFFSET).as("q_offset"),
                (qHas.contains(Columns.BATCH_ID) ? col(Columns.BATCH_ID) : lit(null))
                    .cast("long")
                    .as("q_batch"))
            .distinct();
    Column match =
        col(Columns.SOURCE_FILE)
            .equalTo(col("q_file"))
            .and(value(has, Columns.ROW_NUMBER).eqNullSafe(col("q_row")))
            .and(value(has, Columns.LINE).eqNullSafe(col("q_line")))
            .and(value(has, Columns.BYTE_OFFSET).eqNullSafe(col("q_offset")))
            .and(col("q_batch").isNull().or(col("q_batch").equalTo(col(Columns.BATCH_ID))));
    return consolidated.join(q, match, join);
  }

  /**
   * The records of {@code quarantined} (one dataset's transform records) whose consolidated row is
   * not in {@code consolidated} any more.
   */
  public static Dataset<Row> orphans(Dataset<Row> quarantined, Dataset<Row> consolidated) {
    List<String> has = java.util.Arrays.asList(consolidated.columns());
    List<String> qHas = java.util.Arrays.asList(quarantined.columns());
    Dataset<Row> c =
        consolidated.select(
            col(Columns.SOURCE_FILE).as("c_file"),
            value(has, Columns.ROW_NUMBER).as("c_row"),
            value(has, Columns.LINE).as("c_line"),
            value(has, Columns.BYTE_OFFSET).as("c_offset"),
            col(Columns.BATCH_ID).as("c_batch"));
    Column batch = qHas.contains(Columns.BATCH_ID) ? col(Columns.BATCH_ID) : lit(null);
    Column match =
        col(Columns.SOURCE_FILE)
            .equalTo(col("c_file"))
            .and(col(Columns.ROW_NUMBER).cast("long").eqNullSafe(col("c_row")))
            .and(col(Columns.LINE).cast("long").eqNullSafe(col("c_line")))
            .and(col(Columns.BYTE_OFFSET).cast("long").eqNullSafe(col("c_offset")))
            .and(batch.isNull().or(batch.equalTo(col("c_batch"))));
    return quarantined.join(c, match, "left_anti");
  }

  /** The predicate selecting one stage's rows for one dataset, for {@code replaceWhere}. */
  public static String partition(Stage stage, String dataset) {
    return "stage = '" + stage.label() + "' AND dataset = '" + dataset + "'";
  }
}
