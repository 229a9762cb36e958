package dev.dpf.core.pii;

import dev.dpf.core.definition.Pii;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.catalyst.catalog.HiveTableRelation;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.IsNotNull;
import org.apache.spark.sql.catalyst.expressions.IsNull;
import org.apache.spark.sql.catalyst.expressions.ScalaUDF;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.Count;
import org.apache.spark.sql.catalyst.plans.logical.CTERelationDef;
import org.apache.spark.sql.catalyst.plans.logical.CTERelationRef;
import org.apache.spark.sql.catalyst.plans.logical.Expand;
import org.apache.spark.sql.catalyst.plans.logical.Generate;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Union;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Which tagged columns reach a query's output in clear. Follows every output column of an analyzed
 * plan back to the table columns it is computed from: a value passes through projections, joins,
 * unions, CTEs, subqueries and any function, except the {@code protect_<tag>} function of its own
 * tag, {@code count} and null tests, which do not show it.
 */
public final class PiiLineage {
  /**
   * A tagged column of a table.
   *
   * @param table {@code zone.table}
   */
  public record Exposure(String table, String column, Pii tag) implements Comparable<Exposure> {
    /** For example {@code transformed.customers.customer_name (pii: name)}. */
    @Override
    public String toString() {
      return table + "." + column + " (pii: " + tag.key() + ")";
    }

    @Override
    public int compareTo(Exposure o) {
      return toString().compareTo(o.toString());
    }
  }

  private final Function<String, Map<String, Set<Exposure>>> tags;
  private final Map<Long, List<Set<Exposure>>> ctes = new HashMap<>();

  /**
   * @param tags for a {@code zone.table} name, its columns (lower case) and what each holds in
   *     clear
   */
  public PiiLineage(Function<String, Map<String, Set<Exposure>>> tags) {
    this.tags = tags;
  }

  /**
   * Each output column of {@code analyzed}, in order, with the tagged columns it shows in clear.
   */
  public Map<String, Set<Exposure>> outputs(LogicalPlan analyzed) {
    Map<ExprId, Set<Exposure>> exposed = visit(analyzed);
    Map<String, Set<Exposure>> out = new LinkedHashMap<>();
    for (Attribute a : list(analyzed.output())) {
      out.put(a.name(), exposed.getOrDefault(a.exprId(), Set.of()));
    }
    return out;
  }

  private Map<ExprId, Set<Exposure>> visit(LogicalPlan plan) {
    Map<ExprId, Set<Exposure>> m = new HashMap<>();
    List<LogicalPlan> children = list(plan.children());
    List<Map<ExprId, Set<Exposure>>> childMaps = new ArrayList<>();
    for (LogicalPlan child : children) {
      Map<ExprId, Set<Exposure>> c = visit(child);
      childMaps.add(c);
      m.putAll(c);
    }
    Optional<String> table = tableOf(plan);
    if (table.isPresent()) {
      Map<String, Set<Exposure>> t = tags.apply(table.get());
      for (Attribute a : list(plan.output())) {
        Set<Exposure> s = t.get(a.name().toLowerCase(Locale.ROOT));
        if (s != null && !s.isEmpty()) {
          m.put(a.exprId(), s);
        }
      }
      return m;
    }
    List<Attribute> output = list(plan.output());
    if (plan instanceof Union) {
      for (int i = 0; i < output.size(); i++) {
        Set<Exposure> s = new TreeSet<>();
        for (int c = 0; c < children.size(); c++) {
          ExprId id = list(children.get(c).output()).get(i).exprId();
          s.addAll(childMaps.get(c).getOrDefault(id, Set.of()));
        }
        m.put(output.get(i).exprId(), s);
      }
    } else if (plan instanceof CTERelationDef def) {
      List<Set<Exposure>> columns = new ArrayList<>();
      for (Attribute a : list(def.child().output())) {
        columns.add(m.getOrDefault(a.exprId(), Set.of()));
      }
      ctes.put(def.id(), columns);
    } else if (plan instanceof CTERelationRef ref) {
      List<Set<Exposure>> columns = ctes.get(ref.cteId());
      for (int i = 0; i < output.size() && columns != null; i++) {
        m.put(output.get(i).exprId(), columns.get(i));
      }
    } else if (plan instanceof Expand expand) {
      for (Seq<Expression> projection : list(expand.projections())) {
        List<Expression> p = list(projection);
        for (int i = 0; i < output.size(); i++) {
          Set<Exposure> s = new TreeSet<>(m.getOrDefault(output.get(i).exprId(), Set.of()));
          s.addAll(exposed(p.get(i), m));
          m.put(output.get(i).exprId(), s);
        }
      }
    } else if (plan instanceof Generate generate) {
      Set<Exposure> s = exposed((Expression) generate.generator(), m);
      for (Attribute a : list(generate.generatorOutput())) {
        m.put(a.exprId(), s);
      }
    } else {
      for (Expression e : list(plan.expressions())) {
        if (e instanceof Alias alias) {
          m.put(alias.exprId(), exposed(alias.child(), m));
        }
      }
    }
    return m;
  }

  /** What an expression shows in clear. */
  private Set<Exposure> exposed(Expression e, Map<ExprId, Set<Exposure>> m) {
    if (e instanceof Attribute a) {
      return m.getOrDefault(a.exprId(), Set.of());
    }
    if (e instanceof IsNull || e instanceof IsNotNull) {
      return Set.of();
    }
    if (e instanceof AggregateExpression agg && agg.aggregateFunction() instanceof Count) {
      return Set.of();
    }
    Set<Exposure> s = new TreeSet<>();
    if (e instanceof SubqueryExpression sub) {
      Map<ExprId, Set<Exposure>> inner = visit(sub.plan());
      for (Attribute a : list(sub.plan().output())) {
        s.addAll(inner.getOrDefault(a.exprId(), Set.of()));
      }
    }
    for (Expression child : list(e.children())) {
      s.addAll(exposed(child, m));
    }
    if (e instanceof ScalaUDF udf && udf.udfName().isDefined()) {
      Optional<Pii> protects = Protect.tagOf(udf.udfName().get());
      protects.ifPresent(tag -> s.removeIf(x -> x.tag() == tag));
    }
    return s;
  }

  /** The {@code zone.table} a leaf reads, if it reads a catalog table. */
  private static Optional<String> tableOf(LogicalPlan plan) {
    if (plan instanceof LogicalRelation r && r.catalogTable().isDefined()) {
      var id = r.catalogTable().get().identifier();
      return Optional.of(name(id.database().getOrElse(() -> ""), id.table()));
    }
    if (plan instanceof DataSourceV2Relation r && r.identifier().isDefined()) {
      Identifier id = r.identifier().get();
      String[] ns = id.namespace();
      return Optional.of(name(ns.length == 0 ? "" : ns[ns.length - 1], id.name()));
    }
    if (plan instanceof HiveTableRelation r) {
      var id = r.tableMeta().identifier();
      return Optional.of(name(id.database().getOrElse(() -> ""), id.table()));
    }
    return Optional.empty();
  }

  private static String name(String db, String table) {
    return (db + "." + table).toLowerCase(Locale.ROOT);
  }

  private static <T> List<T> list(Seq<T> seq) {
    return JavaConverters.seqAsJavaList(seq);
  }
}
