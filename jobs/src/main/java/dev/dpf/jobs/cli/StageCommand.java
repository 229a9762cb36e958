package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.Progress;
import dev.dpf.jobs.run.RunResults;
import dev.dpf.jobs.run.StageRunner;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A command that runs stages of the pipeline (run, ingest, transform, curate, init, replay). */
abstract class StageCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--results",
      paramLabel = "FILE",
      description =
          "Write the run's results as JSON (schema "
              + RunResults.SCHEMA
              + ", see docs/running.md) to FILE, a local file or a Hadoop URI, whether the run"
              + " succeeds or fails; for plan (and --dry-run), the plan (schema "
              + RunResults.PLAN_SCHEMA
              + ").")
  String results;

  @Mixin Options.SelectOptions selection;

  @Option(
      names = "--full-refresh",
      description =
          "Rebuild the (selected) transformed and curated tables from their inputs: datasets"
              + " from all consolidated rows, models from scratch. Consolidated tables are"
              + " append-only history and stay as they are.")
  boolean fullRefresh;

  @Option(
      names = "--allow-empty",
      description =
          "Let --full-refresh replace a table that has rows by none. Without it such a table"
              + " stops the run and keeps its rows (a wrong format that rejects every row, an"
              + " input emptied by mistake).")
  boolean allowEmpty;

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

  abstract Stage stage();

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
            reingest(),
            allowEmpty,
            Optional.empty(),
            Optional.empty(),
            false);
    PrintWriter out =
        quiet ? new PrintWriter(java.io.Writer.nullWriter()) : spec.commandLine().getOut();
    if (dryRun()) {
      return plan(options, out);
    }
    Startup.Started started =
        Startup.start(
            options, o -> StageRunner.prepare(stage(), o), () -> lakeOptions.local(spec.name()));
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

  /** Tells what the run would do: with no lock and no catalog, reading the lake's files only. */
  private int plan(JobOptions options, PrintWriter out) {
    List<String> meaningless = new java.util.ArrayList<>();
    if (failOnWarn) {
      meaningless.add("--fail-on-warn");
    }
    if (allowEmpty) {
      meaningless.add("--allow-empty");
    }
    meaningless.addAll(reportOptions());
    if (!meaningless.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "A plan writes nothing and fails no run: "
              + String.join(", ", meaningless)
              + " apply to runs only. --results FILE writes the plan as JSON");
    }
    Startup.Started started =
        Startup.start(
            options, o -> StageRunner.prepare(stage(), o), () -> lakeOptions.withoutLake());
    StageRunner.plan(options, started.definition(), started.spark(), out);
    return 0;
  }

  /** The report options given ({@code --report}, {@code --no-report}), as typed. */
  List<String> reportOptions() {
    return List.of();
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
  private void report(Startup.Started started, PrintWriter out, boolean changed) {
    Lake lake = new Lake(started.spark(), lakeOptions.lake);
    if (!lake.exists(SystemTables.RUNS)) {
      return; // stopped before it logged anything: nothing to report
    }
    String dir = report().isEmpty() ? dev.dpf.jobs.site.DocsSite.defaultDir(lake) : report();
    var kept =
        changed
            ? java.util.Optional.<String>empty()
            : dev.dpf.jobs.site.DocsSite.current(started.spark(), started.definition(), lake, dir);
    if (kept.isPresent()) {
      out.println();
      out.println("Report " + kept.get() + "  (as it was: this run changed nothing)");
      out.flush();
      return;
    }
    var written =
        dev.dpf.jobs.site.DocsSite.write(started.spark(), started.definition(), lake, dir);
    out.println();
    out.println(written.line());
    out.flush();
  }
}
