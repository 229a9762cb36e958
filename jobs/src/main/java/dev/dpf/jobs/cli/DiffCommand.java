package dev.dpf.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.api.Selection;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.run.JobOptions;
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
import picocli.CommandLine.Parameters;

/** {@code dpf diff RUN_A RUN_B}: what changed in each table between two runs' ends. */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
      "Tell what changed in each table between the end of run RUN_A and the end of run RUN_B"
          + " (ids dpf runs lists): rows inserted, updated and deleted, matched by the table's"
          + " key (a dataset's key; a history's key and valid_from; an incremental model's key),"
          + " with a few example keys. Read from the table's change data feed where it keeps"
          + " one, else by comparing the two versions; a table without a key is compared row by"
          + " row (a changed row counts as one deleted and one inserted). Lineage columns (named"
          + " with a leading _) are not compared. Reads only."
    })
final class DiffCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @Mixin Options.SelectOptions selection;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN_A", description = "The earlier run.")
  String from;

  @Parameters(index = "1", paramLabel = "RUN_B", description = "The later run.")
  String to;

  @Option(
      names = "--examples",
      defaultValue = "3",
      description = "Keys shown of each kind of change per table (default: ${DEFAULT-VALUE}).")
  int examples;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table or json (JSON lines, one per table) (default: ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() {
    if (!List.of("table", "json").contains(format)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--format is table or json, got " + format);
    }
    if (examples < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--examples must be 0 or more, got " + examples);
    }
    JobOptions options = new JobOptions("", lakeOptions.lake, lakeOptions.definitionFile());
    Startup.Started started =
        Startup.start(options, StageRunner::definition, () -> lakeOptions.existing());
    Pipeline.Builder builder =
        Pipeline.builder(
                started.spark(), started.definition(), new Lake(started.spark(), lakeOptions.lake))
            .run("diff", Instant.now());
    if (!selection.select.isEmpty() || !selection.exclude.isEmpty()) {
      Selection s = Selection.of(started.spark(), started.definition());
      builder.select(s, s.choose(selection.select, selection.exclude));
    }
    List<Pipeline.TableDiff> diffs = builder.build().diff(from, to, examples);
    PrintWriter out = spec.commandLine().getOut();
    if (format.equals("json")) {
      ObjectMapper json = new ObjectMapper();
      for (Pipeline.TableDiff d : diffs) {
        ObjectNode n = json.valueToTree(d);
        out.println(n.toString());
      }
      out.flush();
      return 0;
    }
    out.printf(Locale.ROOT, "dpf diff %s %s%n", from, to);
    out.printf(
        Locale.ROOT,
        "  %-40s %13s %10s %10s %10s  %s%n",
        "table",
        "versions",
        "inserted",
        "updated",
        "deleted",
        "compared by");
    for (Pipeline.TableDiff d : diffs) {
      out.printf(
          Locale.ROOT,
          "  %-40s %13s %,10d %,10d %,10d  %s%n",
          d.table(),
          version(d.from()) + ".." + version(d.to()),
          d.inserted(),
          d.updated(),
          d.deleted(),
          d.method() + (d.key().isEmpty() ? "" : " (" + String.join(", ", d.key()) + ")"));
      for (String example : d.examples()) {
        out.printf(Locale.ROOT, "      %s%n", example);
      }
    }
    out.flush();
    return 0;
  }

  private static String version(long v) {
    return v < 0 ? "-" : String.valueOf(v);
  }
}
