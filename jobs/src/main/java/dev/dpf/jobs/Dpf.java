package dev.dpf.jobs;

import dev.dpf.core.DpfException;
import dev.dpf.core.definition.PipelineDefinition;
import dev.dpf.core.definition.Zone;
import dev.dpf.core.generate.SampleGenerator;
import dev.dpf.core.stage.TableResult;
import dev.dpf.core.storage.Lake;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code dpf} command line: runs the pipeline locally and lets analysts query the lake. */
@Command(
    name = "dpf",
    mixinStandardHelpOptions = true,
    version = "dpf 0.1.0",
    description =
        "Data Pipeline Foundations: raw -> consolidated -> transformed -> curated Delta tables.",
    subcommands = {
      Dpf.Init.class,
      Dpf.Validate.class,
      Dpf.Run.class,
      Dpf.Plan.class,
      Dpf.Ingest.class,
      Dpf.Transform.class,
      Dpf.Curate.class,
      Dpf.QuarantineCommand.class,
      Dpf.Sql.class,
      Dpf.Tables.class,
      Dpf.Describe.class,
      DocsCommand.class,
      Dpf.Serve.class,
      Dpf.Generate.class,
      Produce.class,
      Upload.class,
      Dms.class,
      Extract.class
    })
public final class Dpf implements Runnable {
  /** Exit code for a failure the user can fix (bad definition, missing input, bad query). */
  static final int EXIT_USER_ERROR = 1;

  /** Exit code for an unexpected failure. */
  static final int EXIT_INTERNAL_ERROR = 3;

