package dev.dpf.core.stage;

import dev.dpf.core.DpfException;
import dev.dpf.core.definition.DatasetDef;
import dev.dpf.core.definition.ModelDef;
import dev.dpf.core.definition.PipelineDefinition;
import dev.dpf.core.definition.QualityRule;
import dev.dpf.core.definition.SourceDef;
import dev.dpf.core.definition.TableName;
import dev.dpf.core.definition.Zone;
import dev.dpf.core.ingest.IngestHooks;
import dev.dpf.core.pii.ColumnLineage;
import dev.dpf.core.pii.PiiKey;
import dev.dpf.core.quality.Quality;
import dev.dpf.core.quality.QualityLog;
import dev.dpf.core.quality.QualityResult;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.RawRoot;
import dev.dpf.core.transform.Conform;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three generic stages, driven by the definition: ingest (raw to consolidated), transform
 * (consolidated to transformed) and curate (transformed to curated). Each stage reports one {@link
 * TableResult} per table to the listener as it finishes it, and returns them all.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final String runId;
  private final Instant startedAt;
  private final Consumer<TableResult> listener;
  private final List<QualityResult> quality = new ArrayList<>();
  // Reported, not yet in the run log; tables of a stage report from several threads.
  private final List<TableResult> unlogged = Collections.synchronizedList(new ArrayList<>());
  private final Set<Throwable> failedRowKept =
      Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private String piiKey;
  private IngestHooks hooks = IngestHooks.NONE;
  private Map<String, String> environment = Map.of();
  private Models models;
  private java.util.function.BiConsumer<String, String> starts = (stage, table) -> {};
  private boolean fullRefresh;
  private Selection selection;
  private Set<String> chosen; // null: every table
  private Map<String, String> stale; // a selected table -> the note on its stale inputs
  private Set<String> reingest = Set.of();

  /**
   * @param runId identifies this run in lineage and quarantine columns
   * @param startedAt the run's start, stamped as {@code _ingested_at}
   * @param listener told of each table as it finishes
   */
  public Pipeline(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      String runId,
      Instant startedAt,
      Consumer<TableResult> listener) {
    this.spark = spark;
    this.definition = definition;
    this.lake = lake;
    this.runId = runId;
    this.startedAt = startedAt;
    this.listener = listener;
  }

  /**
   * Creates each zone's catalog database and, empty, every transformed and curated table the
   * definition makes, with the schema a run gives it, so that queries and tools can see them before
   * data arrives. Tables that exist are left alone: it can run at any time. Consolidated tables
   * take their columns from what the sources deliver; the first ingest creates them.
   */
  public List<TableResult> init() {
    for (Zone zone : Zone.values()) {
      lake.createDatabase(zone);
    }
    List<TableResult> out = new ArrayList<>();
    Transform transform = new Transform(spark, lake, runId, startedAt);
    for (DatasetDef dataset : definition.datasets()) {
      SourceDef source = definition.source(dataset.source()).orElseThrow();
      for (TableResult r :
          transform.createEmpty(dataset, Ingest.emptyConsolidated(spark, definition, source))) {
        out.add(report(r));
      }
    }
    for (Zone zone : List.of(Zone.TRANSFORMED, Zone.CURATED)) {
      for (ModelDef model : models().ordered(zone)) {
        out.add(report(models().createEmpty(model)));
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
    return check(withLake, new java.util.HashMap<>());
  }

  /**
   * Each model's columns (by model table, in the definition's order) with the table columns each is
   * computed from and the functions that hide them on the way, as compiled against the lake's
   * schemas ({@link #validate(boolean)}); a model that does not compile is left out. A lake where
   * this definition passed {@link #validateOnce} keeps it from then, and it is read, not traced.
   */
  public Map<String, Map<String, Set<ColumnLineage.Origin>>> columnLineage() {
    org.apache.hadoop.fs.Path marker = validatedMarker();
    try {
      var fs = marker.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(marker)) {
        try (var in = fs.open(marker)) {
          String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          if (!json.isBlank()) {
            return ColumnLineage.fromJson(json); // as the run's check traced it
          }
        }
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      // unreadable, or not what validateOnce writes: traced again below
    }
    Map<String, Map<String, Set<ColumnLineage.Origin>>> lineage =
        new java.util.concurrent.ConcurrentHashMap<>();
    check(true, lineage);
    return ordered(lineage);
  }

  /** Lineage by model in the definition's order. */
  private Map<String, Map<String, Set<ColumnLineage.Origin>>> ordered(
      Map<String, Map<String, Set<ColumnLineage.Origin>>> lineage) {
    Map<String, Map<String, Set<ColumnLineage.Origin>>> ordered = new java.util.LinkedHashMap<>();
    for (ModelDef m : definition.models()) {
      if (lineage.containsKey(m.table())) {
        ordered.put(m.table(), lineage.get(m.table()));
      }
    }
    return ordered;
  }

  private List<String> check(
      boolean withLake, Map<String, Map<String, Set<ColumnLineage.Origin>>> lineage) {
    List<String> problems = new ArrayList<>();
    Map<String, StructType> declared = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, Dataset<Row>> empty = new java.util.HashMap<>(); // by source name
    for (SourceDef source : definition.sources()) {
      empty.put(source.name(), Ingest.emptyConsolidated(spark, definition, source));
      declared.put(source.table(), empty.get(source.name()).schema());
    }
    for (DatasetDef dataset : definition.datasets()) {
      Dataset<Row> consolidated = empty.get(dataset.source());
      declared.put(dataset.table(), Transform.tableSchema(dataset, consolidated, List.of()));
      if (dataset.history() == DatasetDef.History.SCD2) {
        declared.put(
            Zone.TRANSFORMED.dbName() + "." + dataset.historyTable(),
            HistoryWriter.schema(dataset, consolidated));
      }
      Dataset<Row> conformed = Conform.withConformed(dataset, consolidated);
      for (QualityRule rule : dataset.quality()) {
        if (rule instanceof QualityRule.Expect expect) {
          try {
            Quality.check(Quality.of(dataset), expect, conformed);
          } catch (DpfException e) {
            problems.add(e.getMessage());
          }
        }
      }
    }
    if (withLake) {
      declared.replaceAll(
          (table, schema) ->
              TableName.parse(table)
                  .flatMap(t -> lake.schemaJson(t.zone(), t.name()))
                  .map(
                      json ->
                          widened(
                              schema,
                              (StructType) org.apache.spark.sql.types.DataType.fromJson(json)))
                  .orElse(schema));
    }
    SparkSession session = DeclaredCatalog.session(spark, declared);
    try {
      // Nothing is hashed: any key compiles the protect_ functions.
      problems.addAll(
          new Models(session, definition, lake, () -> "validate", runId, startedAt)
              .validate(declared, lineage));
    } finally {
      DeclaredCatalog.close(session);
    }
    return problems;
  }

  /**
   * {@link #validate}, unless the same definition passed before on this lake: a marker named by the
   * definition's fingerprint (its whole content, with the SQL, and the dpf and Spark versions)
   * under {@code _system/validated} is written when it passes, so a run compiles a definition once,
   * not on every run.
   */
  public List<String> validateOnce() {
    org.apache.hadoop.fs.Path marker = validatedMarker();
    try {
      var fs = marker.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(marker)) {
        return List.of();
      }
      Map<String, Map<String, Set<ColumnLineage.Origin>>> lineage =
          new java.util.concurrent.ConcurrentHashMap<>();
      List<String> problems = check(true, lineage);
      if (problems.isEmpty()) {
        // The marker keeps the column lineage the check traced, for the site (columnLineage).
        try (var out = fs.create(marker, true)) {
          out.write(
              ColumnLineage.toJson(ordered(lineage))
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      return problems;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The marker of this definition having passed {@link #validateOnce} on this lake: named by the
   * definition's fingerprint (its whole content, with the SQL, and the dpf and Spark versions).
   */
  private org.apache.hadoop.fs.Path validatedMarker() {
    String fingerprint;
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(
                  (definition
                          + "\n"
                          + Pipeline.class.getPackage().getImplementationVersion()
                          + "\n"
                          + spark.version())
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      fingerprint = java.util.HexFormat.of().formatHex(d, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return new org.apache.hadoop.fs.Path(
        lake.root(), Zone.SYSTEM.dbName() + "/validated/" + fingerprint);
  }

  /**
   * What a run of all three stages would do with each table, and why, in run order, without doing
   * it: reads the raw listing ({@code raw}; null: ingest is not planned), the logs and the tables'
   * metadata, and writes nothing. A table outside the selection is {@code not selected}; the tables
   * a selected one reads that are not selected count as they are now.
   */
  public List<Planned> plan(RawRoot raw) {
    List<Planned> out = new ArrayList<>();
    Map<String, Planned.Action> changing = new java.util.HashMap<>();
    java.util.function.Consumer<Planned> add =
        p -> {
          out.add(p);
          if (p.action().changes()) {
            changing.put(p.table(), p.action());
          }
        };
    if (raw != null) {
      Ingest ingest =
          new Ingest(spark, definition, lake, runId, startedAt).reingest(reingest).hooks(hooks);
      for (SourceDef source : definition.sources()) {
        add.accept(
            selected(source.table())
                ? ingest.plan(raw, source, raw.list(source.path()))
                : notSelectedPlan("ingest", source.table()));
      }
    }
    Transform transform = new Transform(spark, lake, runId, startedAt).fullRefresh(fullRefresh);
    for (DatasetDef dataset : definition.datasets()) {
      Planned p =
          selected(dataset.table())
              ? transform.plan(
                  dataset, changing.get(Zone.CONSOLIDATED.dbName() + "." + dataset.source()))
              : notSelectedPlan("transform", dataset.table());
      add.accept(p);
      if (dataset.history() == DatasetDef.History.SCD2) {
        add.accept(
            new Planned(
                "transform",
                Zone.TRANSFORMED.dbName() + "." + dataset.historyTable(),
                p.action(),
                p.action() == Planned.Action.NOT_SELECTED
                    ? p.why()
                    : "with " + dataset.table() + ", its versions"));
      }
    }
    for (Zone zone : List.of(Zone.TRANSFORMED, Zone.CURATED)) {
      String stage = zone == Zone.TRANSFORMED ? "transform" : "curate";
      for (ModelDef model : models().ordered(zone)) {
        add.accept(
            selected(model.table())
                ? models().plan(stage, model, changing.keySet())
                : notSelectedPlan(stage, model.table()));
      }
    }
    return out;
  }

  private static Planned notSelectedPlan(String stage, String table) {
    return new Planned(stage, table, Planned.Action.NOT_SELECTED, "outside --select and --exclude");
  }

  /**
   * For a run with a selection: notes each selected table that reads a table outside it which a
   * full run would change ({@link #plan} of every table), so that its run line says its inputs are
   * stale.
   */
  private void noteStaleInputs(RawRoot raw) {
    if (chosen == null || stale != null) {
      return;
    }
    Set<String> kept = chosen;
    chosen = null; // plan every table
    Set<String> wouldChange = new HashSet<>();
    try {
      for (Planned p : plan(raw)) {
        if (p.action().changes()) {
          wouldChange.add(p.table());
        }
      }
    } finally {
      chosen = kept;
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
  }

  /** {@code declared} with the fields of {@code actual} it does not have, at its end. */
  private static StructType widened(StructType declared, StructType actual) {
    StructType out = declared;
    java.util.Set<String> names = new HashSet<>();
    for (String n : declared.fieldNames()) {
      names.add(n.toLowerCase(java.util.Locale.ROOT));
    }
    for (var f : actual.fields()) {
      if (names.add(f.name().toLowerCase(java.util.Locale.ROOT))) {
        out = out.add(f);
      }
    }
    return out;
  }

  /** All three stages in order. */
  public List<TableResult> run(RawRoot raw) {
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
    noteStaleInputs(raw);
    return logged(
        "ingest",
        () -> {
          Ingest ingest =
              new Ingest(spark, definition, lake, runId, startedAt).reingest(reingest).hooks(hooks);
          List<TableGraph.Task> tasks = new ArrayList<>();
          long bytes = 0;
          for (SourceDef source : definition.sources()) {
            if (!selected(source.table())) {
              continue;
            }
            List<RawRoot.RawFile> listed = raw.list(source.path());
            bytes += listed.stream().mapToLong(RawRoot.RawFile::size).sum();
            tasks.add(
                new TableGraph.Task(
                    source.table(),
                    Set.of(),
                    () ->
                        step(
                            "ingest",
                            source.table(),
                            () -> List.of(ingest.source(raw, source, listed)))));
          }
          try (Codegen c = Codegen.forInput(spark, "ingest", bytes)) {
            List<TableResult> out = new ArrayList<>(TableGraph.run(spark, tasks, true));
            out.addAll(
                notSelected(
                    "ingest", definition.sources().stream().map(SourceDef::table).toList()));
            return out;
          } finally {
            ingest.closeBatches();
          }
        });
  }

  /**
   * Consolidated to transformed: each dataset conformed to its types (a dataset after those its
   * {@code references} rules read), then the transformed-zone models.
   */
  public List<TableResult> transform() {
    noteStaleInputs(null);
    return logged(
        "transform",
        () -> {
          List<TableResult> out = new ArrayList<>();
          Transform transform =
              new Transform(spark, lake, runId, startedAt).fullRefresh(fullRefresh);
          List<TableGraph.Task> tasks = new ArrayList<>();
          List<DatasetDef> datasets =
              definition.datasets().stream().filter(d -> selected(d.table())).toList();
          for (DatasetDef dataset : datasets) {
            Set<String> after = new HashSet<>();
            for (String to : dataset.referencedDatasets()) {
              after.add(Zone.TRANSFORMED.dbName() + "." + to);
            }
            tasks.add(
                new TableGraph.Task(
                    dataset.table(),
                    after,
                    () -> step("transform", dataset.table(), () -> transform.dataset(dataset))));
          }
          Set<String> sources = new HashSet<>();
          datasets.forEach(d -> sources.add(d.source()));
          long bytes = 0;
          for (String source : sources) {
            bytes = plus(bytes, lake.sizeBytes(Zone.CONSOLIDATED, source));
          }
          try (Codegen c = Codegen.forInput(spark, "transform datasets", bytes);
              ShufflePartitions p =
                  ShufflePartitions.forInput(spark, "transform datasets", bytes)) {
            try {
              out.addAll(TableGraph.run(spark, tasks, false));
            } finally {
              transform.logApplied();
              List<QualityResult> results = transform.quality(datasets);
              quality.addAll(results);
              QualityLog.append(spark, lake, runId, results);
            }
          }
          out.addAll(
              notSelected(
                  "transform", definition.datasets().stream().map(DatasetDef::table).toList()));
          models().enableChangeFeeds();
          out.addAll(runModels("transform", Zone.TRANSFORMED));
          return out;
        });
  }

  /**
   * Replays each selected dataset's quarantined rows with the definition as it is now ({@link
   * Transform#replay}): rows that pass now enter the table, each once; the rest stay quarantined.
   * Recorded in the run log and reconciled like a transform.
   */
  public List<TableResult> replay() {
    return logged(
        "replay",
        () -> {
          Transform transform = new Transform(spark, lake, runId, startedAt);
          List<DatasetDef> datasets =
              definition.datasets().stream().filter(d -> selected(d.table())).toList();
          List<TableResult> out = new ArrayList<>();
          try {
            for (DatasetDef d : datasets) {
              out.addAll(step("replay", d.table(), () -> transform.replay(d)));
            }
          } finally {
            List<QualityResult> results = transform.quality(datasets);
            quality.addAll(results);
            QualityLog.append(spark, lake, runId, results);
          }
          out.addAll(
              notSelected(
                  "replay", definition.datasets().stream().map(DatasetDef::table).toList()));
          return out;
        });
  }

  /** The zone's models, each once the models it reads are done. */
  private List<TableResult> runModels(String stage, Zone zone) {
    List<TableGraph.Task> tasks = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (ModelDef model : models().ordered(zone)) {
      if (!selected(model.table())) {
        skipped.add(model.table());
        continue;
      }
      tasks.add(
          new TableGraph.Task(
              model.table(),
              ModelSql.references(spark, model),
              () -> step(stage, model.table(), () -> List.of(models().run(stage, model)))));
    }
    long bytes = inputBytes(tasks);
    List<TableResult> out = new ArrayList<>();
    try (Codegen c = Codegen.forInput(spark, stage + " models", bytes);
        ShufflePartitions p = ShufflePartitions.forInput(spark, stage + " models", bytes)) {
      out.addAll(TableGraph.run(spark, tasks, false));
    } finally {
      List<QualityResult> results = models().quality(models().ordered(zone));
      quality.addAll(results);
      QualityLog.append(spark, lake, runId, results);
    }
    out.addAll(notSelected(stage, skipped));
    return out;
  }

  /**
   * The bytes of the tables the tasks read that exist before they run (the tables a model reads
   * among the same tasks are made from those).
   */
  private long inputBytes(List<TableGraph.Task> tasks) {
    Set<String> made = new HashSet<>();
    tasks.forEach(t -> made.add(t.table()));
    Set<String> read = new HashSet<>();
    tasks.forEach(t -> read.addAll(t.after()));
    long bytes = 0;
    for (String table : read) {
      Optional<TableName> input = TableName.parse(table);
      if (!made.contains(table) && input.isPresent()) {
        bytes = plus(bytes, lake.sizeBytes(input.get().zone(), input.get().name()));
      }
    }
    return bytes;
  }

  /** {@code a + b}, or Long.MAX_VALUE when {@code b} is not known. */
  private static long plus(long a, java.util.OptionalLong b) {
    return b.isPresent() && a != Long.MAX_VALUE ? a + b.getAsLong() : Long.MAX_VALUE;
  }

  /** The quality rules' results of this pipeline's datasets and models so far, in order. */
  public List<QualityResult> quality() {
    return List.copyOf(quality);
  }

  /** Transformed to curated: the curated-zone models, each after the models it reads. */
  public List<TableResult> curate() {
    noteStaleInputs(null);
    return logged(
        "curate",
        () -> {
          models().enableChangeFeeds();
          return runModels("curate", Zone.CURATED);
        });
  }

  /**
   * Runs only the {@code chosen} tables of {@code selection} ({@link Selection#choose}); each other
   * table of a stage is reported {@code not selected} and not touched.
   */
  public Pipeline select(Selection selection, Set<String> chosen) {
    this.selection = selection;
    this.chosen = Set.copyOf(chosen);
    return this;
  }

  private boolean selected(String table) {
    return chosen == null || selection.contains(chosen, table);
  }

  /** Reports each of {@code tables} that is not selected; returns those results. */
  private List<TableResult> notSelected(String stage, List<String> tables) {
    List<TableResult> out = new ArrayList<>();
    for (String t : tables) {
      if (!selected(t)) {
        out.add(report(TableResult.notSelected(stage, t)));
      }
    }
    return out;
  }

  /**
   * Rebuilds the (selected) datasets from all their consolidated rows and the models from scratch,
   * whatever the logs say; ingest is unchanged (consolidated tables are append-only history).
   */
  public Pipeline fullRefresh(boolean on) {
    this.fullRefresh = on;
    return this;
  }

  /**
   * Reads every raw file of these sources again, replacing their consolidated tables (and their
   * ingest quarantine) instead of appending; their datasets are then rebuilt from the new rows.
   * Returns, for each, what that will do, to be told before the run starts.
   *
   * @throws DpfException for a name that is not a source, or a source outside the selection
   */
  public List<String> reingest(List<String> sources, RawRoot raw) {
    List<String> told = new ArrayList<>();
    Set<String> names = new java.util.LinkedHashSet<>();
    for (String arg : sources) {
      for (String name : arg.split("[,\\s]+")) {
        if (!name.isEmpty()) {
          names.add(name.startsWith("source:") ? name.substring("source:".length()) : name);
        }
      }
    }
    for (String name : names) {
      SourceDef source =
          definition
              .source(name)
              .orElseThrow(
                  () ->
                      new DpfException(
                          "--reingest "
                              + name
                              + ": no such source. The sources are "
                              + String.join(
                                  ", ",
                                  definition.sources().stream().map(SourceDef::name).toList())));
      if (!selected(source.table())) {
        throw new DpfException(
            "--reingest "
                + name
                + ": "
                + source.table()
                + " is outside --select and --exclude. Select it too (--select source:"
                + name
                + ")");
      }
      List<RawRoot.RawFile> files = raw.list(source.path());
      long rows = lake.exists(Zone.CONSOLIDATED, name) ? lake.rows(Zone.CONSOLIDATED, name) : 0;
      List<String> datasets =
          definition.datasets().stream()
              .filter(d -> d.source().equals(name))
              .map(DatasetDef::table)
              .toList();
      told.add(
          String.format(
              "--reingest %s: %s (%,d row(s)) is replaced by every record of the %d raw file(s)"
                  + " now under %s/ (%,d bytes), read again; its ingest quarantine is replaced too%s",
              name,
              source.table(),
              rows,
              files.size(),
              source.path(),
              files.stream().mapToLong(RawRoot.RawFile::size).sum(),
              datasets.isEmpty()
                  ? ""
                  : "; " + String.join(", ", datasets) + " rebuilt from the new rows"));
    }
    this.reingest = Set.copyOf(names);
    return told;
  }

  /** Tells {@code starts} of each table as its work starts: (stage, table). */
  public Pipeline onStart(java.util.function.BiConsumer<String, String> starts) {
    this.starts = starts;
    return this;
  }

  /** Tells {@code hooks} how far each ingest got (a crash test stops the process there). */
  public Pipeline hooks(IngestHooks hooks) {
    this.hooks = hooks;
    return this;
  }

  /**
   * The process environment, where the PII hashing key may be ({@link PiiKey#ENV}); none by
   * default.
   */
  public Pipeline environment(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
    return this;
  }

  /**
   * Uses {@code key} to hash personal data in models, instead of the key from the environment or
   * the lake ({@link PiiKey}).
   */
  public Pipeline piiKey(String key) {
    this.piiKey = key;
    return this;
  }

  private synchronized Models models() {
    if (models == null) {
      models =
          new Models(
              spark,
              definition,
              lake,
              () -> {
                if (piiKey == null) {
                  PiiKey k =
                      PiiKey.resolve(
                          environment,
                          spark.conf().get(PiiKey.FILE_CONF, null),
                          lake.root(),
                          spark.sparkContext().hadoopConfiguration());
                  LOG.info("PII hashing key from {}", k.origin());
                  piiKey = k.value();
                }
                return piiKey;
              },
              runId,
              startedAt);
      models.fullRefresh(fullRefresh);
    }
    return models;
  }

  /**
   * Does the work of one table and reports its results; when it fails, a {@code failed} result for
   * the table, carrying the error, is kept for the run log.
   */
  private List<TableResult> step(String stage, String table, Supplier<List<TableResult>> work) {
    long start = System.nanoTime();
    List<TableResult> result;
    starts.accept(stage, table);
    // The table's Spark jobs form a group named after it, so that progress can be told per table.
    spark.sparkContext().setJobGroup(table, stage + " " + table, false);
    try {
      result = work.get();
    } catch (RuntimeException e) {
      TableResult failed = TableResult.failed(stage, table, seconds(start), e);
      LOG.error("{} {}: failed: {}", stage, table, failed.note());
      unlogged.add(failed);
      failedRowKept.add(e);
      throw e;
    } finally {
      spark.sparkContext().clearJobGroup();
    }
    List<TableResult> reported = new ArrayList<>();
    for (TableResult r : result) {
      reported.add(report(r));
    }
    unlogged.addAll(reported);
    return reported;
  }

  /**
   * Runs a stage and appends what it reported to the run log, {@code _system.runs}, whether it
   * succeeds or fails: a failed run's record says what it committed and where it stopped (a failure
   * outside any one table is a {@code failed} row for the stage). A stage in which every table was
   * up-to-date or skipped changed nothing: its rows wait for a later stage that changes something,
   * so a run with nothing new leaves the lake as it found it (a scheduler polling for new data does
   * not grow the run log).
   */
  private List<TableResult> logged(String stage, Supplier<List<TableResult>> body) {
    long start = System.nanoTime();
    List<TableResult> results;
    try {
      results = body.get();
    } catch (RuntimeException e) {
      if (!failedRowKept.contains(e)) {
        unlogged.add(TableResult.failed(stage, "(" + stage + " stage)", seconds(start), e));
      }
      try {
        RunLog.append(spark, lake, runId, unlogged);
        unlogged.clear();
      } catch (RuntimeException logError) {
        e.addSuppressed(logError);
      }
      throw e;
    }
    boolean changed =
        unlogged.stream()
            .anyMatch(
                r ->
                    r.status() != TableResult.Status.UP_TO_DATE
                        && r.status() != TableResult.Status.SKIPPED);
    if (changed) {
      RunLog.append(spark, lake, runId, unlogged);
      unlogged.clear();
    }
    return results;
  }

  private synchronized TableResult report(TableResult r) {
    if (stale != null
        && stale.containsKey(r.table())
        && r.status() != TableResult.Status.NOT_SELECTED) {
      r = r.withNote(stale.get(r.table()));
    }
    LOG.info(
        "{} {}: {} read={} written={} quarantined={} in {}s ({})",
        r.stage(),
        r.table(),
        r.status(),
        r.rowsRead(),
        r.rowsWritten(),
        r.rowsQuarantined(),
        String.format("%.1f", r.seconds()),
        r.note());
    listener.accept(r);
    return r;
  }

  /**
   * How a stage keeps the rows it reads more than once (parsed records, conformed rows, ranked
   * changes): on local disk, never in the heap. An in-memory cache counts against the heap, and a
   * partition spilled from it is read back whole: 10 million payment events ran out of a 2 GB heap.
   */
  static final StorageLevel WORKING_SET = StorageLevel.DISK_ONLY();

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
