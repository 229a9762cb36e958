package dev.dpf.core.internal.stage.versions;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.internal.system.RunManifest;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * What changed in each table between the ends of two runs: rows inserted, updated and deleted, by
 * the table's key (a dataset's key, its history's key and start, an incremental model's key), read
 * from the change data feed where the table keeps one, else by comparing the two versions; a table
 * without a key is compared row by row (a changed row is one deleted and one inserted). Columns
 * named with a leading underscore (the pipeline's lineage: batch, file, run) are not compared.
 */
public final class LakeDiff {
  /**
   * One table's changes.
   *
   * @param from its version at the end of the first run (-1: it had none)
   * @param to its version at the end of the second run (-1: it had none)
   * @param key the columns rows are matched by; empty: whole rows
   * @param method how the changes were found: {@code change data feed}, {@code keyed comparison},
   *     {@code row comparison}, or {@code same version}
   * @param examples a few changed keys, each {@code +}, {@code ~} or {@code -} and the key
   */
  public record TableDiff(
      TableName table,
      long from,
      long to,
      List<String> key,
      String method,
      long inserted,
      long updated,
      long deleted,
      List<String> examples) {}

  private static final String KIND = "_dpf_kind";
  private static final String KEY_TEXT = "_dpf_key";
  private static final String DIGEST = "_dpf_digest";

  private final Lake lake;
  private final PipelineDefinition definition;

  public LakeDiff(Lake lake, PipelineDefinition definition) {
    this.lake = lake;
    this.definition = definition;
  }

  /**
   * Each table's changes between the end of run {@code from} and the end of run {@code to}, in zone
   * order, of the tables {@code selected} takes, with up to {@code examples} keys of each kind.
   */
  public List<TableDiff> diff(
      Map<TableName, Long> from,
      Map<TableName, Long> to,
      Predicate<TableName> selected,
      int examples) {
    TreeSet<TableName> tables =
        new TreeSet<>(
            java.util.Comparator.comparing((TableName t) -> t.zone().ordinal())
                .thenComparing(TableName::name));
    tables.addAll(from.keySet());
    tables.addAll(to.keySet());
    tables.removeIf(
        t -> Restore.KEPT.contains(t) || t.equals(RunManifest.TABLE) || !selected.test(t));
    List<TableDiff> out = new ArrayList<>();
    for (TableName table : tables) {
      out.add(diff(table, from.getOrDefault(table, -1L), to.getOrDefault(table, -1L), examples));
    }
    return out;
  }

  private TableDiff diff(TableName table, long from, long to, int examples) {
    List<String> key = key(table);
    if (from == to) {
      return new TableDiff(table, from, to, key, "same version", 0, 0, 0, List.of());
    }
    String method;
    Dataset<Row> kinds;
    if (!key.isEmpty()
        && from >= 0
        && to > from
        && lake.changeFeedAt(table, to)
        && lake.changeFeedAt(table, from)) {
      method = "change data feed";
      kinds = fromChanges(table, from, to, key);
    } else {
      method = key.isEmpty() ? "row comparison" : "keyed comparison";
      kinds = compared(table, from, to, key);
    }
    Map<String, Long> counts = new java.util.HashMap<>();
    for (Row r : kinds.groupBy(KIND).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    List<String> shown = new ArrayList<>();
    for (String kind : List.of("+", "~", "-")) {
      if (counts.getOrDefault(kind, 0L) > 0 && examples > 0) {
        kinds
            .where(col(KIND).equalTo(kind))
            .select(KEY_TEXT)
            .orderBy(KEY_TEXT)
            .limit(examples)
            .collectAsList()
            .forEach(r -> shown.add(kind + " " + shortened(r.getString(0))));
      }
    }
    return new TableDiff(
        table,
        from,
        to,
        key,
        method,
        counts.getOrDefault("+", 0L),
        counts.getOrDefault("~", 0L),
        counts.getOrDefault("-", 0L),
        shown);
  }

  /** A key or row as text, cut to a line's width. */
  private static String shortened(String text) {
    return text.length() <= 100 ? text : text.substring(0, 97) + "...";
  }

  /** The columns that match a table's rows across versions; empty: none (whole rows). */
  List<String> key(TableName table) {
    for (DatasetDef d : definition.datasets()) {
      if (!d.key().isEmpty() && d.tableName().equals(table)) {
        return d.key();
      }
      if (!d.key().isEmpty()
          && d.history() == DatasetDef.History.SCD2
          && d.historyTableName().equals(table)) {
        List<String> k = new ArrayList<>(d.key());
        k.add("valid_from");
        return k;
      }
    }
    for (ModelDef m : definition.models()) {
      Optional<ModelDef.Incremental> inc = m.incremental();
      if (m.tableName().equals(table) && inc.isPresent() && inc.get().key() != null) {
        return List.of(inc.get().key());
      }
    }
    return List.of();
  }

  /**
   * Rows of each changed key (or row) with its kind ({@code +}, {@code ~}, {@code -}) and its key
   * as text, comparing the two versions whole.
   */
  private Dataset<Row> compared(TableName table, long from, long to, List<String> key) {
    Dataset<Row> before = from < 0 ? null : lake.readAt(table, from);
    Dataset<Row> after = to < 0 ? null : lake.readAt(table, to);
    if (key.isEmpty()) {
      Dataset<Row> a = before == null ? null : before.select(wholeRow(before));
      Dataset<Row> b = after == null ? null : after.select(wholeRow(after));
      Dataset<Row> inserted = a == null ? b : b == null ? null : b.exceptAll(a);
      Dataset<Row> deleted = b == null ? a : a == null ? null : a.exceptAll(b);
      Dataset<Row> out = null;
      if (inserted != null) {
        out = inserted.withColumn(KIND, lit("+"));
      }
      if (deleted != null) {
        Dataset<Row> d = deleted.withColumn(KIND, lit("-"));
        out = out == null ? d : out.unionByName(d);
      }
      return out.select(col(KIND), col(KEY_TEXT));
    }
    Dataset<Row> a = before == null ? null : digests(before, key);
    Dataset<Row> b = after == null ? null : digests(after, key);
    if (a == null) {
      return b.withColumn(KIND, lit("+")).select(col(KIND), col(KEY_TEXT));
    }
    if (b == null) {
      return a.withColumn(KIND, lit("-")).select(col(KIND), col(KEY_TEXT));
    }
    return kinds(a, b);
  }

  /**
   * As {@link #compared}, from the change data feed of the commits after {@code from} up to {@code
   * to}: a key's state before is the before-image in the first commit that touched it (none: it was
   * not there), its state after the after-image in the last one (none: it was deleted).
   */
  private Dataset<Row> fromChanges(TableName table, long from, long to, List<String> key) {
    Dataset<Row> changes = lake.changes(table, from, to);
    Column[] keys = key.stream().map(k -> col("`" + k + "`")).toArray(Column[]::new);
    WindowSpec byKey = Window.partitionBy(keys);
    Dataset<Row> touched =
        changes
            .withColumn("_dpf_first", min("_commit_version").over(byKey))
            .withColumn("_dpf_last", max("_commit_version").over(byKey));
    Column type = col("_change_type");
    Dataset<Row> before =
        touched.where(
            col("_commit_version")
                .equalTo(col("_dpf_first"))
                .and(type.isin("delete", "update_preimage")));
    Dataset<Row> after =
        touched.where(
            col("_commit_version")
                .equalTo(col("_dpf_last"))
                .and(type.isin("insert", "update_postimage")));
    Column[] data =
        java.util.Arrays.stream(lake.readAt(table, to).columns())
            .map(c -> col("`" + c + "`"))
            .toArray(Column[]::new);
    return kinds(digests(before.select(data), key), digests(after.select(data), key));
  }

  /**
   * Each key's state before ({@code a}) and after ({@code b}), joined into its kind. A key with
   * several rows (versions of a history that start at the same time) is compared as the set of
   * them.
   */
  private static Dataset<Row> kinds(Dataset<Row> a, Dataset<Row> b) {
    Dataset<Row> joined =
        perKey(a)
            .select(col(KEY_TEXT).as("_dpf_a_key"), col(DIGEST).as("_dpf_a"))
            .join(
                perKey(b).select(col(KEY_TEXT).as("_dpf_b_key"), col(DIGEST).as("_dpf_b")),
                col("_dpf_a_key").equalTo(col("_dpf_b_key")),
                "full_outer");
    Column kind =
        when(col("_dpf_a").isNull(), lit("+"))
            .when(col("_dpf_b").isNull(), lit("-"))
            .when(col("_dpf_a").notEqual(col("_dpf_b")), lit("~"));
    return joined
        .select(
            kind.as(KIND),
            org.apache
                .spark
                .sql
                .functions
                .coalesce(col("_dpf_a_key"), col("_dpf_b_key"))
                .as(KEY_TEXT))
        .where(col(KIND).isNotNull());
  }

  /** One digest per key, of the digests of its rows. */
  private static Dataset<Row> perKey(Dataset<Row> digests) {
    return digests
        .groupBy(KEY_TEXT)
        .agg(
            concat_ws(
                    ",",
                    org.apache.spark.sql.functions.sort_array(
                        org.apache.spark.sql.functions.collect_list(DIGEST)))
                .as(DIGEST));
  }

  /** Each row's key as text ({@code k=v, ...}) and a digest of its other compared columns. */
  private static Dataset<Row> digests(Dataset<Row> rows, List<String> key) {
    List<Column> keyText = new ArrayList<>();
    for (String k : key) {
      keyText.add(concat_ws("=", lit(k), col("`" + k + "`").cast("string")));
    }
    List<Column> compared = new ArrayList<>();
    for (String c : rows.columns()) {
      if (!c.startsWith("_") && !key.contains(c)) {
        compared.add(col("`" + c + "`"));
      }
    }
    Column digest =
        compared.isEmpty() ? lit("") : sha2(to_json(struct(compared.toArray(Column[]::new))), 256);
    return rows.select(
        concat_ws(", ", keyText.toArray(Column[]::new)).as(KEY_TEXT), digest.as(DIGEST));
  }

  /** A row as text: every column, as JSON, for tables compared row by row. */
  private static Column wholeRow(Dataset<Row> rows) {
    Column[] all =
        java.util.Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    return to_json(struct(all)).as(KEY_TEXT);
  }
}
