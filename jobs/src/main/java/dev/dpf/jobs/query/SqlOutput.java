package dev.dpf.jobs.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.HiveResult;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/** Prints query results as an aligned table, CSV (RFC 4180, header first) or JSON lines. */
public final class SqlOutput {
  /** Output formats of {@code dpf sql}. */
  public enum Format {
    TABLE,
    CSV,
    JSON
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private SqlOutput() {}

  /** The first {@code maxRows} rows of the result as text in the format (a table of the CLI's). */
  public static String text(Dataset<Row> result, Format format, int maxRows) {
    return render(result, format, maxRows).text();
  }

  /** A result as text, and whether it was cut at the row limit. */
  record Rendered(String text, boolean cut) {}

  /** The first {@code maxRows} rows of the result, in the format. */
  static Rendered render(Dataset<Row> result, Format format, int maxRows) {
    StructType schema = result.schema();
    String[] columns = schema.fieldNames();
    if (columns.length == 0) {
      result.collectAsList(); // a command (INSERT, CREATE, ...): run, with no result to print
      return new Rendered("", false);
    }
    List<Row> rows = new ArrayList<>(result.limit(maxRows + 1).collectAsList());
    boolean cut = rows.size() > maxRows;
    if (cut) {
      rows.remove(maxRows);
    }
    String text =
        switch (format) {
          case CSV -> csv(schema, rows);
          case JSON -> json(columns, rows);
          case TABLE -> table(schema, rows);
        };
    return new Rendered(text, cut);
  }

  /** What is said, beside the result, when statement {@code n} of {@code of} was cut. */
  static String cutNote(int maxRows, int n, int of) {
    return "dpf: showing the first "
        + maxRows
        + " row(s) of "
        + (of == 1 ? "the result" : "statement " + n + "'s result")
        + "; it has more (raise --max-rows)";
  }

  static String csv(StructType schema, List<Row> rows) {
    String[] columns = schema.fieldNames();
    StringBuilder s = new StringBuilder();
    s.append(String.join(",", java.util.Arrays.stream(columns).map(SqlOutput::csvField).toList()));
    s.append('\n');
    HiveResult.TimeFormatters formatters = HiveResult.getTimeFormatters();
    for (Row r : rows) {
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < columns.length; i++) {
        fields.add(
            r.isNullAt(i)
                ? ""
                : csvField(text(r.get(i), schema.fields()[i].dataType(), formatters)));
      }
      s.append(String.join(",", fields)).append('\n');
    }
    return s.toString();
  }

