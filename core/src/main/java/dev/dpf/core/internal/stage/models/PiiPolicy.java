package dev.dpf.core.internal.stage.models;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Protect;
import dev.dpf.core.internal.pii.PiiLineage;
import dev.dpf.core.internal.pii.PiiLineage.Exposure;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The PII policy of models: where the definition's tagged columns can be read in clear, what each
 * model's output columns show (traced through the models it reads), and whether a curated model
 * shows a tagged value in clear without leave.
 */
public final class PiiPolicy {
  private final ModelGraph graph;
  private final ModelCompiler compiler;
  private final Map<String, Map<String, Set<Exposure>>> datasetTags;
  private final Map<String, Map<String, Set<Exposure>>> modelTags = new HashMap<>();
  private final String tagsText;

  PiiPolicy(PipelineDefinition definition, ModelGraph graph, ModelCompiler compiler) {
    this.graph = graph;
    this.compiler = compiler;
    this.datasetTags = datasetTags(definition);
    this.tagsText = tagsText(datasetTags);
  }

  /** The definition's PII tags, in a stable order: part of every model's fingerprint. */
  String tagsText() {
    return tagsText;
  }

  /** The tagged columns each output column of the model shows in clear. */
  synchronized Map<String, Set<Exposure>> exposures(ModelDef model, Dataset<Row> rows) {
    Map<String, Set<Exposure>> out =
        new PiiLineage(this::tagsOf).outputs(rows.queryExecution().analyzed());
    Map<String, Set<Exposure>> lower = new HashMap<>();
    out.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    modelTags.put(model.table(), lower);
    return out;
  }

  /** Where a table holds tagged values in clear: by the definition, or by a model's lineage. */
  private synchronized Map<String, Set<Exposure>> tagsOf(String table) {
    Map<String, Set<Exposure>> tags = datasetTags.get(table);
    if (tags != null) {
      return tags;
    }
    ModelDef upstream = graph.model(table).orElse(null);
    if (upstream == null) {
      return Map.of();
    }
    if (!modelTags.containsKey(table)) {
      List<String> missing = compiler.registerInputs(upstream, graph.references(upstream));
      if (!missing.isEmpty()) {
        throw new DpfException(
            DpfException.Kind.DEFINITION,
            "Cannot trace personal data through "
                + table
                + ": it needs "
                + String.join(", ", missing)
                + ", which is not in the lake");
      }
      exposures(upstream, compiler.compile(upstream));
    }
    return modelTags.get(table);
  }

  /**
   * A curated model may show a tagged column only through its {@code protect_<tag>} function, or
   * where its definition lists the output column under {@code pii_in_clear}.
   */
  static void check(ModelDef model, Map<String, Set<Exposure>> exposed) {
    List<String> problems = new ArrayList<>();
    for (var e : exposed.entrySet()) {
      if (!e.getValue().isEmpty() && !model.piiInClear().contains(e.getKey())) {
        Exposure first = e.getValue().iterator().next();
        problems.add(
            "column '"
                + e.getKey()
                + "' shows "
                + e.getValue().stream().map(Exposure::toString).collect(Collectors.joining(", "))
                + " in clear (select "
                + Protect.function(first.tag())
                + "("
                + first.column()
                + ") instead)");
      }
    }
    if (!problems.isEmpty()) {
      throw new DpfException(
          DpfException.Kind.DEFINITION,
          model.label()
              + " breaks the PII policy: "
              + String.join("; ", problems)
              + ". Protect the column in the SQL, or allow it for this model only with"
              + " models."
              + model.name()
              + ".pii_in_clear");
    }
    for (String allowed : model.piiInClear()) {
      if (exposed.getOrDefault(allowed, Set.of()).isEmpty()) {
        throw new DpfException(
            DpfException.Kind.DEFINITION,
            "models."
                + model.name()
                + ".pii_in_clear lists '"
                + allowed
                + "', but the model ("
                + model.file()
                + ") has no such column showing personal data (columns: "
                + exposed.keySet()
                + "). Remove it from the list");
      }
    }
  }

  static String note(Map<String, Set<Exposure>> exposed) {
    List<String> clear = new ArrayList<>();
    exposed.forEach(
        (k, v) -> {
          if (!v.isEmpty()) {
            clear.add(k);
          }
        });
    return clear.isEmpty() ? "" : "; personal data in clear: " + String.join(", ", clear);
  }

  private static String tagsText(Map<String, Map<String, Set<Exposure>>> tags) {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(tags)
        .forEach(
            (table, columns) ->
                new TreeMap<>(columns)
                    .forEach(
                        (c, e) -> out.append(table).append('.').append(c).append(e).append('\n')));
    return out.toString();
  }

  /** Where each dataset's tagged columns can be read in clear: its table, history and source. */
  private static Map<String, Map<String, Set<Exposure>>> datasetTags(PipelineDefinition d) {
    Map<String, Map<String, Set<Exposure>>> out = new HashMap<>();
    for (DatasetDef ds : d.datasets()) {
      for (ColumnDef c : ds.columns()) {
        if (c.pii().isEmpty()) {
          continue;
        }
        Exposure e = new Exposure(ds.table(), c.name(), c.pii().get());
        List<String[]> places = new ArrayList<>();
        places.add(new String[] {ds.table(), c.name()});
        places.add(new String[] {ds.qualifiedHistoryTable(), c.name()});
        places.add(new String[] {ds.sourceTable(), Columns.sanitized(c.from())});
        for (String[] p : places) {
          out.computeIfAbsent(p[0], k -> new HashMap<>())
              .computeIfAbsent(p[1].toLowerCase(Locale.ROOT), k -> new TreeSet<>())
              .add(e);
        }
      }
    }
    return out;
  }
}
