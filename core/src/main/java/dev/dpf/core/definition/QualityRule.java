package dev.dpf.core.definition;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One data-quality rule of a dataset or model, checked on every run that writes the table.
 *
 * @param kind what is checked
 * @param columns the columns it checks (target names); empty for {@link Kind#MIN_ROWS}
 * @param action what a failing row or table does
 * @param min inclusive lower bound of a {@link Kind#RANGE}, as written
 * @param max inclusive upper bound of a {@link Kind#RANGE}, as written
 * @param pattern the regular expression a {@link Kind#REGEX} value must match in full
 * @param values the values an {@link Kind#ALLOWED_VALUES} column may hold
 * @param reference {@code dataset.column} that a {@link Kind#REFERENCES} value must exist in
 * @param maxAge how old the newest {@link Kind#FRESHNESS} value may be
 * @param minRows the least rows a {@link Kind#MIN_ROWS} table may hold
 * @param name what an {@link Kind#EXPECT} rule is called in results and reasons
 * @param expression the SQL boolean expression over the table's columns that each row must not make
 *     false ({@link Kind#EXPECT}; a null result passes, as a SQL {@code CHECK} does)
 */
public record QualityRule(
    Kind kind,
    List<String> columns,
    Action action,
    Optional<String> min,
    Optional<String> max,
    Optional<String> pattern,
    List<String> values,
    Optional<String> reference,
    Optional<Duration> maxAge,
    long minRows,
    Optional<String> name,
    Optional<String> expression) {
  public QualityRule {
    Objects.requireNonNull(kind, "kind");
    columns = List.copyOf(columns);
    Objects.requireNonNull(action, "action");
    values = List.copyOf(values);
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(expression, "expression");
  }

  /** An {@link Kind#EXPECT} rule: rows must not make {@code expression} false. */
  public static QualityRule expect(String name, String expression, Action action) {
    return new QualityRule(
        Kind.EXPECT,
        List.of(),
        action,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        0,
        Optional.of(name),
        Optional.of(expression));
  }

  /** What a rule checks. Row rules judge each row; table rules judge the table after the run. */
  public enum Kind {
    NOT_NULL(true),
    RANGE(true),
    REGEX(true),
    ALLOWED_VALUES(true),
    REFERENCES(true),
    EXPECT(true),
    UNIQUE(false),
    FRESHNESS(false),
    MIN_ROWS(false);

    private final boolean rowLevel;

    Kind(boolean rowLevel) {
      this.rowLevel = rowLevel;
    }

    /** True when each row passes or fails on its own (so the rule can quarantine rows). */
    public boolean rowLevel() {
      return rowLevel;
    }

    /** The name used in the definition, for example {@code not_null}. */
    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** What failing the rule does. */
  public enum Action {
    /** Reported; the rows stay. */
    WARN,
    /** The failing rows go to quarantine with the rule as their reason (row rules only). */
    QUARANTINE,
    /** The run stops with the rule, the counts and failing values. */
    FAIL
  }

  /**
   * How the rule is shown in reports, for example {@code range(credit_limit)} or {@code
   * expect(positive_amount)}.
   */
  public String label() {
    if (kind == Kind.EXPECT) {
      return "expect(" + name.orElseThrow() + ")";
    }
    return kind.key() + (columns.isEmpty() ? "" : "(" + String.join(", ", columns) + ")");
  }
}
