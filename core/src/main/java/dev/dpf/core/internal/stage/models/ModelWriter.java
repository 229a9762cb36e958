package dev.dpf.core.internal.stage.models;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;

import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Quarantine;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
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
import org.apache.spark.sql.types.StructType;

/**
 * Writes a model's rows as its plan says: a rebuild overwrites the table, a partition plan replaces
 * the partitions it recomputes, a key plan replaces the rows of its keys in one MERGE; each commit
 * records what the rows were computed from. Rows a quarantine rule rejected go to quarantine.
 */
public final class ModelWriter {
  private final Lake lake;
  private final DeltaWriter writer;
  private final String runId;

  /**
   * @param runId identifies the run in quarantined rows
   */
  ModelWriter(Lake lake, DeltaWriter writer, String runId) {
    this.lake = lake;
    this.writer = writer;
    this.runId = runId;
  }

  /** What a write did: rows written, and how, for the run's line. */
  record Written(long rows, String how) {}

  /** Writes {@code rows} (the model's, in the plan's scope) as {@code plan} says. */
  Written write(ModelDef model, Dataset<Row> rows, ModelPlanner.Plan plan, String metadata) {
    if (plan.inputs() != null
        && plan.inputs().touched().size() <= PREDICATE_KEYS
        && !mergesWithDeletionVectors(model)) {
      return replaceWhereKeys(model, rows, plan, metadata);
    }
    if (plan.keys() != null) {
      String key = plan.keyColumn();
      DeltaWriter.Commit commit = replaceKeys(model, rows, key, plan.keys(), metadata);
      long written = commit.metric("numTargetRowsInserted");
      return keysWritten(
          plan,
          commit.metric("numSourceRows") - written,
          commit.metric("numTargetRowsDeleted"),
          written);
    }
    if (plan.partitions() != null) {
      String column = model.partitionBy().get(0);
      long written =
          writer.replaceWhere(
              model.tableName(),
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
              + plan.changed()
              + " "
              + plan.reason());
    }
    long written = writer.overwrite(model.tableName(), rows, model.partitionBy(), metadata);
    if (model.zone() == Zone.TRANSFORMED) {
      writer.enableDeletionVectors(model.tableName());
    }
    return new Written(written, "rebuilt (" + plan.reason() + ")");
  }

  /**
   * Whether the rows of touched keys are replaced by a MERGE that marks the old rows deleted in
   * deletion vectors: in a transformed-zone model (the zone's tables have them; the curated zone's
   * are left readable by engines without them) of {@link ModelPlanner#COSTED_ROWS} rows or more. A
   * {@code replaceWhere} would rewrite every file holding a touched key, most of a large table when
   * the keys are spread over it (400 customers' rows in all 64 files of a 1.9 million row table).
   */
  private boolean mergesWithDeletionVectors(ModelDef model) {
    if (model.zone() != Zone.TRANSFORMED
        || lake.rows(model.tableName()) < ModelPlanner.COSTED_ROWS) {
      return false;
    }
    writer.enableDeletionVectors(model.tableName()); // a table rebuilt before they were turned on
    return true;
  }

  /**
   * Up to this many touched keys replace their rows by a predicate listing them ({@code
   * replaceWhere}: a delete and an append in one commit, fewer passes than a MERGE); more are
   * replaced by a MERGE.
   */
  static final int PREDICATE_KEYS = 20_000;

  /** Replaces the rows of the plan's touched keys by those recomputed, in one commit. */
  private Written replaceWhereKeys(
      ModelDef model, Dataset<Row> rows, ModelPlanner.Plan plan, String metadata) {
    String key = plan.keyColumn();
    List<Object> values = plan.inputs().touched().stream().map(r -> r.get(0)).toList();
    Optional<DeltaWriter.Commit> commit =
        writer.replaceWhereCommit(
            model.tableName(),
            inScope(model, rows, plan),
            model.partitionBy(),
            predicate(key, values),
            metadata);
    if (commit.isEmpty()) {
      // Nothing to delete or insert: Delta made no commit, yet the inputs must be recorded.
      writer.commitMetadataOnly(model.tableName(), metadata);
    }
    // The files holding a touched key are rewritten: their other rows are copied, not written.
    long written =
        commit.map(c -> c.metric("numOutputRows") - c.metric("numCopiedRows")).orElse(0L);
    long replaced = commit.map(c -> c.metric("numDeletedRows")).orElse(0L);
    return keysWritten(plan, values.size(), replaced, written);
  }

  /** What a recompute of {@code keys} keys wrote, as the run line tells it. */
  private static Written keysWritten(
      ModelPlanner.Plan plan, long keys, long replaced, long written) {
    return new Written(
        written,
        "recomputed the rows of "
            + keys
            + " "
            + plan.keyColumn()
            + " key(s) changed in "
            + plan.changed()
            + " "
            + plan.reason()
            + ": "
            + replaced
            + " row(s) replaced by "
            + written);
  }

