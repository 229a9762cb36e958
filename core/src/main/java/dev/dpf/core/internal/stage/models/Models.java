package dev.dpf.core.internal.stage.models;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.api.Planned;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.pii.ColumnLineage;
import dev.dpf.core.internal.pii.PiiLineage.Exposure;
import dev.dpf.core.internal.quality.ExpectRules;
import dev.dpf.core.internal.quality.Quality;
import dev.dpf.core.internal.quality.QuarantineLimit;
import dev.dpf.core.internal.quality.TableRules;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.internal.stage.QualityResults;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.stage.TableFailure;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Runs SQL models: resolves their inputs ({@link ModelGraph}), compiles them ({@link
 * ModelCompiler}), checks the PII policy of curated models ({@link PiiPolicy}), decides what to
 * recompute ({@link ModelPlanner}) and writes each as a Delta table ({@link ModelWriter}): rebuilt,
 * recomputed only in the partitions or keys new data touched, or left as it is when no input
 * changed since it was written. What a model was computed from (its definition and the version of
 * every input) is recorded in the user metadata of its own Delta commit, so the record and the
 * table cannot disagree.
 */
public final class Models {
  private final PipelineDefinition definition;
  private final Lake lake;
  private final DeltaWriter tables;
  private final Instant startedAt;
  private final ModelGraph graph;
  private final ModelCompiler compiler;
  private final PiiPolicy pii;
  private final ModelPlanner planner;
  private final ModelWriter writer;
  private final QualityResults quality = new QualityResults();
  // Rebuild every model from scratch, whatever its inputs' versions say; allowEmpty: even when
  // that replaces a table that has rows by none (it stops the run otherwise).
  private final boolean fullRefresh;
  private final boolean allowEmpty;

  /**
   * @param piiKey the hashing key, asked for only if a model calls a {@code protect_} function
   */
  public Models(RunContext run, Supplier<String> piiKey) {
    this.definition = run.definition();
    this.lake = run.lake();
    this.tables = run.writer();
    this.startedAt = run.startedAt();
    this.graph = new ModelGraph(run.spark(), definition);
    this.compiler = new ModelCompiler(run.spark(), definition, lake, graph, piiKey);
    this.pii = new PiiPolicy(definition, graph, compiler);
    this.planner = new ModelPlanner(lake, graph, compiler, pii, tableKeys(definition));
    this.writer = new ModelWriter(lake, tables, run.runId());
    this.fullRefresh = run.options().fullRefresh();
    this.allowEmpty = run.options().allowEmpty();
  }

  /** Each dataset's table with a one-column key, and the key. */
  private static Map<String, String> tableKeys(PipelineDefinition definition) {
    Map<String, String> keys = new HashMap<>();
    for (var d : definition.datasets()) {
      if (d.key().size() == 1) {
        keys.put(d.table(), d.key().get(0));
      }
    }
    return keys;
  }

  /**
   * Turns on the change data feed of every existing table a model reads changes of (the fact table
   * of a model with an incremental setting, every input of one without), before any model records
   * its inputs' versions (turning it on is a commit).
   */
  public void enableChangeFeeds() {
    Set<TableName> feeds =
        new java.util.TreeSet<>(java.util.Comparator.comparing(Object::toString));
    for (ModelDef m : definition.models()) {
      Set<String> inputs =
          m.incremental().isPresent()
              ? Set.of(m.incremental().get().changesOf())
              : graph.references(m);
      for (String input : inputs) {
        TableName table = ModelGraph.input(input, m);
        if (graph.defined(input) && lake.exists(table)) {
          feeds.add(table);
        }
      }
    }
    feeds.forEach(tables::enableChangeDataFeed);
  }

  /** The zone's models, each after the models of the same zone it reads. */
  public List<ModelDef> ordered(Zone zone) {
    return graph.ordered(zone);
  }

  /**
   * Creates the model's table empty with the schema its SQL gives over the tables it reads, unless
   * it exists or one of those does not.
   */
  public TableResult createEmpty(ModelDef model) {
    long start = System.nanoTime();
    Set<String> refs = graph.references(model);
    List<String> missing = compiler.registerInputs(model, refs);
    if (!missing.isEmpty() && !lake.exists(model.tableName())) {
      return TableResult.skipped(
          Stage.INIT,
          model.table(),
          StageLog.seconds(start),
          "needs " + String.join(", ", missing) + " (made by the first run)");
    }
    boolean created =
        tables.createEmpty(
            model.tableName(),
            () -> {
              Dataset<Row> rows = compiler.compile(model);
              ModelCompiler.checkPartitionColumns(model, rows);
              return rows.schema();
            },
            model.partitionBy());
    return TableResult.init(model.table(), created, StageLog.seconds(start));
  }

