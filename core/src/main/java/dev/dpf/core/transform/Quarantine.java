package dev.dpf.core.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The quarantine zone's one table, {@code quarantine.records}: every rejected record with its
 * stage, dataset, reason and the record itself as text. Partitioned by stage and dataset so a stage
 * can replace its own rows.
 */
public final class Quarantine {
  /** The quarantine table's name. */
  public static final String TABLE = "records";

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
      String stage,
      String dataset,
      Column reason,
      Column record,
      String runId) {
    List<String> has = java.util.Arrays.asList(rejected.columns());
    return rejected.select(
        lit(stage).as("stage"),
        lit(dataset).as("dataset"),
        reason.as("reason"),
        record.as("record"),
        col(Columns.SOURCE_FILE).as(Columns.SOURCE_FILE),
        position(has, Columns.ROW_NUMBER),
        position(has, Columns.LINE),
        position(has, Columns.BYTE_OFFSET),
        lit(runId).as(Columns.RUN_ID),
        current_timestamp().as("_quarantined_at"));
  }

  private static Column position(List<String> has, String name) {
    return (has.contains(name) ? col(name) : lit(null)).cast("long").as(name);
  }

  /** The predicate selecting one stage's rows for one dataset, for {@code replaceWhere}. */
  public static String partition(String stage, String dataset) {
    return "stage = '" + stage + "' AND dataset = '" + dataset + "'";
  }
}
