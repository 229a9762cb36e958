package dev.dpf.definition;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpf.definition.QualityRule.Action;
import dev.dpf.definition.QualityRule.Kind;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Parses the {@code quality} list of a dataset or model into {@link QualityRule}s. */
final class QualityRuleParser {
  /** The keys every rule takes; each {@link Kind} adds its {@link Kind#settings()}. */
  static final Set<String> KEYS = Set.of("rule", "action");

  private static final Pattern DURATION = Pattern.compile("([0-9]+)([dhms])");

  private final YamlNodes y;

  QualityRuleParser(YamlNodes y) {
    this.y = y;
  }

  /**
   * The {@code quality} rules of a dataset (whose {@code columns} the rules may name) or a model
   * ({@code columns} null: its columns are known once its SQL compiles).
   */
  List<QualityRule> rules(JsonNode node, String at, Set<String> columns) {
    List<QualityRule> quality = new ArrayList<>();
    JsonNode q = node.get("quality");
    if (q != null) {
      if (!q.isArray()) {
        throw y.fail(
            at + ".quality", "expected a list of rules, for example - {rule: not_null, ...}");
      }
      for (int i = 0; i < q.size(); i++) {
        QualityRule rule = rule(q.get(i), at + ".quality[" + i + "]", columns);
        if (rule instanceof QualityRule.MaxQuarantined
            && quality.stream().anyMatch(r -> r instanceof QualityRule.MaxQuarantined)) {
          throw y.fail(at + ".quality[" + i + "]", "a second max_quarantined rule. Keep one");
        }
        quality.add(rule);
      }
    }
    return quality;
  }

  private QualityRule rule(JsonNode node, String at, Set<String> columns) {
    y.object(node, at);
    Kind kind = kind(node, at);
    Set<String> allowed = new HashSet<>(KEYS);
    allowed.addAll(kind.settings());
    y.keys(node, at, allowed);
    Action action = y.choice(node, "action", at, Action.class, null);
    if (action == null) {
      throw y.missing(at, "action", kind.rowLevel() ? "warn, quarantine or fail" : "warn or fail");
    }
    if (action == Action.QUARANTINE && !kind.rowLevel()) {
      throw y.fail(
          at + ".action",
          kind.key()
              + (kind.tableLevel() ? " judges the whole table" : " judges the rows a run reads")
              + ", so it cannot quarantine rows. Use warn or fail");
    }
    if (kind == Kind.REFERENCES && columns == null) {
      throw y.fail(
          at + ".rule",
          "references checks a dataset's column against another dataset; a model checks its"
              + " rows with expect, for example {rule: expect, name: known_customer, expression:"
              + " \"customer_id IS NOT NULL\", action: warn}");
    }
    List<String> checked = List.of();
    if (kind.settings().contains("column")) {
      checked = checkedColumns(node, at, kind, columns);
    }
    return switch (kind) {
      case NOT_NULL -> new QualityRule.NotNull(checked, action);
      case UNIQUE -> new QualityRule.Unique(checked, action);
      case RANGE -> range(node, at, checked.get(0), action);
      case REGEX -> regex(node, at, checked.get(0), action);
      case ALLOWED_VALUES -> allowedValues(node, at, checked.get(0), action);
      case REFERENCES -> references(node, at, checked.get(0), action);
      case FRESHNESS -> {
        String text =
            y.string(node, "max_age", at)
                .orElseThrow(() -> y.missing(at, "max_age", "a duration such as 36h or 7d"));
        yield new QualityRule.Freshness(checked.get(0), duration(text, at + ".max_age"), action);
      }
      case MIN_ROWS -> {
        JsonNode n = node.get("count");
        if (n == null || !n.canConvertToLong() || n.asLong() < 1) {
          throw y.fail(at + ".count", "expected a whole number of rows, at least 1");
        }
        yield new QualityRule.MinRows(n.asLong(), action);
      }
      case EXPECT -> expect(node, at, action);
      case MAX_QUARANTINED -> maxQuarantined(node, at, action);
    };
  }

  private Kind kind(JsonNode node, String at) {
    Kind kind = y.choice(node, "rule", at, Kind.class, null);
    if (kind == null) {
      List<String> kinds = Arrays.stream(Kind.values()).map(Kind::key).toList();
      throw y.missing(
          at,
          "rule",
          String.join(", ", kinds.subList(0, kinds.size() - 1))
              + " or "
              + kinds.get(kinds.size() - 1));
    }
    return kind;
  }

