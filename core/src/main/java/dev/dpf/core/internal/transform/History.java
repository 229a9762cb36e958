package dev.dpf.core.internal.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Slowly changing dimension, type 2: every version of each key with the time it became valid
 * ({@code valid_from}: the DMS commit timestamp, else the ingest time), the time the next change
 * replaced or deleted it ({@code valid_to}, null while current) and {@code is_current}. A change
 * that repeats the version before it (a redelivered duplicate, an update of nothing) adds no
 * version; a delete closes the current version; a DMS full reload closes the keys it no longer has.
 */
public final class History {
  public static final String VALID_FROM = "valid_from";
  public static final String VALID_TO = "valid_to";
  public static final String IS_CURRENT = "is_current";

  private static final String CHANGED_AT = "__changed_at";
  private static final String DELETE = "__delete";
  private static final String EPOCH = "__epoch";

  private History() {}

  /**
   * The versions of every key in {@code valid}: conformed rows of all batches with the dataset's
   * columns and lineage, as {@link Conform#selectValid} returns them.
   */
  public static Dataset<Row> versions(DatasetDef dataset, Dataset<Row> valid) {
    List<String> has = Arrays.asList(valid.columns());
    Column changedAt =
        coalesce(
            has.contains(Columns.COMMIT_TS) ? Changes.commitTime() : lit(null).cast("timestamp"),
            has.contains(Columns.INGESTED_AT)
                ? col(Columns.INGESTED_AT)
                : lit(null).cast("timestamp"));
    Dataset<Row> changes =
        valid
            .withColumn(CHANGED_AT, changedAt)
            .withColumn(
                DELETE,
                has.contains(Columns.OP)
                    ? coalesce(col(Columns.OP).equalTo("D"), lit(false))
                    : lit(false));
    // A DMS full reload comes after every row it replaces, whatever their sequence says (without
    // commit timestamps, a full load sorts before CDC): the replaced rows, then the deletes of the
    // keys the reload lacks, then the rest in sequence order.
    Optional<Changes.Reload> reload = Changes.reload(changes);
    changes =
        changes.withColumn(
            EPOCH, reload.map(r -> when(r.replaces(), 0).otherwise(2)).orElse(lit(2)));
    if (reload.isPresent()) {
      changes = changes.unionByName(reloadCloses(dataset, changes, reload.get()));
    }
    changes = Changes.withSequence(dataset, changes);

    Column[] key = dataset.key().stream().map(k -> col(Conform.quote(k))).toArray(Column[]::new);
    WindowSpec byKey = Window.partitionBy(key).orderBy(col(EPOCH), col(Changes.SEQ));
    List<Column> values = new ArrayList<>();
    for (ColumnDef c : dataset.columns()) {
      values.add(col(Conform.quote(c.name())));
    }
    values.add(col(DELETE));
    Column state = struct(values.toArray(Column[]::new));
    Dataset<Row> kept =
        changes
            .withColumn("__previous", lag(state, 1).over(byKey))
            .filter(
                col("__previous").isNull().or(col("__previous").eqNullSafe(state).unary_$bang()));

    Column next = lead(col(CHANGED_AT), 1).over(byKey);
    Dataset<Row> closed =
        kept.withColumn(VALID_TO, next)
            .withColumn(IS_CURRENT, col(VALID_TO).isNull().and(col(DELETE).unary_$bang()))
            .filter(col(DELETE).unary_$bang());
    List<Column> out = new ArrayList<>(values.subList(0, values.size() - 1));
    out.add(col(CHANGED_AT).as(VALID_FROM));
    out.add(col(VALID_TO));
    out.add(col(IS_CURRENT));
    out.add(col(Columns.SOURCE_FILE));
    return closed.select(out.toArray(Column[]::new));
  }

  /**
   * A delete, at the reload's time, for each key a DMS full reload ({@link Changes#reload}) no
   * longer has: a key with rows the reload replaces and no full-load row in it.
   */
  private static Dataset<Row> reloadCloses(
      DatasetDef dataset, Dataset<Row> changes, Changes.Reload reload) {
    Column inReload = Changes.fullLoad().and(col(Columns.BATCH_ID).equalTo(reload.batch()));
    Row at = changes.filter(inReload).agg(min(CHANGED_AT), min(Columns.COMMIT_TS)).head();
    String[] keys = dataset.key().toArray(String[]::new);
    Dataset<Row> reloaded = changes.filter(inReload).select(quoted(keys));
    Dataset<Row> before = changes.filter(reload.replaces());
    WindowSpec byKey =
        Window.partitionBy(
                Arrays.stream(keys).map(k -> col(Conform.quote(k))).toArray(Column[]::new))
            .orderBy(col(Columns.BATCH_ID).desc(), col(Columns.SOURCE_FILE).desc());
    Dataset<Row> lastBefore =
        before
            .withColumn("__n", org.apache.spark.sql.functions.row_number().over(byKey))
            .filter(col("__n").equalTo(1))
            .drop("__n")
            .join(reloaded, keys, "left_anti");
    return lastBefore
        .withColumn(DELETE, lit(true))
        .withColumn(Columns.OP, lit("D"))
        .withColumn(CHANGED_AT, lit(at.get(0)).cast("timestamp"))
        .withColumn(Columns.COMMIT_TS, lit(at.isNullAt(1) ? null : at.getString(1)).cast("string"))
        .withColumn(Columns.BATCH_ID, lit(reload.batch()))
        .withColumn(Columns.SOURCE_FILE, lit(""))
        .withColumn(EPOCH, lit(1))
        .select(
            Arrays.stream(changes.columns())
                .map(c -> col(Conform.quote(c)))
                .toArray(Column[]::new));
  }

  private static Column[] quoted(String[] names) {
    return Arrays.stream(names).map(n -> col(Conform.quote(n))).toArray(Column[]::new);
  }
}
