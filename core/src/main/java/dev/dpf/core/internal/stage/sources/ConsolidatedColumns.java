package dev.dpf.core.internal.stage.sources;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.posexplode;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.internal.ingest.DeclaredFields;
import dev.dpf.core.internal.ingest.ParsedRecord;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Quarantine;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The columns of a source's consolidated table: each raw field once (names that differ only in case
 * or in characters Delta cannot take are one column), the lineage columns, and the rows of a batch
 * and of its quarantine shaped to them.
 */
public final class ConsolidatedColumns {
  private ConsolidatedColumns() {}

  /**
   * The good records' field names in order of first appearance: by file name, then record, then
   * position in the record. Each file's first appearance of a field is found by a hash aggregation
   * (row and position packed in one long), the order across files on the driver: a sort of every
   * field of every record would cost more than the parse.
   */
  public static List<String> fieldsInOrder(Dataset<Row> parsed) {
    List<Row> firsts =
        parsed
            .filter(col(ParsedRecord.ERROR).isNull())
            .select(
                col(ParsedRecord.FILE),
                col(ParsedRecord.ROW_NUMBER),
                posexplode(org.apache.spark.sql.functions.map_keys(col(ParsedRecord.FIELDS))))
            .groupBy(col(ParsedRecord.FILE), col("col"))
            .agg(
                min(col(ParsedRecord.ROW_NUMBER)
                        .multiply(lit(FIELDS_PER_RECORD))
                        .plus(col("pos").cast("long")))
                    .as("first"),
                org.apache.spark.sql.functions.max(col("pos")).as("widest"))
            .collectAsList();
    Map<String, First> first = new HashMap<>();
    for (Row r : firsts) {
      if (r.getInt(3) >= FIELDS_PER_RECORD) {
        throw new DpfException(
            "A record of "
                + r.getString(0)
                + " has more than "
                + FIELDS_PER_RECORD
                + " fields; records this wide are not supported");
      }
      first.merge(
          r.getString(1),
          new First(r.getString(0), r.getLong(2)),
          (a, b) -> a.compareTo(b) <= 0 ? a : b);
    }
    List<String> out = new ArrayList<>(first.keySet());
    out.sort(java.util.Comparator.comparing(first::get));
    return out;
  }

  /** Where a field first appears: a file, and its record and position packed in one long. */
  private record First(String file, long at) implements Comparable<First> {
    @Override
    public int compareTo(First o) {
      // File names compare as Spark compares strings: by their UTF-8 bytes.
      int byFile =
          Arrays.compareUnsigned(
              file.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              o.file.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return byFile != 0 ? byFile : Long.compare(at, o.at);
    }
  }

  /** Positions a field index can take in {@link #fieldsInOrder}'s packed longs. */
  private static final long FIELDS_PER_RECORD = 1L << 20;

  /** See {@link #columnsOf}: the columns, each with the field names it is read from. */
  public static LinkedHashMap<String, List<String>> canonicalColumns(
      List<String> existing, Collection<String> declared, List<String> fields) {
    LinkedHashMap<String, List<String>> out = new LinkedHashMap<>();
    Map<String, String> byFolded = new HashMap<>();
    for (String c : existing) {
      out.put(c, new ArrayList<>());
      byFolded.put(DeclaredFields.folded(c), c);
    }
    Map<String, String> declaredByFolded = new HashMap<>();
    declared.forEach(d -> declaredByFolded.putIfAbsent(DeclaredFields.folded(d), d));
    for (String field : fields) {
      String folded = DeclaredFields.folded(field);
      String column = byFolded.get(folded);
      if (column == null) {
        column =
            LINEAGE.contains(folded)
                ? "raw" + folded
                : Columns.sanitized(declaredByFolded.getOrDefault(folded, field));
        byFolded.put(folded, column);
        out.put(column, new ArrayList<>());
      }
      out.get(column).add(field);
    }
    return out;
  }

  /** Columns the ingest adds to every record: raw fields may not take their names. */
  static final Set<String> LINEAGE =
      Set.of(
          Columns.SOURCE_FILE,
          Columns.ROW_NUMBER,
          Columns.BATCH_ID,
          Columns.INGESTED_AT,
          Columns.RUN_ID,
          Columns.OP,
          Columns.COMMIT_TS);

