package dev.dpf.core.quality;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.definition.ColumnDef;
import dev.dpf.core.definition.DatasetDef;
import dev.dpf.core.definition.ModelDef;
import dev.dpf.core.definition.QualityRule;
import dev.dpf.core.transform.Columns;
import dev.dpf.core.transform.Conform;
import java.sql.Timestamp;
import java.time.Instant;
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
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.runtime.AbstractPartialFunction;

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
   */
  public record Subject(
      String name,
      String where,
      List<QualityRule> rules,
      List<String> key,
      Map<String, Map.Entry<String, String>> columns) {
    public Subject {
      rules = List.copyOf(rules);
      key = List.copyOf(key);
      columns = Map.copyOf(columns);
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
                + "). Fix the rule in "
                + where
                + ".quality");
      }
      return e;
    }
  }

  /** A dataset's rules over the output of {@link Conform#withConformed}. */
  public static Subject of(DatasetDef dataset) {
    Map<String, Map.Entry<String, String>> columns = new HashMap<>();
    for (ColumnDef c : dataset.columns()) {
      columns.put(c.name().toLowerCase(Locale.ROOT), Map.entry(Conform.tmp(c), c.type().sql()));
    }
    return new Subject(
        dataset.name(), "datasets." + dataset.name(), dataset.quality(), dataset.key(), columns);
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
    List<Integer> rules = new ArrayList<>();
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < dataset.rules().size(); i++) {
      if (dataset.rules().get(i).kind().rowLevel()) {
        rules.add(i);
        aggs.add(sum(when(col(flag(i)), 1).otherwise(0)).as("f" + i));
      }
    }
    if (rules.isEmpty()) {
      return List.of();
    }
    Column typeOk = col(TYPE_OK);
    aggs.add(sum(when(typeOk, 1).otherwise(0)).as("checked"));
    Row counts =
        checked.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).head();
    long rowsChecked = counts.isNullAt(rules.size()) ? 0 : counts.getLong(rules.size());
    List<QualityResult> out = new ArrayList<>();
    for (int j = 0; j < rules.size(); j++) {
      int i = rules.get(j);
      QualityRule rule = dataset.rules().get(i);
      long failed = counts.isNullAt(j) ? 0 : counts.getLong(j);
      List<String> samples =
          failed == 0
              ? List.of()
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
    return out;
  }

  /** The table rules' results over the transformed table. */
  public static List<QualityResult> tableResults(Subject dataset, Dataset<Row> table, Instant now) {
    List<QualityResult> out = new ArrayList<>();
    Long rows = null;
    for (QualityRule rule : dataset.rules()) {
      switch (rule.kind()) {
        case MIN_ROWS -> {
          long least = ((QualityRule.MinRows) rule).count();
          rows = rows != null ? rows : table.count();
          out.add(
              new QualityResult(
                  dataset.name(),
                  rule,
                  1,
                  rows < least ? 1 : 0,
                  List.of(),
                  rows + " row(s), at least " + least + " expected"));
        }
        case UNIQUE -> {
          if (!dataset.key().isEmpty()
              && java.util.Set.copyOf(rule.columns()).equals(java.util.Set.copyOf(dataset.key()))) {
            // The dataset's key: the transform keeps one row per key (null-safe, as it merges), so
            // no shuffle of the whole table is needed to know that it holds.
            rows = rows != null ? rows : table.count();
            out.add(new QualityResult(dataset.name(), rule, rows, 0, List.of(), ""));
            break;
          }
          Column[] cols =
              rule.columns().stream().map(c -> col(Conform.quote(c))).toArray(Column[]::new);
          Dataset<Row> dupes = table.groupBy(cols).agg(count(lit(1)).as("n")).filter("n > 1");
          Row r = dupes.agg(sum("n"), count(lit(1))).head();
          long failed = r.isNullAt(0) ? 0 : r.getLong(0);
          rows = rows != null ? rows : table.count();
          List<String> samples =
              failed == 0
                  ? List.of()
                  : dupes
                      .select(
                          joined(rule.columns().stream().map(c -> col(Conform.quote(c))).toList())
                              .as("v"))
                      .orderBy("v")
                      .limit(SAMPLES)
                      .collectAsList()
                      .stream()
                      .map(x -> "'" + x.getString(0) + "'")
                      .toList();
          out.add(
              new QualityResult(
                  dataset.name(),
                  rule,
                  rows,
                  failed,
                  samples,
                  failed == 0 ? "" : r.getLong(1) + " value(s) held by more than one row"));
        }
        case FRESHNESS -> {
          String c = rule.columns().get(0);
          Row r = table.agg(max(col(Conform.quote(c)).cast("timestamp"))).head();
          Instant limit =
              now.minus(((QualityRule.Freshness) rule).maxAge())
                  .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
          Instant newest = r.isNullAt(0) ? null : ((Timestamp) r.get(0)).toInstant();
          boolean stale = newest == null || newest.isBefore(limit);
          out.add(
              new QualityResult(
                  dataset.name(),
                  rule,
                  1,
                  stale ? 1 : 0,
                  List.of(),
                  "newest "
                      + (newest == null ? "none" : newest.toString())
                      + ", at least "
                      + limit
                      + " expected"));
        }
        case NOT_NULL, RANGE, REGEX, ALLOWED_VALUES, REFERENCES, EXPECT -> {} // row rules
      }
    }
    return out;
  }

  /** Stops the run at the first result of a fail rule that failed, naming counts and values. */
  public static void failIfAny(Subject subject, List<QualityResult> results) {
    for (QualityResult r : results) {
      if (r.failed() > 0 && r.rule().action() == QualityRule.Action.FAIL) {
        throw new DpfException(
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
      case EXPECT -> expression(dataset, (QualityRule.Expect) rule).equalTo(lit(false));
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
      case REFERENCES, UNIQUE, FRESHNESS, MIN_ROWS ->
          throw new IllegalArgumentException(rule.kind() + " is not judged by rowFails");
    };
  }

  private static Column bound(String text, String type) {
    return lit(text).cast(type);
  }

  /**
   * An expect rule's expression over the rows checked: its column names (as the table names them,
   * in any case) refer to the columns that hold their values.
   *
   * @throws DpfException when it is not a SQL expression
   */
  public static Column expression(Subject subject, QualityRule.Expect rule) {
    String text = rule.expression();
    Expression parsed;
    try {
      parsed = CatalystSqlParser$.MODULE$.parseExpression(text);
    } catch (Exception e) { // a ParseException, undeclared by the Scala method
      if (!(e instanceof ParseException)) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
      throw new DpfException(
          "Quality rule "
              + rule.label()
              + " of '"
              + subject.name()
              + "': '"
              + text
              + "' is not a SQL expression: "
              + e.getMessage().strip().replace('\n', ' ')
              + ". Fix its expression");
    }
    java.util.Set<String> read = new java.util.LinkedHashSet<>();
    collectAttributes(parsed, read);
    for (String name : read) {
      if (!subject.columns().containsKey(name.toLowerCase(Locale.ROOT))) {
        throw new DpfException(
            "Quality rule "
                + rule.label()
                + " of '"
                + subject.name()
                + "' reads column '"
                + name
                + "', which "
                + subject.where()
                + " does not have (columns: "
                + String.join(", ", new java.util.TreeSet<>(subject.columns().keySet()))
                + "). Fix its expression in "
                + subject.where()
                + ".quality");
      }
    }
    return new Column(
        parsed.transformUp(
            new AbstractPartialFunction<Expression, Expression>() {
              @Override
              public boolean isDefinedAt(Expression e) {
                return e instanceof UnresolvedAttribute a && a.nameParts().size() == 1;
              }

              @Override
              public Expression apply(Expression e) {
                String name = ((UnresolvedAttribute) e).name();
                var column = subject.columns().get(name.toLowerCase(Locale.ROOT));
                return column == null ? e : UnresolvedAttribute.quoted(column.getKey());
              }
            }));
  }

  /**
   * Compiles an expect rule's expression over {@code rows} (the rows it would judge, possibly
   * none): it must be a boolean over the subject's columns.
   *
   * @throws DpfException saying what is wrong and where to fix it
   */
  public static void check(Subject subject, QualityRule.Expect rule, Dataset<Row> rows) {
    org.apache.spark.sql.types.DataType type;
    try {
      type = rows.select(expression(subject, rule)).schema().fields()[0].dataType();
    } catch (Exception e) {
      if (!(e instanceof org.apache.spark.sql.AnalysisException analysis)) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
      throw new DpfException(
          "Quality rule "
              + rule.label()
              + " of '"
              + subject.name()
              + "' does not compile: "
              + analysis.getSimpleMessage().strip().replace('\n', ' ')
              + ". Fix its expression in "
              + subject.where()
              + ".quality");
    }
    if (!(type instanceof org.apache.spark.sql.types.BooleanType)) {
      throw new DpfException(
          "Quality rule "
              + rule.label()
              + " of '"
              + subject.name()
              + "': '"
              + rule.expression()
              + "' is "
              + type.simpleString()
              + ", not a boolean. Write a comparison, for example amount > 0, in "
              + subject.where()
              + ".quality");
    }
  }

  /** The single-part column names an expect rule's expression reads, in order, once each. */
  private static List<String> expressionColumns(QualityRule.Expect rule) {
    Expression parsed = CatalystSqlParser$.MODULE$.parseExpression(rule.expression());
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    collectAttributes(parsed, out);
    return List.copyOf(out);
  }

  /** Column names read outside lambda functions (whose variables are not columns). */
  private static void collectAttributes(Expression e, java.util.Set<String> out) {
    if (e instanceof org.apache.spark.sql.catalyst.expressions.LambdaFunction) {
      return;
    }
    if (e instanceof UnresolvedAttribute a && a.nameParts().size() == 1) {
      out.add(a.name());
    }
    for (Expression child : scala.collection.JavaConverters.seqAsJavaList(e.children())) {
      collectAttributes(child, out);
    }
  }

  /** The rule's typed column(s) as text, joined by ", " (null as {@code null}). */
  private static Column value(Subject dataset, QualityRule rule) {
    if (rule instanceof QualityRule.Expect expect) {
      // The columns the expression reads, as name=value.
      List<Column> named = new ArrayList<>();
      for (String c : expressionColumns(expect)) {
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

  private static Column joined(List<Column> columns) {
    return concat_ws(
        ", ",
        columns.stream()
            .map(c -> org.apache.spark.sql.functions.coalesce(c.cast("string"), lit("null")))
            .toArray(Column[]::new));
  }
}
