package dev.dpf.core.internal.quality;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.QualityRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A dataset's or model's quality rules as Spark expressions. Row rules (not_null, range, regex,
 * allowed_values, references, expect) judge each row that conformed to its types (every row a model
 * writes); a null value passes all of them but not_null. Table rules (unique, freshness, min_rows)
 * judge the table after the run. Failing a rule warns, quarantines the row (its reason names the
 * rule and value) or stops the run.
 */
public final class Quality {
  /**
   * What rules judge: a dataset's conformed rows ({@link #of(DatasetDef)}) or a model's output rows
   * ({@link #of(ModelDef, StructType)}).
   *
   * @param name the dataset or model name, in results
   * @param where where its rules are defined, for example {@code datasets.payments}
   * @param rules its quality rules
   * @param key the columns that identify a row (the transform keeps one row per key); may be empty
   * @param columns for each column name the rules may use (lower case), the column of the rows
   *     checked that holds its value, and its SQL type
   * @param personal the PII tag of each tagged column (lower case): a rule over one keeps no
   *     failing values, which would keep personal data in the quality log
   */
  public record Subject(
      String name,
      String where,
      List<QualityRule> rules,
      List<String> key,
      Map<String, Map.Entry<String, String>> columns,
      Map<String, String> personal) {
    public Subject {
      rules = List.copyOf(rules);
      key = List.copyOf(key);
      columns = Map.copyOf(columns);
      personal = Map.copyOf(personal);
    }

    /** A subject without PII-tagged columns. */
    public Subject(
        String name,
        String where,
        List<QualityRule> rules,
        List<String> key,
        Map<String, Map.Entry<String, String>> columns) {
      this(name, where, rules, key, columns, Map.of());
    }

    /** The PII tags of the columns {@code rule} reads, in order, once each. */
    List<String> personalIn(QualityRule rule) {
      List<String> read =
          rule instanceof QualityRule.Expect expect ? ExpectRules.columns(expect) : rule.columns();
      return read.stream()
          .map(c -> personal.get(c.toLowerCase(Locale.ROOT)))
          .filter(java.util.Objects::nonNull)
          .distinct()
          .toList();
    }

    /**
     * The column holding {@code name}'s value among the rows checked.
     *
     * @throws DpfException when the subject has no such column
     */
    public Column column(String name) {
      return col(Conform.quote(entry(name).getKey()));
    }

    String type(String name) {
      return entry(name).getValue();
    }

    private Map.Entry<String, String> entry(String name) {
      Map.Entry<String, String> e = columns.get(name.toLowerCase(Locale.ROOT));
      if (e == null) {
        throw new DpfException(
            "A quality rule of '"
                + this.name
                + "' names column '"
                + name
                + "', which it does not have (columns: "
                + String.join(", ", new java.util.TreeSet<>(columns.keySet()))
                + ")."
                + dev.dpf.definition.Suggest.didYouMean(name, columns.keySet())
                + " Fix the rule in "
                + where
                + ".quality");
      }
      return e;
    }
  }

  /** A dataset's rules over the output of {@link Conform#withConformed}. */
  public static Subject of(DatasetDef dataset) {
    Map<String, Map.Entry<String, String>> columns = new HashMap<>();
    Map<String, String> personal = new HashMap<>();
    for (ColumnDef c : dataset.columns()) {
      columns.put(c.name().toLowerCase(Locale.ROOT), Map.entry(Conform.tmp(c), c.type().sql()));
      c.pii().ifPresent(p -> personal.put(c.name().toLowerCase(Locale.ROOT), p.key()));
    }
    return new Subject(
        dataset.name(),
        "datasets." + dataset.name(),
        dataset.quality(),
        dataset.key(),
        columns,
        personal);
  }

  /** A model's rules over its output rows, whose schema is {@code schema}. */
  public static Subject of(ModelDef model, StructType schema) {
    Map<String, Map.Entry<String, String>> columns = new HashMap<>();
    for (StructField f : schema.fields()) {
      columns.putIfAbsent(
          f.name().toLowerCase(Locale.ROOT), Map.entry(f.name(), f.dataType().sql()));
    }
    return new Subject(model.name(), "models." + model.name(), model.quality(), List.of(), columns);
  }

  /** True where the row conformed to its types (the rows the row rules check). */
  private static final String TYPE_OK = "__type_ok";

  /** How many failing values a result keeps. */
  static final int SAMPLES = 5;

