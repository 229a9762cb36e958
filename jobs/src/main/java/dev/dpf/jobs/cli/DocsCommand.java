package dev.dpf.jobs.cli;

import dev.dpf.core.DpfException;
import dev.dpf.core.pipeline.LakeRuns;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.Sessions;
import dev.dpf.jobs.run.StageRunner;
import dev.dpf.jobs.site.DocsSite;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpf docs}: the pipeline's site, written as files and, if asked, served. */
@Command(
    name = "docs",
    mixinStandardHelpOptions = true,
    description = {
      "Write the pipeline's site: the lineage graph of every table (click one for its page), a"
          + " page per table (columns, PII, quality rules, SQL, column lineage, rows, files, Delta"
          + " versions, its runs), run history charts, quality over time, quarantine by reason and"
          + " each run's reconciliation. Plain files: they open from the file system, and fetch"
          + " nothing from anywhere.",
      "dpf run writes the same site after every run, at <lake>/_system/report."
    })
final class DocsCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Where to write it: a new or empty folder, or one with a site dpf wrote (default:"
              + " <lake>/_system/report).")
  String out;

  @Option(
      names = "--serve",
      description = "Then serve it on 127.0.0.1 until stopped (Ctrl-C); the lake is let go first.")
  boolean serve;

  @Option(
      names = "--as-of-run",
      paramLabel = "RUN_ID",
      description =
          "Show the lake as run RUN_ID left it (see dpf runs): every table at its version then"
              + " (default folder: <lake>/_system/report/as-of/RUN_ID).")
  String asOfRun;

  @Option(
      names = "--port",
      defaultValue = "8000",
      description = "TCP port for --serve, on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new DpfException("--port must be between 0 and 65535, got " + port);
    }
    String where = out != null ? out : lakeOptions.lake;
    if (serve && where.contains("://") && !where.startsWith("file:")) {
      // Told before Spark starts or anything is written.
      throw new DpfException(
          "--serve serves a local folder; "
              + where
              + " is not one. Write the site with --out to a local folder to serve it");
    }
    Startup.Started started =
        Startup.start(
            new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile()),
            StageRunner::definition,
            () -> lakeOptions.existing());
    Lake lake = new Lake(started.spark(), lakeOptions.lake);
    String dir =
        out != null
            ? out
            : asOfRun != null ? DocsSite.defaultDir(lake, asOfRun) : DocsSite.defaultDir(lake);
    DocsSite.Written written =
        asOfRun == null
            ? DocsSite.write(started.spark(), started.definition(), lake, dir)
            : DocsSite.write(
                started.spark(),
                started.definition(),
                lake.asOf(new LakeRuns(lake).versionsAt(asOfRun)),
                dir,
                asOfRun);
    PrintWriter w = spec.commandLine().getOut();
    w.println(written.line());
    w.flush();
    if (!serve) {
      return 0;
    }
    java.nio.file.Path root =
        java.nio.file.Path.of(java.net.URI.create(written.index())).getParent();
    Sessions.stop(); // serving needs no Spark and no hold on the lake
    var server = DocsSite.serve(root, port);
    w.printf(
        "dpf docs: serving %s at http://127.0.0.1:%d/ ; Ctrl-C stops.%n",
        root, server.getAddress().getPort());
    w.flush();
    Startup.untilStopped(() -> server.stop(0));
    return 0;
  }
}