  private QualityRule regex(JsonNode node, String at, String column, Action action) {
    String pattern =
        y.string(node, "pattern", at)
            .orElseThrow(() -> y.missing(at, "pattern", "a regular expression"));
    try {
      Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw y.fail(at + ".pattern", "not a valid regular expression: " + e.getDescription());
    }
    return new QualityRule.Regex(column, pattern, action);
  }

  private QualityRule allowedValues(JsonNode node, String at, String column, Action action) {
    JsonNode v = node.get("values");
    if (v == null) {
      throw y.missing(at, "values", "the list of allowed values, for example [A, B]");
    }
    List<String> values = y.list(v, at + ".values").stream().map(JsonNode::asText).toList();
    return new QualityRule.AllowedValues(column, values, action);
  }

  private QualityRule references(JsonNode node, String at, String column, Action action) {
    String to =
        y.string(node, "to", at)
            .orElseThrow(
                () -> y.missing(at, "to", "the dataset and column, for example customers.id"));
    if (!to.matches("[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*")) {
      throw y.fail(at + ".to", "'" + to + "' is not dataset.column, for example customers.id");
    }
    int dot = to.indexOf('.');
    return new QualityRule.References(column, to.substring(0, dot), to.substring(dot + 1), action);
  }

  private QualityRule maxQuarantined(JsonNode node, String at, Action action) {
    String max =
        y.string(node, "max", at)
            .map(String::strip)
            .orElseThrow(
                () ->
                    y.missing(
                        at,
                        "max",
                        "the share (10%) or the number of rows (25) of those a run reads"
                            + " that may be quarantined"));
    if (!max.matches("[0-9]+(\\.[0-9]+)?%|[0-9]+")) {
      throw y.fail(
          at + ".max",
          "'" + max + "' is neither a share such as 10% nor a number of rows such as 25");
    }
    return new QualityRule.MaxQuarantined(max, action);
  }

  /** The columns a rule checks: {@code column}, or {@code columns} for the kinds that take it. */
  private List<String> checkedColumns(JsonNode node, String at, Kind kind, Set<String> columns) {
    if (node.has("column") && node.has("columns")) {
      throw y.fail(at, "has both column and columns. Keep one");
    }
    String field = node.has("columns") ? "columns" : "column";
    if (!node.has(field)) {
      throw y.missing(at, "column", "the column the rule checks");
    }
    List<String> checked =
        y.columnList(
            node, field, at, columns, at.substring(0, at.indexOf(".quality")) + ".columns");
    if (checked.size() != 1 && !kind.settings().contains("columns")) {
      throw y.fail(at + "." + field, kind.key() + " checks one column. Name one");
    }
    return checked;
  }

  private QualityRule range(JsonNode node, String at, String column, Action action) {
    Optional<String> min = number(node, "min", at);
    Optional<String> max = number(node, "max", at);
    if (min.isEmpty() && max.isEmpty()) {
      throw y.missing(at, "min", "the least allowed value (and/or max: the greatest)");
    }
    return new QualityRule.Range(column, min, max, action);
  }

  private QualityRule expect(JsonNode node, String at, Action action) {
    String name =
        y.string(node, "name", at)
            .orElseThrow(() -> y.missing(at, "name", "what the rule is called"));
    y.name(name, at + ".name");
    String expression =
        y.string(node, "expression", at)
            .map(String::strip)
            .filter(x -> !x.isEmpty())
            .orElseThrow(
                () ->
                    y.missing(
                        at,
                        "expression",
                        "a SQL boolean expression each row must not make false, for example"
                            + " amount > 0"));
    return new QualityRule.Expect(name, expression, action);
  }

  private Optional<String> number(JsonNode node, String field, String at) {
    Optional<String> text = y.string(node, field, at);
    if (text.isPresent()) {
      try {
        new BigDecimal(text.get());
      } catch (NumberFormatException e) {
        throw y.fail(at + "." + field, "'" + text.get() + "' is not a number");
      }
    }
    return text;
  }

  private Duration duration(String text, String at) {
    var m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw y.fail(at, "'" + text + "' is not a duration. Write a number and d, h, m or s: 36h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "d" -> Duration.ofDays(n);
      case "h" -> Duration.ofHours(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
