package dev.dpf.core.stage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.DpfException;
import dev.dpf.core.definition.ColumnDef;
import dev.dpf.core.definition.DatasetDef;
import dev.dpf.core.definition.ModelDef;
import dev.dpf.core.definition.PipelineDefinition;
import dev.dpf.core.definition.QualityRule;
import dev.dpf.core.definition.Zone;
import dev.dpf.core.pii.ColumnLineage;
import dev.dpf.core.pii.PiiLineage;
import dev.dpf.core.pii.PiiLineage.Exposure;
import dev.dpf.core.pii.Protect;
import dev.dpf.core.quality.Quality;
import dev.dpf.core.quality.QualityResult;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.transform.Columns;
import dev.dpf.core.transform.Quarantine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * Runs SQL models: resolves their inputs, checks the PII policy of curated models, and writes each
 * as a Delta table, rebuilt, recomputed only in the partitions new data touched, or left as it is
 * when no input changed since it was written. What a model was computed from (its definition and
 * the version of every input) is recorded in the user metadata of its own Delta commit, so the
 * record and the table cannot disagree.
 */
final class Models {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final Supplier<String> piiKey;
  private final Map<String, Map<String, Set<Exposure>>> datasetTags;
  private final Map<String, ModelDef> byTable;
  private final Map<String, Map<String, Set<Exposure>>> modelTags = new HashMap<>();
  private final boolean usesProtect;
  private final String tagsText; // the definition's PII tags, in a stable order
  private String keyFingerprint;
  private final String runId;
  private final Instant startedAt;
  private final Map<String, List<QualityResult>> quality =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param piiKey the hashing key, asked for only if a model calls a {@code protect_} function
   */
  private boolean fullRefresh;

  /** Rebuilds every model from scratch, whatever its inputs' versions say. */
  Models fullRefresh(boolean on) {
    this.fullRefresh = on;
    return this;
  }

  /**
   * @param runId identifies the run in quarantined rows
   * @param startedAt the run's start, against which freshness rules judge
   */
  Models(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      Supplier<String> piiKey,
      String runId,
      Instant startedAt) {
    this.spark = spark;
    this.runId = runId;
    this.startedAt = startedAt;
    this.definition = definition;
    this.lake = lake;
    this.piiKey = piiKey;
    this.datasetTags = datasetTags(definition);
    this.tagsText = tagsText(datasetTags);
    this.byTable = definition.models().stream().collect(Collectors.toMap(ModelDef::table, m -> m));
    this.usesProtect =
        definition.models().stream()
            .anyMatch(m -> m.sql().toLowerCase(Locale.ROOT).contains("protect_"));
  }

  private static String tagsText(Map<String, Map<String, Set<Exposure>>> tags) {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(tags)
        .forEach(
            (table, columns) ->
                new TreeMap<>(columns)
                    .forEach(
                        (c, e) -> out.append(table).append('.').append(c).append(e).append('\n')));
    return out.toString();
  }

  /** Where each dataset's tagged columns can be read in clear: its table, history and source. */
  private static Map<String, Map<String, Set<Exposure>>> datasetTags(PipelineDefinition d) {
    Map<String, Map<String, Set<Exposure>>> out = new HashMap<>();
    for (DatasetDef ds : d.datasets()) {
      for (ColumnDef c : ds.columns()) {
        if (c.pii().isEmpty()) {
          continue;
        }
        Exposure e = new Exposure("transformed." + ds.name(), c.name(), c.pii().get());
        List<String[]> places = new ArrayList<>();
        places.add(new String[] {"transformed." + ds.name(), c.name()});
        places.add(new String[] {"transformed." + ds.historyTable(), c.name()});
        places.add(new String[] {"consolidated." + ds.source(), Columns.sanitized(c.from())});
        for (String[] p : places) {
          out.computeIfAbsent(p[0], k -> new HashMap<>())
              .computeIfAbsent(p[1].toLowerCase(Locale.ROOT), k -> new TreeSet<>())
              .add(e);
        }
      }
    }
    return out;
  }

  /**
   * Turns on the change data feed of every existing fact table an incremental model reads, before
   * any model records its inputs' versions (turning it on is a commit).
   */
  void enableChangeFeeds() {
    for (ModelDef m : definition.models()) {
      if (m.incremental().isPresent()) {
        String fact = m.incremental().get().changesOf();
        Zone zone = zoneOf(fact, m);
        if (lake.exists(zone, nameOf(fact))) {
          lake.enableChangeDataFeed(zone, nameOf(fact));
        }
      }
    }
  }

