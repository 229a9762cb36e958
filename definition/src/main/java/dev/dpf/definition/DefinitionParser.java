package dev.dpf.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Parses the whole definition: each section with its parser, what it says of its tables for people
 * ({@link TableDocs}), then cross-references and order with {@link DefinitionResolver}.
 */
final class DefinitionParser {
  /** The top-level keys. */
  static final Set<String> KEYS = Set.of("sources", "datasets", "models", "maintenance");

  /** The keys of the {@code maintenance} section. */
  static final Set<String> MAINTENANCE_KEYS = Set.of("keep_runs", "keep_days", "target_file_size");

  private static final java.util.regex.Pattern SIZE =
      java.util.regex.Pattern.compile("(?i)([0-9]+)\\s*(b|kb|mb|gb)?");

  /** The keys that say what a table is, for people ({@link TableDocs}). */
  static final Set<String> DOC_KEYS = Set.of("description", "owner", "tags");

  private final String file;
  private final YamlNodes y;
  private final SourceParser sourceParser;
  private final DatasetParser datasetParser;
  private final ModelParser modelParser;
  private final Map<String, TableDocs> docs = new LinkedHashMap<>();

  /**
   * @param file name shown in messages
   * @param reader reads a file named relative to the definition; null when it does not exist
   * @param lines the line of a key path in the file (0: not known)
   */
  DefinitionParser(
      String file,
      Function<String, String> reader,
      java.util.function.ToIntFunction<String> lines) {
    this.file = file;
    this.y = new YamlNodes(file, lines);
    this.sourceParser = new SourceParser(y);
    this.datasetParser = new DatasetParser(y);
    this.modelParser = new ModelParser(y, reader);
  }

