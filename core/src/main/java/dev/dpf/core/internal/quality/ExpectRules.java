package dev.dpf.core.internal.quality;

import dev.dpf.core.DpfException;
import dev.dpf.core.internal.quality.Quality.Subject;
import dev.dpf.definition.QualityRule;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.parser.ParseException;
import scala.runtime.AbstractPartialFunction;

/**
 * An expect rule's SQL expression over the rows a rule judges: parsed, its column names bound to
 * the columns that hold their values, and checked to be a boolean over the subject's columns.
 */
public final class ExpectRules {
  private ExpectRules() {}

  /**
   * An expect rule's expression over the rows checked: its column names (as the table names them,
   * in any case) refer to the columns that hold their values.
   *
   * @throws DpfException when it is not a SQL expression
   */
  static Column expression(Subject subject, QualityRule.Expect rule) {
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
                + ")."
                + dev.dpf.definition.Suggest.didYouMean(name, subject.columns().keySet())
                + " Fix its expression in "
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
  static List<String> columns(QualityRule.Expect rule) {
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
}