  /** Runs one model in {@code stage} (transform or curate), as {@link ModelPlanner#decide} says. */
  public TableResult run(Stage stage, ModelDef model) {
    long start = System.nanoTime();
    Set<String> refs = graph.references(model);
    String from = "from " + String.join(", ", refs);
    ModelPlanner.Recorded recorded = planner.recorded(model);
    Decision decided = planner.decide(model, recorded, Set.of(), fullRefresh);
    if (decided instanceof Decision.Skip) {
      return TableResult.skipped(
          stage, model.table(), StageLog.seconds(start), decided.why() + " (not in the lake)");
    }
    Optional<String> recordedPii =
        decided instanceof Decision.UpToDate ? recorded.pii() : Optional.empty();
    if (recordedPii.isPresent()) {
      return upToDate(stage, model, start, from, recordedPii.get());
    }
    List<String> missing = compiler.registerInputs(model, refs);
    if (!missing.isEmpty()) {
      return TableResult.skipped(
          stage,
          model.table(),
          StageLog.seconds(start),
          "needs " + String.join(", ", missing) + " (not in the lake)");
    }
    Dataset<Row> rows = compiler.compile(model);
    Map<String, Set<Exposure>> exposed = checkCompiled(model, refs, rows);
    Map<String, Long> versions = new TreeMap<>();
    for (String ref : refs) {
      TableName input = ModelGraph.input(ref, model);
      versions.put(ref, lake.lastWriteVersion(input)); // as the planner compares them
    }
    String pii = PiiPolicy.note(exposed);
    if (decided instanceof Decision.UpToDate) { // a write that recorded no PII note
      return upToDate(stage, model, start, from, pii);
    }
    String metadata = ModelPlanner.metadata(planner.fingerprint(model), versions, pii);
    ModelPlanner.Plan plan = planner.scope(model, decided);
    rows = plan.read(rows);
    Quality.Subject subject = Quality.of(model, rows.schema());
    List<QualityResult> results = new ArrayList<>();
    Wrote wrote = write(stage, model, rows, plan, metadata, subject, results);
    ModelWriter.Written written = wrote.written();
    ModelWriter.Quarantined quarantined = wrote.quarantined();
    TableResult done =
        TableResult.of(stage, model.table(), TableResult.Status.OK)
            .action(plan.rebuilds() ? Planned.Action.REBUILD : Planned.Action.RECOMPUTE)
            .read(written.rows() + quarantined.rows())
            .written(written.rows())
            .quarantined(quarantined.rows())
            .seconds(StageLog.seconds(start))
            .note(from + "; " + written.how() + pii)
            .build();
    judgeTable(model, subject, done, results);
    return done;
  }

  /**
   * Stops a full refresh that would replace a model that has rows by none ({@code rows}, after
   * {@code rejected} were quarantined), unless {@code --allow-empty}.
   */
  private void refuseEmptyRefresh(ModelDef model, Dataset<Row> rows, long rejected) {
    if (!lake.exists(model.tableName())) {
      return;
    }
    long had = lake.rows(model.tableName());
    if (had > 0 && rows.isEmpty()) {
      throw TableFailure.emptyRefresh(
          model.table(),
          had,
          rejected > 0
              ? "every row it computed was quarantined"
              : "its SQL (" + model.file() + ") returns no row");
    }
  }

  /**
   * Judges the written model's table rules after its row rules' {@code results}; all are recorded,
   * and a failed fail rule stops the run with the table's counts ({@code done}).
   */
  private void judgeTable(
      ModelDef model, Quality.Subject subject, TableResult done, List<QualityResult> results) {
    if (model.quality().stream().anyMatch(r -> r.kind().tableLevel())) {
      results.addAll(TableRules.results(subject, lake.read(model.tableName()), startedAt));
    }
    publish(model, results);
    try {
      Quality.failIfAny(subject, results);
    } catch (Quality.RuleFailed e) {
      throw new TableFailure(done, List.of(), e); // the table is written: its counts stand
    }
  }

  /** What writing a model committed: its table's rows and its quarantine's. */
  private record Wrote(ModelWriter.Written written, ModelWriter.Quarantined quarantined) {}