  static String json(String[] columns, List<Row> rows) {
    StringBuilder s = new StringBuilder();
    for (Row r : rows) {
      ObjectNode o = JSON.createObjectNode();
      for (int i = 0; i < columns.length; i++) {
        o.set(columns[i], jsonValue(r.isNullAt(i) ? null : r.get(i)));
      }
      try {
        s.append(JSON.writeValueAsString(o)).append('\n');
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    return s.toString();
  }

  /**
   * A value as JSON: numbers and booleans as themselves, arrays as arrays, structs as objects with
   * their field names, maps as objects (keys as text), binary as base64, anything else as {@link
   * #text}.
   */
  static JsonNode jsonValue(Object v) {
    var f = JSON.getNodeFactory();
    if (v == null) {
      return f.nullNode();
    } else if (v instanceof BigDecimal d) {
      return f.numberNode(d);
    } else if (v instanceof Long
        || v instanceof Integer
        || v instanceof Short
        || v instanceof Byte) {
      return f.numberNode(((Number) v).longValue());
    } else if (v instanceof Double || v instanceof Float) {
      return f.numberNode(((Number) v).doubleValue());
    } else if (v instanceof Boolean b) {
      return f.booleanNode(b);
    } else if (v instanceof byte[] bytes) {
      return f.textNode(java.util.Base64.getEncoder().encodeToString(bytes));
    } else if (v instanceof scala.collection.Seq<?> seq) {
      ArrayNode a = f.arrayNode();
      for (var it = seq.iterator(); it.hasNext(); ) {
        a.add(jsonValue(it.next()));
      }
      return a;
    } else if (v instanceof scala.collection.Map<?, ?> map) {
      ObjectNode o = f.objectNode();
      for (var it = map.iterator(); it.hasNext(); ) {
        scala.Tuple2<?, ?> e = it.next();
        o.set(text(e._1()), jsonValue(e._2()));
      }
      return o;
    } else if (v instanceof Row row) {
      ObjectNode o = f.objectNode();
      String[] names = row.schema() == null ? null : row.schema().fieldNames();
      for (int i = 0; i < row.length(); i++) {
        o.set(
            names == null ? "_" + (i + 1) : names[i],
            jsonValue(row.isNullAt(i) ? null : row.get(i)));
      }
      return o;
    }
    return f.textNode(text(v));
  }

  static String table(StructType schema, List<Row> rows) {
    String[] columns = schema.fieldNames();
    int[] width = new int[columns.length];
    List<String[]> cells = new ArrayList<>();
    for (int i = 0; i < columns.length; i++) {
      width[i] = columns[i].length();
    }
    HiveResult.TimeFormatters formatters = HiveResult.getTimeFormatters();
    for (Row r : rows) {
      String[] c = new String[columns.length];
      for (int i = 0; i < columns.length; i++) {
        c[i] = r.isNullAt(i) ? "NULL" : text(r.get(i), schema.fields()[i].dataType(), formatters);
        width[i] = Math.max(width[i], c[i].length());
      }
      cells.add(c);
    }
    StringBuilder s = new StringBuilder();
    StringBuilder rule = new StringBuilder("+");
    for (int w : width) {
      rule.append("-".repeat(w + 2)).append('+');
    }
    s.append(rule)
        .append('\n')
        .append(tableRow(columns, width))
        .append('\n')
        .append(rule)
        .append('\n');
    for (String[] c : cells) {
      s.append(tableRow(c, width)).append('\n');
    }
    s.append(rule).append('\n');
    s.append(rows.size()).append(rows.size() == 1 ? " row\n" : " rows\n");
    return s.toString();
  }

  private static String tableRow(String[] cells, int[] width) {
    StringBuilder s = new StringBuilder("|");
    for (int i = 0; i < cells.length; i++) {
      s.append(' ')
          .append(String.format(Locale.ROOT, "%-" + width[i] + "s", cells[i]))
          .append(" |");
    }
    return s.toString();
  }

  /**
   * A value of type {@code type} as the spark-sql shell and beeline print it (Spark's own {@code
   * HiveResult}): arrays as {@code [1,2]}, structs as {@code {"a":1,"b":"z"}}, maps as {@code
   * {"k":1}}, timestamps in the session's time zone ({@code 2026-11-18 10:15:30}), binary as its
   * text, decimals in plain notation.
   */
  static String text(Object v, DataType type, HiveResult.TimeFormatters formatters) {
    return HiveResult.toHiveString(new scala.Tuple2<>(v, type), false, formatters);
  }

  /**
   * A value as text inside JSON (a map's key, a value JSON has no type for): decimals in plain
   * notation, timestamps in ISO-8601 UTC, arrays as {@code [a, b]}, structs as {@code {a, b}}.
   */
  static String text(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof scala.collection.Seq<?> seq) {
      List<String> items = new ArrayList<>();
      for (var it = seq.iterator(); it.hasNext(); ) {
        items.add(text(it.next()));
      }
      return "[" + String.join(", ", items) + "]";
    }
    if (v instanceof Row row) {
      List<String> items = new ArrayList<>();
      for (int i = 0; i < row.length(); i++) {
        items.add(text(row.get(i)));
      }
      return "{" + String.join(", ", items) + "}";
    }
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toInstant().toString();
    }
    if (v instanceof java.time.Instant i) {
      return i.toString();
    }
    return String.valueOf(v);
  }

  private static String csvField(String value) {
    if (value.contains(",")
        || value.contains("\"")
        || value.contains("\n")
        || value.contains("\r")) {
      return "\"" + value.replace("\"", "\"\"") + "\"";
    }
    return value;
  }
}
