package dev.dpf.core.internal.stage.models;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.EqualNullSafe;
import org.apache.spark.sql.catalyst.expressions.EqualTo;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.aggregate.AggregateExpression;
import org.apache.spark.sql.catalyst.plans.JoinType;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.CTERelationDef;
import org.apache.spark.sql.catalyst.plans.logical.CTERelationRef;
import org.apache.spark.sql.catalyst.plans.logical.Deduplicate;
import org.apache.spark.sql.catalyst.plans.logical.Distinct;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.Union;
import org.apache.spark.sql.catalyst.plans.logical.Window;
import org.apache.spark.sql.catalyst.plans.logical.WithCTE;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * The output columns that key a model's rows, found in its analyzed plan: a column keys the rows by
 * an input table when every output row with value {@code x} in it is computed only from that
 * table's rows whose key expression (a function of the table's columns) is {@code x}. Then the rows
 * that changed rows of the input touch are the output rows whose column holds one of the changed
 * rows' key values (before and after the change), and those rows are recomputed exactly from the
 * input rows with those values.
 *
 * <p>The rules follow the operators: a table's column keys its own rows; a projection or a grouping
 * keeps the key of a column or of a function of one column; a filter, sort or distinct keeps every
 * key; an equi-join adds the other side's keys to the joined column of the side whose rows it keeps
 * (both sides of an inner join, the left of a left outer, semi or anti join); a union keys a column
 * by a table when every branch that reads the table keys it the same way. A table read by a
 * subquery, or read again in a place where the column does not key it, is keyed by no column; a
 * limit, window over other columns, generator or anything else not listed keys nothing.
 */
final class RowKeys {
  /**
   * An output {@code column} that keys the model's rows by each input of {@code byInput}: the
   * input's key expression, SQL over its columns.
   */
  record Key(String column, Map<String, String> byInput) {
    /** Whether the column keys the rows by every one of {@code inputs}. */
    boolean covers(Set<String> inputs) {
      return byInput.keySet().containsAll(inputs);
    }

    /** As {@code plan} tells it: {@code column (by table, table)}. */
    @Override
    public String toString() {
      return column + " (by " + String.join(", ", byInput.keySet()) + ")";
    }
  }

  /** What a subtree gives: its output columns' keys, and the tables it reads. */
  private record Node(Map<ExprId, Map<String, Expression>> keys, Set<String> tables) {}

  private final Map<Long, Node> ctes = new HashMap<>();
  private final Map<Long, List<ExprId>> cteOutputs = new HashMap<>();
  private final Set<String> unkeyable = new TreeSet<>();

  private RowKeys() {}