  /** The rows of {@code rows} the plan writes: all, its partitions, or the rows of its keys. */
  static Dataset<Row> inScope(ModelDef model, Dataset<Row> rows, ModelPlanner.Plan plan) {
    if (plan.keys() != null) {
      String key = plan.keyColumn();
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
   * What a model's quarantine commit did, to undo it should the model's table not be written.
   *
   * @param rows the rows quarantined now
   * @param version the quarantine table's version the commit made; -1: none was made
   */
  record Quarantined(long rows, long version) {
    static final Quarantined NONE = new Quarantined(0, -1);
  }

  /**
   * Replaces the model's quarantined rows in the plan's scope by the rows of {@code checked} that a
   * quarantine rule rejected, as JSON of the model's columns: all of its rows when it is rebuilt,
   * those of the partitions or keys it recomputes otherwise. A recomputation repeated after an
   * interruption so writes each rejected row once, and a rebuild leaves nothing of an earlier
   * definition's rules. {@code checked} null: the model has no row rule now; a rebuild clears what
   * its quarantine held. {@code rejectedRows}: how many rows of {@code checked} were rejected.
   */
  Quarantined quarantine(
      ModelDef model,
      Stage stage,
      Dataset<Row> checked,
      long rejectedRows,
      ModelPlanner.Plan plan) {
    String partition = Quarantine.partition(stage, model.name());
    boolean rebuild = plan.keys() == null && plan.partitions() == null;
    if (checked == null && !rebuild) {
      return Quarantined.NONE;
    }
    Dataset<Row> rejected;
    long rows = 0;
    if (checked == null) {
      if (!holdsRows(stage, model)) {
        return Quarantined.NONE;
      }
      rejected = lake.read(SystemTables.QUARANTINE).limit(0);
    } else {
      List<String> output =
          java.util.Arrays.stream(checked.columns())
              .filter(c -> !c.startsWith("__") && !c.equals(Columns.ERRORS))
              .toList();
      Dataset<Row> bad = checked.filter(size(col(Columns.ERRORS)).gt(0));
      rejected =
          Quarantine.records(
              bad.withColumn(Columns.SOURCE_FILE, functions.lit(null).cast("string")),
              stage,
              model.name(),
              functions.array_join(col(Columns.ERRORS), "; "),
              functions.to_json(
                  functions.struct(
                      output.stream().map(c -> col(quoted(c))).toArray(Column[]::new))),
              runId);
      rows = rejectedRows;
      boolean had = holdsRows(stage, model);
      if (rows == 0 && !had) {
        return Quarantined.NONE;
      }
      if (!rebuild && had) {
        StructType schema = new StructType();
        for (String c : output) {
          schema = schema.add(checked.schema().apply(c));
        }
        rejected = outsideScope(model, plan, partition, schema).unionByName(rejected, true);
      }
    }
    Optional<DeltaWriter.Commit> commit =
        writer.replaceWhereCommit(
            SystemTables.QUARANTINE, rejected, Quarantine.PARTITION_BY, partition, null);
    return new Quarantined(rows, commit.map(DeltaWriter.Commit::version).orElse(-1L));
  }

  /**
   * The model's quarantined rows outside the partitions or keys the plan recomputes: they stay.
   * {@code columns}: the model's columns, which each row's record holds as JSON.
   */
  private Dataset<Row> outsideScope(
      ModelDef model, ModelPlanner.Plan plan, String partition, StructType columns) {
    Dataset<Row> had = lake.read(SystemTables.QUARANTINE).where(partition);
    Column record = functions.from_json(col("record"), columns);
    if (plan.keys() != null) {
      String key = plan.keyColumn();
      return had.join(
          plan.keys(),
          record.getField(key).eqNullSafe(plan.keys().col(ModelPlanner.KEY)),
          "left_anti");
    }
    Column in = in(record.getField(model.partitionBy().get(0)), plan.partitions());
    return had.where(functions.not(functions.coalesce(in, functions.lit(false))));
  }

  /** Whether the quarantine table holds rows of the model's stage. */
  private boolean holdsRows(Stage stage, ModelDef model) {
    return lake.holdsRowsIn(
        SystemTables.QUARANTINE, Map.of("stage", stage.label(), "dataset", model.name()));
  }

  /** Undoes {@code quarantined}: the model's quarantine as it was before that commit. */
  void undo(ModelDef model, Stage stage, Quarantined quarantined) {
    if (quarantined.version() >= 0) {
      writer.restoreWhere(
          SystemTables.QUARANTINE,
          Quarantine.PARTITION_BY,
          Quarantine.partition(stage, model.name()),
          quarantined.version() - 1);
    }
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
            model.tableName(),
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
    writer.commitMetadataOnly(model.tableName(), metadata);
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