  /** Fields the definition does not know (kept) and declared fields absent (null), reported. */
  record Drift(List<String> unexpected, List<String> absent) {
    String note() {
      String n = "";
      if (!unexpected.isEmpty()) {
        n += "; new field(s) kept: " + String.join(", ", unexpected);
      }
      if (!absent.isEmpty()) {
        n += "; declared field(s) absent, read as null: " + String.join(", ", absent);
      }
      return n;
    }
  }

  /** The raw fields the datasets made from {@code source} declare, in definition order. */
  static Set<String> declared(PipelineDefinition definition, SourceDef source) {
    return new LinkedHashSet<>(declaredFields(definition, source).declared());
  }

  /**
   * The raw fields the datasets made from {@code source} read, and those they cannot do without.
   */
  static DeclaredFields declaredFields(PipelineDefinition definition, SourceDef source) {
    Set<String> declared = new LinkedHashSet<>();
    Set<String> required = new LinkedHashSet<>();
    for (DatasetDef d : definition.datasets()) {
      if (d.source().equals(source.name())) {
        for (ColumnDef c : d.columns()) {
          declared.add(c.from());
          if (!c.nullable()) {
            required.add(c.from());
          }
        }
      }
    }
    return new DeclaredFields(List.copyOf(declared), List.copyOf(required));
  }

  /**
   * An empty consolidated table of {@code source} with the fields its datasets declare: what the
   * first ingest of matching files gives, for creating the tables made from it ahead of time.
   */
  public static Dataset<Row> emptyConsolidated(
      SparkSession spark, PipelineDefinition definition, SourceDef source) {
    return consolidated(
        source,
        spark.createDataFrame(List.of(), ParsedRecord.SCHEMA),
        canonicalColumns(List.of(), List.of(), List.copyOf(declared(definition, source))),
        new IngestLog.Batch(0, "init", Instant.EPOCH, List.of()));
  }

  static Set<String> folded(Collection<String> names) {
    Set<String> out = new java.util.HashSet<>();
    names.forEach(n -> out.add(DeclaredFields.folded(n)));
    return out;
  }

  /**
   * The good records as consolidated rows: each column from the field names it is read from (a
   * record has at most one of them), then the lineage columns.
   */
  static Dataset<Row> consolidated(
      SourceDef source,
      Dataset<Row> good,
      LinkedHashMap<String, List<String>> columns,
      IngestLog.Batch batch) {
    List<Column> select = new ArrayList<>();
    columns.forEach(
        (column, fields) -> {
          List<Column> values = new ArrayList<>();
          for (String f : fields.isEmpty() ? List.of(column) : fields) {
            values.add(col(ParsedRecord.FIELDS).getItem(f));
          }
          Column value =
              values.size() == 1
                  ? values.get(0)
                  : org.apache.spark.sql.functions.coalesce(values.toArray(Column[]::new));
          select.add(value.as(column));
        });
    if (source.kind() == dev.dpf.definition.SourceKind.DMS) {
      select.add(col(ParsedRecord.OP).as(Columns.OP));
      select.add(col(ParsedRecord.COMMIT_TS).as(Columns.COMMIT_TS));
    }
    select.add(col(ParsedRecord.FILE).as(Columns.SOURCE_FILE));
    select.add(col(ParsedRecord.ROW_NUMBER).as(Columns.ROW_NUMBER));
    select.add(lit(batch.id()).as(Columns.BATCH_ID));
    select.add(lit(Timestamp.from(batch.ingestedAt())).as(Columns.INGESTED_AT));
    select.add(lit(batch.runId()).as(Columns.RUN_ID));
    return good.select(select.toArray(Column[]::new));
  }

  static Dataset<Row> quarantine(SourceDef source, Dataset<Row> bad, IngestLog.Batch batch) {
    return Quarantine.records(
        bad,
        Stage.INGEST,
        source.name(),
        col(ParsedRecord.ERROR),
        col(ParsedRecord.RAW),
        batch.runId());
  }
}
