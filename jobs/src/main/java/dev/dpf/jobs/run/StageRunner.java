package dev.dpf.jobs.run;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.Planned;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.Selection;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DefinitionException;
import dev.dpf.definition.PipelineDefinition;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;

/** Runs one stage, or all, for the CLI and the job mains alike, printing progress and a summary. */
public final class StageRunner {
  private static final DateTimeFormatter RUN_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private static IngestHooks hooks = IngestHooks.NONE;
  private static java.util.Map<String, String> environment = System.getenv();

  private StageRunner() {}

  /**
   * Tells {@code hooks} how far the ingests of this process's runs get: for an application that
   * embeds dpf, and for the tests that stop a run midway. None by default.
   */
  public static synchronized void hooks(IngestHooks ingestHooks) {
    hooks = ingestHooks;
  }

  /**
   * The environment the runs and plans of this process read (the PII hashing key, {@code
   * DPF_PII_KEY}): the process's own by default; an application that embeds dpf may pass its
   * secrets instead.
   */
  public static synchronized void environment(java.util.Map<String, String> variables) {
    environment = java.util.Map.copyOf(variables);
  }

  /**
   * The environment the runs and plans of this process read (see {@link
   * #environment(java.util.Map)}).
   */
  public static synchronized java.util.Map<String, String> environment() {
    return environment;
  }

  /**
   * Checks that a run of the lake at {@code lake} has a PII hashing key, as this process is set up
   * (its environment, the session's settings): a lake on object storage without one refuses with
   * one line ({@link Pipeline#requirePiiKey}).
   */
  public static synchronized void requirePiiKey(String lake, SparkSession spark) {
    Pipeline.requirePiiKey(spark, environment, lake);
  }

  public static PipelineDefinition definition(JobOptions options) {
    return DefinitionSource.load(options.definition(), StageRunner::hadoopConfiguration);
  }

  /** The running session's Hadoop configuration (S3 settings come from Spark's), else a default. */
  private static org.apache.hadoop.conf.Configuration hadoopConfiguration() {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    return active.isDefined()
        ? active.get().sparkContext().hadoopConfiguration()
        : new org.apache.hadoop.conf.Configuration();
  }

  /** Checks the inputs a stage needs before Spark starts, so mistakes fail fast. */
  public static PipelineDefinition prepare(Stage stage, JobOptions options) {
    PipelineDefinition definition = definition(options);
    if (stage == Stage.ERASE) {
      EraseRequest.parse(
          options
              .erase()
              .orElseThrow(
                  () ->
                      new DpfException(
                          "The erase job needs --erase 'DATASET KEY=VALUE', for example"
                              + " --erase 'customers customer_id=103' (and --purge true to remove"
                              + " the files at once)")));
    }
    boolean readsRaw = stage == Stage.RUN || stage == Stage.INGEST;
    if (readsRaw && options.raw().isEmpty()) {
      throw new DpfException(
          "No raw root given. Pass --raw with the folder or URI of the raw zone");
    }
    if (readsRaw
        && !options.raw().contains("://")
        && !java.nio.file.Files.isDirectory(Path.of(options.raw()))) {
      // A local root is checked here, before Spark starts; a remote one when it is opened.
      throw RawRoot.missing(options.raw());
    }
    return definition;
  }

  /**
   * Prints what a run would do with each table, and why, after checking the definition; writes
   * nothing. Returns the plan.
   *
   * @throws DpfException when the definition has problems
   */
  public static List<Planned> plan(
      JobOptions options, PipelineDefinition definition, SparkSession spark, PrintWriter out) {
    long start = System.nanoTime();
    Lake lake = new Lake(spark, options.lake());
    String lakeNote = "";
    try {
      Sessions.requireLake(options.lake(), spark.sparkContext().hadoopConfiguration());
    } catch (DpfException e) {
      lakeNote = "  (no lake there yet: a run makes one)";
    }
    out.printf(
        "dpf plan  a dry run: nothing is written%n  definition %s%n  raw        %s%n  lake       %s%s%n",
        definition.file(), options.raw(), lake.root(), lakeNote);
    out.flush();
    Pipeline pipeline =
        pipeline(options, definition, spark, lake).run("plan", Instant.now()).build();
    List<String> problems = pipeline.validate(true); // as the run would; nothing written
    if (!problems.isEmpty()) {
      throw DefinitionException.all(definition.file(), problems);
    }
    RawRoot raw = RawRoot.open(options.raw(), spark.sparkContext().hadoopConfiguration());
    List<Planned> plan = pipeline.plan(raw);
    for (Planned p : plan) {
      out.println(Report.planned(p));
    }
    List<String> warnings = pipeline.warnings();
    if (!warnings.isEmpty()) {
      out.println();
      out.println("Warnings");
      warnings.forEach(w -> out.println("  " + w));
    }
    long changes = plan.stream().filter(p -> p.action().changes()).count();
    out.printf(
        "%n%d of %d table(s) would change; nothing was written (%.1fs)%n",
        changes, plan.size(), (System.nanoTime() - start) / 1e9);
    out.flush();
    if (options.results().isPresent()) {
      RunResults.write(
          options.results().get(),
          RunResults.planJson(definition.file(), options.raw(), lake.root(), plan, warnings),
          spark.sparkContext().hadoopConfiguration());
    }
    return plan;
  }

