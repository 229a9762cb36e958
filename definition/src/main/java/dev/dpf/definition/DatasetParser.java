package dev.dpf.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Parses one entry under {@code datasets}: its contract (columns, key, order) and its rules. */
final class DatasetParser {
  /** Every key a dataset takes. */
  static final Set<String> KEYS =
      union(
          Set.of(
              "source",
              "key",
              "columns",
              "partition_by",
              "on_new_columns",
              "ordering",
              "history",
              "quality"),
          DefinitionParser.DOC_KEYS);

  /** Every key a column in its long form takes. */
  static final Set<String> COLUMN_KEYS =
      Set.of("from", "type", "format", "nullable", "pii", "description");

  private final YamlNodes y;
  private final QualityRuleParser rules;

  DatasetParser(YamlNodes y) {
    this.y = y;
    this.rules = new QualityRuleParser(y);
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.addAll(b);
    return Set.copyOf(out);
  }

  DatasetDef dataset(String name, JsonNode node, String at, Set<String> sources) {
    y.name(name, at);
    y.object(node, at);
    y.keys(node, at, KEYS);
    String source = y.string(node, "source", at).orElse(name);
    if (!sources.contains(source)) {
      throw y.fail(
          at + ".source",
          "unknown source '"
              + source
              + "'. Use one of the names under 'sources': "
              + String.join(", ", new TreeSet<>(sources)));
    }
    JsonNode columnsNode = node.get("columns");
    if (columnsNode == null || columnsNode.isEmpty()) {
      throw y.missing(at, "columns", "a map of column name to {from, type}");
    }
    List<ColumnDef> columns = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Map.Entry<String, JsonNode> e : y.entries(columnsNode, at + ".columns")) {
      ColumnDef c = column(e.getKey(), e.getValue(), at + ".columns." + e.getKey());
      names.add(c.name());
      columns.add(c);
    }
    List<String> key = y.columnList(node, "key", at, names, at + ".columns");
    List<String> partitionBy = y.columnList(node, "partition_by", at, names, at + ".columns");
    List<String> ordering = y.columnList(node, "ordering", at, names, at + ".columns");
    if (!ordering.isEmpty() && key.isEmpty()) {
      throw y.fail(
          at + ".ordering",
          "orders the changes of a key, but the dataset has no key. Add key or remove ordering");
    }
    DatasetDef.NewColumns onNewColumns =
        y.choice(
            node, "on_new_columns", at, DatasetDef.NewColumns.class, DatasetDef.NewColumns.IGNORE);
    DatasetDef.History history =
        y.choice(node, "history", at, DatasetDef.History.class, DatasetDef.History.NONE);
    if (history == DatasetDef.History.SCD2 && key.isEmpty()) {
      throw y.fail(
          at + ".history",
          "scd2 keeps the versions of each key, but the dataset has no key. Add key");
    }
    List<QualityRule> quality = rules.rules(node, at, names);
    return new DatasetDef(
        name, source, key, columns, partitionBy, onNewColumns, ordering, history, quality);
  }

  private ColumnDef column(String name, JsonNode node, String at) {
    y.name(name, at);
    if (node.isTextual()) {
      // Short form: `amount: decimal(12,2)`.
      return new ColumnDef(name, name, type(node.asText(), at), Optional.empty(), true);
    }
    y.object(node, at);
    y.keys(node, at, COLUMN_KEYS);
    String typeText =
        y.string(node, "type", at).orElseThrow(() -> y.missing(at, "type", ColumnType.ALLOWED));
    ColumnType type = type(typeText, at + ".type");
    Optional<String> format = y.string(node, "format", at);
    if (format.isPresent()
        && type.base() != ColumnType.Base.DATE
        && type.base() != ColumnType.Base.TIMESTAMP) {
      throw y.fail(at + ".format", "only date and timestamp columns take a format. Remove it");
    }
    boolean nullable = y.bool(node, "nullable", at, true);
    Optional<Pii> pii = Optional.ofNullable(y.choice(node, "pii", at, Pii.class, null));
    return new ColumnDef(
        name, y.string(node, "from", at).orElse(name), type, format, nullable, pii);
  }

  private ColumnType type(String text, String at) {
    return ColumnType.parse(text)
        .orElseThrow(
            () -> y.fail(at, "unknown type '" + text + "'. Use one of " + ColumnType.ALLOWED));
  }
}
