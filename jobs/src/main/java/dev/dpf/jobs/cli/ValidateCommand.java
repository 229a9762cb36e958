package dev.dpf.jobs.cli;

import dev.dpf.core.api.RawRoot;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.StageRunner;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code dpf validate}: the definition checked without data. */
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
final class ValidateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin Options.SessionOptions options;

  @CommandLine.Option(
      names = "--raw",
      paramLabel = "DIR",
      description =
          "Raw root whose folders the sources' paths are checked against: a path with no folder"
              + " is a warning, with the close folder that exists (default: sample-data of this"
              + " checkout; not checked when the root does not exist).")
  String raw;

  @Override
  public Integer call() {
    long start = System.nanoTime();
    JobOptions job = new JobOptions("", "", options.definitionFile());
    Startup.Started started =
        Startup.start(job, StageRunner::definition, () -> options.withoutLake());
    PipelineDefinition d = started.definition();
    List<String> problems =
        dev.dpf.core.pipeline.Pipeline.builder(
                started.spark(),
                d,
                new Lake(started.spark(), "validate")) // not read: nothing is written
            .run("validate", java.time.Instant.now())
            .build()
            .validate();
    if (!problems.isEmpty()) {
      throw dev.dpf.definition.DefinitionException.all(d.file(), problems);
    }
    java.io.PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%s: valid: %d source(s), %d dataset(s), %d model(s); every model and expect rule"
            + " compiles (%.1fs)%n",
        d.file(),
        d.sources().size(),
        d.datasets().size(),
        d.models().size(),
        (System.nanoTime() - start) / 1e9);
    for (String warning : rawWarnings(d, raw == null ? Options.defaultRaw() : raw, started)) {
      out.println("  warning: " + warning);
    }
    out.flush();
    return 0;
  }

  /**
   * Each source whose path has no folder under the raw root (when there is one): a mistyped path
   * leaves its tables with nothing to read.
   */
  private static List<String> rawWarnings(
      PipelineDefinition d, String rawRoot, Startup.Started started) {
    var conf = started.spark().sparkContext().hadoopConfiguration();
    RawRoot raw;
    try {
      raw = RawRoot.open(rawRoot, conf);
    } catch (dev.dpf.core.DpfException e) {
      return List.of(); // no raw zone to check against here
    }
    List<String> out = new java.util.ArrayList<>();
    for (SourceDef s : d.sources()) {
      raw.missingFolder(s.path())
          .ifPresent(m -> out.add("sources." + s.name() + ".path: " + m + " (" + rawRoot + ")"));
    }
    return out;
  }
}
