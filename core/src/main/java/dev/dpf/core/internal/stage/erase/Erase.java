package dev.dpf.core.internal.stage.erase;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.stage.datasets.KeyedMerge;
import dev.dpf.core.internal.system.ErasedLog;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.internal.transform.KeyColumns;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Removes one data subject from the lake. The subject is a key of one dataset; the rows that carry
 * it are found by following the definition: the dataset's rows with that key, then the rows of
 * every dataset whose {@code references} rule points at a dataset's erased keys (a customer's
 * payments, orders, and those orders' lines), until nothing new is found. Each of those datasets
 * loses the rows of its erased keys from its consolidated table (raw records, parsed as the
 * transform parses them), its transformed table, its history and the quarantine's records of it.
 * The models that read them are then recomputed by the run's transform and curate stages.
 */
public final class Erase {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Erase() {}

  /**
   * What an erase removes.
   *
   * @param dataset the dataset named
   * @param keys each dataset's erased keys (typed values in key order), following references
   * @param steps the deletes, one per table and dataset, with the rows each matches now
   */
  public record Plan(String dataset, Map<DatasetDef, Set<List<Object>>> keys, List<Step> steps) {}

  /**
   * One delete.
   *
   * @param table the table
   * @param dataset the dataset whose rows it removes
   * @param condition the rows it removes
   * @param rows how many rows match now
   * @param total the table's rows now
   */
  public record Step(TableName table, String dataset, Column condition, long rows, long total) {}

  /**
   * The rows removing the subject {@code dataset} {@code key} (column name to value, as text, the
   * dataset's whole key) takes; reads only.
   *
   * @throws DpfException for a dataset the definition does not have, a key that is not its key, or
   *     a value that does not parse as its column's type
   */
  public static Plan plan(
      Lake lake, PipelineDefinition definition, String dataset, Map<String, String> key) {
    DatasetDef d = dataset(definition, dataset);
    List<Object> typed = typedKey(lake, d, key);
    Map<DatasetDef, Set<List<Object>>> keys = follow(lake, definition, d, typed);
    List<Pending> pending = new ArrayList<>();
    for (Map.Entry<DatasetDef, Set<List<Object>>> e : keys.entrySet()) {
      for (TableName table : tablesOf(e.getKey())) {
        if (lake.exists(table)) {
          Column condition =
              condition(
                  definition, e.getKey(), kind(table), columnsOf(lake, e.getKey(), table), keys);
          pending.add(new Pending(table, e.getKey().name(), condition, false));
        }
      }
    }
    if (lake.exists(SystemTables.QUARANTINE)) {
      pending.addAll(modelQuarantine(definition, keys));
    }
    List<Step> steps = counted(lake, pending);
    return new Plan(d.name(), keys, steps);
  }

  /** A delete before its rows are counted; {@code ifAny}: dropped when it matches no row. */
  private record Pending(TableName table, String dataset, Column condition, boolean ifAny) {}

  /**
   * The pending deletes with the rows each matches and its table's rows, counted in one pass over
   * each table. (The plan reads small tables straight from their files, {@link Lake#readSmall}: a
   * Delta log replay per table would cost more than the data.)
   */
  private static List<Step> counted(Lake lake, List<Pending> pending) {
    Map<TableName, List<Pending>> byTable = new LinkedHashMap<>();
    pending.forEach(p -> byTable.computeIfAbsent(p.table(), t -> new ArrayList<>()).add(p));
    Map<Pending, long[]> counts = new java.util.HashMap<>();
    for (Map.Entry<TableName, List<Pending>> e : byTable.entrySet()) {
      List<Column> aggs = new ArrayList<>();
      for (Pending p : e.getValue()) {
        aggs.add(sum(when(p.condition(), 1L).otherwise(0L)));
      }
      Row r = lake.readSmall(e.getKey()).agg(count(lit(1)), aggs.toArray(Column[]::new)).head();
      for (int i = 0; i < e.getValue().size(); i++) {
        counts.put(
            e.getValue().get(i),
            new long[] {r.isNullAt(i + 1) ? 0 : r.getLong(i + 1), r.getLong(0)});
      }
    }
    List<Step> out = new ArrayList<>();
    for (Pending p : pending) {
      long[] c = counts.get(p);
      if (!p.ifAny() || c[0] > 0) {
        out.add(new Step(p.table(), p.dataset(), p.condition(), c[0], c[1]));
      }
    }
    return out;
  }

