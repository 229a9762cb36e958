package dev.dpf.core.definition;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads and validates the pipeline definition ({@code src/pipeline.yaml}). Every mistake is
 * reported as a {@link DefinitionException} naming the file, the key path (for example {@code
 * datasets.transactions.columns.amount.type}) and the fix.
 */
public final class Definitions {
  /** Where the definition is packaged inside the jobs jar. */
  public static final String CLASSPATH_LOCATION = "dpf/pipeline.yaml";

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> CSV_KEYS =
      Set.of("header", "columns", "delimiter", "quote", "escape", "encoding", "null_value");
  private static final Set<String> DMS_KEYS =
      Set.of("include_op_for_full_load", "timestamp_column");

  /** The keys that say what a table is, for people ({@link TableDocs}). */
  private static final Set<String> DOC_KEYS = Set.of("description", "owner", "tags");

  private static final Set<String> SOURCE_KEYS = sourceKeys();

  private static Set<String> sourceKeys() {
    Set<String> keys =
        new HashSet<>(
            Set.of("kind", "path", "format", "on_error", "date_format", "timestamp_format"));
    keys.addAll(DOC_KEYS);
    keys.addAll(CSV_KEYS);
    keys.addAll(DMS_KEYS);
    return Set.copyOf(keys);
  }

  private Definitions() {}

