package dev.dpf.jobs.query;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import scala.collection.JavaConverters;

/**
 * Runs the statements of {@code dpf sql}. One that only reads (a query, SHOW, DESCRIBE, EXPLAIN, a
 * view of this session) runs beside a process writing the lake and sees the tables' committed
 * versions. One that may write (INSERT, MERGE, UPDATE, DELETE, CREATE TABLE, OPTIMIZE, RESTORE and
 * any statement not known to read only) is a writer of the lake: it takes the lake's lock for its
 * time, as runs do, so it stops with one line while a run holds the lake.
 */
public final class LakeSql {
  /** Commands that change no table (by the class of their parsed plan). */
  private static final Set<String> READING_COMMANDS =
      Set.of(
          "ShowTables",
          "ShowTablesExtended",
          "ShowNamespaces",
          "ShowViews",
          "ShowColumns",
          "ShowCreateTable",
          "ShowTableProperties",
          "ShowFunctions",
          "ShowPartitions",
          "ShowCatalogs",
          "ShowCurrentNamespaceCommand",
          "DescribeRelation",
          "DescribeColumn",
          "DescribeNamespace",
          "DescribeFunction",
          "DescribeQueryCommand",
          "DescribeDeltaDetailCommand",
          "DescribeDeltaHistory",
          "ExplainCommand",
          "SetCommand",
          "ResetCommand",
          "SetCatalogAndNamespace",
          "SetCatalogCommand",
          "SetNamespaceCommand",
          "CreateViewCommand",
          "CreateTempViewUsing",
          "CreateView",
          "DropView",
          "CacheTable",
          "CacheTableAsSelect",
          "UncacheTable",
          "ClearCacheCommand",
          "RefreshTable",
          "SetVariable",
          "CreateVariable",
          "DropVariable");

  private final SparkSession spark;
  private final Supplier<? extends AutoCloseable> writeLock;

  /**
   * @param writeLock takes the lake's lock for one writing statement (released on close), or fails
   *     with the one-line reason
   */
  public LakeSql(SparkSession spark, Supplier<? extends AutoCloseable> writeLock) {
    this.spark = spark;
    this.writeLock = writeLock;
  }

  /** The statement's result, run under the lake's lock if it may write. */
  public Dataset<Row> sql(String statement) throws Exception {
    if (readsOnly(spark, statement)) {
      return spark.sql(statement);
    }
    try (AutoCloseable held = writeLock.get()) {
      return spark.sql(statement);
    }
  }

  /**
   * Whether the statement only reads: no node of its parsed plan is a command outside {@link
   * #READING_COMMANDS} or a statement such as INSERT. A statement that does not parse is left to
   * Spark, which says why.
   */
  static boolean readsOnly(SparkSession spark, String statement) {
    LogicalPlan plan;
    try {
      plan = spark.sessionState().sqlParser().parsePlan(statement);
    } catch (Exception e) {
      return true; // Spark's own error follows
    }
    Deque<LogicalPlan> nodes = new ArrayDeque<>(java.util.List.of(plan));
    while (!nodes.isEmpty()) {
      LogicalPlan node = nodes.pop();
      String kind = node.getClass().getSimpleName();
      boolean writes =
          node instanceof Command
              ? !READING_COMMANDS.contains(kind)
              : node instanceof ParsedStatement || kind.endsWith("Statement");
      if (writes) {
        return false;
      }
      nodes.addAll(JavaConverters.seqAsJavaList(node.children()));
    }
    return true;
  }
}