  private Quality() {}

  /**
   * Adds a flag column per row rule ({@link #flag}, true where the row fails it) to the output of
   * {@link Conform#withConformed}; rows that fail a quarantine rule get the rule in their {@code
   * _errors}, so they leave with the rows that did not conform.
   *
   * @param transformed the current state of another dataset, for references rules; empty when it
   *     has not been transformed
   */
  public static Dataset<Row> withRowChecks(
      Subject dataset,
      Dataset<Row> conformed,
      Function<String, Optional<Dataset<Row>>> transformed) {
    boolean typed = Arrays.asList(conformed.columns()).contains(Columns.ERRORS);
    conformed =
        conformed.withColumn(TYPE_OK, typed ? size(col(Columns.ERRORS)).equalTo(0) : lit(true));
    if (!typed) {
      conformed = conformed.withColumn(Columns.ERRORS, array().cast("array<string>"));
    }
    Column typeOk = col(TYPE_OK);
    List<Conform.Message> quarantine = new ArrayList<>();
    for (int i = 0; i < dataset.rules().size(); i++) {
      QualityRule rule = dataset.rules().get(i);
      if (!rule.kind().rowLevel()) {
        continue;
      }
      Column fails;
      if (rule instanceof QualityRule.References ref) {
        String hit = "__ref_" + i;
        Column value = dataset.column(ref.column());
        Optional<Dataset<Row>> target = transformed.apply(ref.dataset());
        if (target.isPresent()) {
          Dataset<Row> keys =
              target.get().select(col(Conform.quote(ref.toColumn())).as(hit + "_v")).distinct();
          conformed =
              conformed
                  .join(keys, value.equalTo(col(hit + "_v")), "left")
                  .withColumn(hit, col(hit + "_v").isNotNull())
                  .drop(hit + "_v");
          fails = value.isNotNull().and(col(hit).unary_$bang());
        } else {
          fails = value.isNotNull();
        }
      } else {
        fails = rowFails(dataset, rule);
      }
      conformed = conformed.withColumn(flag(i), typeOk.and(fails));
      if (rule.action() == QualityRule.Action.QUARANTINE) {
        quarantine.add(
            new Conform.Message(
                col(flag(i)),
                concat(
                    lit(rule.label() + " failed for '"),
                    value(dataset, rule),
                    lit("'" + (rule.allows().isEmpty() ? "" : " (" + rule.allows() + ")")))));
      }
    }
    if (!quarantine.isEmpty()) {
      conformed =
          conformed.withColumn(
              Columns.ERRORS, concat(col(Columns.ERRORS), Conform.messages(quarantine)));
    }
    return conformed;
  }

  /** The flag column of the dataset's {@code i}-th rule. */
  public static String flag(int i) {
    return "__rule_" + i;
  }

  /**
   * The row rules' results over the output of {@link #withRowChecks}: rows checked (those that
   * conformed to their types), failed, and a few failing values.
   */
  public static List<QualityResult> rowResults(Subject dataset, Dataset<Row> checked) {
    return judgeRows(dataset, checked).results();
  }

  /**
   * What the row rules found in a run's rows, and how many rows there were and were rejected (by
   * their types or a quarantine rule: what {@link QuarantineLimit} judges).
   */
  public record Judged(List<QualityResult> results, long rows, long rejected) {}

