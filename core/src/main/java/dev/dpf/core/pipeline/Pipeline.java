package dev.dpf.core.pipeline;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.Planned;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.Selection;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.pii.PiiKey;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.stage.datasets.Transform;
import dev.dpf.core.internal.stage.erase.Erase;
import dev.dpf.core.internal.stage.models.Models;
import dev.dpf.core.internal.stage.sources.ConsolidatedColumns;
import dev.dpf.core.internal.stage.sources.Ingest;
import dev.dpf.core.internal.stage.sources.Reingest;
import dev.dpf.core.internal.stage.versions.LakeDiff;
import dev.dpf.core.internal.stage.versions.Maintain;
import dev.dpf.core.internal.stage.versions.Restore;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three generic stages, driven by the definition: ingest (raw to consolidated), transform
 * (consolidated to transformed) and curate (transformed to curated). Each stage reports one {@link
 * TableResult} per table to the listener as it finishes it, and returns them all.
 *
 * <p>Made by a {@link Builder} with everything a run is told (its id and start, listeners, options,
 * selection, sources to re-ingest), which it keeps: a plan and the run after it decide with the
 * same options. No argument may be null. A problem the user can fix (a definition that does not
 * check, a quality rule set to {@code fail}, a lake another process holds) is a {@link
 * dev.dpf.core.DpfException} saying problem, cause and fix; a table's failure is also reported as a
 * {@link TableResult.Status#FAILED} result and written to {@link SystemTables#RUNS} before the
 * stage stops.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final RunContext run;
  private final Selection selection; // null: every table
  private final Set<String> chosen;
  private final Map<String, String> environment;
  private final List<QualityResult> quality = new ArrayList<>();
  private final Set<String> warnings =
      java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
  private final DefinitionCheck check;
  private final StageLog log;
  private final Stages stages;
  private String piiKey;
  private Models models;
  private Map<String, String> stale; // a selected table -> the note on its stale inputs
  // Whether a stage that writes has started; whether models were compiled with PROCESS_KEY.
  private boolean writing;
  private boolean readingKey;

  /** The key a pipeline that only reads compiles with when the lake has none yet. */
  private static final String PROCESS_KEY = processKey();

  private static String processKey() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  private Pipeline(Builder b) {
    this.spark = b.spark;
    this.definition = b.definition;
    this.lake = b.lake;
    this.selection = b.selection;
    this.chosen = b.chosen;
    this.environment = b.environment;
    this.piiKey = b.piiKey;
    this.run =
        new RunContext(
            spark,
            definition,
            lake,
            new DeltaWriter(lake),
            b.runId,
            b.startedAt,
            new RunContext.Options(
                b.fullRefresh, b.allowEmpty, Reingest.names(b.reingest), b.hooks));
    this.check = new DefinitionCheck(run);
    this.log = new StageLog(run, b.listener);
    log.onStart(b.onStart);
    this.stages = new Stages(run, log, quality, this::selected, this::models);
  }

  /** A pipeline of {@code definition} on {@code lake}, to be told its run and options. */
  public static Builder builder(SparkSession spark, PipelineDefinition definition, Lake lake) {
    return new Builder(spark, definition, lake);
  }

  /**
   * What a pipeline is told before it starts, each setting once; by default a run named {@code run}
   * starting now, no listeners, no options, every table, nothing re-ingested.
   */
  public static final class Builder {
    private final SparkSession spark;
    private final PipelineDefinition definition;
    private final Lake lake;
    private String runId = "run";
    private Instant startedAt = Instant.now();
    private Consumer<TableResult> listener = r -> {};
    private java.util.function.BiConsumer<String, String> onStart = (stage, table) -> {};
    private boolean fullRefresh;
    private boolean allowEmpty;
    private IngestHooks hooks = IngestHooks.NONE;
    private Map<String, String> environment = Map.of();
    private String piiKey;
    private Selection selection;
    private Set<String> chosen;
    private List<String> reingest = List.of();

    private Builder(SparkSession spark, PipelineDefinition definition, Lake lake) {
      this.spark = java.util.Objects.requireNonNull(spark, "spark");
      this.definition = java.util.Objects.requireNonNull(definition, "definition");
      this.lake = java.util.Objects.requireNonNull(lake, "lake");
    }

    /**
     * @param runId identifies this run in lineage and quarantine columns
     * @param startedAt the run's start, stamped as {@code _ingested_at}
     */
    public Builder run(String runId, Instant startedAt) {
      this.runId = java.util.Objects.requireNonNull(runId, "runId");
      this.startedAt = java.util.Objects.requireNonNull(startedAt, "startedAt");
      return this;
    }

    /** Tells {@code listener} of each table as it finishes. */
    public Builder listener(Consumer<TableResult> listener) {
      this.listener = java.util.Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Tells {@code starts} of each table as its work starts: (stage, table). */
    public Builder onStart(java.util.function.BiConsumer<String, String> starts) {
      this.onStart = java.util.Objects.requireNonNull(starts, "starts");
      return this;
    }

    /**
     * Rebuilds the (selected) datasets from all their consolidated rows and the models from
     * scratch, whatever the logs say; ingest is unchanged (consolidated tables are append-only
     * history).
     */
    public Builder fullRefresh(boolean on) {
      this.fullRefresh = on;
      return this;
    }

    /**
     * Lets a full refresh replace a table that has rows by none (it stops the run otherwise: a
     * wrong format that rejects every row, an input emptied by mistake).
     */
    public Builder allowEmpty(boolean on) {
      this.allowEmpty = on;
      return this;
    }

    /** Tells {@code hooks} how far each ingest got (a crash test stops the process there). */
    public Builder hooks(IngestHooks hooks) {
      this.hooks = java.util.Objects.requireNonNull(hooks, "hooks");
      return this;
    }

    /**
     * The process environment, where the PII hashing key may be ({@link PiiKey#ENV}); none by
     * default.
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(environment);
      return this;
    }

    /**
     * Uses {@code key} to hash personal data in models, instead of the key from the environment or
     * the lake ({@link PiiKey}).
     */
    public Builder piiKey(String key) {
      this.piiKey = java.util.Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * Runs only the {@code chosen} tables of {@code selection} ({@link Selection#choose}); each
     * other table of a stage is reported {@code not selected} and not touched.
     */
    public Builder select(Selection selection, Set<String> chosen) {
      this.selection = java.util.Objects.requireNonNull(selection, "selection");
      this.chosen = Set.copyOf(chosen);
      return this;
    }

    /**
     * Reads every raw file of these sources again (names separated by commas or spaces, {@code
     * source:} optional), replacing their consolidated tables (and their ingest quarantine) instead
     * of appending; their datasets are then rebuilt from the new rows. {@link Pipeline#reingest}
     * tells what that will do.
     */
    public Builder reingest(List<String> sources) {
      this.reingest = List.copyOf(sources);
      return this;
    }

    public Pipeline build() {
      return new Pipeline(this);
    }
  }

  /**
   * Creates each zone's folder (and, with a metastore, its database) and, empty, every transformed
   * and curated table the definition makes, with the schema a run gives it, so that queries and
   * tools can see them before data arrives. Tables that exist are left alone: it can run at any
   * time. Consolidated tables take their columns from what the sources deliver; the first ingest
   * creates them.
   */
  public List<TableResult> init() {
    writes();
    for (Zone zone : Zone.values()) {
      lake.createDatabase(zone);
    }
    List<TableResult> out = new ArrayList<>();
    Transform transform = new Transform(run);
    for (DatasetDef dataset : definition.datasets()) {
      SourceDef source = definition.source(dataset.source()).orElseThrow();
      for (TableResult r :
          transform.createEmpty(
              dataset, ConsolidatedColumns.emptyConsolidated(spark, definition, source))) {
        out.add(log.report(r));
      }
    }
    for (Zone zone : List.of(Zone.TRANSFORMED, Zone.CURATED)) {
      for (ModelDef model : models().ordered(zone)) {
        out.add(log.report(models().createEmpty(model)));
      }
    }
    return out;
  }

  /**
   * Checks what reading the definition cannot: compiles each dataset's expect rules and each
   * model's SQL (unknown tables and columns, types, the PII policy, incremental settings, quality
   * rule columns, cycles) against the schemas the definition declares, with no data and nothing
   * written. Returns every problem found; empty when there are none.
   */
  public List<String> validate() {
    return validate(false);
  }

  /**
   * As {@link #validate()}; {@code withLake}: a consolidated or transformed table the lake has
   * counts with the columns it has beyond the declared ones (raw fields a source delivers, columns
   * {@code on_new_columns: add} kept), as a run would see them.
   */
  public List<String> validate(boolean withLake) {
    return check.problems(withLake, new java.util.HashMap<>());
  }

  /**
   * Each model's columns (by model table, in the definition's order) with the table columns each is
   * computed from and the functions that hide them on the way, as compiled against the lake's
   * schemas ({@link #validate(boolean)}); a model that does not compile is left out. A lake where
   * this definition passed {@link #validateOnce} keeps it from then, and it is read, not traced.
   */
  public Map<String, Map<String, Set<ColumnOrigin>>> columnLineage() {
    return check.columnLineage();
  }

  /**
   * {@link #validate}, unless the same definition passed before on this lake: a marker named by the
   * definition's fingerprint (its whole content, with the SQL, and the dpf and Spark versions)
   * under {@code _system/validated} is written when it passes, so a run compiles a definition once,
   * not on every run.
   */
  public List<String> validateOnce() {
    writes();
    return check.validateOnce();
  }

  /**
   * What a run of all three stages would do with each table, and why, in run order, without doing
   * it: reads the raw listing ({@code raw}; null: ingest is not planned), the logs and the tables'
   * metadata, and writes nothing. A table outside the selection is {@code not selected}; the tables
   * a selected one reads that are not selected count as they are now.
   */
  public List<Planned> plan(RawRoot raw) {
    Reingest.check(definition, run.options().reingest(), this::selected);
    return plan(raw, this::selected);
  }

  /**
   * As {@link #plan(RawRoot)}, planning the tables {@code planned} takes (the others are not
   * selected); a full refresh applies to the run's selection alone, whatever is planned.
   */
  private List<Planned> plan(RawRoot raw, Predicate<String> planned) {
    List<Planned> out = new ArrayList<>();
    Map<String, Planned.Action> changing = new java.util.HashMap<>();
    java.util.function.Consumer<Planned> add =
        p -> {
          out.add(p);
          if (p.action().changes()) {
            changing.put(p.table().toString(), p.action());
          }
        };
    if (raw != null) {
      Ingest ingest = new Ingest(run);
      for (SourceDef source : definition.sources()) {
        add.accept(
            planned.test(source.table())
                ? ingest.plan(raw, source, ingest.listing(raw, source))
                : Planned.notSelected(Stage.INGEST, source.tableName()));
      }
      warnings.addAll(ingest.warnings());
    }
    Transform transform = new Transform(run);
    for (DatasetDef dataset : definition.datasets()) {
      Planned p =
          planned.test(dataset.table())
              ? transform.plan(
                  dataset,
                  changing.get(dataset.sourceTable()),
                  run.options().fullRefresh() && selected(dataset.table()))
              : Planned.notSelected(Stage.TRANSFORM, dataset.tableName());
      Transform.withHistory(dataset, p).forEach(add);
    }
    for (Zone zone : List.of(Zone.TRANSFORMED, Zone.CURATED)) {
      Stage stage = zone == Zone.TRANSFORMED ? Stage.TRANSFORM : Stage.CURATE;
      for (ModelDef model : models().ordered(zone)) {
        add.accept(
            planned.test(model.table())
                ? models()
                    .plan(
                        stage,
                        model,
                        changing.keySet(),
                        run.options().fullRefresh() && selected(model.table()))
                : Planned.notSelected(stage, model.tableName()));
      }
    }
    return out;
  }

  /**
   * For a run with a selection: notes each selected table that reads a table outside it which a
   * full run would change (every table planned, a full refresh applying to the selection alone), so
   * that its run line says its inputs are stale.
   */
  private void noteStaleInputs(RawRoot raw) {
    if (chosen == null || stale != null) {
      return;
    }
    Set<String> wouldChange = new HashSet<>();
    for (Planned p : plan(raw, table -> true)) {
      if (p.action().changes()) {
        wouldChange.add(p.table().toString());
      }
    }
    stale = new java.util.HashMap<>();
    for (String table : selection.all()) {
      if (!selection.contains(chosen, table)) {
        continue;
      }
      List<String> out =
          selection.inputs(table).stream()
              .filter(in -> !selection.contains(chosen, in) && wouldChange.contains(in))
              .toList();
      if (!out.isEmpty()) {
        stale.put(table, "inputs not selected and out of date: " + String.join(", ", out));
      }
    }
    log.stale(stale);
  }

  /** All three stages in order. */
  public List<TableResult> run(RawRoot raw) {
    writes();
    noteStaleInputs(raw);
    List<TableResult> all = new ArrayList<>(ingest(raw));
    all.addAll(transform());
    all.addAll(curate());
    return all;
  }

  /**
   * Raw to consolidated: appends the records of raw files not ingested before; every record kept. A
   * source that fails does not stop the others: each is ingested, then the first failure is thrown.
   */
  public List<TableResult> ingest(RawRoot raw) {
    Reingest.check(definition, run.options().reingest(), this::selected);
    writes();
    noteStaleInputs(raw);
    Ingest ingest = new Ingest(run, this::piiKey);
    try {
      return log.logged(Stage.INGEST, () -> stages.ingest(raw, ingest));
    } finally {
      warnings.addAll(ingest.warnings());
    }
  }

  /**
   * What this pipeline's plans and runs so far warned of besides quality rules, one line each, in
   * order: a source whose path has no folder in the raw zone (a mistyped path most likely: its
   * tables are skipped), with the close folder that exists.
   */
  public List<String> warnings() {
    synchronized (warnings) {
      return List.copyOf(warnings);
    }
  }

  /**
   * Consolidated to transformed: each dataset conformed to its types (a dataset after those its
   * {@code references} rules read), then the transformed-zone models.
   */
  public List<TableResult> transform() {
    writes();
    noteStaleInputs(null);
    return log.logged(Stage.TRANSFORM, () -> stages.transform(new Transform(run)));
  }

  /**
   * Replays each selected dataset's quarantined rows with the definition as it is now ({@link
   * Transform#replay}): rows that pass now enter the table, each once; the rest stay quarantined.
   * Recorded in the run log and reconciled like a transform.
   */
  public List<TableResult> replay() {
    writes();
    return log.logged(Stage.REPLAY, () -> stages.replay(new Transform(run)));
  }

  /**
   * What {@link #restore} would do with each table of the lake, in zone order: its version and rows
   * now, and the version and rows the run {@code runId} left. Reads the logs, writes nothing.
   *
   * @throws DpfException when the lake has no record of that run's versions, or one of them is no
   *     longer whole (removed by maintenance)
   */
  public List<RestoreStep> planRestore(String runId) {
    return Restore.plan(lake, runId).stream()
        .map(
            s ->
                new RestoreStep(
                    s.table().toString(), s.action(), s.now(), s.to(), s.rowsNow(), s.rowsThen()))
        .toList();
  }

  /**
   * One table's part of a restore.
   *
   * @param table {@code zone.table}
   * @param action {@code restore}, {@code empty} (the run did not have the table) or {@code
   *     unchanged}
   * @param now the table's latest version
   * @param to the version it goes back to (-1: emptied)
   * @param rowsNow its rows now
   * @param rowsThen its rows after the restore
   */
  public record RestoreStep(
      String table, String action, long now, long to, long rowsNow, long rowsThen) {}

  /**
   * Puts every table of the lake back to the version it had at the end of the run {@code runId}
   * (but the run, quality and manifest logs), with new commits, as this pipeline's run; logged like
   * a stage. Run again after it was stopped, it finishes what is left.
   */
  public List<TableResult> restore(String runId) {
    writes();
    List<Restore.Step> plan = Restore.plan(lake, runId); // refused before the run writes anything
    return log.logged(Stage.RESTORE, () -> Restore.apply(run, log, runId, plan));
  }

  /**
   * Keeps the lake's storage to what its kept runs need, as the definition's {@code maintenance}
   * says ({@link dev.dpf.definition.Maintenance}): compacts each table's small files, purges the
   * rows deletion vectors removed, and removes the files that neither a table's latest version nor
   * a kept run's version reads. Logged like a stage; changes no row.
   */
  public List<TableResult> maintain() {
    writes();
    return log.logged(Stage.MAINTAIN, () -> Maintain.apply(run, log, definition.maintenance()));
  }

  /**
   * What {@link #erase} would remove: per table, and per dataset whose rows it holds, the rows of
   * the subject now and the table's rows. Reads only.
   *
   * @throws DpfException for a dataset the definition does not have, a key that is not its whole
   *     key, or a value that does not parse as its column's type
   */
  public List<EraseStep> planErase(String dataset, Map<String, String> key) {
    return Erase.plan(lake, definition, dataset, key).steps().stream()
        .map(s -> new EraseStep(s.table().toString(), s.dataset(), s.rows(), s.total()))
        .toList();
  }

  /**
   * One table's part of an erase.
   *
   * @param table {@code zone.table}
   * @param dataset the dataset whose rows in it are removed
   * @param rows the subject's rows it removes
   * @param total the table's rows now
   */
  public record EraseStep(String table, String dataset, long rows, long total) {}

  /**
   * Removes the data subject {@code dataset} {@code key} (column to value, the dataset's whole key)
   * from the lake as this pipeline's run: its rows, and the rows that reference them (following the
   * definition's {@code references} rules), from the consolidated and transformed tables, history
   * and quarantine; the erased keys are recorded, hashed, in {@link SystemTables#ERASED} so that
   * later ingests withhold them; then the transformed and curated models are brought up to date.
   * With {@code purge}, the files that the latest versions of those tables and of every model do
   * not read are removed at once (as {@code maintain} would remove them after the runs and days it
   * keeps), also after an earlier erase of the same subject.
   */
  public List<TableResult> erase(String dataset, Map<String, String> key, boolean purge) {
    writes();
    Erase.Plan plan = Erase.plan(lake, definition, dataset, key); // refused before any write
    String hashKey = piiKey();
    List<TableResult> out =
        new ArrayList<>(log.logged(Stage.ERASE, () -> Erase.apply(run, log, plan, hashKey)));
    out.addAll(transform());
    out.addAll(curate());
    if (purge) {
      // Every table that held or may have held the subject, also when an earlier erase removed
      // its rows: the erased datasets' tables and every model.
      java.util.Set<TableName> tables = new java.util.LinkedHashSet<>();
      plan.steps().forEach(s -> tables.add(s.table()));
      definition.models().forEach(m -> tables.add(TableName.of(m.table())));
      tables.removeIf(t -> !lake.exists(t));
      out.addAll(log.logged(Stage.MAINTAIN, () -> Maintain.purge(run, log, List.copyOf(tables))));
    }
    return out;
  }

  /**
   * What changed in each (selected) table of the lake between the end of run {@code from} and the
   * end of run {@code to}, in zone order: rows inserted, updated and deleted by the table's key
   * (whole rows for a table without one), from its change data feed where it keeps one, else by
   * comparing the two versions; with up to {@code examples} keys of each kind. Reads only.
   *
   * @throws DpfException when the lake has no record of either run's versions
   */
  public List<TableDiff> diff(String from, String to, int examples) {
    LakeRuns runs = new LakeRuns(lake);
    return new LakeDiff(lake, definition)
            .diff(runs.versionsAt(from), runs.versionsAt(to), t -> selected(t.toString()), examples)
            .stream()
            .map(
                d ->
                    new TableDiff(
                        d.table().toString(),
                        d.from(),
                        d.to(),
                        d.key(),
                        d.method(),
                        d.inserted(),
                        d.updated(),
                        d.deleted(),
                        d.examples()))
            .toList();
  }

  /**
   * One table's changes between two runs ({@link #diff}).
   *
   * @param table {@code zone.table}
   * @param from its version at the end of the first run (-1: it had none)
   * @param to its version at the end of the second run (-1: it had none)
   * @param key the columns rows are matched by; empty: whole rows
   * @param method {@code change data feed}, {@code keyed comparison}, {@code row comparison} or
   *     {@code same version}
   * @param examples a few changed keys: {@code + } inserted, {@code ~ } updated, {@code - } deleted
   */
  public record TableDiff(
      String table,
      long from,
      long to,
      List<String> key,
      String method,
      long inserted,
      long updated,
      long deleted,
      List<String> examples) {}

  /**
   * Ends this run as failed for a reason outside any one table ({@code why}, one line: warnings
   * that fail the run), after its stages: {@link SystemTables#RUNS} gets a {@code failed} row for
   * the run ({@code (run)}), so the run log says what the caller's exit code says.
   */
  public void failed(String why) {
    log.runFailed(why);
  }

  /** The quality rules' results of this pipeline's datasets and models so far, in order. */
  public List<QualityResult> quality() {
    return List.copyOf(quality);
  }

  /** Transformed to curated: the curated-zone models, each after the models it reads. */
  public List<TableResult> curate() {
    writes();
    noteStaleInputs(null);
    return log.logged(Stage.CURATE, stages::curate);
  }

  /**
   * What re-ingesting each of the {@link Builder#reingest} sources will do, with the raw files now
   * under {@code raw}: one line each, to be told before the run starts.
   *
   * @throws DpfException for a name that is not a source, or a source outside the selection
   */
  public List<String> reingest(RawRoot raw) {
    return Reingest.describe(definition, lake, run.options().reingest(), raw, this::selected);
  }

  private boolean selected(String table) {
    return chosen == null || selection.contains(chosen, table);
  }

  /**
   * The PII hashing key. A pipeline that writes makes the lake's key file if there is none; one
   * that only reads (a plan) writes nothing: it compiles with a key of its own, never stored, and
   * so plans a rebuild of a model hashed with another key, as the run that makes the key does.
   */
  private synchronized String piiKey() {
    if (piiKey != null) {
      return piiKey;
    }
    String keyFile = spark.conf().get(PiiKey.FILE_CONF, null);
    var conf = spark.sparkContext().hadoopConfiguration();
    java.util.Optional<PiiKey> found =
        writing
            ? java.util.Optional.of(PiiKey.resolve(environment, keyFile, lake.root(), conf))
            : PiiKey.find(environment, keyFile, lake.root(), conf);
    if (found.isEmpty()) {
      readingKey = true;
      return PROCESS_KEY;
    }
    LOG.info("PII hashing key from {}", found.get().origin());
    piiKey = found.get().value();
    return piiKey;
  }

  /** The environment variable a process can hold the PII hashing key in. */
  public static final String PII_KEY_ENV = PiiKey.ENV;

  /**
   * Whether the lake at {@code lakeRoot} is on object storage ({@code s3://} and the like), where
   * no PII hashing key is made inside the lake: its writers must be given one.
   */
  public static boolean onObjectStorage(String lakeRoot) {
    return PiiKey.onObjectStorage(lakeRoot);
  }

  /**
   * Checks that a writer of the lake at {@code lakeRoot} has a PII hashing key, from {@code
   * environment} ({@value #PII_KEY_ENV}), the session's {@code spark.dpf.pii.keyFile} or the lake's
   * key file; a local lake without one gets its key file made.
   *
   * @throws DpfException when the lake is on object storage and has none
   */
  public static void requirePiiKey(
      SparkSession spark, Map<String, String> environment, String lakeRoot) {
    PiiKey.resolve(
        environment,
        spark.conf().get(PiiKey.FILE_CONF, null),
        lakeRoot,
        spark.sparkContext().hadoopConfiguration());
  }

  /**
   * Marks this pipeline as one that writes the lake (a stage runs); models compiled with a reader's
   * key before are compiled again with the lake's.
   */
  private synchronized void writes() {
    writing = true;
    if (readingKey) {
      readingKey = false;
      models = null;
    }
    if (PiiKey.onObjectStorage(lake.root())) {
      piiKey(); // before anything is written: a writer there must have been given the key
    }
  }

  private synchronized Models models() {
    if (models == null) {
      models = new Models(run, this::piiKey);
    }
    return models;
  }
}