  /** The zone's models, each after the models of the same zone it reads. */
  List<ModelDef> ordered(Zone zone) {
    List<ModelDef> out = new ArrayList<>();
    Set<String> visiting = new HashSet<>();
    Set<String> done = new HashSet<>();
    for (ModelDef m : definition.models(zone)) {
      visit(m, zone, visiting, done, out, new ArrayList<>());
    }
    return out;
  }

  private void visit(
      ModelDef m,
      Zone zone,
      Set<String> visiting,
      Set<String> done,
      List<ModelDef> out,
      List<String> path) {
    if (done.contains(m.table())) {
      return;
    }
    path.add(m.name() + " (" + m.file() + ")");
    if (!visiting.add(m.table())) {
      throw new DpfException(
          "Models refer to each other in a cycle: "
              + String.join(" -> ", path)
              + ". Break the cycle in one of these SQL files");
    }
    for (String ref : ModelSql.references(spark, m)) {
      ModelDef dep = byTable.get(ref);
      if (dep != null && dep.zone() == zone) {
        visit(dep, zone, visiting, done, out, path);
      }
    }
    visiting.remove(m.table());
    path.remove(path.size() - 1);
    done.add(m.table());
    out.add(m);
  }

  /** Whether the definition makes this {@code zone.table}. */
  private boolean defined(String table) {
    return definition.tables().stream().anyMatch(t -> t.qualified().equals(table));
  }

  /**
   * Creates the model's table empty with the schema its SQL gives over the tables it reads, unless
   * it exists or one of those does not.
   */
  TableResult createEmpty(ModelDef model) {
    long start = System.nanoTime();
    Set<String> refs = ModelSql.references(spark, model);
    List<String> missing = registerInputs(model, refs);
    if (!missing.isEmpty() && !lake.exists(model.zone(), model.name())) {
      return TableResult.skipped(
          "init",
          model.table(),
          Pipeline.seconds(start),
          "needs " + String.join(", ", missing) + " (made by the first run)");
    }
    boolean created =
        lake.createEmpty(
            model.zone(),
            model.name(),
            () -> {
              Dataset<Row> rows = compile(model);
              checkPartitionColumns(model, rows);
              return rows.schema();
            },
            model.partitionBy());
    return TableResult.init(model.table(), created, Pipeline.seconds(start));
  }