  /**
   * The pipeline of a run, or of its plan: one construction for both, so that a plan decides with
   * what the run has (the environment's PII key, the selection, a full refresh).
   */
  private static Pipeline.Builder pipeline(
      JobOptions options, PipelineDefinition definition, SparkSession spark, Lake lake) {
    Pipeline.Builder pipeline =
        Pipeline.builder(spark, definition, lake)
            .fullRefresh(options.fullRefresh())
            .allowEmpty(options.allowEmpty())
            .reingest(options.reingest())
            .environment(environment)
            .hooks(hooks);
    if (!options.select().isEmpty() || !options.exclude().isEmpty()) {
      Selection selection = Selection.of(spark, definition);
      pipeline.select(selection, selection.choose(options.select(), options.exclude()));
    }
    return pipeline;
  }

  /** A new run's id: its start to the second (UTC) and 8 random hex digits. */
  public static String newRunId(Instant started) {
    return RUN_ID.format(started) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Runs the stage and returns its results.
   *
   * @throws DpfException when the stage fails for a reason the user can fix
   */
  public static List<TableResult> run(
      Stage stage,
      JobOptions options,
      PipelineDefinition definition,
      SparkSession spark,
      PrintWriter out) {
    return run(stage, options, definition, spark, out, Progress.every(false));
  }

  /** As above, long tables' progress repeating {@code every}. */
  public static List<TableResult> run(
      Stage stage,
      JobOptions options,
      PipelineDefinition definition,
      SparkSession spark,
      PrintWriter out,
      java.time.Duration every) {
    try (Progress progress = new Progress(spark.sparkContext(), out, Progress.FIRST, every)) {
      return run(stage, options, definition, spark, out, progress);
    }
  }

  private static List<TableResult> run(
      Stage stage,
      JobOptions options,
      PipelineDefinition definition,
      SparkSession spark,
      PrintWriter out,
      Progress progress) {
    Instant started = Instant.now();
    String runId = newRunId(started);
    Lake lake = new Lake(spark, options.lake());
    out.printf(
        "dpf %s  run %s%n  definition %s%n  raw        %s%n  lake       %s%n",
        stage.label(),
        runId,
        definition.file(),
        options.raw().isEmpty() ? "-" : options.raw(),
        lake.root());
    List<TableResult> reported = java.util.Collections.synchronizedList(new ArrayList<>());
    Pipeline pipeline =
        pipeline(options, definition, spark, lake)
            .run(runId, started)
            .listener(
                r -> {
                  reported.add(r);
                  told(out, progress, r);
                })
            .onStart(progress::started)
            .build();
    java.util.function.BiFunction<String, DpfException.Kind, RunResults.Run> summary =
        (error, kind) ->
            new RunResults.Run(
                runId,
                stage.label(),
                definition.file(),
                options.raw(),
                lake.root(),
                started,
                Instant.now(),
                List.copyOf(reported),
                pipeline.quality(),
                pipeline.warnings(),
                error,
                kind);
    List<TableResult> results;
    try {
      results = stage(stage, options, definition, spark, out, pipeline);
    } catch (RuntimeException e) {
      // What the rules found explains many failures: show it before the error.
      printQuality(out, pipeline);
      writeResults(options, spark, summary.apply(firstLine(e), Exit.kind(e)), e);
      throw e;
    }
    printSummary(stage, out, pipeline, results, started);
    String error = options.failOnWarn() ? warnedOf(pipeline) : null;
    if (error != null) {
      pipeline.failed(error); // the run log says so too, not only the exit code
    }
    writeResults(
        options,
        spark,
        summary.apply(error, error == null ? null : DpfException.Kind.QUALITY),
        null);
    if (error != null) {
      throw new DpfException(DpfException.Kind.QUALITY, error);
    }
    return results;
  }

  /** Tells of a table that finished, with the line it gets. */
  private static void told(PrintWriter out, Progress progress, TableResult r) {
    progress.finished(r.table());
    synchronized (progress) {
      out.println(Report.line(r));
      out.flush();
    }
  }

  /** The run's summary, its reconciliation (a stage that writes rows) and its quality results. */
  private static void printSummary(
      Stage stage, PrintWriter out, Pipeline pipeline, List<TableResult> results, Instant started) {
    out.println();
    out.print(Report.summary(results, secondsSince(started)));
    String reconciliation = stage == Stage.INIT ? "" : Report.reconciliation(results);
    if (!reconciliation.isEmpty()) {
      out.println();
      out.print(reconciliation);
    }
    printQuality(out, pipeline);
    out.flush();
  }

  /** Checks the definition (once per lake), tells what a re-ingest replaces, runs the stage. */
  private static List<TableResult> stage(
      Stage stage,
      JobOptions options,
      PipelineDefinition definition,
      SparkSession spark,
      PrintWriter out,
      Pipeline pipeline) {
    if (stage != Stage.INGEST) { // ingest runs no SQL
      List<String> problems = pipeline.validateOnce();
      if (!problems.isEmpty()) {
        throw DefinitionException.all(definition.file(), problems);
      }
    }
    RawRoot raw =
        stage == Stage.RUN || stage == Stage.INGEST
            ? RawRoot.open(options.raw(), spark.sparkContext().hadoopConfiguration())
            : null;
    if (!options.reingest().isEmpty()) {
      if (raw == null) {
        throw new DpfException(
            "--reingest applies to the stages that ingest: run and ingest, not " + stage.label());
      }
      for (String told : pipeline.reingest(raw)) {
        out.println(told);
      }
      out.flush();
    }
    return switch (stage) {
      case INIT -> pipeline.init();
      case RUN -> pipeline.run(raw);
      case INGEST -> pipeline.ingest(raw);
      case TRANSFORM -> pipeline.transform();
      case CURATE -> pipeline.curate();
      case REPLAY -> pipeline.replay();
      case MAINTAIN -> pipeline.maintain();
      case ERASE -> {
        EraseRequest request = EraseRequest.parse(options.erase().orElseThrow());
        yield pipeline.erase(request.dataset(), request.key(), options.purge());
      }
      case RESTORE -> throw new IllegalArgumentException("restore has a command of its own");
    };
  }

  /**
   * Writes the results where {@code --results} says, if it does; a failure to write them is added
   * to {@code failure} when the run failed already.
   */
  private static void writeResults(
      JobOptions options, SparkSession spark, RunResults.Run run, RuntimeException failure) {
    if (options.results().isEmpty()) {
      return;
    }
    try {
      RunResults.write(
          options.results().get(),
          RunResults.json(run),
          spark.sparkContext().hadoopConfiguration());
    } catch (RuntimeException e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
  }

  /** A failure's message in one line, as the command line prints it. */
  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().filter(l -> !l.isBlank()).findFirst().orElse(e.toString()).strip();
  }

  /**
   * What a run that warnings fail ({@code --fail-on-warn}) fails with: the quality rules that
   * warned and the run's other warnings; null when there are none.
   */
  static String warnedOf(Pipeline pipeline) {
    long rules =
        pipeline.quality().stream().filter(q -> q.status() == QualityResult.Status.WARNED).count();
    List<String> others = pipeline.warnings();
    List<String> parts = new ArrayList<>();
    if (rules > 0) {
      parts.add(rules + " quality rule(s) warned");
    }
    if (!others.isEmpty()) {
      parts.add(
          others.size()
              + (rules > 0 ? " other" : "")
              + " warning(s) ("
              + String.join("; ", others)
              + ")");
    }
    return parts.isEmpty()
        ? null
        : String.join(" and ", parts) + ", and warnings fail this run (--fail-on-warn)";
  }

  /** The quality rules' results, then the run's other warnings. */
  private static void printQuality(PrintWriter out, Pipeline pipeline) {
    String quality = Report.quality(pipeline.quality());
    if (!quality.isEmpty()) {
      out.println();
      out.print(quality);
    }
    List<String> warnings = pipeline.warnings();
    if (!warnings.isEmpty()) {
      out.println();
      out.println("Warnings");
      warnings.forEach(w -> out.println("  " + w));
    }
    out.flush();
  }

  private static double secondsSince(Instant start) {
    return (Instant.now().toEpochMilli() - start.toEpochMilli()) / 1000.0;
  }
}
