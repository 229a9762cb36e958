package dev.dpf.core.internal.stage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;

import dev.dpf.core.api.Lake;
import dev.dpf.core.internal.storage.DeltaWriter;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Quarantine;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Writes a model's rows as its plan says: a rebuild overwrites the table, a partition plan replaces
 * the partitions it recomputes, a key plan replaces the rows of its keys in one MERGE; each commit
 * records what the rows were computed from. Rows a quarantine rule rejected go to quarantine.
 */
final class ModelWriter {
  private final Lake lake;
  private final DeltaWriter writer;
  private final String runId;

  /**
   * @param runId identifies the run in quarantined rows
   */
  ModelWriter(Lake lake, String runId) {
    this.lake = lake;
    this.writer = DeltaWriter.of(lake);
    this.runId = runId;
  }

  /** What a write did: rows written, and how, for the run's line. */
  record Written(long rows, String how) {}

  /** Writes {@code rows} (the model's, in the plan's scope) as {@code plan} says. */
  Written write(ModelDef model, Dataset<Row> rows, ModelPlanner.Plan plan, String metadata) {
    if (plan.keys() != null) {
      String key = model.incremental().get().key();
      DeltaWriter.Commit commit = replaceKeys(model, rows, key, plan.keys(), metadata);
      long written = commit.metric("numTargetRowsInserted");
      return new Written(
          written,
          "recomputed the rows of "
              + (commit.metric("numSourceRows") - written)
              + " "
              + key
              + " key(s) changed in "
              + model.incremental().get().changesOf()
              + " "
              + plan.reason()
              + ": "
              + commit.metric("numTargetRowsDeleted")
              + " row(s) replaced by "
              + written);
    }
    if (plan.partitions() != null) {
      String column = model.partitionBy().get(0);
      long written =
          writer.replaceWhere(
              model.zone(),
              model.name(),
              rows.where(in(col(column), plan.partitions())),
              model.partitionBy(),
              predicate(column, plan.partitions()),
              metadata);
      return new Written(
          written,
          "recomputed "
              + plan.partitions().size()
              + " partition(s) of "
              + column
              + " touched by "
              + model.incremental().get().changesOf()
              + " "
              + plan.reason());
    }
    long written =
        writer.overwrite(model.zone(), model.name(), rows, model.partitionBy(), metadata);
    return new Written(written, "rebuilt (" + plan.reason() + ")");
  }

  /** The rows of {@code rows} the plan writes: all, its partitions, or the rows of its keys. */
  static Dataset<Row> inScope(ModelDef model, Dataset<Row> rows, ModelPlanner.Plan plan) {
    if (plan.keys() != null) {
      String key = model.incremental().get().key();
      return rows.join(
          plan.keys(), rows.col(key).eqNullSafe(plan.keys().col(ModelPlanner.KEY)), "left_semi");
    }
    if (plan.partitions() != null) {
      return rows.where(in(col(model.partitionBy().get(0)), plan.partitions()));
    }
    return rows;
  }

  static Column[] columns(Dataset<Row> rows) {
    return java.util.Arrays.stream(rows.columns()).map(c -> col(quoted(c))).toArray(Column[]::new);
  }

  /**
   * Writes the checked rows that a quarantine rule rejected to the quarantine table, as JSON of the
   * model's columns: they replace the model's earlier ones when it is rebuilt, and are added (once,
   * should the run be repeated) when it recomputes partitions or keys. Returns how many.
   */
  long quarantined(
      ModelDef model,
      String stage,
      Dataset<Row> checked,
      ModelPlanner.Plan plan,
      Map<String, Long> versions) {
    List<String> output =
        java.util.Arrays.stream(checked.columns()).filter(c -> !c.startsWith("__")).toList();
    output = output.stream().filter(c -> !c.equals(Columns.ERRORS)).toList();
    Dataset<Row> rejected =
        Quarantine.records(
            checked
                .filter(size(col(Columns.ERRORS)).gt(0))
                .withColumn(Columns.SOURCE_FILE, functions.lit(null).cast("string")),
            stage,
            model.name(),
            functions.array_join(col(Columns.ERRORS), "; "),
            functions.to_json(
                functions.struct(output.stream().map(c -> col(quoted(c))).toArray(Column[]::new))),
            runId);
    if (plan.keys() == null && plan.partitions() == null) {
      return writer.replaceWhere(
          Zone.QUARANTINE,
          Quarantine.TABLE,
          rejected,
          Quarantine.PARTITION_BY,
          Quarantine.partition(stage, model.name()));
    }
    long quarantined =
        writer.appendOnce(
            Zone.QUARANTINE,
            Quarantine.TABLE,
            rejected,
            Quarantine.PARTITION_BY,
            "dpf-" + stage + "-" + model.name(),
            versions.get(model.incremental().get().changesOf()));
    return quarantined < 0 ? rejected.count() : quarantined;
  }

  /** Whether a MERGE source row stands for a changed key (its rows go) or a recomputed row. */
  private static final String REPLACE = "__dpf_replace";

  /**
   * In one MERGE commit, deletes the model's rows of every changed key and inserts its recomputed
   * rows of those keys (keys compared null-safe: a null key is a key too).
   */
  private DeltaWriter.Commit replaceKeys(
      ModelDef model, Dataset<Row> rows, String key, Dataset<Row> keys, String metadata) {
    Dataset<Row> recomputed =
        rows.join(keys, rows.col(key).eqNullSafe(keys.col(ModelPlanner.KEY)), "left_semi");
    Dataset<Row> source =
        recomputed
            .withColumn(ModelPlanner.KEY, col(key))
            .withColumn(REPLACE, functions.lit(false))
            .unionByName(keys.withColumn(REPLACE, functions.lit(true)), true);
    Map<String, String> insert = new java.util.LinkedHashMap<>();
    for (String c : rows.columns()) {
      insert.put(quoted(c), "s." + quoted(c));
    }
    Optional<DeltaWriter.Commit> commit =
        writer.merge(
            model.zone(),
            model.name(),
            metadata,
            t ->
                t.as("t")
                    .merge(
                        source.as("s"),
                        "s." + REPLACE + " AND t." + quoted(key) + " <=> s." + ModelPlanner.KEY)
                    .whenMatched()
                    .delete()
                    .whenNotMatched("NOT s." + REPLACE)
                    .insertExpr(insert));
    if (commit.isPresent()) {
      return commit.get();
    }
    // Nothing to delete or insert: Delta made no commit, yet the inputs must be recorded.
    writer.commitMetadataOnly(model.zone(), model.name(), metadata);
    return new DeltaWriter.Commit(-1, Map.of("numSourceRows", String.valueOf(keys.count())));
  }

  static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private static Column in(Column column, List<Object> values) {
    List<Object> present = values.stream().filter(v -> v != null).toList();
    Column c = present.isEmpty() ? functions.lit(false) : column.isin(present.toArray());
    return values.contains(null) ? c.or(column.isNull()) : c;
  }

  private static String predicate(String column, List<Object> values) {
    String quoted = quoted(column);
    List<String> literals = new ArrayList<>();
    for (Object v : values) {
      if (v != null) {
        literals.add(functions.lit(v).expr().sql());
      }
    }
    String p = literals.isEmpty() ? "false" : quoted + " IN (" + String.join(", ", literals) + ")";
    return values.contains(null) ? "(" + p + " OR " + quoted + " IS NULL)" : p;
  }
}