  /** The checkout's root, set by bin/dpf, for the default definition and sample data. */
  static final String HOME_PROPERTY = "dpf.home";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  /** Runs the command line, printing to {@code out} and {@code err}; returns the exit code. */
  static int execute(String[] args, PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new Dpf()).setCaseInsensitiveEnumValuesAllowed(true);
    cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          Throwable user = userError(e);
          if (user != null) {
            err.println("dpf: " + user.getMessage());
            return EXIT_USER_ERROR;
          }
          err.println("dpf: unexpected error: " + e);
          e.printStackTrace(err);
          return EXIT_INTERNAL_ERROR;
        });
    try {
      return cli.execute(args);
    } finally {
      Sessions.stop();
    }
  }

  private static Throwable userError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DpfException || t instanceof org.apache.spark.sql.AnalysisException) {
        return t;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String denied = accessDenied(t);
      if (denied != null) {
        return new DpfException(
            "Access denied: "
                + denied
                + ". Check that this user can write the lake and read the raw zone",
            e);
      }
    }
    return null;
  }

  /**
   * What a file-system error that the user fixes with permissions says (a read-only folder, a
   * denied S3 request), in one line; null for any other error.
   */
  static String accessDenied(Throwable t) {
    if (t instanceof java.nio.file.AccessDeniedException
        || t instanceof org.apache.hadoop.security.AccessControlException) {
      return firstLine(t.getMessage());
    }
    String m = t instanceof java.io.IOException ? t.getMessage() : null;
    if (m != null
        && (m.contains("Permission denied")
            || m.contains("Operation not permitted")
            || m.contains("Read-only file system"))) {
      return firstLine(m);
    }
    return null;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("").strip();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Optional<Path> home() {
    String h = System.getProperty(HOME_PROPERTY);
    return h == null || h.isBlank() ? Optional.empty() : Optional.of(Path.of(h));
  }

  /** A command's definition and session. */
  record Started(PipelineDefinition definition, SparkSession spark) {}

  /**
   * Loads the definition and starts the session in the order its location needs: a local file is
   * read before Spark starts, so mistakes fail fast; a Hadoop path (s3a://...) once the session is
   * up, with its settings.
   */
  static Started start(
      JobOptions options,
      java.util.function.Function<JobOptions, PipelineDefinition> load,
      java.util.function.Supplier<SparkSession> session) {
    if (DefinitionSource.isHadoopPath(options.definition())) {
      SparkSession spark = session.get();
      return new Started(load.apply(options), spark);
    }
    PipelineDefinition definition = load.apply(options);
    return new Started(definition, session.get());
  }

  /** Levels {@code --log-level} takes. */
  enum LogLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG
  }

  /** Options of the commands that start Spark: the definition and Spark's settings. */
  static class SessionOptions {
    @Option(
        names = "--definition",
        paramLabel = "FILE",
        description =
            "Pipeline definition: a file or a Hadoop URI such as s3a://bucket/pipeline.yaml"
                + " (default: src/pipeline.yaml of this checkout, else the one in the jar).")
    String definition;

    @Option(
        names = "--master",
        paramLabel = "URL",
        defaultValue = "local[*]",
        description = "Spark master for this local run (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(
        names = "--log-level",
        paramLabel = "LEVEL",
        description =
            "Level of the logs on standard error: error, warn, info or debug (default: warn).")
    LogLevel logLevel;

    @Option(
        names = "--conf",
        paramLabel = "KEY=VALUE",
        description =
            "A Spark setting for this process, as spark-submit's --conf (repeatable), for example"
                + " --conf spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:9000.")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    Optional<String> definitionFile() {
      if (definition != null) {
        return Optional.of(definition);
      }
      return home()
          .map(h -> h.resolve("src/pipeline.yaml"))
          .filter(Files::exists)
          .map(Path::toString);
    }
  }

  /** Options shared by the commands that read the lake. */
  static final class LakeOptions extends SessionOptions {
    @Option(
        names = "--lake",
        paramLabel = "DIR",
        defaultValue = "lake",
        description = "Lake root (default: ${DEFAULT-VALUE}, in the current folder).")
    String lake;
  }

  /** Which tables a command takes: {@code --select} and {@code --exclude}. */
  static final class SelectOptions {
    @Option(
        names = {"-s", "--select"},
        arity = "1..*",
        paramLabel = "SPEC",
        description =
            "Only these tables: zone.table or a table's name, source:NAME, zone:ZONE, tag:NAME; +x"
                + " adds what x reads, x+ what reads x (separated by spaces or commas). The others"
                + " say 'not selected'.")
    List<String> select = new java.util.ArrayList<>();

    @Option(
        names = "--exclude",
        arity = "1..*",
        paramLabel = "SPEC",
        description = "Leave out these tables (the same specs as --select).")
    List<String> exclude = new java.util.ArrayList<>();
  }

  /** Options of the commands that read the raw zone. */
  static final class RawOptions {
    @Option(
        names = "--raw",
        paramLabel = "DIR",
        description =
            "Raw root, laid out as streaming/, dms/ and files/ (default: sample-data of this checkout).")
    String raw;

    @Option(
        names = "--reingest",
        arity = "1..*",
        paramLabel = "SOURCE",
        description =
            "Read every raw file of these sources again, replacing their consolidated tables (and"
                + " their ingest quarantine) instead of appending; their datasets are rebuilt. Says"
                + " what it will replace before it starts. Consolidated tables are otherwise"
                + " append-only.")
    List<String> reingest = new java.util.ArrayList<>();

    String raw() {
      if (raw != null) {
        return raw;
      }
      return home().map(h -> h.resolve("sample-data").toString()).orElse("sample-data");
    }
  }

  abstract static class StageCommand implements Callable<Integer> {
    @Mixin LakeOptions lakeOptions;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--results",
        paramLabel = "FILE",
        description =
            "Write the run's results as JSON (schema "
                + RunResults.SCHEMA
                + ", see README) to FILE, a local file or a Hadoop URI, whether the run succeeds"
                + " or fails.")
    String results;

    @Mixin SelectOptions selection;

    @Option(
        names = "--full-refresh",
        description =
            "Rebuild the (selected) transformed and curated tables from their inputs: datasets"
                + " from all consolidated rows, models from scratch. Consolidated tables are"
                + " append-only history and stay as they are.")
    boolean fullRefresh;

    @Option(
        names = {"-q", "--quiet"},
        description =
            "Print nothing but errors (the exit code, and --results, tell how the run went).")
    boolean quiet;

    @Option(
        names = "--fail-on-warn",
        description =
            "Exit 1 when a quality rule warned (after the run wrote everything), as when one"
                + " failed.")
    boolean failOnWarn;

    abstract StageRunner.Stage stage();

    String raw() {
      return "";
    }

    /** The sources to re-ingest ({@code --reingest}); none but on run and ingest. */
    List<String> reingest() {
      return List.of();
    }

    /** Whether to tell what the run would do instead of doing it. */
    boolean dryRun() {
      return false;
    }

    @Override
    public Integer call() {
      JobOptions options =
          new JobOptions(
              raw(),
              lakeOptions.lake,
              lakeOptions.definitionFile(),
              Optional.ofNullable(results),
              failOnWarn,
              selection.select,
              selection.exclude,
              fullRefresh,
              reingest());
      PrintWriter out =
          quiet ? new PrintWriter(java.io.Writer.nullWriter()) : spec.commandLine().getOut();
      if (dryRun()) {
        // No lock and no catalog: a plan reads the lake's files and writes nothing.
        Started started =
            start(
                options,
                o -> StageRunner.prepare(stage(), o),
                () -> Sessions.withoutLake(lakeOptions));
        StageRunner.plan(options, started.definition(), started.spark(), out);
        return 0;
      }
      Started started =
          start(
              options,
              o -> StageRunner.prepare(stage(), o),
              () -> Sessions.local(lakeOptions, spec.name()));
      List<TableResult> results;
      try {
        results =
            StageRunner.run(
                stage(),
                options,
                started.definition(),
                started.spark(),
                out,
                Progress.every(System.console() != null));
      } catch (RuntimeException e) {
        if (report() != null) {
          try {
            report(started, out, true);
          } catch (RuntimeException r) {
            e.addSuppressed(r);
          }
        }
        throw e;
      }
      if (report() != null) {
        // A run that left every table as it was (nothing logged) leaves its report as it was too.
        report(
            started,
            out,
            results.stream()
                .anyMatch(
                    r ->
                        r.status() != TableResult.Status.UP_TO_DATE
                            && r.status() != TableResult.Status.SKIPPED));
      }
      return 0;
    }

    /** Where to write the run's report: "" for the lake's own place, null for nowhere. */
    String report() {
      return null;
    }

    /**
     * Writes the report of a run that reached the lake (its run log), and says where; {@code
     * changed}: whether the run changed the lake (if not, a report of the same definition there is
     * kept).
     */
    private void report(Started started, PrintWriter out, boolean changed) {
      Lake lake = new Lake(started.spark(), lakeOptions.lake);
      if (!lake.exists(Zone.SYSTEM, dev.dpf.core.stage.RunLog.TABLE)) {
        return; // stopped before it logged anything: nothing to report
      }
      String dir = report().isEmpty() ? dev.dpf.jobs.site.DocsSite.defaultDir(lake) : report();
      var kept =
          changed
              ? java.util.Optional.<String>empty()
              : dev.dpf.jobs.site.DocsSite.current(started.spark(), started.definition(), dir);
      if (kept.isPresent()) {
        out.println();
        out.println("Report " + kept.get() + "  (as it was: this run changed nothing)");
        out.flush();
        return;
      }
      var written =
          dev.dpf.jobs.site.DocsSite.write(started.spark(), started.definition(), lake, dir);
      out.println();
      out.println(Report.written(written));
      out.flush();
    }
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Create the lake's databases and, empty, every transformed and curated table of the"
            + " definition (with the schema a run gives it); tables that exist are left alone.",
        "Consolidated tables take their columns from the sources' data: the first ingest creates"
            + " them."
      })
  static final class Init extends StageCommand {
    @Override
    StageRunner.Stage stage() {
      return StageRunner.Stage.INIT;
    }
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description = {
        "Check the definition without data: every mistake in it at once (file, key, the fix), then"
            + " every model's SQL and expect rule compiled against the schemas the definition"
            + " declares (unknown tables and columns, types, the PII policy, incremental settings,"
            + " cycles). Reads no lake and writes nothing.",
        "Exit 0 when all is well, 1 when anything is wrong. dpf run, transform and curate do the"
            + " same check first."
      })
  static final class Validate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin SessionOptions options;

    @Override
    public Integer call() {
      long start = System.nanoTime();
      JobOptions job = new JobOptions("", "", options.definitionFile());
      Started started = start(job, StageRunner::definition, () -> Sessions.withoutLake(options));
      PipelineDefinition d = started.definition();
      List<String> problems =
          new dev.dpf.core.stage.Pipeline(
                  started.spark(),
                  d,
                  new Lake(started.spark(), "validate"), // not read: nothing is written
                  "validate",
                  java.time.Instant.now(),
                  r -> {})
              .validate();
      if (!problems.isEmpty()) {
        throw dev.dpf.core.definition.DefinitionException.all(d.file(), problems);
      }
      spec.commandLine()
          .getOut()
          .printf(
              "%s: valid: %d source(s), %d dataset(s), %d model(s); every model and expect rule"
                  + " compiles (%.1fs)%n",
              d.file(),
              d.sources().size(),
              d.datasets().size(),
              d.models().size(),
              (System.nanoTime() - start) / 1e9);
      return 0;
    }
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Run all stages: ingest, transform, curate.")
  static class Run extends StageCommand {
    @Mixin RawOptions rawOptions;

    @Option(
        names = "--dry-run",
        description =
            "Tell what the run would do with each table, and why, and write nothing (as dpf"
                + " plan).")
    boolean dryRun;

    @Override
    StageRunner.Stage stage() {
      return StageRunner.Stage.RUN;
    }

    @Override
    String raw() {
      return rawOptions.raw();
    }

    @Override
    List<String> reingest() {
      return rawOptions.reingest;
    }

    @Override
    boolean dryRun() {
      return dryRun;
    }

    @Option(
        names = "--report",
        paramLabel = "DIR",
        description =
            "Where to write the run's report, the pipeline's site as of this run (see dpf docs):"
                + " a new or empty folder, or one with a site dpf wrote (default:"
                + " <lake>/_system/report). Written whether the run succeeds or fails.")
    String reportDir;

    @Option(names = "--no-report", description = "Write no report.")
    boolean noReport;

    @Override
    String report() {
      return noReport ? null : reportDir == null ? "" : reportDir;
    }
  }

  @Command(
      name = "plan",
      mixinStandardHelpOptions = true,
      description = {
        "What dpf run would do with each table, and why (new raw files, ingest batches to merge,"
            + " partitions or keys to recompute, a rebuild and its reason, up-to-date), without"
            + " doing it: nothing is written, the lake is not locked.",
        "The same as dpf run --dry-run; takes run's options."
      })
  static final class Plan extends Run {
    @Override
    boolean dryRun() {
      return true;
    }
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = "Raw -> consolidated: append the records of raw files not ingested before.")
  static final class Ingest extends StageCommand {
    @Mixin RawOptions rawOptions;

    @Override
    StageRunner.Stage stage() {
      return StageRunner.Stage.INGEST;
    }

    @Override
    String raw() {
      return rawOptions.raw();
    }

    @Override
    List<String> reingest() {
      return rawOptions.reingest;
    }
  }

  @Command(
      name = "transform",
      mixinStandardHelpOptions = true,
      description =
          "Consolidated -> transformed: typed datasets (bad rows to quarantine) and transformed models.")
  static final class Transform extends StageCommand {
    @Override
    StageRunner.Stage stage() {
      return StageRunner.Stage.TRANSFORM;
    }
  }

  @Command(
      name = "curate",
      mixinStandardHelpOptions = true,
      description = "Transformed -> curated: the curated SQL models.")
  static final class Curate extends StageCommand {
    @Override
    StageRunner.Stage stage() {
      return StageRunner.Stage.CURATE;
    }
  }

  @Command(
      name = "quarantine",
      mixinStandardHelpOptions = true,
      description = "The quarantined records: list them by reason, replay them after a fix.",
      subcommands = {Dpf.QuarantineList.class, Dpf.QuarantineReplay.class})
  static final class QuarantineCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "Count the quarantined records by stage, table and reason (the values in reasons masked, so"
            + " that records failing the same way count together), with an example of each."
      })
  static final class QuarantineList implements Callable<Integer> {
    @Mixin LakeOptions lakeOptions;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin SelectOptions selection;

    @Override
    public Integer call() {
      JobOptions options = new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile());
      Started started =
          start(
              options,
              StageRunner::definition,
              () -> Sessions.existing(lakeOptions, "quarantine list"));
      QuarantineReport.print(
          started.spark(),
          started.definition(),
          new Lake(started.spark(), lakeOptions.lake),
          selection.select,
          selection.exclude,
          spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Run the quarantined records of the (selected) datasets again with the definition as it is"
            + " now, after a fix to it (a date format, a widened rule, ...): those that pass now"
            + " enter their tables, each exactly once; the others stay quarantined with their"
            + " reasons as they are now. Reconciled and logged like a transform.",
        "Ingest records are replayed by run --reingest SOURCE; a model's are judged again when it"
            + " is rebuilt."
      })
  static final class QuarantineReplay extends StageCommand {
    @Override
    StageRunner.Stage stage() {
      return StageRunner.Stage.REPLAY;
    }
  }

  @Command(
      name = "sql",
      mixinStandardHelpOptions = true,
      description = {
        "Run SQL statements and print their results: the QUERY words, -e, -f, or statements piped"
            + " on standard input, separated by ';' (a script: no banner or prompt, results on"
            + " standard output, the first failing statement's error on standard error and exit"
            + " code 1). With none of these on a terminal, an interactive prompt.",
        "Tables are named zone.table, for example curated.customer_data_usa."
      })
  static final class Sql implements Callable<Integer> {
    @Mixin LakeOptions lakeOptions;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--format",
        defaultValue = "table",
        description =
            "table, csv or json (JSON lines; arrays, structs and maps as JSON values) (default:"
                + " ${DEFAULT-VALUE}).")
    SqlOutput.Format format;

    @Option(
        names = "--max-rows",
        defaultValue = "10000",
        description =
            "Print at most this many rows of each result; a cut result is said on standard error"
                + " (default: ${DEFAULT-VALUE}).")
    int maxRows;

    @Option(
        names = {"-e", "--execute"},
        paramLabel = "SQL",
        description = "Run these statements, separated by ';'.")
    String execute;

    @Option(
        names = {"-f", "--file"},
        paramLabel = "FILE",
        description = "Run the statements in FILE, separated by ';'.")
    Path file;

    @Parameters(
        arity = "0..*",
        paramLabel = "QUERY",
        description = "Statements (words are joined by spaces).")
    List<String> query;

    @Override
    public Integer call() throws Exception {
      int given = (query == null || query.isEmpty() ? 0 : 1) + (execute == null ? 0 : 1);
      given += file == null ? 0 : 1;
      if (given > 1) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "Give the statements one way: QUERY, -e or -f");
      }
      if (maxRows < 1) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--max-rows must be at least 1, got " + maxRows);
      }
      String script = null;
      if (query != null && !query.isEmpty()) {
        script = String.join(" ", query);
      } else if (execute != null) {
        script = execute;
      } else if (file != null) {
        try {
          script = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          throw new DpfException("Cannot read the SQL file " + file + ": " + e, e);
        }
      } else if (System.console() == null) {
        script = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      }
      var out = spec.commandLine().getOut();
      if (script != null) {
        List<SqlScript.Statement> statements = SqlScript.split(script);
        if (statements.isEmpty()) {
          throw new DpfException("No SQL statement given (only blanks and comments)");
        }
        SparkSession spark = Sessions.existing(lakeOptions, spec.name());
        return SqlScript.run(spark, statements, format, maxRows, out, spec.commandLine().getErr());
      }
      SparkSession spark = Sessions.existing(lakeOptions, spec.name());
      try (org.jline.terminal.Terminal terminal =
          org.jline.terminal.TerminalBuilder.builder().system(true).build()) {
        Path history = Path.of(System.getProperty("user.home"), ".dpf_sql_history");
        return Shell.run(
            spark, format, maxRows, Shell.terminal(terminal, history), terminal.writer());
      }
    }
  }

  @Command(
      name = "tables",
      mixinStandardHelpOptions = true,
      description = "List the lake's tables with row counts.")
  static final class Tables implements Callable<Integer> {
    @Mixin LakeOptions lakeOptions;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      SparkSession spark = Sessions.existing(lakeOptions, spec.name());
      Lake lake = new Lake(spark, lakeOptions.lake);
      var out = spec.commandLine().getOut();
      out.printf("%-40s %12s%n", "table", "rows");
      for (Zone zone : Zone.values()) {
        for (String table : lake.tables(zone)) {
          out.printf("%-40s %,12d%n", zone.dbName() + "." + table, lake.rows(zone, table));
        }
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description =
          "Describe a table: what it is, its upstream and downstream tables, rows, files, last"
              + " update, and its columns with their PII tags.")
  static final class Describe implements Callable<Integer> {
    @Mixin LakeOptions lakeOptions;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "TABLE", description = "zone.table, for example curated.customer_360")
    String table;

    @Override
    public Integer call() {
      Started started =
          start(
              new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile()),
              StageRunner::definition,
              () -> Sessions.existing(lakeOptions, spec.name()));
      SparkSession spark = started.spark();
      PipelineDefinition definition = started.definition();
      var out = spec.commandLine().getOut();
      out.print(
          dev.dpf.jobs.Describe.text(spark, definition, new Lake(spark, lakeOptions.lake), table));
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "serve",
      mixinStandardHelpOptions = true,
      description = {
        "Serve the lake's tables over JDBC (Spark Thrift server, HiveServer2 protocol) on"
            + " 127.0.0.1 until stopped (Ctrl-C).",
        "Connect with the Hive JDBC driver to jdbc:hive2://127.0.0.1:PORT/curated."
      })
  static final class Serve implements Callable<Integer> {
    @Mixin LakeOptions lakeOptions;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--port",
        defaultValue = "10000",
        description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws InterruptedException {
      if (port < 1 || port > 65535) {
        throw new DpfException("--port must be between 1 and 65535, got " + port);
      }
      SparkSession spark = Sessions.existing(lakeOptions, spec.name());
      Lake lake = new Lake(spark, lakeOptions.lake);
      int tables = Sessions.registerAll(spark, lake).size();
      JdbcEndpoint endpoint;
      try {
        endpoint = JdbcEndpoint.start(spark, "127.0.0.1", port);
      } catch (RuntimeException e) {
        throw new DpfException(
            "Cannot start the JDBC endpoint on 127.0.0.1:"
                + port
                + " ("
                + e.getMessage()
                + "). Is the port in use? Pass another with --port",
            e);
      }
      var out = spec.commandLine().getOut();
      out.printf(
          "dpf serve: %d table(s) of %s at %s%n"
              + "  Hive JDBC driver (org.apache.hive.jdbc.HiveDriver), no user or password;"
              + " Ctrl-C stops.%n",
          tables, lake.root(), endpoint.url());
      out.flush();
      untilStopped(endpoint::close);
      return 0;
    }
  }

  /** Waits until the process is stopped (Ctrl-C), then runs {@code onStop}. */
  static void untilStopped(Runnable onStop) throws InterruptedException {
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  onStop.run();
                  stopped.countDown();
                }));
    stopped.await();
  }

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description =
          "Write deterministic sample raw data (customers, payment events, transactions).")
  static final class Generate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Folder to write the raw layout into.")
    Path out;

    @Option(
        names = "--scale",
        defaultValue = "1",
        description = "Multiplies every count (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(
        names = "--seed",
        defaultValue = "" + SampleGenerator.DEFAULT_SEED,
        description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--payments",
        paramLabel = "N",
        description =
            "Payment events to write (default: "
                + SampleGenerator.PAYMENTS
                + " per unit of scale).")
    Integer payments;

    @Option(
        names = "--firehose-buffer-mb",
        paramLabel = "MB",
        description =
            "Cut payment objects as Firehose's buffering does: up to MB MiB (1 to 128) or 900"
                + " seconds of arrivals each (default: about 40 events per object).")
    Integer bufferMb;

    @Override
    public Integer call() {
      if (scale < 1) {
        throw new DpfException("--scale must be at least 1, got " + scale);
      }
      SampleGenerator generator = new SampleGenerator(scale, seed);
      if (payments != null) {
        if (payments < 1) {
          throw new DpfException("--payments must be at least 1, got " + payments);
        }
        generator = generator.withPayments(payments);
      }
      if (bufferMb != null) {
        if (bufferMb < 1 || bufferMb > 128) {
          throw new DpfException(
              "--firehose-buffer-mb must be between 1 and 128 (Firehose's range), got " + bufferMb);
        }
        generator = generator.withFirehoseBuffer(bufferMb * 1024L * 1024L);
      }
      List<String> files = generator.writeTo(out);
      var w = spec.commandLine().getOut();
      w.printf(
          "wrote %d file(s) under %s (scale %d, seed %d%s)%n",
          files.size(),
          out,
          scale,
          seed,
          payments == null ? "" : ", " + payments + " payment events");
      w.flush();
      return 0;
    }
  }
}