  /**
   * Writes the model's rows ({@code rows}, compiled) in {@code plan}'s scope with {@code metadata},
   * after its row rules ({@code subject}; their results go to {@code results}): the rows they
   * reject to quarantine, the others to the table. The quarantine and the table commit together or
   * not at all: a failure undoes the quarantine written.
   */
  private Wrote write(
      Stage stage,
      ModelDef model,
      Dataset<Row> rows,
      ModelPlanner.Plan plan,
      String metadata,
      Quality.Subject subject,
      List<QualityResult> results) {
    boolean rowRules = model.quality().stream().anyMatch(r -> r.kind().rowLevel());
    Dataset<Row> checked = null;
    ModelWriter.Quarantined quarantined = ModelWriter.Quarantined.NONE;
    try {
      long rejected = 0;
      if (rowRules) {
        // The model's rows to write with its row rules checked, kept on disk.
        checked =
            Quality.withRowChecks(
                subject, ModelWriter.inScope(model, rows, plan), table -> Optional.empty());
        checked.persist(StageLog.WORKING_SET);
        Quality.Judged judged = Quality.judgeRows(subject, checked);
        results.addAll(judged.results());
        Quality.failIfAny(subject, judged.results());
        QuarantineLimit.judge(model.table(), subject, judged, checked, results);
        rejected = judged.rejected();
        rows =
            checked.filter(size(col(Columns.ERRORS)).equalTo(0)).select(ModelWriter.columns(rows));
      }
      if (fullRefresh && !allowEmpty) {
        refuseEmptyRefresh(model, rows, rejected);
      }
      quarantined = writer.quarantine(model, stage, checked, rejected, plan);
      return new Wrote(writer.write(model, rows, plan, metadata), quarantined);
    } catch (Throwable t) {
      try {
        writer.undo(model, stage, quarantined);
      } catch (RuntimeException undo) {
        t.addSuppressed(undo);
      }
      if (t instanceof Quality.RuleFailed) {
        publish(model, results); // they say why it stopped
      }
      throw t;
    } finally {
      if (checked != null) {
        checked.unpersist();
      }
    }
  }

  private void publish(ModelDef model, List<QualityResult> results) {
    quality.add(model.name(), results);
  }

  /**
   * Nothing changed the model ({@code from}: what it reads; {@code pii}: its PII note): its
   * table-level rules hold as they did, but for freshness, which time alone breaks: it is judged
   * again.
   */
  private TableResult upToDate(Stage stage, ModelDef model, long start, String from, String pii) {
    TableResult r =
        TableResult.upToDate(
            stage,
            model.table(),
            StageLog.seconds(start),
            from + "; inputs unchanged since the last run" + pii);
    if (model.quality().stream().anyMatch(q -> q.kind() == QualityRule.Kind.FRESHNESS)) {
      // The model's columns, from its checksum file where it has one: no Delta snapshot to load.
      StructType schema =
          lake.schemaJson(model.tableName())
              .map(json -> (StructType) org.apache.spark.sql.types.DataType.fromJson(json))
              .orElseGet(() -> lake.read(model.tableName()).schema());
      quality.rejudgeFreshness(lake, model.tableName(), Quality.of(model, schema), startedAt, r);
    }
    return r;
  }

  /**
   * Checks a compiled model: its partition columns, the PII policy (curated), its incremental
   * settings and the columns its quality rules read. Returns what each output column shows.
   *
   * @throws DpfException with the first problem found ({@link #problemsOf} finds them all)
   */
  private Map<String, Set<Exposure>> checkCompiled(
      ModelDef model, Set<String> refs, Dataset<Row> rows) {
    Map<String, Set<Exposure>> exposed = new java.util.LinkedHashMap<>();
    List<String> problems = problemsOf(model, refs, rows, exposed);
    if (!problems.isEmpty()) {
      throw new DpfException(DpfException.Kind.DEFINITION, problems.get(0));
    }
    return exposed;
  }