  /**
   * The deletes of the models' quarantined rows that carry an erased key: a row whose field named
   * as an erased dataset's key column (a one-column key: customer_id, payment_id) holds one of its
   * erased keys, as a model's rows are keyed by such columns. Only those that match a row.
   */
  private static List<Pending> modelQuarantine(
      PipelineDefinition definition, Map<DatasetDef, Set<List<Object>>> keys) {
    Column any = lit(false);
    for (Map.Entry<DatasetDef, Set<List<Object>>> e : keys.entrySet()) {
      if (e.getKey().key().size() == 1 && !e.getValue().isEmpty()) {
        ColumnDef k = KeyColumns.column(e.getKey(), e.getKey().key().get(0));
        String field =
            "get_json_object(`record`, " + Conform.literal("$['" + k.name() + "']") + ")";
        any = any.or(KeyColumns.oneOf(List.of(Conform.parseText(k, field)), e.getValue()));
      }
    }
    List<Pending> out = new ArrayList<>();
    for (ModelDef m : definition.models()) {
      Stage stage = m.zone() == Zone.CURATED ? Stage.CURATE : Stage.TRANSFORM;
      Column condition =
          col("stage")
              .equalTo(lit(stage.label()))
              .and(col("dataset").equalTo(lit(m.name())))
              .and(any);
      out.add(new Pending(SystemTables.QUARANTINE, m.name(), condition, true));
    }
    return out;
  }

  private static DatasetDef dataset(PipelineDefinition definition, String name) {
    return definition.datasets().stream()
        .filter(x -> x.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new DpfException(
                    "The definition has no dataset '"
                        + name
                        + "'; datasets: "
                        + String.join(
                            ", ", definition.datasets().stream().map(DatasetDef::name).toList())));
  }

