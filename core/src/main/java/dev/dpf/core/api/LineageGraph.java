package dev.dpf.core.api;

import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * Which table of the definition reads which: the one graph that selection, the stages' order,
 * {@code describe} and the docs site read. Its tables are a consolidated table per source, a
 * transformed table per dataset and (SCD2) its history table, and a table per model; an edge goes
 * from a table to one that is made from it, with why. Tables and edges are in the definition's
 * order.
 */
public final class LineageGraph {
  /** Why one table is made from another. */
  public enum Kind {
    /** A dataset from its source's consolidated table. */
    SOURCE,
    /** A dataset after a dataset its {@code references} rules read. */
    REFERENCES,
    /** A dataset's SCD2 history table from the dataset. */
    HISTORY,
    /** A model from a table its SQL reads. */
    MODEL_INPUT
  }

  /** {@code to} is made from {@code from} ({@code zone.table} both). */
  public record Edge(String from, String to, Kind kind) {}

  private final List<String> tables;
  private final List<Edge> edges;
  private final Map<String, Set<String>> inputs = new LinkedHashMap<>();
  private final Map<String, Set<String>> outputs = new LinkedHashMap<>();

  private LineageGraph(List<String> tables, List<Edge> edges) {
    this.tables = List.copyOf(tables);
    this.edges = List.copyOf(edges);
    tables.forEach(
        t -> {
          inputs.put(t, new LinkedHashSet<>());
          outputs.put(t, new LinkedHashSet<>());
        });
    for (Edge e : edges) {
      inputs.computeIfAbsent(e.to(), k -> new LinkedHashSet<>()).add(e.from());
      outputs.computeIfAbsent(e.from(), k -> new LinkedHashSet<>()).add(e.to());
    }
  }

  /** The definition's graph; a model's inputs are the tables its SQL names ({@link ModelSql}). */
  public static LineageGraph of(SparkSession spark, PipelineDefinition definition) {
    List<String> tables = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    for (SourceDef s : definition.sources()) {
      tables.add(s.table());
    }
    for (DatasetDef d : definition.datasets()) {
      tables.add(d.table());
      edges.add(new Edge(d.sourceTable(), d.table(), Kind.SOURCE));
      for (String ref : d.referencedTables()) {
        if (!ref.equals(d.table())) {
          edges.add(new Edge(ref, d.table(), Kind.REFERENCES));
        }
      }
      if (d.history() != DatasetDef.History.NONE) {
        tables.add(d.qualifiedHistoryTable());
        edges.add(new Edge(d.table(), d.qualifiedHistoryTable(), Kind.HISTORY));
      }
    }
    for (ModelDef m : definition.models()) {
      tables.add(m.table());
      for (String ref : ModelSql.references(spark, m)) {
        edges.add(new Edge(ref, m.table(), Kind.MODEL_INPUT));
      }
    }
    return new LineageGraph(tables, edges);
  }

  /** Every table, in the definition's order (a history table after its dataset). */
  public List<String> tables() {
    return tables;
  }

  /** Every edge, in the definition's order. */
  public List<Edge> edges() {
    return edges;
  }

  /** The tables {@code table} is made from, directly, in the definition's order. */
  public Set<String> inputs(String table) {
    return java.util.Collections.unmodifiableSet(inputs.getOrDefault(table, Set.of()));
  }

  /** The tables made from {@code table}, directly, in the definition's order. */
  public Set<String> outputs(String table) {
    return java.util.Collections.unmodifiableSet(outputs.getOrDefault(table, Set.of()));
  }

  /** The tables {@code table} is made from for {@code kind}. */
  public Set<String> inputs(String table, Kind kind) {
    Set<String> out = new LinkedHashSet<>();
    for (Edge e : edges) {
      if (e.to().equals(table) && e.kind() == kind) {
        out.add(e.from());
      }
    }
    return out;
  }

  /** The history table of a dataset's table, if it has one; else empty. */
  public java.util.Optional<String> historyOf(String table) {
    return edges.stream()
        .filter(e -> e.kind() == Kind.HISTORY && e.from().equals(table))
        .map(Edge::to)
        .findFirst();
  }
}
