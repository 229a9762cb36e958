package dev.dpf.jobs.query;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.LineageGraph;
import dev.dpf.core.api.ModelSql;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import dev.dpf.jobs.run.Report;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * {@code dpf describe}: what a table is (from the definition), where it comes from and what reads
 * it, its schema with PII tags, its size and its last change (from Delta).
 */
public final class TableDescription {
  private TableDescription() {}

  public static String text(
      SparkSession spark, PipelineDefinition definition, Lake lake, String name) {
    TableName parsed =
        TableName.parse(name.toLowerCase(Locale.ROOT))
            .orElseThrow(
                () ->
                    new DpfException(
                        "'"
                            + name
                            + "' is not a table name. Name tables as zone.table, for example"
                            + " curated.customer_360 (dpf tables lists them)"));
    Zone zone = parsed.zone();
    String table = parsed.name();
    String full = parsed.toString();
    if (!lake.exists(parsed)) {
      List<String> there = new java.util.ArrayList<>();
      for (Zone z : Zone.values()) {
        lake.tables(z).forEach(t -> there.add(t.toString()));
      }
      throw new DpfException(
          "No table "
              + full
              + " in the lake at "
              + lake.root()
              + "."
              + dev.dpf.definition.Suggest.didYouMean(full, there)
              + " dpf tables lists the tables");
    }
    lake.register(parsed);

    StringBuilder out = new StringBuilder(full).append('\n');
    dev.dpf.definition.TableDocs docs = definition.docs(full);
    if (!docs.description().isEmpty()) {
      line(out, "description", docs.description());
    }
    if (!docs.owner().isEmpty()) {
      line(out, "owner", docs.owner());
    }
    if (!docs.tags().isEmpty()) {
      line(out, "tags", String.join(", ", docs.tags()));
    }
    Map<String, ColumnDef> tags = new java.util.HashMap<>();
    List<String> upstream = new ArrayList<>();
    String kind = kind(spark, definition, zone, table, upstream, tags);
    line(out, "kind", kind);
    line(out, "upstream", upstream.isEmpty() ? "-" : String.join(", ", upstream));
    List<String> downstream = downstream(spark, definition, full);
    line(out, "downstream", downstream.isEmpty() ? "-" : String.join(", ", downstream));
    line(out, "location", lake.path(parsed));

    storage(out, lake, parsed);
    columns(out, spark.table(full).schema(), tags, docs);
    return out.toString();
  }

  /** Where the table's data is: files, bytes, partitions, rows and its last change. */
  private static void storage(StringBuilder out, Lake lake, TableName parsed) {
    Row detail =
        lake.delta(parsed).detail().select("numFiles", "sizeInBytes", "partitionColumns").head();
    // The last change of the data, not of a table property.
    Row last =
        lake.delta(parsed)
            .history(20)
            .select("version", "timestamp", "operation")
            .where("operation <> 'SET TBLPROPERTIES'")
            .orderBy(org.apache.spark.sql.functions.col("version").desc())
            .head();
    long rows = lake.rows(parsed);
    line(out, "rows", String.format(Locale.ROOT, "%,d", rows));
    line(
        out,
        "files",
        String.format(Locale.ROOT, "%,d (%s)", detail.getLong(0), Report.bytes(detail.getLong(1))));
    List<String> partitions = detail.getList(2);
    line(out, "partitioned", partitions.isEmpty() ? "-" : String.join(", ", partitions));
    line(
        out,
        "last update",
        last.getTimestamp(1).toInstant()
            + "  version "
            + last.getLong(0)
            + "  "
            + last.getString(2));
  }

  /** The table's columns with their types, whether they may be null, PII tags and descriptions. */
  private static void columns(
      StringBuilder out,
      org.apache.spark.sql.types.StructType schema,
      Map<String, ColumnDef> tags,
      dev.dpf.definition.TableDocs docs) {
    out.append("  columns\n");
    for (StructField f : schema.fields()) {
      ColumnDef c = tags.get(f.name());
      String note = "";
      boolean nullable = c == null ? f.nullable() : c.nullable();
      if (c != null && c.pii().isPresent()) {
        note = "pii: " + c.pii().get().key();
      }
      String described = docs.columns().getOrDefault(f.name(), "");
      if (!described.isEmpty()) {
        note = note.isEmpty() ? described : note + "; " + described;
      }
      out.append(
          String.format(
                  Locale.ROOT,
                  "    %-28s %-16s %-9s %s",
                  f.name(),
                  f.dataType().simpleString(),
                  nullable ? "" : "not null",
                  note)
              .stripTrailing());
      out.append('\n');
    }
  }

  /** What a model is: its zone, SQL file, how it is kept up to date and its PII allowance. */
  private static String modelKind(ModelDef m) {
    return m.zone().dbName()
        + " model, "
        + m.file()
        + m.incremental()
            .map(
                i ->
                    i.key() != null
                        ? " (incremental: recomputes the "
                            + i.key()
                            + " keys that changes of "
                            + i.changesOf()
                            + " carry)"
                        : " (incremental: recomputes the "
                            + m.partitionBy().get(0)
                            + " partitions that changes of "
                            + i.changesOf()
                            + " touch)")
            .orElse(" (rebuilt when an input changes)")
        + (m.piiInClear().isEmpty()
            ? ""
            : "; personal data in clear, allowed: " + String.join(", ", m.piiInClear()));
  }

  private static String kind(
      SparkSession spark,
      PipelineDefinition definition,
      Zone zone,
      String table,
      List<String> upstream,
      Map<String, ColumnDef> tags) {
    for (ModelDef m : definition.models()) {
      if (m.zone() == zone && m.name().equals(table)) {
        upstream.addAll(ModelSql.references(spark, m));
        return modelKind(m);
      }
    }
    if (zone == Zone.TRANSFORMED) {
      for (DatasetDef d : definition.datasets()) {
        boolean history = d.history() == DatasetDef.History.SCD2 && d.historyTable().equals(table);
        if (d.name().equals(table) || history) {
          d.columns().forEach(c -> tags.put(c.name(), c));
          if (history) {
            upstream.add(d.table());
            return "SCD2 history of "
                + d.table()
                + ": every version of each key, valid_from, valid_to, is_current";
          }
          upstream.add(d.sourceTable());
          return "dataset, key "
              + (d.key().isEmpty() ? "-" : String.join(", ", d.key()))
              + (d.history() == DatasetDef.History.SCD2 ? ", history in " + d.historyTable() : "")
              + ", "
              + d.quality().size()
              + " quality rule(s)";
        }
      }
    }
    if (zone == Zone.CONSOLIDATED) {
      for (SourceDef s : definition.sources()) {
        if (s.name().equals(table)) {
          upstream.add("raw " + s.path() + " (" + s.kind().label() + ")");
          return "source: every raw record as text, with lineage columns";
        }
      }
    }
    if (zone == Zone.SYSTEM) {
      return "the pipeline's own log";
    }
    if (zone == Zone.QUARANTINE) {
      return "rejected records with their reasons";
    }
    return "not in the definition";
  }

  private static List<String> downstream(
      SparkSession spark, PipelineDefinition definition, String full) {
    return List.copyOf(LineageGraph.of(spark, definition).outputs(full));
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append(String.format(Locale.ROOT, "  %-12s %s%n", label, value));
  }
}
