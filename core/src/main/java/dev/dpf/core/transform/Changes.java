package dev.dpf.core.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.row_number;
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
    Column fullLoad =
        regexp_extract(col(Columns.SOURCE_FILE), "(^|/)(LOAD)[^/]*$", 2).equalTo("LOAD");
    Dataset<Row> beforeReload = null;
    if (dms && has.contains(Columns.BATCH_ID)) {
      Row last = valid.filter(fullLoad).agg(max(col(Columns.BATCH_ID))).head();
      if (!last.isNullAt(0)) {
        Column before = col(Columns.BATCH_ID).lt(last.getLong(0));
        beforeReload = valid.filter(before).withColumn(RANK, lit(0));
        valid = valid.filter(before.unary_$bang());
      }
    }
    List<Column> order = new ArrayList<>();
    if (has.contains(Columns.COMMIT_TS)) {
      order.add(col(Columns.COMMIT_TS).desc_nulls_last());
    }
    if (has.contains(Columns.BATCH_ID)) {
      order.add(col(Columns.BATCH_ID).desc_nulls_last());
    }
    if (dms) {
      // DMS names full-load files LOAD*: they come before the CDC files of the same batch.
      order.add(when(fullLoad, 0).otherwise(1).desc());
    }
    // File names order DMS files (LOAD counters, CDC timestamps) whatever their date folders.
    order.add(regexp_extract(col(Columns.SOURCE_FILE), "([^/]*)$", 1).desc());
    order.add(col(Columns.SOURCE_FILE).desc_nulls_last());
    if (has.contains(Columns.ROW_NUMBER)) {
      order.add(col(Columns.ROW_NUMBER).desc_nulls_last());
    }
    Column[] key = dataset.key().stream().map(k -> col(Conform.quote(k))).toArray(Column[]::new);
    Dataset<Row> ranked =
        valid.withColumn(
            RANK, row_number().over(Window.partitionBy(key).orderBy(order.toArray(Column[]::new))));
    return beforeReload == null ? ranked : ranked.unionByName(beforeReload);
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