  /** The definition the YAML tree says, or every mistake of its sources, datasets and models. */
  PipelineDefinition definition(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw y.fail("", "the file is empty. Declare at least 'sources'");
    }
    y.object(root, "");
    y.keys(root, "", KEYS);
    JsonNode sourcesNode = root.get("sources");
    if (sourcesNode == null || sourcesNode.isEmpty()) {
      throw y.fail("sources", "missing. Declare at least one source (kind and path)");
    }
    // Each source, dataset and model is read on its own, and every one with a mistake is told:
    // the first mistake of each. Names are known from the keys, so that a dataset of a source
    // with a mistake is not reported as reading an unknown source.
    List<DefinitionException> problems = new ArrayList<>();
    Set<String> sourceNames = new HashSet<>();
    List<SourceDef> sources = sources(sourcesNode, sourceNames, problems);
    Set<String> tables = new HashSet<>();
    List<DatasetDef> datasets = datasets(root.get("datasets"), sourceNames, tables, problems);
    List<ModelDef> models = models(root.get("models"), tables, problems);
    Maintenance maintenance = Maintenance.DEFAULT;
    try {
      maintenance = maintenance(root.get("maintenance"));
    } catch (DefinitionException e) {
      problems.add(e);
    }
    if (!problems.isEmpty()) {
      throw DefinitionException.of(file, problems);
    }
    return new DefinitionResolver(y, file).resolve(sources, datasets, models, docs, maintenance);
  }

  /** The {@code maintenance} section; the defaults for what it leaves out. */
  private Maintenance maintenance(JsonNode node) {
    if (node == null || node.isNull()) {
      return Maintenance.DEFAULT;
    }
    y.object(node, "maintenance");
    y.keys(node, "maintenance", MAINTENANCE_KEYS);
    int runs = whole(node, "keep_runs", 1, Maintenance.DEFAULT.keepRuns());
    int days = whole(node, "keep_days", 0, Maintenance.DEFAULT.keepDays());
    long size = Maintenance.DEFAULT.targetFileBytes();
    java.util.Optional<String> text = y.string(node, "target_file_size", "maintenance");
    if (text.isPresent()) {
      var m = SIZE.matcher(text.get().strip());
      if (!m.matches() || Long.parseLong(m.group(1)) < 1) {
        throw y.fail(
            "maintenance.target_file_size",
            "'"
                + text.get()
                + "' is not a size. Write a number of bytes, or with KB, MB or GB: 128MB");
      }
      String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
      int shift =
          switch (unit) {
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            default -> 0;
          };
      size = Long.parseLong(m.group(1)) << shift;
    }
    return new Maintenance(runs, days, size);
  }

  /** A whole number of at least {@code least} under {@code maintenance.field}, else otherwise. */
  private int whole(JsonNode node, String field, int least, int otherwise) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return otherwise;
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < least) {
      throw y.fail(
          "maintenance." + field,
          "expected a whole number of at least " + least + ", found " + n.asText());
    }
    return n.asInt();
  }

  /** The sources, their names added to {@code names} (with a mistake or not). */
  private List<SourceDef> sources(
      JsonNode node, Set<String> names, List<DefinitionException> problems) {
    List<SourceDef> sources = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : y.entries(node, "sources")) {
      names.add(e.getKey());
      collect(
          problems,
          () -> {
            sources.add(sourceParser.source(e.getKey(), e.getValue(), "sources." + e.getKey()));
            docs(
                new TableName(Zone.CONSOLIDATED, e.getKey()).toString(),
                e.getValue(),
                "sources." + e.getKey(),
                Map.of());
          });
    }
    return sources;
  }

  /** The datasets, their tables added to {@code tables} (with a mistake or not). */
  private List<DatasetDef> datasets(
      JsonNode node,
      Set<String> sourceNames,
      Set<String> tables,
      List<DefinitionException> problems) {
    List<DatasetDef> datasets = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : y.entries(node, "datasets")) {
      tables.add(Zone.TRANSFORMED.dbName() + "." + e.getKey()); // before the name is checked
      collect(
          problems,
          () -> {
            datasets.add(
                datasetParser.dataset(
                    e.getKey(), e.getValue(), "datasets." + e.getKey(), sourceNames));
            Map<String, String> columns = new LinkedHashMap<>();
            e.getValue()
                .path("columns")
                .fields()
                .forEachRemaining(
                    c -> {
                      String text = c.getValue().path("description").asText("").strip();
                      if (!text.isEmpty()) {
                        columns.put(c.getKey(), text);
                      }
                    });
            docs(
                new TableName(Zone.TRANSFORMED, e.getKey()).toString(),
                e.getValue(),
                "datasets." + e.getKey(),
                columns);
          });
    }
    return datasets;
  }

  /**
   * The models; one whose table a dataset (in {@code tables}) or another model has is a mistake.
   */
  private List<ModelDef> models(
      JsonNode node, Set<String> tables, List<DefinitionException> problems) {
    List<ModelDef> models = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : y.entries(node, "models")) {
      collect(
          problems,
          () -> {
            ModelDef model = modelParser.model(e.getKey(), e.getValue(), "models." + e.getKey());
            if (!tables.add(model.table())) {
              throw y.fail(
                  "models." + e.getKey(),
                  "table " + model.table() + " is already defined by a dataset. Rename the model");
            }
            models.add(model);
            String at = "models." + e.getKey();
            docs(model.table(), e.getValue(), at, modelColumnDocs(e.getValue().get("columns"), at));
          });
    }
    return models;
  }

  /** A model's column descriptions ({@code columns: {name: text}}), by column. */
  private Map<String, String> modelColumnDocs(JsonNode c, String at) {
    Map<String, String> columns = new LinkedHashMap<>();
    if (c != null) {
      for (Map.Entry<String, JsonNode> col : y.entries(c, at + ".columns")) {
        if (!col.getValue().isTextual()) {
          throw y.fail(
              at + ".columns." + col.getKey(),
              "expected the column's description, for example total: the sum of the payments");
        }
        columns.put(col.getKey(), col.getValue().asText().strip());
      }
    }
    return columns;
  }

  /**
   * Reads what the node says of its table for people (description, owner, tags, and {@code
   * columns}: a description per column) into {@link #docs}.
   */
  private void docs(String table, JsonNode node, String at, Map<String, String> columns) {
    String description = y.string(node, "description", at).map(String::strip).orElse("");
    String owner = y.string(node, "owner", at).map(String::strip).orElse("");
    List<String> tags = new ArrayList<>();
    JsonNode t = node.get("tags");
    if (t != null) {
      for (JsonNode tag : y.list(t, at + ".tags")) {
        if (!YamlNodes.isName(tag.asText())) {
          throw y.fail(
              at + ".tags",
              "'"
                  + tag.asText()
                  + "' is not a valid tag. Use snake_case: lower-case letters, digits and '_',"
                  + " starting with a letter");
        }
        tags.add(tag.asText());
      }
    }
    if (!description.isEmpty() || !owner.isEmpty() || !tags.isEmpty() || !columns.isEmpty()) {
      docs.put(table, new TableDocs(description, owner, tags, columns));
    }
  }

  /** Runs {@code step}, keeping the definition mistake it finds in {@code problems}. */
  private static void collect(List<DefinitionException> problems, Runnable step) {
    try {
      step.run();
    } catch (DefinitionException e) {
      problems.add(e);
    }
  }
}