  /**
   * Every problem of a compiled model, each check on its own (a PII leak does not hide a quality
   * rule's unknown column); puts into {@code exposed} what each output column shows.
   */
  private List<String> problemsOf(
      ModelDef model, Set<String> refs, Dataset<Row> rows, Map<String, Set<Exposure>> exposed) {
    List<String> problems = new ArrayList<>();
    collect(problems, () -> ModelCompiler.checkPartitionColumns(model, rows));
    collect(
        problems,
        () -> {
          exposed.putAll(pii.exposures(model, rows));
          if (model.zone() == Zone.CURATED) {
            PiiPolicy.check(model, exposed);
          }
        });
    if (model.incremental().isPresent()) {
      String fact = model.incremental().get().changesOf();
      if (refs.contains(fact) && model.incremental().get().key() != null) {
        collect(problems, () -> compiler.checkKey(model, fact, rows));
      }
      if (!refs.contains(fact)) {
        problems.add(
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
      collect(
          problems,
          () -> {
            if (rule instanceof QualityRule.Expect expect) {
              ExpectRules.check(subject, expect, rows);
            } else {
              rule.columns().forEach(subject::column);
            }
          });
    }
    return problems;
  }

  /** Runs a check, adding the problem it finds to {@code problems}. */
  private static void collect(List<String> problems, Runnable check) {
    try {
      check.run();
    } catch (DpfException e) {
      problems.add(e.getMessage());
    }
  }

  /**
   * Compiles every model against the schemas its inputs declare, with no data and nothing written
   * (this instance's session is a {@link DeclaredCatalog#session} over {@code declared}, to which
   * each compiled model's schema is added). Returns every problem found, in model order; a model
   * reading one that does not compile is not compiled, and says so.
   */
  public List<String> validate(Map<String, StructType> declared) {
    return validate(declared, new HashMap<>());
  }

  /**
   * As above; puts into {@code lineage} each compiled model's columns with the table columns each
   * comes from ({@link ColumnLineage}).
   */
  public List<String> validate(
      Map<String, StructType> declared, Map<String, Map<String, Set<ColumnOrigin>>> lineage) {
    List<String> problems = new ArrayList<>();
    Map<String, Set<String>> refsOf = new java.util.LinkedHashMap<>();
    Set<String> broken = new HashSet<>();
    for (ModelDef m : definition.models()) {
      try {
        Set<String> refs = graph.references(m);
        for (String ref : refs) {
          if (!graph.defined(ref)) {
            throw graph.undefined(m, ref);
          }
          ModelDef dep = graph.model(ref).orElse(null);
          if (dep != null && dep.zone() == Zone.CURATED && m.zone() == Zone.TRANSFORMED) {
            throw new DpfException(
                DpfException.Kind.DEFINITION,
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
    // Each model once the models it reads are compiled (or known broken): in the run's order (one
    // topological sort), a cycle told as the run tells it and its models left out.
    List<String> cycles = new ArrayList<>();
    for (ModelDef next : compileOrder(refsOf, broken, cycles)) {
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
        Dataset<Row> rows = compiler.compile(next);
        List<String> found = problemsOf(next, refs, rows, new java.util.LinkedHashMap<>());
        if (!found.isEmpty()) {
          problems.addAll(found);
          broken.add(next.table());
          continue;
        }
        declared.put(next.table(), rows.schema());
        lineage.put(next.table(), ColumnLineage.of(rows.queryExecution().analyzed()));
      } catch (DpfException e) {
        problems.add(e.getMessage());
        broken.add(next.table());
      }
    }
    problems.addAll(cycles); // after what the other models' compilation found
    return problems;
  }

  /**
   * The models to compile (those not {@code broken}), each after the models it reads, by {@link
   * ModelGraph}'s order; each cycle is told in {@code cycles} as a run tells it, and its models are
   * marked broken and left out.
   */
  private List<ModelDef> compileOrder(
      Map<String, Set<String>> refsOf, Set<String> broken, List<String> cycles) {
    while (true) {
      List<ModelDef> left =
          definition.models().stream().filter(m -> !broken.contains(m.table())).toList();
      try {
        return graph.ordered(
            left,
            m ->
                refsOf.get(m.table()).stream()
                    .map(graph::model)
                    .flatMap(java.util.Optional::stream)
                    .filter(left::contains)
                    .toList());
      } catch (ModelGraph.Cycle cycle) {
        cycles.add(cycle.getMessage());
        cycle.models().forEach(m -> broken.add(m.table()));
      }
    }
  }

  /**
   * What {@link #run} would do now, without doing it; {@code changing}: the tables the same run
   * writes before it; {@code fullRefresh}: whether the run rebuilds it whatever its inputs say.
   */
  public Planned plan(Stage stage, ModelDef model, Set<String> changing, boolean fullRefresh) {
    return planner.decide(model, changing, fullRefresh).planned(stage, model.tableName());
  }

  /** The quality results of the models run so far, in the order of {@code models}. */
  public List<QualityResult> quality(List<ModelDef> models) {
    return quality.of(models.stream().map(ModelDef::name).toList());
  }

  /** As {@link #quality}, those to log ({@link QualityResults#toLog}). */
  public List<QualityResult> qualityToLog(List<ModelDef> models) {
    return quality.toLog(models.stream().map(ModelDef::name).toList());
  }
}