  /** {@link #rowResults}, with the rows and rejected rows counted in the same pass. */
  public static Judged judgeRows(Subject dataset, Dataset<Row> checked) {
    List<Integer> rules = new ArrayList<>();
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < dataset.rules().size(); i++) {
      if (dataset.rules().get(i).kind().rowLevel()) {
        rules.add(i);
        aggs.add(sum(when(col(flag(i)), 1).otherwise(0)).as("f" + i));
      }
    }
    aggs.add(sum(when(col(TYPE_OK), 1).otherwise(0)).as("checked"));
    aggs.add(org.apache.spark.sql.functions.count(lit(1)).as("rows"));
    aggs.add(sum(when(size(col(Columns.ERRORS)).gt(0), 1).otherwise(0)).as("rejected"));
    Row counts =
        checked.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).head();
    int n = rules.size();
    long rowsChecked = counts.isNullAt(n) ? 0 : counts.getLong(n);
    long rows = counts.getLong(n + 1);
    long rejected = counts.isNullAt(n + 2) ? 0 : counts.getLong(n + 2);
    List<QualityResult> out = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      int i = rules.get(j);
      QualityRule rule = dataset.rules().get(i);
      long failed = counts.isNullAt(j) ? 0 : counts.getLong(j);
      List<String> personal = dataset.personalIn(rule);
      List<String> samples =
          failed == 0
              ? List.of()
              : !personal.isEmpty()
                  ? List.of("(values not kept: pii " + String.join(", ", personal) + ")")
                  : checked
                      .filter(col(flag(i)))
                      .select(value(dataset, rule).as("v"))
                      .distinct()
                      .orderBy("v")
                      .limit(SAMPLES)
                      .collectAsList()
                      .stream()
                      .map(r -> "'" + r.getString(0) + "'")
                      .toList();
      out.add(new QualityResult(dataset.name(), rule, rowsChecked, failed, samples, rule.allows()));
    }
    return new Judged(out, rows, rejected);
  }

  /**
   * A table stopped by its quality: a rule set to fail that failed, or more rows quarantined than
   * it allows. The rules' results explain it, so they are logged with the failure.
   */
  public static final class RuleFailed extends DpfException {
    public RuleFailed(String message) {
      super(Kind.QUALITY, message);
    }
  }

  /** Stops the run at the first result of a fail rule that failed, naming counts and values. */
  public static void failIfAny(Subject subject, List<QualityResult> results) {
    for (QualityResult r : results) {
      if (r.failed() > 0 && r.rule().action() == QualityRule.Action.FAIL) {
        throw new RuleFailed(
            "Quality rule failed (action fail): "
                + r.describe()
                + ". Fix the data at its source, or change the rule in "
                + subject.where()
                + ".quality");
      }
    }
  }

  private static Column rowFails(Subject dataset, QualityRule rule) {
    return switch (rule.kind()) {
      case EXPECT -> ExpectRules.expression(dataset, (QualityRule.Expect) rule).equalTo(lit(false));
      case NOT_NULL -> {
        Column any = lit(false);
        for (String c : rule.columns()) {
          any = any.or(dataset.column(c).isNull());
        }
        yield any;
      }
      case RANGE -> {
        QualityRule.Range range = (QualityRule.Range) rule;
        Column v = dataset.column(range.column());
        String type = dataset.type(range.column());
        Column out = lit(false);
        if (range.min().isPresent()) {
          out = out.or(v.lt(bound(range.min().get(), type)));
        }
        if (range.max().isPresent()) {
          out = out.or(v.gt(bound(range.max().get(), type)));
        }
        yield v.isNotNull().and(out);
      }
      case REGEX -> {
        QualityRule.Regex regex = (QualityRule.Regex) rule;
        Column v = dataset.column(regex.column());
        yield v.isNotNull()
            .and(v.cast("string").rlike("^(?:" + regex.pattern() + ")$").unary_$bang());
      }
      case ALLOWED_VALUES -> {
        QualityRule.AllowedValues allowed = (QualityRule.AllowedValues) rule;
        Column v = dataset.column(allowed.column());
        yield v.isNotNull().and(v.cast("string").isin(allowed.values().toArray()).unary_$bang());
      }
      case REFERENCES, UNIQUE, FRESHNESS, MIN_ROWS, MAX_QUARANTINED ->
          throw new IllegalArgumentException(rule.kind() + " is not judged by rowFails");
    };
  }

  private static Column bound(String text, String type) {
    return lit(text).cast(type);
  }

  /** The rule's typed column(s) as text, joined by ", " (null as {@code null}). */
  private static Column value(Subject dataset, QualityRule rule) {
    if (rule instanceof QualityRule.Expect expect) {
      // The columns the expression reads, as name=value.
      List<Column> named = new ArrayList<>();
      for (String c : ExpectRules.columns(expect)) {
        if (dataset.columns().containsKey(c.toLowerCase(Locale.ROOT))) {
          named.add(
              concat(
                  lit(c + "="),
                  org.apache.spark.sql.functions.coalesce(
                      dataset.column(c).cast("string"), lit("null"))));
        }
      }
      return named.isEmpty() ? lit("") : concat_ws(", ", named.toArray(Column[]::new));
    }
    return joined(rule.columns().stream().map(dataset::column).toList());
  }

  static Column joined(List<Column> columns) {
    return concat_ws(
        ", ",
        columns.stream()
            .map(c -> org.apache.spark.sql.functions.coalesce(c.cast("string"), lit("null")))
            .toArray(Column[]::new));
  }
}