  /** Loads a definition file; model SQL files are resolved relative to its folder. */
  public static PipelineDefinition load(Path file) {
    String shown = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new DefinitionException(
          shown, "", "file not found. Pass --definition with the path of a pipeline.yaml");
    } catch (IOException e) {
      throw new DefinitionException(shown, "", "cannot read: " + e.getMessage());
    }
    Path dir = file.toAbsolutePath().getParent();
    return parse(shown, text, rel -> readFile(dir.resolve(rel)));
  }

  /** Loads the definition packaged in the jar at {@link #CLASSPATH_LOCATION}. */
  public static PipelineDefinition loadFromClasspath() {
    return loadFromClasspath(CLASSPATH_LOCATION);
  }

  /**
   * Loads a definition from a classpath resource, for example {@code dpf/pipeline.yaml}; model SQL
   * files are resources relative to its folder.
   */
  public static PipelineDefinition loadFromClasspath(String resource) {
    String shown = "classpath:" + resource;
    String text = readResource(resource);
    if (text == null) {
      throw new DefinitionException(
          shown,
          "",
          "not packaged in this jar. Pass --definition with the path of a pipeline.yaml");
    }
    int slash = resource.lastIndexOf('/');
    String folder = slash < 0 ? "" : resource.substring(0, slash + 1);
    return parse(shown, text, rel -> readResource(folder + rel));
  }

  /**
   * Parses definition text.
   *
   * @param file name shown in messages
   * @param text the YAML
   * @param reader reads a file named relative to the definition (model SQL); returns null when it
   *     does not exist
   */
  public static PipelineDefinition parse(
      String file, String text, Function<String, String> reader) {
    JsonNode root;
    try {
      rejectDuplicateKeys(file, text);
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new DefinitionException(
          file,
          "",
          "not valid YAML"
              + where
              + ": "
              + oneLine(e.getOriginalMessage())
              + ". Fix the YAML syntax");
    } catch (IOException e) {
      throw new UncheckedIOException(e); // text in memory: not expected
    }
    return new Parser(file, reader).definition(root);
  }

  /**
   * Fails when a mapping holds the same key twice, naming both lines: YAML parsers keep the last
   * one silently, so a dataset declared twice would replace the first without a word.
   */
  private static void rejectDuplicateKeys(String file, String text) throws IOException {
    record Frame(String path, Map<String, Integer> keys, int[] index) {
      String child(String key) {
        if (keys == null) {
          return path + "[" + index[0]++ + "]";
        }
        return path.isEmpty() ? key : path + "." + key;
      }
    }
    java.util.ArrayDeque<Frame> stack = new java.util.ArrayDeque<>();
    String pendingKey = null;
    try (com.fasterxml.jackson.core.JsonParser p = YAML.getFactory().createParser(text)) {
      for (var t = p.nextToken(); t != null; t = p.nextToken()) {
        switch (t) {
          case FIELD_NAME -> {
            Frame f = stack.peek();
            String key = p.currentName();
            int line = p.currentTokenLocation().getLineNr();
            Integer first = f.keys().putIfAbsent(key, line);
            if (first != null) {
              throw new DefinitionException(
                  file,
                  f.child(key),
                  "declared twice, at line "
                      + first
                      + " and at line "
                      + line
                      + " (YAML would keep only the second). Remove or rename one");
            }
            pendingKey = key;
          }
          case START_OBJECT, START_ARRAY -> {
            Frame parent = stack.peek();
            String path =
                parent == null ? "" : parent.child(parent.keys() == null ? null : pendingKey);
            stack.push(
                new Frame(
                    path,
                    t == com.fasterxml.jackson.core.JsonToken.START_OBJECT
                        ? new java.util.HashMap<>()
                        : null,
                    new int[1]));
          }
          case END_OBJECT, END_ARRAY -> stack.pop();
          default -> {
            Frame parent = stack.peek();
            if (parent != null && parent.keys() == null) {
              parent.index()[0]++; // a scalar list item
            }
          }
        }
      }
    }
  }

  /** The parser's message without its source excerpts: the lines that say what is wrong, joined. */
  private static String oneLine(String message) {
    return message
        .lines()
        .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)) && !l.startsWith("^"))
        .map(String::strip)
        .collect(java.util.stream.Collectors.joining("; "));
  }

  private static String readFile(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readResource(String name) {
    try (InputStream in = Definitions.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Walks the YAML tree, keeping the key path for messages. */
  private static final class Parser {
    private final String file;
    private final Function<String, String> reader;
    private final Map<String, TableDocs> docs = new java.util.LinkedHashMap<>();

    Parser(String file, Function<String, String> reader) {
      this.file = file;
      this.reader = reader;
    }

    PipelineDefinition definition(JsonNode root) {
      if (root == null || root.isMissingNode() || root.isNull()) {
        throw fail("", "the file is empty. Declare at least 'sources'");
      }
      object(root, "");
      keys(root, "", Set.of("sources", "datasets", "models"));
      JsonNode sourcesNode = root.get("sources");
      if (sourcesNode == null || sourcesNode.isEmpty()) {
        throw fail("sources", "missing. Declare at least one source (kind and path)");
      }
      // Each source, dataset and model is read on its own, and every one with a mistake is told:
      // the first mistake of each. Names are known from the keys, so that a dataset of a source
      // with a mistake is not reported as reading an unknown source.
      List<DefinitionException> problems = new ArrayList<>();
      List<SourceDef> sources = new ArrayList<>();
      Set<String> sourceNames = new HashSet<>();
      for (Map.Entry<String, JsonNode> e : entries(sourcesNode, "sources")) {
        sourceNames.add(e.getKey());
        collect(
            problems,
            () -> {
              sources.add(source(e.getKey(), e.getValue(), "sources." + e.getKey()));
              docs(
                  Zone.CONSOLIDATED.dbName() + "." + e.getKey(),
                  e.getValue(),
                  "sources." + e.getKey(),
                  Map.of());
            });
      }

      List<DatasetDef> datasets = new ArrayList<>();
      Set<String> tables = new HashSet<>();
      for (Map.Entry<String, JsonNode> e : entries(root.get("datasets"), "datasets")) {
        tables.add(Zone.TRANSFORMED.dbName() + "." + e.getKey());
        collect(
            problems,
            () -> {
              datasets.add(
                  dataset(e.getKey(), e.getValue(), "datasets." + e.getKey(), sourceNames));
              Map<String, String> columns = new java.util.LinkedHashMap<>();
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
                  Zone.TRANSFORMED.dbName() + "." + e.getKey(),
                  e.getValue(),
                  "datasets." + e.getKey(),
                  columns);
            });
      }
      List<ModelDef> models = new ArrayList<>();
      for (Map.Entry<String, JsonNode> e : entries(root.get("models"), "models")) {
        collect(
            problems,
            () -> {
              ModelDef model = model(e.getKey(), e.getValue(), "models." + e.getKey());
              if (!tables.add(model.table())) {
                throw fail(
                    "models." + e.getKey(),
                    "table "
                        + model.table()
                        + " is already defined by a dataset. Rename the model");
              }
              models.add(model);
              String at = "models." + e.getKey();
              Map<String, String> columns = new java.util.LinkedHashMap<>();
              JsonNode c = e.getValue().get("columns");
              if (c != null) {
                for (Map.Entry<String, JsonNode> col : entries(c, at + ".columns")) {
                  if (!col.getValue().isTextual()) {
                    throw fail(
                        at + ".columns." + col.getKey(),
                        "expected the column's description, for example total: the sum of the"
                            + " payments");
                  }
                  columns.put(col.getKey(), col.getValue().asText().strip());
                }
              }
              docs(model.table(), e.getValue(), at, columns);
            });
      }
      if (!problems.isEmpty()) {
        throw DefinitionException.of(file, problems);
      }
      return resolve(sources, datasets, models);
    }

    /**
     * Reads what the node says of its table for people (description, owner, tags, and {@code
     * columns}: a description per column) into {@link #docs}.
     */
    private void docs(String table, JsonNode node, String at, Map<String, String> columns) {
      String description = string(node, "description", at).map(String::strip).orElse("");
      String owner = string(node, "owner", at).map(String::strip).orElse("");
      List<String> tags = new ArrayList<>();
      JsonNode t = node.get("tags");
      if (t != null) {
        for (JsonNode tag : list(t, at + ".tags")) {
          if (!NAME.matcher(tag.asText()).matches()) {
            throw fail(
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

    private SourceDef source(String name, JsonNode node, String at) {
      name(name, at);
      object(node, at);
      keys(node, at, SOURCE_KEYS);
      String kindText =
          string(node, "kind", at).orElseThrow(() -> missing(at, "kind", SourceKind.labels()));
      SourceKind kind =
          SourceKind.fromLabel(kindText)
              .orElseThrow(
                  () ->
                      fail(
                          at + ".kind",
                          "unknown kind '" + kindText + "'. Use one of " + SourceKind.labels()));
      String path =
          string(node, "path", at)
              .orElseThrow(() -> missing(at, "path", "a folder relative to the raw root"));
      if (path.startsWith("/") || path.contains("..") || path.contains("\\") || path.isBlank()) {
        throw fail(
            at + ".path",
            "'"
                + path
                + "' must be relative to the raw root, with '/' separators and no '..'."
                + " For example streaming/payments");
      }
      SourceDef.Format format = format(kind, node, at);
      if (format != SourceDef.Format.CSV) {
        only(node, at, CSV_KEYS, "sources in CSV format");
      }
      if (kind != SourceKind.DMS) {
        only(node, at, DMS_KEYS, "dms sources");
      }
      SourceDef.Csv d = SourceDef.Csv.DEFAULT;
      SourceDef.Csv csv =
          new SourceDef.Csv(
              bool(node, "header", at, d.header()),
              strings(node, "columns", at),
              character(node, "delimiter", at, d.delimiter()),
              character(node, "quote", at, d.quote()),
              character(node, "escape", at, d.escape()),
              encoding(node, at),
              node.hasNonNull("null_value") ? node.get("null_value").asText() : null);
      SourceDef.Dms dms =
          new SourceDef.Dms(
              bool(node, "include_op_for_full_load", at, false),
              string(node, "timestamp_column", at).orElse(null));
      String onErrorText = string(node, "on_error", at).orElse("quarantine");
      SourceDef.OnError onError =
          switch (onErrorText) {
            case "quarantine" -> SourceDef.OnError.QUARANTINE;
            case "fail" -> SourceDef.OnError.FAIL;
            default ->
                throw fail(
                    at + ".on_error",
                    "unknown value '" + onErrorText + "'. Use quarantine or fail");
          };
      return new SourceDef(
          name,
          kind,
          path.endsWith("/") ? path.substring(0, path.length() - 1) : path,
          format,
          csv,
          dms,
          onError,
          string(node, "date_format", at).orElse(null),
          string(node, "timestamp_format", at).orElse(null));
    }

    private SourceDef.Format format(SourceKind kind, JsonNode node, String at) {
      Optional<String> text = string(node, "format", at);
      if (text.isEmpty()) {
        return kind.defaultFormat();
      }
      List<String> allowed =
          switch (kind) {
            case FIREHOSE_JSON -> List.of("json");
            case DMS -> List.of("csv", "parquet");
            case CSV_FILES -> List.of("csv");
          };
      if (!allowed.contains(text.get())) {
        throw fail(
            at + ".format",
            "'"
                + text.get()
                + "' is not a format of "
                + kind.label()
                + " sources. Use "
                + String.join(" or ", allowed));
      }
      return SourceDef.Format.valueOf(text.get().toUpperCase(java.util.Locale.ROOT));
    }

    /** Fails when {@code node} has one of {@code keys}, which only {@code who} take. */
    private void only(JsonNode node, String at, Set<String> keys, String who) {
      for (String k : new java.util.TreeSet<>(keys)) {
        if (node.has(k)) {
          throw fail(at + "." + k, "only " + who + " take this setting. Remove it");
        }
      }
    }

    private boolean bool(JsonNode node, String field, String at, boolean otherwise) {
      JsonNode n = node.get(field);
      if (n == null || n.isNull()) {
        return otherwise;
      }
      if (!n.isBoolean()) {
        throw fail(at + "." + field, "'" + n.asText() + "' is not a boolean. Use true or false");
      }
      return n.asBoolean();
    }

    private char character(JsonNode node, String field, String at, char otherwise) {
      JsonNode n = node.get(field);
      if (n == null || n.isNull()) {
        return otherwise;
      }
      String text = n.asText();
      if (!n.isTextual() || text.length() != 1) {
        throw fail(
            at + "." + field,
            "'" + text + "' is not one character. Quote it, for example \"|\" or \"\\t\"");
      }
      return text.charAt(0);
    }

    private String encoding(JsonNode node, String at) {
      String name = string(node, "encoding", at).orElse("UTF-8");
      try {
        return java.nio.charset.Charset.forName(name).name();
      } catch (IllegalArgumentException e) {
        throw fail(
            at + ".encoding",
            "unknown character set '"
                + name
                + "'. Use for example UTF-8, ISO-8859-1 or windows-1252");
      }
    }

    private List<String> strings(JsonNode node, String field, String at) {
      JsonNode n = node.get(field);
      List<String> out = new ArrayList<>();
      if (n != null && !n.isNull()) {
        for (JsonNode c : list(n, at + "." + field)) {
          out.add(c.asText());
        }
      }
      return out;
    }

    /**
     * A source without a header row takes its column order from the definition: its own {@code
     * columns}, else the raw names of the dataset that reads it. Date and timestamp columns without
     * a format take the source's default format.
     */
    private PipelineDefinition resolve(
        List<SourceDef> sources, List<DatasetDef> datasets, List<ModelDef> models) {
      List<SourceDef> outSources = new ArrayList<>();
      for (SourceDef declared : sources) {
        SourceDef s = declared;
        String sourceName = declared.name();
        if (s.format() == SourceDef.Format.CSV
            && !s.csv().header()
            && s.csv().columns().isEmpty()) {
          DatasetDef reader =
              datasets.stream()
                  .filter(d -> d.source().equals(sourceName))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          fail(
                              "sources." + sourceName + ".columns",
                              "missing. A source whose files have no header row needs its column"
                                  + " order: list the raw column names in file order"));
          List<String> names = reader.columns().stream().map(ColumnDef::from).toList();
          SourceDef.Csv c = s.csv();
          s =
              new SourceDef(
                  s.name(),
                  s.kind(),
                  s.path(),
                  s.format(),
                  new SourceDef.Csv(
                      false,
                      names,
                      c.delimiter(),
                      c.quote(),
                      c.escape(),
                      c.encoding(),
                      c.nullValue()),
                  s.dms(),
                  s.onError(),
                  s.dateFormat(),
                  s.timestampFormat());
        }
        outSources.add(s);
      }
      List<DatasetDef> outDatasets = new ArrayList<>();
      for (DatasetDef d : datasets) {
        SourceDef s =
            outSources.stream().filter(x -> x.name().equals(d.source())).findFirst().get();
        List<ColumnDef> columns = new ArrayList<>();
        for (ColumnDef c : d.columns()) {
          String fallback =
              switch (c.type().base()) {
                case DATE -> s.dateFormat();
                case TIMESTAMP -> s.timestampFormat();
                default -> null;
              };
          columns.add(c.format().isEmpty() && fallback != null ? c.withFormat(fallback) : c);
        }
        outDatasets.add(d.withColumns(columns));
      }
      return new PipelineDefinition(file, outSources, dependencyOrder(outDatasets), models, docs);
    }

    /**
     * The datasets in definition order, except that a dataset comes after those its {@code
     * references} rules point to (they are checked against the referenced current state). Checks
     * that each reference names a dataset column.
     */
    private List<DatasetDef> dependencyOrder(List<DatasetDef> datasets) {
      Map<String, DatasetDef> byName = new java.util.LinkedHashMap<>();
      datasets.forEach(d -> byName.put(d.name(), d));
      for (DatasetDef d : datasets) {
        for (int i = 0; i < d.quality().size(); i++) {
          String to = d.quality().get(i).reference().orElse(null);
          if (to == null) {
            continue;
          }
          String at = "datasets." + d.name() + ".quality[" + i + "].to";
          String[] parts = to.split("\\.");
          DatasetDef target = byName.get(parts[0]);
          if (target == null) {
            throw fail(
                at,
                "unknown dataset '"
                    + parts[0]
                    + "'. Use one of the names under 'datasets': "
                    + String.join(", ", byName.keySet()));
          }
          if (target.columns().stream().noneMatch(c -> c.name().equals(parts[1]))) {
            throw fail(
                at,
                "dataset '" + parts[0] + "' has no column '" + parts[1] + "'. Fix the column name");
          }
        }
      }
      List<DatasetDef> out = new ArrayList<>();
      Set<String> done = new HashSet<>();
      for (DatasetDef d : datasets) {
        visitDataset(d, byName, done, new java.util.LinkedHashSet<>(), out);
      }
      return out;
    }

    private void visitDataset(
        DatasetDef d,
        Map<String, DatasetDef> byName,
        Set<String> done,
        java.util.LinkedHashSet<String> path,
        List<DatasetDef> out) {
      if (done.contains(d.name())) {
        return;
      }
      if (!path.add(d.name())) {
        throw fail(
            "datasets." + d.name() + ".quality",
            "references rules form a cycle: "
                + String.join(" -> ", path)
                + " -> "
                + d.name()
                + ". Remove one of the references rules");
      }
      for (QualityRule r : d.quality()) {
        if (r.reference().isPresent()) {
          String target = r.reference().get().split("\\.")[0];
          if (!target.equals(d.name())) {
            visitDataset(byName.get(target), byName, done, path, out);
          }
        }
      }
      path.remove(d.name());
      done.add(d.name());
      out.add(d);
    }

    private DatasetDef dataset(String name, JsonNode node, String at, Set<String> sources) {
      name(name, at);
      object(node, at);
      keys(
          node,
          at,
          Set.of(
              "source",
              "key",
              "columns",
              "partition_by",
              "on_new_columns",
              "ordering",
              "history",
              "quality",
              "description",
              "owner",
              "tags"));
      String source = string(node, "source", at).orElse(name);
      if (!sources.contains(source)) {
        throw fail(
            at + ".source",
            "unknown source '"
                + source
                + "'. Use one of the names under 'sources': "
                + String.join(", ", new java.util.TreeSet<>(sources)));
      }
      JsonNode columnsNode = node.get("columns");
      if (columnsNode == null || columnsNode.isEmpty()) {
        throw missing(at, "columns", "a map of column name to {from, type}");
      }
      List<ColumnDef> columns = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (Map.Entry<String, JsonNode> e : entries(columnsNode, at + ".columns")) {
        ColumnDef c = column(e.getKey(), e.getValue(), at + ".columns." + e.getKey());
        names.add(c.name());
        columns.add(c);
      }
      List<String> key = columnList(node, "key", at, names);
      List<String> partitionBy = columnList(node, "partition_by", at, names);
      List<String> ordering = columnList(node, "ordering", at, names);
      if (!ordering.isEmpty() && key.isEmpty()) {
        throw fail(
            at + ".ordering",
            "orders the changes of a key, but the dataset has no key. Add key or remove ordering");
      }
      DatasetDef.NewColumns onNewColumns =
          choice(
              node,
              "on_new_columns",
              at,
              DatasetDef.NewColumns.class,
              DatasetDef.NewColumns.IGNORE);
      DatasetDef.History history =
          choice(node, "history", at, DatasetDef.History.class, DatasetDef.History.NONE);
      if (history == DatasetDef.History.SCD2 && key.isEmpty()) {
        throw fail(
            at + ".history",
            "scd2 keeps the versions of each key, but the dataset has no key. Add key");
      }
      List<QualityRule> quality = rules(node, at, names);
      return new DatasetDef(
          name, source, key, columns, partitionBy, onNewColumns, ordering, history, quality);
    }

    /** One of an enum's values, written in lower case; the default when the key is absent. */
    private <E extends Enum<E>> E choice(
        JsonNode node, String field, String at, Class<E> type, E otherwise) {
      Optional<String> text = string(node, field, at);
      if (text.isEmpty()) {
        return otherwise;
      }
      List<String> allowed = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        String k = e.name().toLowerCase(java.util.Locale.ROOT);
        if (k.equals(text.get())) {
          return e;
        }
        allowed.add(k);
      }
      throw fail(
          at + "." + field,
          "unknown value '"
              + text.get()
              + "'. Use "
              + String.join(", ", allowed.subList(0, allowed.size() - 1))
              + " or "
              + allowed.get(allowed.size() - 1));
    }

    /**
     * The {@code quality} rules of a dataset (whose {@code columns} the rules may name) or a model
     * ({@code columns} null: its columns are known once its SQL compiles).
     */
    private List<QualityRule> rules(JsonNode node, String at, Set<String> columns) {
      List<QualityRule> quality = new ArrayList<>();
      JsonNode q = node.get("quality");
      if (q != null) {
        if (!q.isArray()) {
          throw fail(
              at + ".quality", "expected a list of rules, for example - {rule: not_null, ...}");
        }
        for (int i = 0; i < q.size(); i++) {
          quality.add(rule(q.get(i), at + ".quality[" + i + "]", columns));
        }
      }
      return quality;
    }

    private QualityRule rule(JsonNode node, String at, Set<String> columns) {
      object(node, at);
      QualityRule.Kind kind = choice(node, "rule", at, QualityRule.Kind.class, null);
      if (kind == null) {
        throw missing(
            at,
            "rule",
            "not_null, range, regex, allowed_values, references, expect, unique, freshness or"
                + " min_rows");
      }
      Set<String> allowed = new HashSet<>(Set.of("rule", "action"));
      allowed.addAll(
          switch (kind) {
            case NOT_NULL, UNIQUE -> Set.of("column", "columns");
            case RANGE -> Set.of("column", "min", "max");
            case REGEX -> Set.of("column", "pattern");
            case ALLOWED_VALUES -> Set.of("column", "values");
            case REFERENCES -> Set.of("column", "to");
            case FRESHNESS -> Set.of("column", "max_age");
            case MIN_ROWS -> Set.of("count");
            case EXPECT -> Set.of("name", "expression");
          });
      keys(node, at, allowed);
      QualityRule.Action action = choice(node, "action", at, QualityRule.Action.class, null);
      if (action == null) {
        throw missing(at, "action", kind.rowLevel() ? "warn, quarantine or fail" : "warn or fail");
      }
      if (action == QualityRule.Action.QUARANTINE && !kind.rowLevel()) {
        throw fail(
            at + ".action",
            kind.key() + " judges the whole table, so it cannot quarantine rows. Use warn or fail");
      }
      List<String> ruleColumns = new ArrayList<>();
      if (kind == QualityRule.Kind.REFERENCES && columns == null) {
        throw fail(
            at + ".rule",
            "references checks a dataset's column against another dataset; a model checks its"
                + " rows with expect, for example {rule: expect, name: known_customer, expression:"
                + " \"customer_id IS NOT NULL\", action: warn}");
      }
      if (kind != QualityRule.Kind.MIN_ROWS && kind != QualityRule.Kind.EXPECT) {
        if (node.has("column") && node.has("columns")) {
          throw fail(at, "has both column and columns. Keep one");
        }
        String field = node.has("columns") ? "columns" : "column";
        if (!node.has(field)) {
          throw missing(at, "column", "the column the rule checks");
        }
        ruleColumns =
            columnList(
                node, field, at, columns, at.substring(0, at.indexOf(".quality")) + ".columns");
        if (ruleColumns.size() != 1
            && !(kind == QualityRule.Kind.UNIQUE || kind == QualityRule.Kind.NOT_NULL)) {
          throw fail(at + "." + field, kind.key() + " checks one column. Name one");
        }
      }
      Optional<String> min = Optional.empty();
      Optional<String> max = Optional.empty();
      Optional<String> pattern = Optional.empty();
      List<String> values = List.of();
      Optional<String> reference = Optional.empty();
      Optional<java.time.Duration> maxAge = Optional.empty();
      long minRows = 0;
      Optional<String> name = Optional.empty();
      Optional<String> expression = Optional.empty();
      switch (kind) {
        case EXPECT -> {
          name =
              Optional.of(
                  string(node, "name", at)
                      .orElseThrow(() -> missing(at, "name", "what the rule is called")));
          name(name.get(), at + ".name");
          expression =
              string(node, "expression", at)
                  .map(String::strip)
                  .filter(x -> !x.isEmpty())
                  .map(Optional::of)
                  .orElseThrow(
                      () ->
                          missing(
                              at,
                              "expression",
                              "a SQL boolean expression each row must not make false, for example"
                                  + " amount > 0"));
        }
        case RANGE -> {
          min = number(node, "min", at);
          max = number(node, "max", at);
          if (min.isEmpty() && max.isEmpty()) {
            throw missing(at, "min", "the least allowed value (and/or max: the greatest)");
          }
        }
        case REGEX -> {
          pattern =
              Optional.of(
                  string(node, "pattern", at)
                      .orElseThrow(() -> missing(at, "pattern", "a regular expression")));
          try {
            Pattern.compile(pattern.get());
          } catch (java.util.regex.PatternSyntaxException e) {
            throw fail(at + ".pattern", "not a valid regular expression: " + e.getDescription());
          }
        }
        case ALLOWED_VALUES -> {
          JsonNode v = node.get("values");
          if (v == null) {
            throw missing(at, "values", "the list of allowed values, for example [A, B]");
          }
          values = list(v, at + ".values").stream().map(JsonNode::asText).toList();
        }
        case REFERENCES -> {
          String to =
              string(node, "to", at)
                  .orElseThrow(
                      () -> missing(at, "to", "the dataset and column, for example customers.id"));
          if (!to.matches("[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*")) {
            throw fail(at + ".to", "'" + to + "' is not dataset.column, for example customers.id");
          }
          reference = Optional.of(to);
        }
        case FRESHNESS -> {
          String text =
              string(node, "max_age", at)
                  .orElseThrow(() -> missing(at, "max_age", "a duration such as 36h or 7d"));
          maxAge = Optional.of(duration(text, at + ".max_age"));
        }
        case MIN_ROWS -> {
          JsonNode n = node.get("count");
          if (n == null || !n.canConvertToLong() || n.asLong() < 1) {
            throw fail(at + ".count", "expected a whole number of rows, at least 1");
          }
          minRows = n.asLong();
        }
        default -> {}
      }
      return new QualityRule(
          kind,
          ruleColumns,
          action,
          min,
          max,
          pattern,
          values,
          reference,
          maxAge,
          minRows,
          name,
          expression);
    }

    private Optional<String> number(JsonNode node, String field, String at) {
      Optional<String> text = string(node, field, at);
      if (text.isPresent()) {
        try {
          new java.math.BigDecimal(text.get());
        } catch (NumberFormatException e) {
          throw fail(at + "." + field, "'" + text.get() + "' is not a number");
        }
      }
      return text;
    }

    private java.time.Duration duration(String text, String at) {
      var m = Pattern.compile("([0-9]+)([dhms])").matcher(text.strip());
      if (!m.matches()) {
        throw fail(at, "'" + text + "' is not a duration. Write a number and d, h, m or s: 36h");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "d" -> java.time.Duration.ofDays(n);
        case "h" -> java.time.Duration.ofHours(n);
        case "m" -> java.time.Duration.ofMinutes(n);
        default -> java.time.Duration.ofSeconds(n);
      };
    }

    private ColumnDef column(String name, JsonNode node, String at) {
      name(name, at);
      if (node.isTextual()) {
        // Short form: `amount: decimal(12,2)`.
        return new ColumnDef(name, name, type(node.asText(), at), Optional.empty(), true);
      }
      object(node, at);
      keys(node, at, Set.of("from", "type", "format", "nullable", "pii", "description"));
      String typeText =
          string(node, "type", at).orElseThrow(() -> missing(at, "type", ColumnType.ALLOWED));
      ColumnType type = type(typeText, at + ".type");
      Optional<String> format = string(node, "format", at);
      if (format.isPresent()
          && type.base() != ColumnType.Base.DATE
          && type.base() != ColumnType.Base.TIMESTAMP) {
        throw fail(at + ".format", "only date and timestamp columns take a format. Remove it");
      }
      boolean nullable = true;
      JsonNode n = node.get("nullable");
      if (n != null) {
        if (!n.isBoolean()) {
          throw fail(at + ".nullable", "'" + n.asText() + "' is not a boolean. Use true or false");
        }
        nullable = n.asBoolean();
      }
      Optional<Pii> pii = Optional.ofNullable(choice(node, "pii", at, Pii.class, null));
      return new ColumnDef(
          name, string(node, "from", at).orElse(name), type, format, nullable, pii);
    }

    private ColumnType type(String text, String at) {
      return ColumnType.parse(text)
          .orElseThrow(
              () -> fail(at, "unknown type '" + text + "'. Use one of " + ColumnType.ALLOWED));
    }

    private ModelDef model(String name, JsonNode node, String at) {
      name(name, at);
      object(node, at);
      keys(
          node,
          at,
          Set.of(
              "zone",
              "sql",
              "partition_by",
              "pii_in_clear",
              "incremental",
              "quality",
              "description",
              "owner",
              "tags",
              "columns"));
      String zoneText = string(node, "zone", at).orElse(Zone.CURATED.dbName());
      Zone zone;
      if (zoneText.equals(Zone.TRANSFORMED.dbName())) {
        zone = Zone.TRANSFORMED;
      } else if (zoneText.equals(Zone.CURATED.dbName())) {
        zone = Zone.CURATED;
      } else {
        throw fail(at + ".zone", "unknown zone '" + zoneText + "'. Use transformed or curated");
      }
      String sqlFile =
          string(node, "sql", at)
              .orElseThrow(
                  () -> missing(at, "sql", "the SQL file, for example models/" + name + ".sql"));
      String sql = reader.apply(sqlFile);
      if (sql == null) {
        throw fail(
            at + ".sql",
            "file '"
                + sqlFile
                + "' not found (relative to the definition). Create it or fix the path");
      }
      sql = sql.strip();
      while (sql.endsWith(";")) {
        sql = sql.substring(0, sql.length() - 1).strip();
      }
      if (sql.isEmpty()) {
        throw fail(
            at + ".sql", "file '" + sqlFile + "' is empty. Write one SELECT statement in it");
      }
      List<String> partitionBy = new ArrayList<>();
      JsonNode p = node.get("partition_by");
      if (p != null) {
        for (JsonNode c : list(p, at + ".partition_by")) {
          partitionBy.add(c.asText());
        }
      }
      List<String> piiInClear = new ArrayList<>();
      JsonNode clear = node.get("pii_in_clear");
      if (clear != null) {
        for (JsonNode c : list(clear, at + ".pii_in_clear")) {
          piiInClear.add(c.asText());
        }
      }
      return new ModelDef(
          name,
          zone,
          sqlFile,
          sql,
          partitionBy,
          piiInClear,
          incremental(node, at, partitionBy),
          rules(node, at, null));
    }

    private Optional<ModelDef.Incremental> incremental(
        JsonNode node, String at, List<String> partitionBy) {
      JsonNode n = node.get("incremental");
      if (n == null) {
        return Optional.empty();
      }
      String where = at + ".incremental";
      object(n, where);
      keys(n, where, Set.of("changes_of", "partition", "key"));
      String table =
          string(n, "changes_of", where)
              .orElseThrow(
                  () ->
                      missing(
                          where,
                          "changes_of",
                          "the fact table whose changed rows say what to recompute,"
                              + " for example transformed.payments"));
      if (!table.matches("(consolidated|transformed|curated)\\.[A-Za-z0-9_]+")) {
        throw fail(
            where + ".changes_of",
            "'" + table + "' is not a zone.table name. For example transformed.payments");
      }
      Optional<String> key = string(n, "key", where).filter(x -> !x.isBlank());
      Optional<String> partition = string(n, "partition", where).filter(x -> !x.isBlank());
      if (key.isPresent() && partition.isPresent()) {
        throw fail(
            where,
            "set either partition (recompute the partitions changed rows touch) or key (recompute"
                + " the keys changed rows carry), not both");
      }
      if (key.isPresent()) {
        if (!key.get().matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw fail(
              where + ".key", "'" + key.get() + "' is not a column name. For example customer_id");
        }
        return Optional.of(ModelDef.Incremental.byKey(table, key.get()));
      }
      if (partition.isEmpty()) {
        throw missing(
            where,
            "partition",
            "a SQL expression over a row of "
                + table
                + " giving the partition it touches, for example to_date(payment_time); or key:"
                + " a column of "
                + table
                + " and of the model whose rows depend only on that key's rows");
      }
      if (partitionBy.size() != 1) {
        throw fail(
            at + ".partition_by",
            "an incremental model needs exactly one partition column (the one"
                + " incremental.partition computes), got "
                + partitionBy
                + ". Set partition_by: [<column>]");
      }
      return Optional.of(ModelDef.Incremental.byPartition(table, partition.get()));
    }

    private List<String> columnList(JsonNode node, String field, String at, Set<String> columns) {
      return columnList(node, field, at, columns, at + ".columns");
    }

    /** As above; {@code declaredAt} is where the columns are declared, for the message. */
    private List<String> columnList(
        JsonNode node, String field, String at, Set<String> columns, String declaredAt) {
      JsonNode n = node.get(field);
      List<String> out = new ArrayList<>();
      if (n == null) {
        return out;
      }
      for (JsonNode c : list(n, at + "." + field)) {
        String col = c.asText();
        if (columns != null && !columns.contains(col)) { // null: a model's, known once compiled
          throw fail(
              at + "." + field,
              "unknown column '" + col + "'. Use one of the names under " + declaredAt);
        }
        out.add(col);
      }
      return out;
    }

    private List<JsonNode> list(JsonNode n, String at) {
      List<JsonNode> out = new ArrayList<>();
      if (n.isTextual()) {
        out.add(n);
      } else if (n.isArray()) {
        n.forEach(out::add);
      } else {
        throw fail(at, "expected a list, for example [a, b]");
      }
      return out;
    }

    private void name(String name, String at) {
      if (!NAME.matcher(name).matches()) {
        throw fail(
            at,
            "'"
                + name
                + "' is not a valid name. Use snake_case: lower-case letters, digits and '_',"
                + " starting with a letter");
      }
    }

    private void object(JsonNode node, String at) {
      if (node == null || !node.isObject()) {
        throw fail(at, "expected a map of keys, found " + (node == null ? "nothing" : kind(node)));
      }
    }

    private List<Map.Entry<String, JsonNode>> entries(JsonNode node, String at) {
      List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
      if (node == null || node.isNull()) {
        return out;
      }
      object(node, at);
      node.fields().forEachRemaining(out::add);
      return out;
    }

    private void keys(JsonNode node, String at, Set<String> allowed) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!allowed.contains(k)) {
          throw fail(
              at.isEmpty() ? k : at + "." + k,
              "unknown key. Allowed here: " + String.join(", ", new java.util.TreeSet<>(allowed)));
        }
      }
    }

    private Optional<String> string(JsonNode node, String field, String at) {
      JsonNode n = node.get(field);
      if (n == null || n.isNull()) {
        return Optional.empty();
      }
      if (!n.isValueNode() || n.asText().isBlank()) {
        throw fail(at + "." + field, "expected a non-empty text value, found " + kind(n));
      }
      return Optional.of(n.asText());
    }

    private static String kind(JsonNode n) {
      if (n.isObject()) {
        return "a map";
      }
      if (n.isArray()) {
        return "a list";
      }
      return "'" + n.asText() + "'";
    }

    private DefinitionException missing(String at, String field, String what) {
      return fail(at + "." + field, "missing. Add " + field + ": " + what);
    }

    private DefinitionException fail(String at, String problem) {
      return new DefinitionException(file, at, problem);
    }
  }
}