  /** The key's values typed as the dataset's columns, parsed as the transform parses them. */
  private static List<Object> typedKey(Lake lake, DatasetDef d, Map<String, String> key) {
    if (!key.keySet().equals(new LinkedHashSet<>(d.key()))) {
      throw new DpfException(
          "Erase "
              + d.name()
              + " by its key: "
              + String.join(", ", d.key().stream().map(k -> k + "=VALUE").toList())
              + " (given: "
              + String.join(", ", key.keySet())
              + ")");
    }
    List<StructField> fields = new ArrayList<>();
    List<Column> parsed = new ArrayList<>();
    List<Object> texts = new ArrayList<>();
    for (String k : d.key()) {
      fields.add(DataTypes.createStructField(k, DataTypes.StringType, true));
      parsed.add(Conform.parseText(KeyColumns.column(d, k), Conform.quote(k)));
      texts.add(key.get(k));
    }
    Row row =
        lake.spark()
            .createDataFrame(
                List.of(RowFactory.create(texts.toArray())),
                new StructType(fields.toArray(StructField[]::new)))
            .select(parsed.toArray(Column[]::new))
            .head();
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < d.key().size(); i++) {
      if (row.isNullAt(i)) {
        ColumnDef c = KeyColumns.column(d, d.key().get(i));
        throw new DpfException(
            d.name() + "." + c.name() + ": cannot read '" + key.get(c.name()) + "' as " + c.type());
      }
      out.add(row.get(i));
    }
    return out;
  }

  /**
   * Each dataset's keys that carry the subject: the subject's own, then, until nothing new is
   * found, the keys of the rows of every dataset whose references point at erased keys.
   */
  private static Map<DatasetDef, Set<List<Object>>> follow(
      Lake lake, PipelineDefinition definition, DatasetDef subject, List<Object> key) {
    Map<DatasetDef, Set<List<Object>>> keys = new LinkedHashMap<>();
    keys.put(subject, new LinkedHashSet<>(List.of(key)));
    // How often each dataset's keys grew, and what the referenced ones' were at each scan: a
    // dataset is read again only when a dataset it references has new keys.
    Map<String, Integer> grew = new java.util.HashMap<>(Map.of(subject.name(), 1));
    Map<String, Map<String, Integer>> scannedAt = new java.util.HashMap<>();
    boolean changed = true;
    while (changed) {
      changed = false;
      for (DatasetDef d : definition.datasets()) {
        Map<String, Integer> inputs = new java.util.HashMap<>();
        for (QualityRule.References r : KeyColumns.references(definition, d)) {
          if (grew.containsKey(r.dataset())) {
            inputs.put(r.dataset(), grew.get(r.dataset()));
          }
        }
        if (inputs.isEmpty() || inputs.equals(scannedAt.get(d.name()))) {
          continue; // its own keys alone find only themselves
        }
        scannedAt.put(d.name(), inputs);
        Set<List<Object>> found = new LinkedHashSet<>();
        for (TableName table : tablesOf(d)) {
          // Quarantine and the deleted keys tell no key the other tables do not.
          if (table.zone() != Zone.QUARANTINE
              && table.zone() != Zone.SYSTEM
              && lake.exists(table)) {
            Dataset<Row> rows = lake.readSmall(table);
            found.addAll(
                keysOf(
                    d,
                    table,
                    rows,
                    condition(definition, d, kind(table), columnsOf(lake, d, table), keys)));
          }
        }
        if (keys.computeIfAbsent(d, x -> new LinkedHashSet<>()).addAll(found)) {
          grew.merge(d.name(), 1, Integer::sum);
          changed = true;
        } else if (grew.putIfAbsent(d.name(), 0) == null) {
          // None found (an earlier erase removed them): those referencing it are still visited,
          // so that a purge cleans their tables too.
          changed = true;
        }
      }
    }
    // A dataset that references the subject's without a row of it now stays, with no keys: an
    // earlier erase may have removed them, and a purge still cleans its tables.
    return keys;
  }

  private static List<List<Object>> keysOf(
      DatasetDef d, TableName table, Dataset<Row> rows, Column condition) {
    List<Column> key = KeyColumns.key(d, kind(table), Arrays.asList(rows.columns()));
    List<List<Object>> out = new ArrayList<>();
    for (Row r :
        rows.filter(condition).select(key.toArray(Column[]::new)).distinct().collectAsList()) {
      List<Object> values = new ArrayList<>();
      boolean whole = true;
      for (int i = 0; i < r.size(); i++) {
        whole &= !r.isNullAt(i);
        values.add(r.get(i));
      }
      if (whole) {
        out.add(values);
      }
    }
    return out;
  }

  /**
   * The tables holding a dataset's rows: consolidated, transformed, history, the keys deleted at
   * the source ({@code _system.deleted_<dataset>}), quarantine.
   */
  private static List<TableName> tablesOf(DatasetDef d) {
    List<TableName> out = new ArrayList<>(List.of(d.sourceTableName(), d.tableName()));
    if (d.history() == DatasetDef.History.SCD2) {
      out.add(d.historyTableName());
    }
    out.add(KeyedMerge.deletedTable(d));
    out.add(SystemTables.QUARANTINE);
    return out;
  }

  private static KeyColumns.Kind kind(TableName table) {
    return switch (table.zone()) {
      case CONSOLIDATED -> KeyColumns.Kind.RAW;
      case QUARANTINE -> KeyColumns.Kind.QUARANTINED;
      default -> KeyColumns.Kind.TYPED;
    };
  }

  /**
   * The rows of {@code d} in a table of {@code kind} (with the consolidated columns {@code
   * columns}) that carry an erased key: their key is one of d's, or a reference of theirs is one of
   * the referenced dataset's keys.
   */
  private static Column condition(
      PipelineDefinition definition,
      DatasetDef d,
      KeyColumns.Kind kind,
      List<String> columns,
      Map<DatasetDef, Set<List<Object>>> keys) {
    Column any = KeyColumns.oneOf(KeyColumns.key(d, kind, columns), keys.getOrDefault(d, Set.of()));
    for (QualityRule.References ref : KeyColumns.references(definition, d)) {
      for (Map.Entry<DatasetDef, Set<List<Object>>> e : keys.entrySet()) {
        if (e.getKey().name().equals(ref.dataset())
            && (kind != KeyColumns.Kind.TYPED || columns.contains(ref.column()))) {
          Column value = KeyColumns.value(KeyColumns.column(d, ref.column()), kind, columns);
          any = any.or(KeyColumns.oneOf(List.of(value), e.getValue()));
        }
      }
    }
    if (kind == KeyColumns.Kind.QUARANTINED) {
      any =
          col("stage")
              .equalTo(lit(Stage.TRANSFORM.label()))
              .and(col("dataset").equalTo(lit(d.name())))
              .and(any);
    }
    return any;
  }

  /**
   * The columns a table of the dataset has, or for quarantine those of the consolidated table its
   * records are the JSON of.
   */
  private static List<String> columnsOf(Lake lake, DatasetDef d, TableName table) {
    if (kind(table) != KeyColumns.Kind.QUARANTINED) {
      return Arrays.asList(lake.readSmall(table).columns());
    }
    return lake.exists(d.sourceTableName())
        ? Arrays.asList(lake.readSmall(d.sourceTableName()).columns())
        : d.columns().stream().map(c -> Columns.sanitized(c.from())).toList();
  }

  /**
   * Removes the plan's rows, table by table, and records the erased keys in {@link
   * SystemTables#ERASED} under {@code piiKey}.
   */
  public static List<TableResult> apply(RunContext run, StageLog log, Plan plan, String piiKey) {
    List<TableResult> out = new ArrayList<>();
    String metadata = JSON.createObjectNode().put("erase", plan.dataset()).toString();
    for (Step step : plan.steps()) {
      out.addAll(
          log.step(
              Stage.ERASE, step.table().toString(), () -> List.of(delete(run, step, metadata))));
    }
    ErasedLog.append(run.spark(), run.writer(), plan.keys(), piiKey, run.runId());
    return out;
  }

  private static TableResult delete(RunContext run, Step step, String metadata) {
    long start = System.nanoTime();
    String table = step.table().toString();
    if (step.rows() == 0) {
      return TableResult.upToDate(
          Stage.ERASE,
          table,
          StageLog.seconds(start),
          "no row of the subject in " + step.dataset() + "'s rows");
    }
    long removed =
        run.writer()
            .delete(step.table(), step.condition(), metadata)
            .map(c -> c.metric("numDeletedRows"))
            .orElse(0L);
    if (removed != step.rows()) {
      throw new DpfException(
          table
              + ": the erase removed "
              + removed
              + " row(s) where "
              + step.rows()
              + " were found: another process changed the table");
    }
    return TableResult.of(Stage.ERASE, table, TableResult.Status.OK)
        .read(step.total())
        .written(step.total() - removed)
        .superseded(removed)
        .seconds(StageLog.seconds(start))
        .note(removed + " row(s) of the subject removed from " + step.dataset() + "'s rows")
        .build();
  }
}