  /** Runs one model in {@code stage} (transform or curate). */
  TableResult run(String stage, ModelDef model) {
    long start = System.nanoTime();
    Set<String> refs = ModelSql.references(spark, model);
    Optional<String> unchanged =
        fullRefresh ? Optional.empty() : unchangedSinceLastRun(model, refs);
    if (unchanged.isPresent()) {
      return new TableResult(
          stage,
          model.table(),
          TableResult.Status.UP_TO_DATE,
          0,
          0,
          0,
          0,
          Pipeline.seconds(start),
          "from "
              + String.join(", ", refs)
              + "; inputs unchanged since the last run"
              + unchanged.get());
    }
    List<String> missing = registerInputs(model, refs);
    if (!missing.isEmpty()) {
      return TableResult.skipped(
          stage,
          model.table(),
          Pipeline.seconds(start),
          "needs " + String.join(", ", missing) + " (not in the lake)");
    }
    Dataset<Row> rows = compile(model);
    Map<String, Set<Exposure>> exposed = checkCompiled(model, refs, rows);
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : refs) {
      versions.put(ref, lake.version(zoneOf(ref, model), nameOf(ref)));
    }
    String from = "from " + String.join(", ", refs);
    String fingerprint = fingerprint(model);
    String pii = piiNote(exposed);
    String metadata = metadata(fingerprint, versions, pii);
    Plan plan = plan(model, fingerprint, versions);
    if (plan.upToDate()) {
      return new TableResult(
          stage,
          model.table(),
          TableResult.Status.UP_TO_DATE,
          0,
          0,
          0,
          0,
          Pipeline.seconds(start),
          from + "; inputs unchanged since the last run" + pii);
    }
    Quality.Subject subject = Quality.of(model, rows.schema());
    boolean rowRules = model.quality().stream().anyMatch(r -> r.kind().rowLevel());
    Dataset<Row> checked = null;
    long quarantined = 0;
    long written;
    String how;
    try {
      if (rowRules) {
        checked = rowChecks(stage, model, subject, inScope(model, rows, plan), plan, versions);
        quarantined = quarantined(model, stage, checked, plan, versions);
        rows = checked.filter(size(col(Columns.ERRORS)).equalTo(0)).select(columns(rows));
      }
      if (plan.keys() != null) {
        String key = model.incremental().get().key();
        Lake.Commit commit = replaceKeys(model, rows, key, plan.keys(), metadata);
        written = commit.metric("numTargetRowsInserted");
        how =
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
                + written;
      } else if (plan.partitions() != null) {
        String column = model.partitionBy().get(0);
        written =
            lake.replaceWhere(
                model.zone(),
                model.name(),
                rows.where(in(col(column), plan.partitions())),
                model.partitionBy(),
                predicate(column, plan.partitions()),
                metadata);
        how =
            "recomputed "
                + plan.partitions().size()
                + " partition(s) of "
                + column
                + " touched by "
                + model.incremental().get().changesOf()
                + " "
                + plan.reason();
      } else {
        written = lake.overwrite(model.zone(), model.name(), rows, model.partitionBy(), metadata);
        how = "rebuilt (" + plan.reason() + ")";
      }
    } finally {
      if (checked != null) {
        checked.unpersist();
      }
    }
    if (model.quality().stream().anyMatch(r -> !r.kind().rowLevel())) {
      List<QualityResult> results =
          Quality.tableResults(subject, lake.read(model.zone(), model.name()), startedAt);
      quality.computeIfAbsent(model.name(), k -> new ArrayList<>()).addAll(results);
      Quality.failIfAny(subject, results);
    }
    return new TableResult(
        stage,
        model.table(),
        TableResult.Status.OK,
        written + quarantined,
        written,
        quarantined,
        0,
        Pipeline.seconds(start),
        from + "; " + how + pii);
  }

  /**
   * Checks a compiled model: its partition columns, the PII policy (curated), its incremental
   * settings and the columns its quality rules read. Returns what each output column shows.
   */
  private Map<String, Set<Exposure>> checkCompiled(
      ModelDef model, Set<String> refs, Dataset<Row> rows) {
    checkPartitionColumns(model, rows);
    Map<String, Set<Exposure>> exposed = exposures(model, rows);
    if (model.zone() == Zone.CURATED) {
      checkPiiPolicy(model, exposed);
    }
    if (model.incremental().isPresent()) {
      String fact = model.incremental().get().changesOf();
      if (refs.contains(fact) && model.incremental().get().key() != null) {
        checkKey(model, fact, rows);
      }
      if (!refs.contains(fact)) {
        throw new DpfException(
            "Model '"
                + model.name()
                + "' is incremental on "
                + fact
                + ", but its SQL ("
                + model.file()
                + ") does not read it (it reads "
                + String.join(", ", refs)
                + "). Fix models."
                + model.name()
                + ".incremental.changes_of");
      }
    }
    Quality.Subject subject = Quality.of(model, rows.schema());
    for (QualityRule rule : model.quality()) {
      if (rule instanceof QualityRule.Expect expect) {
        Quality.check(subject, expect, rows);
      } else {
        rule.columns().forEach(subject::column);
      }
    }
    return exposed;
  }

  /**
   * Compiles every model against the schemas its inputs declare, with no data and nothing written
   * (this instance's session is a {@link DeclaredCatalog#session} over {@code declared}, to which
   * each compiled model's schema is added). Returns every problem found, in model order; a model
   * reading one that does not compile is not compiled, and says so.
   */
  List<String> validate(Map<String, StructType> declared) {
    return validate(declared, new HashMap<>());
  }

  /**
   * As above; puts into {@code lineage} each compiled model's columns with the table columns each
   * comes from ({@link ColumnLineage}).
   */
  List<String> validate(
      Map<String, StructType> declared,
      Map<String, Map<String, Set<ColumnLineage.Origin>>> lineage) {
    List<String> problems = new ArrayList<>();
    Map<String, Set<String>> refsOf = new java.util.LinkedHashMap<>();
    Set<String> broken = new HashSet<>();
    for (ModelDef m : definition.models()) {
      try {
        Set<String> refs = ModelSql.references(spark, m);
        for (String ref : refs) {
          if (!defined(ref)) {
            throw new DpfException(
                m.label()
                    + " reads "
                    + ref
                    + ", which no source, dataset or model of the definition makes. Fix the table"
                    + " name in the SQL file");
          }
          ModelDef dep = byTable.get(ref);
          if (dep != null && dep.zone() == Zone.CURATED && m.zone() == Zone.TRANSFORMED) {
            throw new DpfException(
                m.label()
                    + " is in the transformed zone but reads the curated model "
                    + ref
                    + ", which the curate stage makes after it. Move it to zone: curated, or"
                    + " read transformed tables only");
          }
        }
        refsOf.put(m.table(), refs);
      } catch (DpfException e) {
        problems.add(e.getMessage());
        broken.add(m.table());
      }
    }
    // Each model once the models it reads are compiled (or known broken).
    List<ModelDef> waiting =
        new ArrayList<>(
            definition.models().stream().filter(m -> !broken.contains(m.table())).toList());
    while (!waiting.isEmpty()) {
      ModelDef next = null;
      for (ModelDef m : waiting) {
        if (refsOf.get(m.table()).stream()
            .noneMatch(
                r ->
                    byTable.containsKey(r)
                        && waiting.stream().anyMatch(w -> w.table().equals(r)))) {
          next = m;
          break;
        }
      }
      if (next == null) {
        problems.add(
            "Models refer to each other in a cycle: "
                + String.join(
                    ", ", waiting.stream().map(m -> m.name() + " (" + m.file() + ")").toList())
                + ". Break the cycle in one of these SQL files");
        break;
      }
      waiting.remove(next);
      Set<String> refs = refsOf.get(next.table());
      List<String> unusable = refs.stream().filter(broken::contains).toList();
      if (!unusable.isEmpty()) {
        problems.add(
            next.label()
                + " was not compiled: it reads "
                + String.join(", ", unusable)
                + ", whose model has a problem above");
        broken.add(next.table());
        continue;
      }
      try {
        Dataset<Row> rows = compile(next);
        checkCompiled(next, refs, rows);
        declared.put(next.table(), rows.schema());
        lineage.put(next.table(), ColumnLineage.of(rows.queryExecution().analyzed()));
      } catch (DpfException e) {
        problems.add(e.getMessage());
        broken.add(next.table());
      }
    }
    return problems;
  }

  /**
   * What {@link #run} would do now, without doing it; {@code changing}: the tables the same run
   * writes before it.
   */
  Planned plan(String stage, ModelDef model, Set<String> changing) {
    String table = model.table();
    Set<String> refs = ModelSql.references(spark, model);
    List<String> missing = new ArrayList<>();
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : refs) {
      long v = defined(ref) ? lake.latestVersion(zoneOf(ref, model), nameOf(ref)) : -1;
      if (v < 0 && !changing.contains(ref)) {
        missing.add(ref);
      }
      versions.put(ref, v);
    }
    if (!missing.isEmpty()) {
      return new Planned(stage, table, Planned.Action.SKIP, "needs " + String.join(", ", missing));
    }
    if (lake.latestVersion(model.zone(), model.name()) < 0) {
      return new Planned(stage, table, Planned.Action.REBUILD, "first run");
    }
    if (fullRefresh) {
      return new Planned(stage, table, Planned.Action.REBUILD, "full refresh");
    }
    JsonNode previous = parse(lake.lastUserMetadata(model.zone(), model.name()));
    if (previous == null) {
      return new Planned(stage, table, Planned.Action.REBUILD, "no record of its inputs");
    }
    if (!fingerprint(model).equals(previous.path("model").asText())) {
      return new Planned(stage, table, Planned.Action.REBUILD, "definition or SQL changed");
    }
    Map<String, Long> before = inputsOf(previous);
    List<String> changed = new ArrayList<>();
    for (String ref : refs) {
      if (changing.contains(ref) || !versions.get(ref).equals(before.get(ref))) {
        changed.add(ref);
      }
    }
    if (changed.isEmpty()) {
      return new Planned(
          stage, table, Planned.Action.UP_TO_DATE, "inputs unchanged since the last run");
    }
    String inputs = String.join(", ", changed);
    if (model.incremental().isPresent()
        && changed.equals(List.of(model.incremental().get().changesOf()))) {
      return new Planned(
          stage,
          table,
          Planned.Action.RECOMPUTE,
          "the "
              + (model.incremental().get().key() != null ? "keys" : "partitions")
              + " that changed rows of "
              + inputs
              + " touch");
    }
    return new Planned(stage, table, Planned.Action.REBUILD, "inputs change: " + inputs);
  }

  /** The quality results of the models run so far, in the order of {@code models}. */
  List<QualityResult> quality(List<ModelDef> models) {
    List<QualityResult> out = new ArrayList<>();
    for (ModelDef m : models) {
      out.addAll(quality.getOrDefault(m.name(), List.of()));
    }
    return out;
  }

  /** The rows of {@code rows} the plan writes: all, its partitions, or the rows of its keys. */
  private static Dataset<Row> inScope(ModelDef model, Dataset<Row> rows, Plan plan) {
    if (plan.keys() != null) {
      String key = model.incremental().get().key();
      return rows.join(plan.keys(), rows.col(key).eqNullSafe(plan.keys().col(KEY)), "left_semi");
    }
    if (plan.partitions() != null) {
      return rows.where(in(col(model.partitionBy().get(0)), plan.partitions()));
    }
    return rows;
  }

  private static Column[] columns(Dataset<Row> rows) {
    return java.util.Arrays.stream(rows.columns()).map(c -> col(quoted(c))).toArray(Column[]::new);
  }

  /**
   * The model's rows to write with its row rules checked ({@link Quality#withRowChecks}), kept on
   * disk; the results recorded, and the run stopped by a failed fail rule.
   */
  private Dataset<Row> rowChecks(
      String stage,
      ModelDef model,
      Quality.Subject subject,
      Dataset<Row> rows,
      Plan plan,
      Map<String, Long> versions) {
    Dataset<Row> checked = Quality.withRowChecks(subject, rows, table -> Optional.empty());
    checked.persist(Pipeline.WORKING_SET);
    try {
      List<QualityResult> results = Quality.rowResults(subject, checked);
      quality.computeIfAbsent(model.name(), k -> new ArrayList<>()).addAll(results);
      Quality.failIfAny(subject, results);
    } catch (RuntimeException e) {
      checked.unpersist();
      throw e;
    }
    return checked;
  }

  /**
   * Writes the checked rows that a quarantine rule rejected to the quarantine table, as JSON of the
   * model's columns: they replace the model's earlier ones when it is rebuilt, and are added (once,
   * should the run be repeated) when it recomputes partitions or keys. Returns how many.
   */
  private long quarantined(
      ModelDef model, String stage, Dataset<Row> checked, Plan plan, Map<String, Long> versions) {
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
      return lake.replaceWhere(
          Zone.QUARANTINE,
          Quarantine.TABLE,
          rejected,
          Quarantine.PARTITION_BY,
          Quarantine.partition(stage, model.name()));
    }
    long quarantined =
        lake.appendOnce(
            Zone.QUARANTINE,
            Quarantine.TABLE,
            rejected,
            Quarantine.PARTITION_BY,
            "dpf-" + stage + "-" + model.name(),
            versions.get(model.incremental().get().changesOf()));
    return quarantined < 0 ? rejected.count() : quarantined;
  }

  /**
   * What to do: nothing ({@code upToDate}), recompute {@code partitions}, recompute the rows of
   * {@code keys} (one column, {@link #KEY}), or rebuild (both null) for {@code reason}.
   */
  private record Plan(boolean upToDate, List<Object> partitions, Dataset<Row> keys, String reason) {
    static Plan rebuild(String reason) {
      return new Plan(false, null, null, reason);
    }
  }

  /** The changed keys' column in a key-incremental model's MERGE source. */
  private static final String KEY = "__dpf_key";

  /** Whether a MERGE source row stands for a changed key (its rows go) or a recomputed row. */
  private static final String REPLACE = "__dpf_replace";

  /**
   * In one MERGE commit, deletes the model's rows of every changed key and inserts its recomputed
   * rows of those keys (keys compared null-safe: a null key is a key too).
   */
  private Lake.Commit replaceKeys(
      ModelDef model, Dataset<Row> rows, String key, Dataset<Row> keys, String metadata) {
    Dataset<Row> recomputed = rows.join(keys, rows.col(key).eqNullSafe(keys.col(KEY)), "left_semi");
    Dataset<Row> source =
        recomputed
            .withColumn(KEY, col(key))
            .withColumn(REPLACE, functions.lit(false))
            .unionByName(keys.withColumn(REPLACE, functions.lit(true)), true);
    Map<String, String> insert = new java.util.LinkedHashMap<>();
    for (String c : rows.columns()) {
      insert.put(quoted(c), "s." + quoted(c));
    }
    Optional<Lake.Commit> commit =
        lake.merge(
            model.zone(),
            model.name(),
            metadata,
            t ->
                t.as("t")
                    .merge(
                        source.as("s"), "s." + REPLACE + " AND t." + quoted(key) + " <=> s." + KEY)
                    .whenMatched()
                    .delete()
                    .whenNotMatched("NOT s." + REPLACE)
                    .insertExpr(insert));
    if (commit.isPresent()) {
      return commit.get();
    }
    // Nothing to delete or insert: Delta made no commit, yet the inputs must be recorded.
    lake.commitMetadataOnly(model.zone(), model.name(), metadata);
    return new Lake.Commit(-1, Map.of("numSourceRows", String.valueOf(keys.count())));
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  /** A key-incremental model's key is a column of its fact table and of its own rows. */
  private void checkKey(ModelDef model, String fact, Dataset<Row> rows) {
    String key = model.incremental().get().key();
    List<String> factColumns = List.of(spark.table(fact).columns());
    List<String> modelColumns = List.of(rows.columns());
    String missingFrom =
        !factColumns.contains(key)
            ? fact + " (columns: " + factColumns + ")"
            : !modelColumns.contains(key)
                ? "its SQL's result (columns: " + modelColumns + ")"
                : null;
    if (missingFrom != null) {
      throw new DpfException(
          "Model '"
              + model.name()
              + "' is incremental by key '"
              + key
              + "', but "
              + missingFrom
              + " has no such column. Fix models."
              + model.name()
              + ".incremental.key");
    }
  }

  private Plan plan(ModelDef model, String fingerprint, Map<String, Long> versions) {
    if (!lake.exists(model.zone(), model.name())) {
      return Plan.rebuild("first run");
    }
    if (fullRefresh) {
      return Plan.rebuild("full refresh");
    }
    JsonNode previous = parse(lake.lastUserMetadata(model.zone(), model.name()));
    if (previous == null) {
      return Plan.rebuild("no record of its inputs");
    }
    if (!fingerprint.equals(previous.path("model").asText())) {
      return Plan.rebuild("definition or SQL changed");
    }
    Map<String, Long> before = inputsOf(previous);
    if (before.equals(versions)) {
      return new Plan(true, null, null, "");
    }
    if (model.incremental().isEmpty()) {
      return Plan.rebuild(
          "inputs changed: "
              + changed(before, versions)
              + "; not incremental: no incremental setting");
    }
    String fact = model.incremental().get().changesOf();
    List<String> others = new ArrayList<>();
    for (var e : versions.entrySet()) {
      if (!e.getKey().equals(fact) && !e.getValue().equals(before.get(e.getKey()))) {
        others.add(e.getKey());
      }
    }
    if (!others.isEmpty()) {
      return Plan.rebuild(
          String.join(", ", others)
              + " changed: any "
              + (model.incremental().get().key() != null ? "key" : "partition")
              + " may depend on it");
    }
    Long last = before.get(fact);
    long now = versions.get(fact);
    if (last == null || last > now) {
      return Plan.rebuild(fact + " was replaced");
    }
    String range = "(v" + (last + 1) + "-v" + now + ")";
    List<Object> partitions;
    try {
      String key = model.incremental().get().key();
      if (key != null) {
        Dataset<Row> keys =
            lake.changes(zoneOf(fact, model), nameOf(fact), last, now)
                .select(col(key).as(KEY))
                .distinct();
        keys.schema(); // resolves now: an unreadable change feed fails here
        return new Plan(false, null, keys, range);
      }
      partitions =
          lake
              .changes(zoneOf(fact, model), nameOf(fact), last, now)
              .selectExpr(model.incremental().get().partition() + " AS p")
              .distinct()
              .collectAsList()
              .stream()
              .map(r -> r.get(0))
              .collect(Collectors.toCollection(ArrayList::new));
    } catch (Exception e) {
      if (!(e instanceof AnalysisException) && !(e.getCause() instanceof AnalysisException)) {
        throw e;
      }
      return Plan.rebuild("no change data feed of " + fact + " since v" + last);
    }
    return new Plan(false, partitions, null, range);
  }

  private static String changed(Map<String, Long> before, Map<String, Long> now) {
    List<String> out = new ArrayList<>();
    for (var e : now.entrySet()) {
      Long b = before.get(e.getKey());
      if (!e.getValue().equals(b)) {
        out.add(e.getKey() + (b == null ? " (new input)" : " v" + b + " -> v" + e.getValue()));
      }
    }
    return out.isEmpty() ? "an input was removed" : String.join(", ", out);
  }

  private static Column in(Column column, List<Object> values) {
    List<Object> present = values.stream().filter(v -> v != null).toList();
    Column c = present.isEmpty() ? functions.lit(false) : column.isin(present.toArray());
    return values.contains(null) ? c.or(column.isNull()) : c;
  }

  private static String predicate(String column, List<Object> values) {
    String quoted = "`" + column.replace("`", "``") + "`";
    List<String> literals = new ArrayList<>();
    for (Object v : values) {
      if (v != null) {
        literals.add(functions.lit(v).expr().sql());
      }
    }
    String p = literals.isEmpty() ? "false" : quoted + " IN (" + String.join(", ", literals) + ")";
    return values.contains(null) ? "(" + p + " OR " + quoted + " IS NULL)" : p;
  }

  private static String metadata(String fingerprint, Map<String, Long> versions, String pii) {
    ObjectNode node = JSON.createObjectNode();
    node.put("model", fingerprint);
    ObjectNode inputs = node.putObject("inputs");
    versions.forEach(inputs::put);
    node.put("pii", pii);
    return node.toString();
  }

  /**
   * When the model's last write was made from the same definition (SQL, partitioning, PII tags and
   * policy, hashing key) and the same version of every input, its run-line PII note; decided from
   * Delta logs alone, before the SQL is compiled. Empty otherwise: then the full run decides.
   */
  private Optional<String> unchangedSinceLastRun(ModelDef model, Set<String> refs) {
    if (lake.latestVersion(model.zone(), model.name()) < 0) {
      return Optional.empty();
    }
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : refs) {
      if (!defined(ref)) {
        return Optional.empty(); // the full run says what is wrong
      }
      long v = lake.latestVersion(zoneOf(ref, model), nameOf(ref));
      if (v < 0) {
        return Optional.empty();
      }
      versions.put(ref, v);
    }
    JsonNode previous = parse(lake.lastUserMetadata(model.zone(), model.name()));
    if (previous == null
        || !previous.path("pii").isTextual()
        || !fingerprint(model).equals(previous.path("model").asText())) {
      return Optional.empty();
    }
    return inputsOf(previous).equals(versions)
        ? Optional.of(previous.path("pii").asText())
        : Optional.empty();
  }

  /** The input versions a model's commit metadata records. */
  private static Map<String, Long> inputsOf(JsonNode metadata) {
    Map<String, Long> out = new TreeMap<>();
    metadata
        .path("inputs")
        .fields()
        .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
    return out;
  }

  private static JsonNode parse(String metadata) {
    if (metadata == null || metadata.isBlank()) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(metadata);
      return n.has("model") && n.has("inputs") ? n : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /**
   * A digest of everything that decides the model's content and its PII checks besides its inputs:
   * its SQL, partitioning, incremental setting, the definition's PII tags, the columns it may show
   * in clear and the hashing key.
   */
  private String fingerprint(ModelDef model) {
    String text =
        model.sql()
            + "\n"
            + model.partitionBy()
            + "\n"
            + model.incremental()
            + "\n"
            + (usesProtect ? keyFingerprint() : "")
            + "\n"
            + tagsText
            + "\n"
            + new TreeSet<>(model.piiInClear());
    // The rules that decide which rows are written: changing one rebuilds the model.
    List<QualityRule> quarantines =
        model.quality().stream().filter(r -> r.action() == QualityRule.Action.QUARANTINE).toList();
    if (!quarantines.isEmpty()) {
      text += "\n" + quarantines;
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Tells a changed key apart without revealing it: its own hash of a constant. */
  private String keyFingerprint() {
    registerFunctions();
    return keyFingerprint;
  }

  private synchronized void registerFunctions() {
    if (keyFingerprint == null) {
      String key = piiKey.get();
      Protect.register(spark, key);
      keyFingerprint =
          Protect.value(dev.dpf.core.definition.Pii.NAME, "dpf key fingerprint", key)
              .substring(0, 16);
    }
  }

  /** Registers the model's inputs that exist; returns those that do not. */
  private List<String> registerInputs(ModelDef model, Set<String> refs) {
    List<String> missing = new ArrayList<>();
    for (String ref : refs) {
      Zone zone = zoneOf(ref, model);
      if (!defined(ref)) {
        throw new DpfException(
            model.label()
                + " reads "
                + ref
                + ", which no source, dataset or model of the definition makes. Fix the table"
                + " name in the SQL file");
      }
      if (lake.exists(zone, nameOf(ref))) {
        lake.register(zone, nameOf(ref)); // so the SQL resolves to this lake's table
      } else {
        missing.add(ref);
      }
    }
    return missing;
  }

  private Dataset<Row> compile(ModelDef model) {
    if (usesProtect) {
      registerFunctions();
    }
    try {
      return spark.sql(model.sql());
    } catch (Exception e) {
      if (!(e instanceof AnalysisException analysis)) {
        throw e;
      }
      throw new DpfException(
          model.label()
              + " does not compile: "
              + analysis.getSimpleMessage().strip().replace('\n', ' ')
              + ". Fix the SQL file",
          e);
    }
  }

  private static void checkPartitionColumns(ModelDef model, Dataset<Row> rows) {
    List<String> columns = List.of(rows.columns());
    for (String p : model.partitionBy()) {
      if (!columns.contains(p)) {
        throw new DpfException(
            "Model '"
                + model.name()
                + "' is partitioned by '"
                + p
                + "' but its SQL ("
                + model.file()
                + ") has no such column (columns: "
                + columns
                + "). Fix models."
                + model.name()
                + ".partition_by or the SQL");
      }
    }
  }

  /** The tagged columns each output column of the model shows in clear. */
  private synchronized Map<String, Set<Exposure>> exposures(ModelDef model, Dataset<Row> rows) {
    Map<String, Set<Exposure>> out =
        new PiiLineage(this::tagsOf).outputs(rows.queryExecution().analyzed());
    Map<String, Set<Exposure>> lower = new HashMap<>();
    out.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    modelTags.put(model.table(), lower);
    return out;
  }

  /** Where a table holds tagged values in clear: by the definition, or by a model's lineage. */
  private synchronized Map<String, Set<Exposure>> tagsOf(String table) {
    Map<String, Set<Exposure>> tags = datasetTags.get(table);
    if (tags != null) {
      return tags;
    }
    ModelDef upstream = byTable.get(table);
    if (upstream == null) {
      return Map.of();
    }
    if (!modelTags.containsKey(table)) {
      List<String> missing = registerInputs(upstream, ModelSql.references(spark, upstream));
      if (!missing.isEmpty()) {
        throw new DpfException(
            "Cannot trace personal data through "
                + table
                + ": it needs "
                + String.join(", ", missing)
                + ", which is not in the lake");
      }
      exposures(upstream, compile(upstream));
    }
    return modelTags.get(table);
  }

  /**
   * A curated model may show a tagged column only through its {@code protect_<tag>} function, or
   * where its definition lists the output column under {@code pii_in_clear}.
   */
  private static void checkPiiPolicy(ModelDef model, Map<String, Set<Exposure>> exposed) {
    List<String> problems = new ArrayList<>();
    for (var e : exposed.entrySet()) {
      if (!e.getValue().isEmpty() && !model.piiInClear().contains(e.getKey())) {
        Exposure first = e.getValue().iterator().next();
        problems.add(
            "column '"
                + e.getKey()
                + "' shows "
                + e.getValue().stream().map(Exposure::toString).collect(Collectors.joining(", "))
                + " in clear (select "
                + Protect.function(first.tag())
                + "("
                + first.column()
                + ") instead)");
      }
    }
    if (!problems.isEmpty()) {
      throw new DpfException(
          model.label()
              + " breaks the PII policy: "
              + String.join("; ", problems)
              + ". Protect the column in the SQL, or allow it for this model only with"
              + " models."
              + model.name()
              + ".pii_in_clear");
    }
    for (String allowed : model.piiInClear()) {
      if (exposed.getOrDefault(allowed, Set.of()).isEmpty()) {
        throw new DpfException(
            "models."
                + model.name()
                + ".pii_in_clear lists '"
                + allowed
                + "', but the model ("
                + model.file()
                + ") has no such column showing personal data (columns: "
                + exposed.keySet()
                + "). Remove it from the list");
      }
    }
  }

  private static String piiNote(Map<String, Set<Exposure>> exposed) {
    List<String> clear = new ArrayList<>();
    exposed.forEach(
        (k, v) -> {
          if (!v.isEmpty()) {
            clear.add(k);
          }
        });
    return clear.isEmpty() ? "" : "; personal data in clear: " + String.join(", ", clear);
  }

  static String nameOf(String ref) {
    return ref.substring(ref.indexOf('.') + 1);
  }

  static Zone zoneOf(String ref, ModelDef model) {
    Optional<Zone> zone =
        Zone.of(ref)
            .filter(z -> z.ordinal() <= Zone.CURATED.ordinal())
            .filter(z -> z.ordinal() <= model.zone().ordinal());
    if (zone.isPresent()) {
      return zone.get();
    }
    throw new DpfException(
        model.label()
            + " reads "
            + ref
            + ", but a "
            + model.zone().dbName()
            + " model may only read consolidated"
            + (model.zone() == Zone.CURATED ? ", transformed or curated" : " or transformed")
            + " tables. Fix the SQL file");
  }
}
