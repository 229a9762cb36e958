package dev.dpf.core.internal.transform;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.api.Stage;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.ColumnType;
import dev.dpf.definition.DatasetDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Type conformance: raw text columns to the dataset's typed columns. A value that does not parse,
 * or a missing value in a non-nullable column, is a row-level error (the row goes to quarantine
 * with the reason); it never silently becomes null.
 */
public final class Conform {
  private Conform() {}

  /**
   * Raw columns of the consolidated table that the dataset does not declare (lineage columns, named
   * {@code _...}, excluded), in table order.
   */
  public static List<String> undeclaredColumns(DatasetDef dataset, Dataset<Row> consolidated) {
    java.util.Set<String> known = new java.util.HashSet<>();
    for (ColumnDef c : dataset.columns()) {
      known.add(Columns.folded(c.from()));
      known.add(Columns.folded(c.name()));
    }
    return Arrays.stream(consolidated.columns())
        .filter(c -> !c.startsWith("_") && !known.contains(Columns.folded(c)))
        .toList();
  }

  /**
   * The columns the dataset reads that the input does not have (names compared as {@link
   * Columns#folded} says, as the ingest names columns), in definition order.
   */
  public static List<String> missingColumns(DatasetDef dataset, Dataset<Row> consolidated) {
    Map<String, String> present = columnsByFoldedName(consolidated);
    return dataset.columns().stream()
        .map(ColumnDef::from)
        .filter(c -> !present.containsKey(Columns.folded(c)))
        .toList();
  }

