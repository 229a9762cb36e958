package dev.dpf.core.internal.pii;

import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.api.Protect;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * Which table columns each output column of a query is computed from. Follows every output column
 * of an analyzed plan back through projections, joins, unions, CTEs, subqueries and any function to
 * the catalog tables' columns, noting on the way the functions that hide a value: a {@code
 * protect_<tag>} function, {@code count}, and null tests.
 */
public final class ColumnLineage {
  /** A {@code count} on the way: only the number of values shows. */
  public static final String COUNT = "count";

  /** A null test on the way: only whether there is a value shows. */
  public static final String NULL_TEST = "null test";

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final Map<Long, List<Set<ColumnOrigin>>> ctes = new HashMap<>();

  /**
   * Lineage by table as JSON: {@code {"curated.x": {"column": [{"table": ..., "column": ..., "via":
   * [...]}]}}}, in the maps' order.
   */
  public static String toJson(Map<String, Map<String, Set<ColumnOrigin>>> lineage) {
    var root = JSON.createObjectNode();
    lineage.forEach(
        (table, columns) -> {
          var t = root.putObject(table);
          columns.forEach(
              (column, origins) -> {
                var list = t.putArray(column);
                for (ColumnOrigin o : origins) {
                  var n = list.addObject().put("table", o.table()).put("column", o.column());
                  o.via().forEach(n.putArray("via")::add);
                }
              });
        });
    return root.toString();
  }

  /** What {@link #toJson} wrote. */
  public static Map<String, Map<String, Set<ColumnOrigin>>> fromJson(String json) {
    Map<String, Map<String, Set<ColumnOrigin>>> out = new LinkedHashMap<>();
    try {
      JSON.readTree(json)
          .fields()
          .forEachRemaining(
              t -> {
                Map<String, Set<ColumnOrigin>> columns = new LinkedHashMap<>();
                t.getValue()
                    .fields()
                    .forEachRemaining(
                        c -> {
                          Set<ColumnOrigin> origins = new TreeSet<>();
                          for (var o : c.getValue()) {
                            Set<String> via = new TreeSet<>();
                            o.path("via").forEach(v -> via.add(v.asText()));
                            origins.add(
                                new ColumnOrigin(
                                    o.path("table").asText(), o.path("column").asText(), via));
                          }
                          columns.put(c.getKey(), origins);
                        });
                out.put(t.getKey(), columns);
              });
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("Not column lineage JSON: " + e.getMessage(), e);
    }
    return out;
  }

  private ColumnLineage() {}

  /** Each output column of {@code analyzed}, in order, with the table columns it comes from. */
  public static Map<String, Set<ColumnOrigin>> of(LogicalPlan analyzed) {
    Map<ExprId, Set<ColumnOrigin>> origins = new ColumnLineage().visit(analyzed);
    Map<String, Set<ColumnOrigin>> out = new LinkedHashMap<>();
    for (Attribute a : list(analyzed.output())) {
      out.put(a.name(), origins.getOrDefault(a.exprId(), Set.of()));
    }
    return out;
  }

  private Map<ExprId, Set<ColumnOrigin>> visit(LogicalPlan plan) {
    Map<ExprId, Set<ColumnOrigin>> m = new HashMap<>();
    List<LogicalPlan> children = list(plan.children());
    List<Map<ExprId, Set<ColumnOrigin>>> childMaps = new ArrayList<>();
    for (LogicalPlan child : children) {
      Map<ExprId, Set<ColumnOrigin>> c = visit(child);
      childMaps.add(c);
      m.putAll(c);
    }
    Optional<String> table = tableOf(plan);
    if (table.isPresent()) {
      for (Attribute a : list(plan.output())) {
        m.put(
            a.exprId(),
            Set.of(new ColumnOrigin(table.get(), a.name().toLowerCase(Locale.ROOT), Set.of())));
      }
      return m;
    }
    List<Attribute> output = list(plan.output());
    if (plan instanceof Union) {
      union(output, children, childMaps, m);
    } else if (plan instanceof CTERelationDef def) {
      List<Set<ColumnOrigin>> columns = new ArrayList<>();
      for (Attribute a : list(def.child().output())) {
        columns.add(m.getOrDefault(a.exprId(), Set.of()));
      }
      ctes.put(def.id(), columns);
    } else if (plan instanceof CTERelationRef ref) {
      List<Set<ColumnOrigin>> columns = ctes.get(ref.cteId());
      for (int i = 0; i < output.size() && columns != null; i++) {
        m.put(output.get(i).exprId(), columns.get(i));
      }
    } else if (plan instanceof Expand expand) {
      for (Seq<Expression> projection : list(expand.projections())) {
        List<Expression> p = list(projection);
        for (int i = 0; i < output.size(); i++) {
          Set<ColumnOrigin> s = new TreeSet<>(m.getOrDefault(output.get(i).exprId(), Set.of()));
          s.addAll(origins(p.get(i), m));
          m.put(output.get(i).exprId(), s);
        }
      }
    } else if (plan instanceof Generate generate) {
      Set<ColumnOrigin> s = origins((Expression) generate.generator(), m);
      for (Attribute a : list(generate.generatorOutput())) {
        m.put(a.exprId(), s);
      }
    } else {
      for (Expression e : list(plan.expressions())) {
        if (e instanceof Alias alias) {
          m.put(alias.exprId(), origins(alias.child(), m));
        }
      }
    }
    return m;
  }

  /** A union's columns: each from its column of every child. */
  private static void union(
      List<Attribute> output,
      List<LogicalPlan> children,
      List<Map<ExprId, Set<ColumnOrigin>>> childMaps,
      Map<ExprId, Set<ColumnOrigin>> m) {
    for (int i = 0; i < output.size(); i++) {
      Set<ColumnOrigin> s = new TreeSet<>();
      for (int c = 0; c < children.size(); c++) {
        ExprId id = list(children.get(c).output()).get(i).exprId();
        s.addAll(childMaps.get(c).getOrDefault(id, Set.of()));
      }
      m.put(output.get(i).exprId(), s);
    }
  }

  /** The table columns an expression is computed from. */
  private Set<ColumnOrigin> origins(Expression e, Map<ExprId, Set<ColumnOrigin>> m) {
    if (e instanceof Attribute a) {
      return m.getOrDefault(a.exprId(), Set.of());
    }
    Set<ColumnOrigin> s = new TreeSet<>();
    if (e instanceof SubqueryExpression sub) {
      Map<ExprId, Set<ColumnOrigin>> inner = visit(sub.plan());
      for (Attribute a : list(sub.plan().output())) {
        s.addAll(inner.getOrDefault(a.exprId(), Set.of()));
      }
    }
    for (Expression child : list(e.children())) {
      s.addAll(origins(child, m));
    }
    String hiding = null;
    if (e instanceof IsNull || e instanceof IsNotNull) {
      hiding = NULL_TEST;
    } else if (e instanceof AggregateExpression agg && agg.aggregateFunction() instanceof Count) {
      hiding = COUNT;
    } else if (e instanceof ScalaUDF udf
        && udf.udfName().isDefined()
        && Protect.tagOf(udf.udfName().get()).isPresent()) {
      hiding = udf.udfName().get().toLowerCase(Locale.ROOT);
    }
    if (hiding == null) {
      return s;
    }
    Set<ColumnOrigin> hidden = new TreeSet<>();
    for (ColumnOrigin o : s) {
      hidden.add(o.via(hiding));
    }
    return hidden;
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
