package dev.dpf.core.internal.stage.sources;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** {@code --reingest}: which sources, and what reading all their raw files again will replace. */
public final class Reingest {
  private Reingest() {}

  /**
   * The source names in {@code args}: separated by commas or spaces, optionally {@code source:}.
   */
  public static Set<String> names(List<String> args) {
    Set<String> names = new java.util.LinkedHashSet<>();
    for (String arg : args) {
      for (String name : arg.split("[,\\s]+")) {
        if (!name.isEmpty()) {
          names.add(name.startsWith("source:") ? name.substring("source:".length()) : name);
        }
      }
    }
    return names;
  }

  /**
   * The sources named, each checked: a source of the definition, inside the selection.
   *
   * @throws DpfException for a name that is not a source, or a source outside the selection
   */
  public static List<SourceDef> check(
      PipelineDefinition definition, Set<String> names, Predicate<String> selected) {
    List<SourceDef> out = new ArrayList<>();
    for (String name : names) {
      SourceDef source =
          definition
              .source(name)
              .orElseThrow(
                  () ->
                      new DpfException(
                          "--reingest "
                              + name
                              + ": no such source. The sources are "
                              + String.join(
                                  ", ",
                                  definition.sources().stream().map(SourceDef::name).toList())));
      if (!selected.test(source.table())) {
        throw new DpfException(
            "--reingest "
                + name
                + ": "
                + source.table()
                + " is outside --select and --exclude. Select it too (--select source:"
                + name
                + ")");
      }
      out.add(source);
    }
    return out;
  }

  /**
   * What re-ingesting each source will do, to be told before the run starts.
   *
   * @throws DpfException for a name that is not a source, or a source outside the selection
   */
  public static List<String> describe(
      PipelineDefinition definition,
      Lake lake,
      Set<String> names,
      RawRoot raw,
      Predicate<String> selected) {
    List<String> told = new ArrayList<>();
    for (SourceDef source : check(definition, names, selected)) {
      String name = source.name();
      List<RawRoot.RawFile> files = raw.list(source.path());
      long rows = lake.exists(source.tableName()) ? lake.rows(source.tableName()) : 0;
      List<String> datasets =
          definition.datasets().stream()
              .filter(d -> d.source().equals(name))
              .map(DatasetDef::table)
              .toList();
      told.add(
          String.format(
              "--reingest %s: %s (%,d row(s)) is replaced by every record of the %d raw file(s)"
                  + " now under %s/ (%,d bytes), read again; its ingest quarantine is replaced too%s",
              name,
              source.table(),
              rows,
              files.size(),
              source.path(),
              files.stream().mapToLong(RawRoot.RawFile::size).sum(),
              datasets.isEmpty()
                  ? ""
                  : "; " + String.join(", ", datasets) + " rebuilt from the new rows"));
    }
    return told;
  }
}