  /** The input's column names by their {@link Columns#folded} form. */
  private static Map<String, String> columnsByFoldedName(Dataset<Row> input) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String c : input.columns()) {
      out.putIfAbsent(Columns.folded(c), c);
    }
    return out;
  }

  /**
   * Adds the dataset's typed columns and an {@code _errors} array to the consolidated rows. A
   * column the input lacks (no record of a JSON batch had the field) reads as null: it is then an
   * error only where the column is not nullable. Callers report {@link #missingColumns}.
   */
  public static Dataset<Row> withConformed(DatasetDef dataset, Dataset<Row> consolidated) {
    Map<String, String> present = columnsByFoldedName(consolidated);
    for (String missing : missingColumns(dataset, consolidated)) {
      String name = Columns.sanitized(missing);
      consolidated = consolidated.withColumn(name, lit(null).cast("string"));
      present.put(Columns.folded(missing), name);
    }
    List<Column> typed = new ArrayList<>();
    List<Message> errors = new ArrayList<>();
    for (ColumnDef c : dataset.columns()) {
      String column = present.get(Columns.folded(c.from()));
      Column raw = col(quote(column)).cast("string");
      typed.add(parse(c, column).as(tmp(c)));
      // From the typed column, not the parse again: each value is parsed once.
      errors.add(
          new Message(
              raw.isNotNull().and(col(tmp(c)).isNull()),
              concat(
                  lit(c.name() + ": cannot parse '"),
                  raw,
                  lit(
                      "' as "
                          + c.type()
                          + c.format().map(f -> " (format " + f + ")").orElse("")))));
      if (!c.nullable()) {
        errors.add(
            new Message(raw.isNull(), lit(c.name() + ": missing value in a non-nullable column")));
      }
    }
    if (Arrays.asList(consolidated.columns()).contains(Columns.COMMIT_TS)) {
      // Without it the change could not be ordered: it would lose to, or beat, the wrong change.
      errors.add(
          new Message(
              Changes.badCommitTime(),
              concat(
                  lit(Columns.COMMIT_TS + ": cannot parse '"),
                  col(Columns.COMMIT_TS),
                  lit("' as the DMS commit timestamp (yyyy-MM-dd HH:mm:ss.SSSSSS)"))));
    }
    List<Column> all = new ArrayList<>();
    all.add(col("*"));
    all.addAll(typed);
    return consolidated
        .select(all.toArray(Column[]::new))
        .withColumn(Columns.ERRORS, messages(errors));
  }

  /** A message of an {@code _errors} array, and when a row has it. */
  public record Message(Column when, Column text) {}

  /**
   * The texts of the messages whose condition holds, in order, as an array. Built without a lambda
   * (such as {@code filter(array(...), x -> x IS NOT NULL)}): Spark compiles this with the rest of
   * the row's expressions, where a lambda's arguments would be evaluated interpreted.
   */
  public static Column messages(List<Message> messages) {
    Column none = array().cast("array<string>");
    if (messages.isEmpty()) {
      return none;
    }
    return concat(
        messages.stream()
            .map(m -> when(m.when(), array(m.text())).otherwise(none))
            .toArray(Column[]::new));
  }

  /**
   * Rows that conformed, projected to the dataset's columns plus the lineage that orders changes
   * ({@code _source_file} and, when the input has them, row number, batch, Op, commit timestamp).
   */
  public static Dataset<Row> selectValid(DatasetDef dataset, Dataset<Row> conformed) {
    return selectValid(dataset, conformed, List.of());
  }

  /** As {@link #selectValid(DatasetDef, Dataset)}, keeping these raw columns as they are. */
  public static Dataset<Row> selectValid(
      DatasetDef dataset, Dataset<Row> conformed, List<String> extra) {
    List<Column> out = new ArrayList<>();
    for (ColumnDef c : dataset.columns()) {
      out.add(col(tmp(c)).as(c.name()));
    }
    for (String x : extra) {
      out.add(col(quote(x)));
    }
    List<String> has = Arrays.asList(conformed.columns());
    for (String lineage : ORDERING) {
      if (has.contains(lineage)) {
        out.add(col(lineage));
      }
    }
    return conformed
        .filter(size(col(Columns.ERRORS)).equalTo(0))
        .select(out.toArray(Column[]::new));
  }

  /** Lineage kept on valid rows: where each came from, and what orders the changes of a key. */
  private static final List<String> ORDERING =
      List.of(
          Columns.SOURCE_FILE,
          Columns.ROW_NUMBER,
          Columns.BATCH_ID,
          Columns.OP,
          Columns.COMMIT_TS,
          Columns.INGESTED_AT);

  /**
   * The transformed table's columns: the dataset's, the extra raw ones, the source file and, for a
   * dataset with a key, the change sequence that put the row there.
   */
  public static Dataset<Row> project(DatasetDef dataset, Dataset<Row> valid, List<String> extra) {
    return valid.select(
        tableColumns(dataset, extra).stream().map(c -> col(quote(c))).toArray(Column[]::new));
  }

  /** The names {@link #project} selects, in order. */
  public static List<String> tableColumns(DatasetDef dataset, List<String> extra) {
    List<String> out = new ArrayList<>();
    for (ColumnDef c : dataset.columns()) {
      out.add(c.name());
    }
    out.addAll(extra);
    out.add(Columns.SOURCE_FILE);
    if (!dataset.key().isEmpty()) {
      out.add(Changes.SEQ);
    }
    return out;
  }

  /** Rows that did not conform, as quarantine records (reason: the errors joined by "; "). */
  public static Dataset<Row> selectRejected(
      DatasetDef dataset, Dataset<Row> conformed, List<String> inputColumns, String runId) {
    Column[] original = inputColumns.stream().map(c -> col(quote(c))).toArray(Column[]::new);
    return Quarantine.records(
        conformed.filter(size(col(Columns.ERRORS)).gt(0)),
        Stage.TRANSFORM,
        dataset.name(),
        array_join(col(Columns.ERRORS), "; "),
        org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(original)),
        runId);
  }

  /**
   * The parsed value of the raw column {@code column}, as {@code c} types it; null when it does not
   * parse.
   */
  static Column parse(ColumnDef c, String column) {
    return parseText(c, "CAST(" + quote(column) + " AS STRING)");
  }

  /**
   * The parsed value of the text the SQL expression {@code raw} gives, as {@code c} types it; null
   * when it does not parse. {@link #parse} is this for a raw column.
   */
  public static Column parseText(ColumnDef c, String raw) {
    ColumnType t = c.type();
    String trimmed = "trim(" + raw + ")";
    // try_cast has ANSI semantics whatever the session says: an overflow is null, nothing is
    // truncated silently.
    String sql =
        switch (t.base()) {
          case STRING -> raw;
          case INT -> whenMatches(trimmed, "^[+-]?[0-9]+$", "try_cast(" + trimmed + " AS int)");
          case LONG -> whenMatches(trimmed, "^[+-]?[0-9]+$", "try_cast(" + trimmed + " AS bigint)");
          case DOUBLE -> "try_cast(" + trimmed + " AS double)";
          case DECIMAL -> {
            String fraction = t.scale() == 0 ? "" : "(\\.[0-9]{1," + t.scale() + "})?";
            yield whenMatches(
                trimmed,
                "^[+-]?[0-9]+" + fraction + "$",
                "try_cast(" + trimmed + " AS " + t.sql() + ")");
          }
          case BOOLEAN ->
              "CASE lower(" + trimmed + ") WHEN 'true' THEN true WHEN 'false' THEN false END";
          case DATE ->
              c.format().isPresent()
                  ? "to_date(" + trimmed + ", " + literal(c.format().get()) + ")"
                  : "try_cast(" + trimmed + " AS date)";
          case TIMESTAMP ->
              c.format().isPresent()
                  ? "to_timestamp(" + trimmed + ", " + literal(c.format().get()) + ")"
                  : utcSession()
                      ? "CASE WHEN "
                          + trimmed
                          + " RLIKE "
                          + literal(ISO_UTC)
                          + " THEN try_cast(substring("
                          + trimmed
                          + ", 1, length("
                          + trimmed
                          + ") - 1) AS timestamp) ELSE try_cast("
                          + trimmed
                          + " AS timestamp) END"
                      : "try_cast(" + trimmed + " AS timestamp)";
        };
    return expr(sql);
  }

  /**
   * An ISO-8601 time in UTC ({@code 2026-11-19T17:29:57.226Z}), as producers write event times.
   * Spark looks up the zone of every value that names one (compiling two regular expressions each
   * time); in a UTC session the same time without its {@code Z} is the same instant, so it is read
   * that way. (Spark takes {@code 17:29} but not {@code 17:29Z}: the seconds are required.)
   */
  private static final String ISO_UTC =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?Z$";

  /** Whether the session reads times without a zone as UTC. */
  private static boolean utcSession() {
    String zone = org.apache.spark.sql.internal.SQLConf.get().sessionLocalTimeZone();
    try {
      return java.time.ZoneId.of(zone).normalized().equals(java.time.ZoneOffset.UTC);
    } catch (java.time.DateTimeException e) {
      return false;
    }
  }

  private static String whenMatches(String value, String regex, String then) {
    return "CASE WHEN " + value + " RLIKE " + literal(regex) + " THEN " + then + " END";
  }

  /** {@code s} as a SQL string literal. */
  public static String literal(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /** The name of the column {@link #withConformed} gives a declared column's typed value. */
  public static String tmp(ColumnDef c) {
    return "__typed_" + c.name();
  }

  /** A typed column of {@link #withConformed}'s output (null where the value did not parse). */
  public static Column typed(ColumnDef c) {
    return col(tmp(c));
  }

  public static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
