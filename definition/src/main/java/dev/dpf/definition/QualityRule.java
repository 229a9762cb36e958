package dev.dpf.definition;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One data-quality rule of a dataset or model, checked on every run that writes the table: one
 * record per {@link Kind}. A new kind is a constant of {@link Kind} (its key and settings), its
 * record here, its case in the definition's rule parser and its evaluation in {@code Quality}; the
 * compiler points at the last two, whose switches over {@link Kind} are exhaustive.
 */
public sealed interface QualityRule
    permits QualityRule.NotNull,
        QualityRule.Range,
        QualityRule.Regex,
        QualityRule.AllowedValues,
        QualityRule.References,
        QualityRule.Expect,
        QualityRule.Unique,
        QualityRule.Freshness,
        QualityRule.MinRows,
        QualityRule.MaxQuarantined {

  /** What is checked. */
  Kind kind();

  /** What a failing row or table does. */
  Action action();

  /** The columns it checks (target names); empty for min_rows and expect. */
  List<String> columns();

  /**
   * How the rule is shown in reports, for example {@code range(credit_limit)} or {@code
   * expect(positive_amount)}.
   */
  default String label() {
    return kind().key() + (columns().isEmpty() ? "" : "(" + String.join(", ", columns()) + ")");
  }

  /** What a row rule allows, for reasons and results, for example {@code allowed from 0}. */
  default String allows() {
    return "";
  }

  /** Every value of the columns is present. */
  record NotNull(List<String> columns, Action action) implements QualityRule {
    public NotNull {
      columns = List.copyOf(columns);
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.NOT_NULL;
    }
  }

  /**
   * The value lies between inclusive bounds, at least one of them given.
   *
   * @param min the lower bound as written
   * @param max the upper bound as written
   */
  record Range(String column, Optional<String> min, Optional<String> max, Action action)
      implements QualityRule {
    public Range {
      Objects.requireNonNull(column, "column");
      Objects.requireNonNull(action, "action");
      if (min.isEmpty() && max.isEmpty()) {
        throw new IllegalArgumentException("a range needs min or max");
      }
    }

    @Override
    public Kind kind() {
      return Kind.RANGE;
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }

    @Override
    public String allows() {
      return "allowed "
          + min.map(m -> "from " + m).orElse("")
          + (min.isPresent() && max.isPresent() ? " " : "")
          + max.map(m -> "to " + m).orElse("");
    }
  }

  /** The value, as text, matches {@code pattern} in full. */
  record Regex(String column, String pattern, Action action) implements QualityRule {
    public Regex {
      Objects.requireNonNull(column, "column");
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.REGEX;
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }

    @Override
    public String allows() {
      return "pattern " + pattern;
    }
  }

  /** The value, as text, is one of {@code values}. */
  record AllowedValues(String column, List<String> values, Action action) implements QualityRule {
    public AllowedValues {
      Objects.requireNonNull(column, "column");
      values = List.copyOf(values);
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.ALLOWED_VALUES;
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }

    @Override
    public String allows() {
      return "allowed " + String.join(", ", values);
    }
  }

  /**
   * The value exists in column {@code toColumn} of the current state of dataset {@code dataset}.
   */
  record References(String column, String dataset, String toColumn, Action action)
      implements QualityRule {
    public References {
      Objects.requireNonNull(column, "column");
      Objects.requireNonNull(dataset, "dataset");
      Objects.requireNonNull(toColumn, "toColumn");
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.REFERENCES;
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }

    /** {@code dataset.column}, as written in the definition. */
    public String to() {
      return dataset + "." + toColumn;
    }

    @Override
    public String allows() {
      return "not in " + to();
    }
  }

  /**
   * Each row must not make {@code expression} (SQL over the table's columns) false; a null result
   * passes, as a SQL {@code CHECK} does.
   *
   * @param name what the rule is called in results and reasons
   */
  record Expect(String name, String expression, Action action) implements QualityRule {
    public Expect {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(expression, "expression");
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.EXPECT;
    }

    @Override
    public List<String> columns() {
      return List.of();
    }

    @Override
    public String label() {
      return "expect(" + name + ")";
    }

    @Override
    public String allows() {
      return "expected " + expression;
    }
  }

  /** No two rows hold the same values of the columns. */
  record Unique(List<String> columns, Action action) implements QualityRule {
    public Unique {
      columns = List.copyOf(columns);
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.UNIQUE;
    }
  }

  /** The newest value of the column is at most {@code maxAge} old. */
  record Freshness(String column, Duration maxAge, Action action) implements QualityRule {
    public Freshness {
      Objects.requireNonNull(column, "column");
      Objects.requireNonNull(maxAge, "maxAge");
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.FRESHNESS;
    }

    @Override
    public List<String> columns() {
      return List.of(column);
    }
  }

  /** The table holds at least {@code count} rows. */
  record MinRows(long count, Action action) implements QualityRule {
    public MinRows {
      if (count < 1) {
        throw new IllegalArgumentException("min_rows needs a count of at least 1");
      }
      Objects.requireNonNull(action, "action");
    }

    @Override
    public Kind kind() {
      return Kind.MIN_ROWS;
    }

    @Override
    public List<String> columns() {
      return List.of();
    }
  }

  /**
   * How many of the rows a run reads the row rules may quarantine, all together, before nothing is
   * written: {@code max} is a share ({@code 10%}) or a number of rows ({@code 25}); null (the
   * {@link #DEFAULT} every dataset and model has unless it declares the rule): any number but all
   * of them, so that a batch whose every row is rejected (a wrong format, a broken feed) stops the
   * run instead of writing nothing, or replacing a table by nothing.
   */
  record MaxQuarantined(String max, Action action) implements QualityRule {
    /** The rule a dataset or model that declares none has. */
    public static final MaxQuarantined DEFAULT = new MaxQuarantined(null, Action.FAIL);

    private static final java.util.regex.Pattern FORM =
        java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]+)?%|[0-9]+");

    public MaxQuarantined {
      if (max != null && !FORM.matcher(max).matches()) {
        throw new IllegalArgumentException("max_quarantined takes a share (10%) or rows (25)");
      }
      Objects.requireNonNull(action, "action");
    }

    /** Whether {@code quarantined} of {@code read} rows is more than the rule allows. */
    public boolean exceeded(long read, long quarantined) {
      if (read == 0 || quarantined == 0) {
        return false;
      }
      if (max == null) {
        return quarantined >= read;
      }
      if (max.endsWith("%")) {
        java.math.BigDecimal share = new java.math.BigDecimal(max.substring(0, max.length() - 1));
        return java.math.BigDecimal.valueOf(quarantined)
                .multiply(java.math.BigDecimal.valueOf(100))
                .compareTo(share.multiply(java.math.BigDecimal.valueOf(read)))
            > 0;
      }
      return quarantined > Long.parseLong(max);
    }

    @Override
    public Kind kind() {
      return Kind.MAX_QUARANTINED;
    }

    @Override
    public List<String> columns() {
      return List.of();
    }

    @Override
    public String allows() {
      if (max == null) {
        return "not every row";
      }
      return "at most " + max + (max.endsWith("%") ? " of the rows read" : " row(s)");
    }
  }

  /**
   * What a rule checks, with the settings it takes besides {@code rule} and {@code action}. Row
   * rules judge each row; batch rules the rows a run reads, once the row rules judged them (before
   * anything is written); table rules the table after the run.
   */
  enum Kind {
    NOT_NULL(Scope.ROW, "column", "columns"),
    RANGE(Scope.ROW, "column", "min", "max"),
    REGEX(Scope.ROW, "column", "pattern"),
    ALLOWED_VALUES(Scope.ROW, "column", "values"),
    REFERENCES(Scope.ROW, "column", "to"),
    EXPECT(Scope.ROW, "name", "expression"),
    UNIQUE(Scope.TABLE, "column", "columns"),
    FRESHNESS(Scope.TABLE, "column", "max_age"),
    MIN_ROWS(Scope.TABLE, "count"),
    MAX_QUARANTINED(Scope.BATCH, "max");

    private final Scope scope;
    private final Set<String> settings;

    Kind(Scope scope, String... settings) {
      this.scope = scope;
      this.settings = Set.of(settings);
    }

    /** True when each row passes or fails on its own (so the rule can quarantine rows). */
    public boolean rowLevel() {
      return scope == Scope.ROW;
    }

    /** True when the rule judges the table once it is written. */
    public boolean tableLevel() {
      return scope == Scope.TABLE;
    }

    /** The name used in the definition, for example {@code not_null}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The keys a rule of this kind takes besides {@code rule} and {@code action}. */
    public Set<String> settings() {
      return settings;
    }
  }

  /** What a rule judges: each row, the rows a run read, or the table written. */
  enum Scope {
    ROW,
    BATCH,
    TABLE
  }

  /** What failing the rule does. */
  enum Action {
    /** Reported; the rows stay. */
    WARN,
    /** The failing rows go to quarantine with the rule as their reason (row rules only). */
    QUARANTINE,
    /** The run stops with the rule, the counts and failing values. */
    FAIL
  }
}
