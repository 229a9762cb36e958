package dev.dpf.jobs.cli;

import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.run.EraseRequest;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.Report;
import dev.dpf.jobs.run.StageRunner;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dpf erase DATASET KEY=VALUE... [--purge]}: one data subject out of the lake. */
@Command(
    name = "erase",
    mixinStandardHelpOptions = true,
    description = {
      "Remove every row of one data subject, named by a dataset's key (dpf erase customers"
          + " customer_id=103), and of the rows that reference it as the definition's references"
          + " rules say (the customer's payments, orders and their lines, transactions), from the"
          + " consolidated and transformed tables, history and quarantine; then bring the models"
          + " up to date. Prints what it removed per table; logged as a run.",
      "The erased keys are kept in _system.erased as keyed hashes (never in clear), and later"
          + " deliveries of the subject (a DMS reload, a re-sent file) are withheld at ingest and"
          + " counted. The removed rows' files leave storage at the next dpf maintain, or at once"
          + " with --purge (which also ends the time travel of the tables it changed)."
    })
final class EraseCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DATASET", description = "The subject's dataset.")
  String dataset;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "KEY=VALUE",
      description = "The subject's key in that dataset: each key column once.")
  List<String> keyValues;

  @Option(
      names = "--purge",
      description =
          "Remove the files of the changed tables' earlier versions now (REORG PURGE, then"
              + " VACUUM with no retention), instead of at the next maintenance.")
  boolean purge;

  @Option(
      names = "--dry-run",
      description = "Tell what would be removed from each table, and write nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    EraseRequest request = EraseRequest.of(dataset, keyValues);
    Map<String, String> key = request.key();
    JobOptions options = new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile());
    PrintWriter out = spec.commandLine().getOut();
    if (dryRun) {
      return dryRun(options, request, out);
    }
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.local("erase"));
    String runId = StageRunner.newRunId(Instant.now());
    out.printf(
        Locale.ROOT,
        "dpf erase  run %s%n  subject    %s%n  lake       %s%n",
        runId,
        request,
        new Lake(started.spark(), lakeOptions.lake).root());
    out.flush();
    List<TableResult> results =
        pipeline(started, runId).listener(Report.printer(out)).build().erase(dataset, key, purge);
    long removed =
        results.stream()
            .filter(r -> r.stage() == Stage.ERASE)
            .mapToLong(TableResult::rowsSuperseded)
            .sum();
    long tables =
        results.stream()
            .filter(r -> r.stage() == Stage.ERASE && r.status() == TableResult.Status.OK)
            .map(TableResult::table)
            .distinct()
            .count();
    out.printf(
        Locale.ROOT,
        "%nErased %s: %,d row(s) removed from %d table(s); its keys are withheld from later"
            + " ingests. %s%n",
        request,
        removed,
        tables,
        purge
            ? "The changed tables' earlier files were purged."
            : "Their files leave storage at the next dpf maintain (or erase --purge).");
    out.flush();
    return 0;
  }

  /** Tells what the erase would remove from each table, reading only. */
  private int dryRun(JobOptions options, EraseRequest request, PrintWriter out) {
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.existing());
    List<Pipeline.EraseStep> steps =
        pipeline(started, "dry-run").build().planErase(dataset, request.key());
    out.printf(Locale.ROOT, "dpf erase %s --dry-run: nothing written%n", request);
    out.printf(Locale.ROOT, "  %-40s %-16s %12s %12s%n", "table", "rows of", "rows", "remove");
    for (Pipeline.EraseStep s : steps) {
      out.printf(
          Locale.ROOT, "  %-40s %-16s %,12d %,12d%n", s.table(), s.dataset(), s.total(), s.rows());
    }
    out.printf(
        Locale.ROOT,
        "%,d row(s) would be removed%n",
        steps.stream().mapToLong(Pipeline.EraseStep::rows).sum());
    out.flush();
    return 0;
  }

  private Pipeline.Builder pipeline(Startup.Started started, String id) {
    return Pipeline.builder(
            started.spark(), started.definition(), new Lake(started.spark(), lakeOptions.lake))
        .environment(StageRunner.environment())
        .run(id, Instant.now());
  }
}
