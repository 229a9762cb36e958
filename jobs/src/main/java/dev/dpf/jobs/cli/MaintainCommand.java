package dev.dpf.jobs.cli;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.Maintenance;
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

/** {@code dpf maintain}: compact small files and remove what no kept run needs. */
@Command(
    name = "maintain",
    mixinStandardHelpOptions = true,
    description = {
      "Keep the lake's storage to what it needs, as the definition's maintenance section says"
          + " (keep_runs, keep_days, target_file_size): compact each table's small files, purge"
          + " rows deleted through deletion vectors from its files, and remove the files that"
          + " neither its latest version nor a kept run's version reads. A run is kept when it is"
          + " one of the last keep_runs runs or ended within keep_days days; kept runs stay"
          + " readable (sql --as-of-run), comparable (diff) and restorable (restore --to-run).",
      "Changes no row; logged as a run; stopped midway, run it again. Prints each table's files"
          + " and bytes on disk against its latest version."
    })
final class MaintainCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    JobOptions options = new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile());
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.local("maintain"));
    PrintWriter out = spec.commandLine().getOut();
    String runId = StageRunner.newRunId(Instant.now());
    Maintenance m = started.definition().maintenance();
    Lake lake = new Lake(started.spark(), lakeOptions.lake);
    out.printf(
        Locale.ROOT,
        "dpf maintain  run %s%n  lake       %s%n  keeps      the last %d run(s) and %d day(s);"
            + " files of %,d bytes%n",
        runId,
        lake.root(),
        m.keepRuns(),
        m.keepDays(),
        m.targetFileBytes());
    out.flush();
    long start = System.nanoTime();
    List<TableResult> results =
        Pipeline.builder(started.spark(), started.definition(), lake)
            .run(runId, Instant.now())
            .listener(Report.printer(out))
            .build()
            .maintain();
    long changed = results.stream().filter(r -> r.status() == TableResult.Status.OK).count();
    out.printf(
        Locale.ROOT,
        "%nMaintained %d of %d table(s) in %.1fs%n",
        changed,
        results.size(),
        (System.nanoTime() - start) / 1e9);
    out.flush();
    return 0;
  }
}
