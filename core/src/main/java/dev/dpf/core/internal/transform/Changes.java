package dev.dpf.core.internal.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.dpf.definition.DatasetDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * One row per key: the latest change wins. Changes of a key are ordered by the dataset's ordering
 * columns, then the DMS commit timestamp, then full load before CDC, then the DMS file's name (a
 * CDC file is named by the time DMS wrote it), then the ingest batch, then file and row in the
 * file; so a change committed or written earlier never overwrites a newer one, whichever batch
 * delivered it, and redelivered duplicates collapse to one row. A latest change with Op {@code D}
 * removes the key. Rows that lose are superseded: counted, not lost.
 */
public final class Changes {
  /** 1 for the latest change of its key. */
  static final String RANK = "_rank";

  /** The order of a change among the changes of its key: see {@link #withSequence}. */
  public static final String SEQ = "_seq";

  /** The DMS timestamp format ({@code TimestampColumnName}); fewer fraction digits are fine. */
  private static final String COMMIT_TIME =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?$";

  private Changes() {}

  /**
   * The DMS commit timestamp ({@code _commit_ts}, text as written) as a timestamp: null when there
   * is none (no timestamp column, or an empty value) and when it is not a timestamp, which {@link
   * #badCommitTime} tells apart.
   */
  public static Column commitTime() {
    String ts = "trim(" + Columns.COMMIT_TS + ")";
    return expr(
        "CASE WHEN "
            + ts
            + " RLIKE '"
            + COMMIT_TIME
            + "' THEN try_cast("
            + ts
            + " AS timestamp) END");
  }

  /** True for a commit timestamp that is there but is not a timestamp. */
  public static Column badCommitTime() {
    return trim(col(Columns.COMMIT_TS)).notEqual("").and(commitTime().isNull());
  }

  /**
   * Ranks each valid row among the changes of its key ({@link #RANK}, 1 = latest). A dataset
   * without a key keeps every row (all rank 1). For DMS sources, a full reload (see {@link
   * #reload}) is a complete snapshot: the rows of earlier batches are superseded (rank 0), so keys
   * the reload no longer has disappear; but changes committed after the snapshot (when the rows
   * carry commit timestamps) keep their place, so a reload never outranks them.
   *
   * @param valid conformed rows with the dataset's columns and whichever lineage columns the
   *     consolidated table had
   */
  public static Dataset<Row> ranked(DatasetDef dataset, Dataset<Row> valid) {
    if (dataset.key().isEmpty()) {
      return valid.withColumn(RANK, lit(1));
    }
    Dataset<Row> beforeReload = null;
    Optional<Reload> reload = reload(valid);
    if (reload.isPresent()) {
      Column replaced = reload.get().replaces();
      beforeReload = valid.filter(replaced).withColumn(RANK, lit(0));
      valid = valid.filter(replaced.unary_$bang());
    }
    valid = withSequence(dataset, valid);
    Column[] key = dataset.key().stream().map(k -> col(Conform.quote(k))).toArray(Column[]::new);
    Dataset<Row> ranked =
        valid.withColumn(RANK, row_number().over(Window.partitionBy(key).orderBy(col(SEQ).desc())));
    return beforeReload == null ? ranked : ranked.unionByName(withSequence(dataset, beforeReload));
  }

  /**
   * The latest DMS full reload among {@code changes}: the latest ingest batch holding a full-load
   * file that an earlier batch held too (DMS writes {@code LOAD00000001...} again when the table is
   * reloaded; a full load whose files arrive over several batches is not a reload), with the
   * snapshot's time (the earliest commit timestamp of its full-load rows, null without them).
   */
  public static Optional<Reload> reload(Dataset<Row> changes) {
    List<String> has = Arrays.asList(changes.columns());
    if (!has.contains(Columns.OP) || !has.contains(Columns.BATCH_ID)) {
      return Optional.empty();
    }
    Row last =
        changes
            .filter(fullLoad())
            .groupBy(Columns.SOURCE_FILE)
            .agg(min(Columns.BATCH_ID).as("first"), max(Columns.BATCH_ID).as("last"))
            .filter(col("first").lt(col("last")))
            .agg(max("last"))
            .head();
    if (last.isNullAt(0)) {
      return Optional.empty();
    }
    long batch = last.getLong(0);
    Row at =
        changes
            .filter(fullLoad().and(col(Columns.BATCH_ID).equalTo(batch)))
            .agg(has.contains(Columns.COMMIT_TS) ? min(commitTime()) : lit(null))
            .head();
    return Optional.of(new Reload(batch, at.isNullAt(0) ? null : at.getTimestamp(0)));
  }

  /**
   * A DMS full reload.
   *
   * @param batch the ingest batch that delivered it
   * @param snapshotTime when the snapshot was taken (its earliest commit timestamp), or null
   */
  public record Reload(long batch, java.sql.Timestamp snapshotTime) {
    /**
     * True for the rows the reload replaces: those of earlier batches, except changes committed
     * after the snapshot.
     */
    public Column replaces() {
      Column earlier = col(Columns.BATCH_ID).lt(batch);
      if (snapshotTime == null) {
        return earlier;
      }
      Column time = commitTime();
      return earlier.and(time.isNull().or(time.leq(lit(snapshotTime))));
    }
  }

  /**
   * Adds {@link #SEQ}: a struct that orders the changes of a key, later changes greater. Its fields
   * are the dataset's ordering columns, the DMS commit timestamp, full load (0) before CDC (1), the
   * DMS file's name (null for other sources), the ingest batch, the file name, the file's path and
   * the row in the file; a null field sorts first. The transformed table keeps each row's sequence,
   * so a late change older than the state already applied never overwrites it.
   */
  public static Dataset<Row> withSequence(DatasetDef dataset, Dataset<Row> valid) {
    List<String> has = Arrays.asList(valid.columns());
    boolean dms = has.contains(Columns.OP);
    List<Column> fields = new ArrayList<>();
    for (String o : dataset.ordering()) {
      fields.add(col(Conform.quote(o)).as(o));
    }
    fields.add(
        (has.contains(Columns.COMMIT_TS) ? commitTime() : lit(null).cast("timestamp"))
            .as("commit_ts"));
    fields.add((dms ? when(fullLoad(), 0).otherwise(1) : lit(1)).as("cdc"));
    // DMS names full-load files by a counter and CDC files by the time it wrote them: the name
    // orders them whatever their date folders and whichever batch delivered them.
    Column fileName = fileName();
    fields.add((dms ? fileName : lit(null).cast("string")).as("dms_file"));
    fields.add(lineage(has, Columns.BATCH_ID, "bigint").as("batch"));
    fields.add(fileName.as("file_name"));
    fields.add(col(Columns.SOURCE_FILE).as("file"));
    fields.add(lineage(has, Columns.ROW_NUMBER, "bigint").as("row"));
    return valid.withColumn(SEQ, struct(fields.toArray(Column[]::new)));
  }

  /** True for rows of a DMS full-load file ({@code LOAD*}, whatever its folder). */
  public static Column fullLoad() {
    return fileName().startsWith("LOAD");
  }

  /**
   * The source file's name: its path after the last {@code /}. (Not a regular expression: searching
   * a path for its last part with one costs more than the rest of a row's transform.)
   */
  private static Column fileName() {
    return substring_index(col(Columns.SOURCE_FILE), "/", -1);
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
