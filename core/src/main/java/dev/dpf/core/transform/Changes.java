package dev.dpf.core.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.definition.DatasetDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * One row per key: the latest change wins. Changes of a key are ordered by the DMS commit
 * timestamp, then the ingest batch, then full load before CDC, then file, then row in the file; so
 * a change delivered late but committed earlier never overwrites a newer one, and redelivered
 * duplicates collapse to one row. A latest change with Op {@code D} removes the key. Rows that lose
 * are superseded: counted, not lost.
 */
public final class Changes {
  /** 1 for the latest change of its key. */
  static final String RANK = "_rank";

  /** The order of a change among the changes of its key: see {@link #withSequence}. */
  public static final String SEQ = "_seq";

  private static final String LOAD_FILE = "(^|/)(LOAD)[^/]*$";

  private Changes() {}

  /**
   * Ranks each valid row among the changes of its key ({@link #RANK}, 1 = latest). A dataset
   * without a key keeps every row (all rank 1). For DMS sources, a full reload (LOAD files in a
   * later ingest batch than the first load) is a complete snapshot: the rows of earlier batches are
   * superseded (rank 0), so keys the reload no longer has disappear.
   *
   * @param valid conformed rows with the dataset's columns and whichever lineage columns the
   *     consolidated table had
   */
  public static Dataset<Row> ranked(DatasetDef dataset, Dataset<Row> valid) {
    if (dataset.key().isEmpty()) {
      return valid.withColumn(RANK, lit(1));
    }
    List<String> has = Arrays.asList(valid.columns());
    boolean dms = has.contains(Columns.OP);
    Column fullLoad = fullLoad();
    Dataset<Row> beforeReload = null;
    if (dms && has.contains(Columns.BATCH_ID)) {
      Row last = valid.filter(fullLoad).agg(max(col(Columns.BATCH_ID))).head();
      if (!last.isNullAt(0)) {
        Column before = col(Columns.BATCH_ID).lt(last.getLong(0));
        beforeReload = valid.filter(before).withColumn(RANK, lit(0));
        valid = valid.filter(before.unary_$bang());
      }
    }
    valid = withSequence(dataset, valid);
    Column[] key = dataset.key().stream().map(k -> col(Conform.quote(k))).toArray(Column[]::new);
    Dataset<Row> ranked =
        valid.withColumn(RANK, row_number().over(Window.partitionBy(key).orderBy(col(SEQ).desc())));
    return beforeReload == null ? ranked : ranked.unionByName(withSequence(dataset, beforeReload));
  }

  /**
   * Adds {@link #SEQ}: a struct that orders the changes of a key, later changes greater. Its fields
   * are the dataset's ordering columns, the DMS commit timestamp, the ingest batch, full load (0)
   * before CDC (1), the file name, the file's path and the row in the file; a null field sorts
   * first. The transformed table keeps each row's sequence, so a late change older than the state
   * already applied never overwrites it.
   */
  public static Dataset<Row> withSequence(DatasetDef dataset, Dataset<Row> valid) {
    List<String> has = Arrays.asList(valid.columns());
    List<Column> fields = new ArrayList<>();
    for (String o : dataset.ordering()) {
      fields.add(col(Conform.quote(o)).as(o));
    }
    fields.add(lineage(has, Columns.COMMIT_TS, "string").as("commit_ts"));
    fields.add(lineage(has, Columns.BATCH_ID, "bigint").as("batch"));
    Column load = fullLoad();
    fields.add((has.contains(Columns.OP) ? when(load, 0).otherwise(1) : lit(1)).as("cdc"));
    // File names order DMS files (LOAD counters, CDC timestamps) whatever their date folders.
    fields.add(regexp_extract(col(Columns.SOURCE_FILE), "([^/]*)$", 1).as("file_name"));
    fields.add(col(Columns.SOURCE_FILE).as("file"));
    fields.add(lineage(has, Columns.ROW_NUMBER, "bigint").as("row"));
    return valid.withColumn(SEQ, struct(fields.toArray(Column[]::new)));
  }

  /** True for rows of a DMS full-load file ({@code LOAD*}, whatever its folder). */
  public static Column fullLoad() {
    return regexp_extract(col(Columns.SOURCE_FILE), LOAD_FILE, 2).equalTo("LOAD");
  }

  private static Column lineage(List<String> has, String column, String type) {
    return has.contains(column) ? col(column).cast(type) : lit(null).cast(type);
  }

  /** Each key's latest change, deletes included. */
  public static Dataset<Row> latest(Dataset<Row> ranked) {
    return ranked.filter(col(RANK).equalTo(1)).drop(RANK);
  }

  /** The current state: each key's latest change, unless that change deletes the key. */
  public static Dataset<Row> current(Dataset<Row> ranked) {
    return ranked.filter(col(RANK).equalTo(1).and(notDelete(ranked)));
  }

  /**
   * Rows the current state does not hold: older changes of a key, deletes, rows a reload replaced.
   */
  public static Dataset<Row> superseded(Dataset<Row> ranked) {
    return ranked.filter(col(RANK).notEqual(1).or(notDelete(ranked).unary_$bang()));
  }

  private static Column notDelete(Dataset<Row> ranked) {
    if (!Arrays.asList(ranked.columns()).contains(Columns.OP)) {
      return lit(true);
    }
    return col(Columns.OP).isNull().or(col(Columns.OP).notEqual("D"));
  }
}
