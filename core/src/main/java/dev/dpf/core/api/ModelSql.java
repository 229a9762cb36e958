package dev.dpf.core.api;

import dev.dpf.core.DpfException;
import dev.dpf.definition.ModelDef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * Reads a model's SQL: the tables it refers to, found by Spark's own parser. SQL that does not
 * parse is a {@link dev.dpf.core.DpfException} naming the model and Spark's message.
 */
public final class ModelSql {
  private ModelSql() {}

  /**
   * The tables a model reads, as {@code zone.table} names.
   *
   * @throws DpfException on a syntax error or a table not named as {@code zone.table}
   */
  public static Set<String> references(SparkSession spark, ModelDef model) {
    LogicalPlan plan;
    try {
      plan = spark.sessionState().sqlParser().parsePlan(model.sql());
    } catch (ParseException e) {
      throw new DpfException(
          model.label()
              + " has a SQL syntax error: "
              + e.getMessage().strip().replace('\n', ' ')
              + ". Fix the SQL file");
    }
    Set<String> refs = new TreeSet<>();
    walk(plan, new HashSet<>(), refs, model);
    return refs;
  }

  private static void walk(LogicalPlan plan, Set<String> ctes, Set<String> out, ModelDef model) {
    if (plan instanceof UnresolvedWith with) {
      for (Tuple2<String, ?> cte : JavaConverters.seqAsJavaList(with.cteRelations())) {
        ctes.add(cte._1());
      }
    }
    if (plan instanceof UnresolvedRelation rel) {
      List<String> parts = JavaConverters.seqAsJavaList(rel.multipartIdentifier());
      if (parts.size() == 1 && ctes.contains(parts.get(0))) {
        return;
      }
      if (parts.size() != 2) {
        throw new DpfException(
            model.label()
                + " refers to table '"
                + String.join(".", parts)
                + "': name tables as zone.table, for example"
                + " transformed.customers");
      }
      out.add(parts.get(0) + "." + parts.get(1));
      return;
    }
    for (LogicalPlan child : JavaConverters.seqAsJavaList(plan.children())) {
      walk(child, ctes, out, model);
    }
    if (plan instanceof UnresolvedWith with) {
      for (Tuple2<String, ?> cte : JavaConverters.seqAsJavaList(with.cteRelations())) {
        walk((LogicalPlan) cte._2(), ctes, out, model);
      }
    }
    for (Expression e : JavaConverters.seqAsJavaList(plan.expressions())) {
      walkExpression(e, ctes, out, model);
    }
  }

  private static void walkExpression(
      Expression e, Set<String> ctes, Set<String> out, ModelDef model) {
    if (e instanceof SubqueryExpression sub) {
      walk(sub.plan(), ctes, out, model);
    }
    for (Expression child : new ArrayList<>(JavaConverters.seqAsJavaList(e.children()))) {
      walkExpression(child, ctes, out, model);
    }
  }
}
