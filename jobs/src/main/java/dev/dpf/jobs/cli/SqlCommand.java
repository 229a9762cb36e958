package dev.dpf.jobs.cli;

import dev.dpf.core.DpfException;
import dev.dpf.core.pipeline.LakeRuns;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.query.LakeSql;
import dev.dpf.jobs.query.Shell;
import dev.dpf.jobs.query.SqlOutput;
import dev.dpf.jobs.query.SqlScript;
import dev.dpf.jobs.run.Sessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dpf sql}: statements and their results, or a prompt. */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = {
      "Run SQL statements and print their results: the QUERY words, -e, -f, or statements piped"
          + " on standard input, separated by ';' (a script: no banner or prompt, results on"
          + " standard output, the first failing statement's error on standard error and exit"
          + " code 1). With none of these on a terminal, an interactive prompt.",
      "Tables are named zone.table, for example curated.customer_data_usa. Queries run while a"
          + " run writes the lake and see the tables' committed versions; a statement that writes"
          + " (INSERT, MERGE, ...) waits for no one: it stops with one line while a run holds the"
          + " lake."
    })
final class SqlCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
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

  @Option(
      names = "--as-of-run",
      paramLabel = "RUN_ID",
      description =
          "Read every table as run RUN_ID left it (see dpf runs): one consistent state across"
              + " tables; a table the run did not have is not found. Statements that write are"
              + " refused.")
  String asOfRun;

  @Parameters(
      arity = "0..*",
      paramLabel = "QUERY",
      description = "Statements (words are joined by spaces).")
  List<String> query;

  /**
   * The statements' runner on the lake: this process reads it beside a run; a statement that writes
   * takes the lake's lock for its time.
   */
  private LakeSql runner() {
    SparkSession spark = lakeOptions.existing();
    if (asOfRun != null) {
      pinned = new LakeRuns(new Lake(spark, lakeOptions.lake));
      pinned.pin(asOfRun);
      return new LakeSql(
          spark,
          () -> {
            throw new DpfException(
                "--as-of-run "
                    + asOfRun
                    + " reads a past state: statements that write are refused");
          });
    }
    return new LakeSql(
        spark, () -> Sessions.lockForWrite(lakeOptions.lake, "sql (a statement that writes)"));
  }

  @Override
  public Integer call() throws Exception {
    try {
      return statements();
    } finally {
      if (asOfRun != null && pinned != null) {
        pinned.unpin(); // the session may serve another command of this process
      }
    }
  }

  private LakeRuns pinned;

  private Integer statements() throws Exception {
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
      return SqlScript.run(runner(), statements, format, maxRows, out, spec.commandLine().getErr());
    }
    LakeSql runner = runner();
    try (org.jline.terminal.Terminal terminal =
        org.jline.terminal.TerminalBuilder.builder().system(true).build()) {
      Path history = Path.of(System.getProperty("user.home"), ".dpf_sql_history");
      return Shell.run(
          runner, format, maxRows, Shell.terminal(terminal, history), terminal.writer());
    }
  }
}
