package dev.dpf.jobs.cli;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.Report;
import dev.dpf.jobs.run.StageRunner;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpf restore --to-run RUN_ID}: every table back to the version a run left. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = {
      "Put every table of the lake back to the version it had when run RUN_ID ended (see dpf"
          + " runs): the consolidated, transformed and curated zones, quarantine, and the ingest"
          + " and transform logs that decide what later runs do. Each table gets new commits, so"
          + " the restore can itself be undone; the run, quality and manifest logs are kept, and"
          + " the restore is a run in them. A table the run did not have is emptied.",
      "The next run reads again the raw files delivered after that run and converges. Stopped"
          + " midway, the same command finishes what is left. Refused, before anything is"
          + " written, when a version it needs was removed by maintenance."
    })
final class RestoreCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--to-run",
      required = true,
      paramLabel = "RUN_ID",
      description = "The run whose end state to restore (an id dpf runs lists).")
  String runId;

  @Option(
      names = "--dry-run",
      description = "Tell what the restore would do with each table, and write nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    JobOptions options = new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile());
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun) {
      return dryRun(options, out);
    }
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.local("restore"));
    String restoreRun = StageRunner.newRunId(Instant.now());
    out.printf(
        Locale.ROOT,
        "dpf restore  run %s%n  to the end of run %s%n  lake       %s%n",
        restoreRun,
        runId,
        new Lake(started.spark(), lakeOptions.lake).root());
    out.flush();
    List<TableResult> results =
        Pipeline.builder(
                started.spark(), started.definition(), new Lake(started.spark(), lakeOptions.lake))
            .run(restoreRun, Instant.now())
            .listener(Report.printer(out))
            .build()
            .restore(runId);
    long changed = results.stream().filter(r -> r.status() == TableResult.Status.OK).count();
    out.printf(
        Locale.ROOT,
        "%nRestored %d of %d table(s) to the end of run %s; the next run reads the raw files"
            + " delivered since.%n",
        changed,
        results.size(),
        runId);
    out.flush();
    return 0;
  }

  /** Tells what the restore would do with each table, reading only. */
  private int dryRun(JobOptions options, PrintWriter out) {
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.existing());
    List<Pipeline.RestoreStep> steps = pipeline(started, "dry-run").planRestore(runId);
    out.printf(Locale.ROOT, "dpf restore --to-run %s --dry-run: nothing written%n", runId);
    out.printf(
        Locale.ROOT,
        "  %-40s %-10s %9s %9s %12s %12s%n",
        "table",
        "action",
        "version",
        "to",
        "rows",
        "rows after");
    for (Pipeline.RestoreStep s : steps) {
      out.printf(
          Locale.ROOT,
          "  %-40s %-10s %9d %9s %,12d %,12d%n",
          s.table(),
          s.action(),
          s.now(),
          s.to() < 0 ? "-" : String.valueOf(s.to()),
          s.rowsNow(),
          s.rowsThen());
    }
    long changing = steps.stream().filter(s -> !s.action().equals("unchanged")).count();
    out.printf(Locale.ROOT, "%d of %d table(s) would change%n", changing, steps.size());
    out.flush();
    return 0;
  }

  private Pipeline pipeline(Startup.Started started, String id) {
    return Pipeline.builder(
            started.spark(), started.definition(), new Lake(started.spark(), lakeOptions.lake))
        .run(id, Instant.now())
        .build();
  }
}