  /**
   * The output columns of {@code analyzed} that key its rows by at least one of {@code inputs}
   * ({@code zone.table}), in output order.
   */
  static List<Key> of(LogicalPlan analyzed, Set<String> inputs) {
    RowKeys finder = new RowKeys();
    Node root = finder.visit(analyzed);
    List<Key> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Attribute a : list(analyzed.output())) {
      if (!names.add(a.name().toLowerCase(Locale.ROOT))) {
        continue; // two columns of one name: neither can be told apart in a MERGE
      }
      Map<String, String> by = new TreeMap<>();
      root.keys()
          .getOrDefault(a.exprId(), Map.of())
          .forEach(
              (table, e) -> {
                if (inputs.contains(table) && !finder.unkeyable.contains(table)) {
                  by.put(table, sql(e));
                }
              });
      if (!by.isEmpty()) {
        out.add(new Key(a.name(), by));
      }
    }
    return out;
  }

  private Node visit(LogicalPlan plan) {
    for (Expression e : list(plan.expressions())) {
      subqueries(e);
    }
    Optional<String> table = tableOf(plan);
    if (table.isPresent()) {
      Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
      for (Attribute a : list(plan.output())) {
        keys.put(a.exprId(), Map.of(table.get(), column(a)));
      }
      return new Node(keys, Set.of(table.get()));
    }
    if (plan instanceof WithCTE with) {
      for (CTERelationDef def : list(with.cteDefs())) {
        visit(def);
      }
      return visit(with.plan());
    }
    if (plan instanceof CTERelationDef def) {
      Node child = visit(def.child());
      ctes.put(def.id(), child);
      cteOutputs.put(def.id(), list(def.child().output()).stream().map(Attribute::exprId).toList());
      return child;
    }
    if (plan instanceof CTERelationRef ref) {
      return cte(ref);
    }
    List<Node> children = list(plan.children()).stream().map(this::visit).toList();
    Set<String> tables = new TreeSet<>();
    children.forEach(c -> tables.addAll(c.tables()));
    if (plan instanceof SubqueryAlias
        || plan instanceof Filter
        || plan instanceof Sort
        || plan instanceof Distinct
        || plan instanceof Deduplicate) {
      return children.get(0);
    }
    if (plan instanceof Project p) {
      return new Node(projected(list(p.projectList()), children.get(0).keys()), tables);
    }
    if (plan instanceof Aggregate agg) {
      return new Node(grouped(agg, children.get(0).keys()), tables);
    }
    if (plan instanceof Join join) {
      return joined(join, children.get(0), children.get(1));
    }
    if (plan instanceof Union) {
      return union(plan, children, tables);
    }
    if (plan instanceof Window window) {
      return new Node(windowed(window, children.get(0).keys()), tables);
    }
    return new Node(Map.of(), tables);
  }

  /** A CTE reference: the keys of its definition's columns, by position. */
  private Node cte(CTERelationRef ref) {
    Node def = ctes.get(ref.cteId());
    if (def == null) {
      return new Node(Map.of(), Set.of());
    }
    List<ExprId> defined = cteOutputs.get(ref.cteId());
    List<Attribute> output = list(ref.output());
    Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
    for (int i = 0; i < output.size() && i < defined.size(); i++) {
      keys.put(output.get(i).exprId(), def.keys().getOrDefault(defined.get(i), Map.of()));
    }
    return new Node(keys, def.tables());
  }

  private static Map<ExprId, Map<String, Expression>> projected(
      List<NamedExpression> list, Map<ExprId, Map<String, Expression>> child) {
    Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
    for (NamedExpression e : list) {
      Expression value = e instanceof Alias alias ? alias.child() : (Expression) e;
      keys.put(e.exprId(), keysOf(value, child));
    }
    return keys;
  }

  /** A grouping's columns: those that are a grouping expression keep its keys. */
  private static Map<ExprId, Map<String, Expression>> grouped(
      Aggregate agg, Map<ExprId, Map<String, Expression>> child) {
    List<Expression> groups = list(agg.groupingExpressions());
    Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
    for (NamedExpression e : list(agg.aggregateExpressions())) {
      Expression value = e instanceof Alias alias ? alias.child() : (Expression) e;
      if (groups.stream().anyMatch(g -> g.semanticEquals(value))) {
        keys.put(e.exprId(), keysOf(value, child));
      }
    }
    return keys;
  }

  /** A window's input columns among its partitioning expressions keep their keys. */
  private static Map<ExprId, Map<String, Expression>> windowed(
      Window window, Map<ExprId, Map<String, Expression>> child) {
    Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
    for (Attribute a : list(window.child().output())) {
      if (list(window.partitionSpec()).stream().anyMatch(p -> p.semanticEquals(a))) {
        keys.put(a.exprId(), child.getOrDefault(a.exprId(), Map.of()));
      }
    }
    return keys;
  }

  private Node joined(Join join, Node left, Node right) {
    String type = join.joinType().sql().toUpperCase(Locale.ROOT);
    boolean keepsLeft = !type.equals("RIGHT OUTER") && !type.equals("FULL OUTER");
    boolean keepsRight = type.equals("INNER") || type.equals("CROSS") || type.equals("RIGHT OUTER");
    Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
    Set<ExprId> leftIds = ids(join.left());
    Set<ExprId> rightIds = ids(join.right());
    if (keepsLeft) {
      left.keys().forEach((id, k) -> keys.put(id, without(k, right.tables())));
    }
    if (keepsRight && outputs(join.joinType())) {
      right.keys().forEach((id, k) -> keys.put(id, without(k, left.tables())));
    }
    List<Expression> conjuncts = new ArrayList<>();
    if (join.condition().isDefined()) {
      split(join.condition().get(), conjuncts);
    }
    for (Expression c : conjuncts) {
      if (!(c instanceof EqualTo) && !(c instanceof EqualNullSafe)) {
        continue;
      }
      Expression a = c.children().apply(0);
      Expression b = c.children().apply(1);
      if (refsWithin(b, leftIds) && refsWithin(a, rightIds)) {
        Expression t = a;
        a = b;
        b = t;
      }
      if (!refsWithin(a, leftIds) || !refsWithin(b, rightIds)) {
        continue;
      }
      if (keepsLeft && a instanceof Attribute la) {
        keys.put(la.exprId(), merge(keys.get(la.exprId()), left, keysOf(b, right.keys()), right));
      }
      if (keepsRight && outputs(join.joinType()) && b instanceof Attribute rb) {
        keys.put(rb.exprId(), merge(keys.get(rb.exprId()), right, keysOf(a, left.keys()), left));
      }
    }
    Set<String> tables = new TreeSet<>(left.tables());
    tables.addAll(right.tables());
    return new Node(keys, tables);
  }

  /** Whether the join's output has the right side's columns (not a semi or anti join). */
  private static boolean outputs(JoinType type) {
    String t = type.sql().toUpperCase(Locale.ROOT);
    return !t.contains("SEMI") && !t.contains("ANTI");
  }

  /**
   * A joined column's keys: its own ({@code own}, from {@code side}) and those the other side's
   * equal expression has ({@code other}, from {@code otherSide}); a table both key differently, or
   * only one keys while the other reads it, is dropped.
   */
  private static Map<String, Expression> merge(
      Map<String, Expression> own, Node side, Map<String, Expression> other, Node otherSide) {
    Map<String, Expression> mine = own == null ? Map.of() : own;
    Map<String, Expression> out = new HashMap<>();
    Set<String> tables = new HashSet<>(mine.keySet());
    tables.addAll(other.keySet());
    for (String t : tables) {
      Expression x = mine.get(t);
      Expression y = other.get(t);
      if (x != null && y != null) {
        if (sql(x).equals(sql(y))) {
          out.put(t, x);
        }
      } else if (x != null && !otherSide.tables().contains(t)) {
        out.put(t, x);
      } else if (y != null && !side.tables().contains(t)) {
        out.put(t, y);
      }
    }
    return out;
  }

  /** A union's column keys a table when every branch that reads the table keys it the same way. */
  private static Node union(LogicalPlan plan, List<Node> children, Set<String> tables) {
    List<Attribute> output = list(plan.output());
    List<LogicalPlan> branches = list(plan.children());
    Map<ExprId, Map<String, Expression>> keys = new HashMap<>();
    for (int i = 0; i < output.size(); i++) {
      Map<String, Expression> out = new HashMap<>();
      for (String t : tables) {
        String text = null;
        Expression first = null;
        boolean same = true;
        for (int c = 0; c < branches.size() && same; c++) {
          if (!children.get(c).tables().contains(t)) {
            continue;
          }
          ExprId id = list(branches.get(c).output()).get(i).exprId();
          Expression e = children.get(c).keys().getOrDefault(id, Map.of()).get(t);
          same = e != null && (text == null || text.equals(sql(e)));
          if (same && text == null) {
            text = sql(e);
            first = e;
          }
        }
        if (same && first != null) {
          out.put(t, first);
        }
      }
      keys.put(output.get(i).exprId(), out);
    }
    return new Node(keys, tables);
  }

  /**
   * The keys of an expression: an attribute's own; a deterministic function of one attribute (no
   * aggregate) keys what the attribute keys, by the function of the attribute's key.
   */
  private static Map<String, Expression> keysOf(
      Expression e, Map<ExprId, Map<String, Expression>> child) {
    if (e instanceof Attribute a) {
      return child.getOrDefault(a.exprId(), Map.of());
    }
    List<Attribute> refs = list(e.references().toSeq());
    if (refs.size() != 1 || !e.deterministic() || hasAggregate(e)) {
      return Map.of();
    }
    Attribute a = refs.get(0);
    Map<String, Expression> out = new HashMap<>();
    child
        .getOrDefault(a.exprId(), Map.of())
        .forEach((table, key) -> out.put(table, replace(e, a.exprId(), key)));
    return out;
  }

  private static boolean hasAggregate(Expression e) {
    if (e instanceof AggregateExpression) {
      return true;
    }
    return list(e.children()).stream().anyMatch(RowKeys::hasAggregate);
  }

  private static Expression replace(Expression e, ExprId id, Expression with) {
    if (e instanceof AttributeReference a && a.exprId().equals(id)) {
      return with;
    }
    return e.mapChildren(c -> replace(c, id, with));
  }

  /**
   * Tables a subquery reads are keyed by no column: their rows reach rows of any key. Visited by
   * this finder, so that the CTEs it reads are known and the tables of its own subqueries are
   * marked too.
   */
  private void subqueries(Expression e) {
    if (e instanceof SubqueryExpression sub) {
      unkeyable.addAll(visit(sub.plan()).tables());
    }
    for (Expression c : list(e.children())) {
      subqueries(c);
    }
  }

  private static Map<String, Expression> without(Map<String, Expression> keys, Set<String> tables) {
    Map<String, Expression> out = new LinkedHashMap<>(keys);
    out.keySet().removeAll(tables);
    return out;
  }

  private static void split(Expression e, List<Expression> out) {
    if (e instanceof And and) {
      split(and.left(), out);
      split(and.right(), out);
    } else {
      out.add(e);
    }
  }

  private static boolean refsWithin(Expression e, Set<ExprId> ids) {
    List<Attribute> refs = list(e.references().toSeq());
    return !refs.isEmpty() && refs.stream().allMatch(a -> ids.contains(a.exprId()));
  }

  private static Set<ExprId> ids(LogicalPlan plan) {
    Set<ExprId> out = new HashSet<>();
    list(plan.output()).forEach(a -> out.add(a.exprId()));
    return out;
  }

  /** A table column as its key expression: the column by its name alone. */
  private static Expression column(Attribute a) {
    return UnresolvedAttribute.quoted(a.name());
  }

  /**
   * {@code rows} computed from only the input rows that the keys ({@code touched}, one column named
   * {@code keyColumn}) select: every read of a table of {@code byInput} keeps the rows whose key
   * expression is null-safe equal to a touched key. By the key's definition, the result's rows of
   * those keys equal those of {@code rows}; its other rows are to be left out.
   */
  static Dataset<Row> restrict(
      SparkSession spark,
      Dataset<Row> rows,
      Map<String, String> byInput,
      List<Row> touched,
      StructType keySchema,
      String keyColumn,
      Map<String, java.util.function.Supplier<Dataset<Row>>> fromChanges) {
    LogicalPlan plan =
        restricted(
            spark,
            rows.queryExecution().analyzed(),
            byInput,
            touched,
            keySchema,
            keyColumn,
            fromChanges);
    return Dataset.ofRows(spark, plan);
  }

  private static LogicalPlan restricted(
      SparkSession spark,
      LogicalPlan plan,
      Map<String, String> byInput,
      List<Row> touched,
      StructType keySchema,
      String keyColumn,
      Map<String, java.util.function.Supplier<Dataset<Row>>> fromChanges) {
    Optional<String> table = tableOf(plan);
    if (table.isPresent()) {
      String key = byInput.get(table.get());
      if (key == null) {
        return plan;
      }
      if (fromChanges.containsKey(table.get())) {
        return sameOutput(plan, fromChanges.get(table.get()).get());
      }
      Dataset<Row> read = Dataset.ofRows(spark, plan);
      Dataset<Row> keys = spark.createDataFrame(touched, keySchema); // fresh columns per read
      return read.join(keys, functions.expr(key).eqNullSafe(keys.col(keyColumn)), "left_semi")
          .queryExecution()
          .analyzed();
    }
    return plan.mapChildren(
        c -> restricted(spark, c, byInput, touched, keySchema, keyColumn, fromChanges));
  }

  /**
   * {@code rows} in place of the table read {@code read}: its columns by name, as the attributes of
   * {@code read} (the same ids, so the plan above it reads them).
   */
  private static LogicalPlan sameOutput(LogicalPlan read, Dataset<Row> rows) {
    LogicalPlan from = rows.queryExecution().analyzed();
    Map<String, Attribute> byName = new HashMap<>();
    list(from.output()).forEach(a -> byName.put(a.name().toLowerCase(Locale.ROOT), a));
    List<NamedExpression> columns = new ArrayList<>();
    for (Attribute a : list(read.output())) {
      Attribute source = byName.get(a.name().toLowerCase(Locale.ROOT));
      if (source == null) {
        throw new IllegalStateException("the change feed has no column " + a.name());
      }
      columns.add(
          new Alias(
              source,
              a.name(),
              a.exprId(),
              a.qualifier(),
              scala.Option.apply(a.metadata()),
              JavaConverters.asScalaBuffer(new ArrayList<String>()).toSeq()));
    }
    return new Project(JavaConverters.asScalaBuffer(columns).toSeq(), from);
  }

  /** A key expression as SQL over the table's columns. */
  static String sql(Expression e) {
    return e.sql();
  }

  /** The {@code zone.table} a leaf reads, if it reads a catalog table. */
  private static Optional<String> tableOf(LogicalPlan plan) {
    if (plan instanceof LogicalRelation r && r.catalogTable().isDefined()) {
      var id = r.catalogTable().get().identifier();
      return Optional.of(
          (id.database().getOrElse(() -> "") + "." + id.table()).toLowerCase(Locale.ROOT));
    }
    return Optional.empty();
  }

  private static <T> List<T> list(Seq<T> seq) {
    return JavaConverters.seqAsJavaList(seq);
  }
}
