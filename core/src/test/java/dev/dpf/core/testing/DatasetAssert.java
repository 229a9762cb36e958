package dev.dpf.core.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.opentest4j.AssertionFailedError;

/**
 * Order-insensitive comparison of a Dataset with expected rows, failing with a readable diff: the
 * rows missing and the rows not expected, each as {@code a|b|c} text.
 */
public final class DatasetAssert {
  private DatasetAssert() {}

  /**
   * Asserts {@code actual} has exactly these columns and, in any order, exactly these rows (as
   * text, NULL for null).
   */
  public static void assertRows(
      Dataset<Row> actual, List<String> columns, List<String> expectedRows) {
    List<String> actualColumns = Arrays.asList(actual.columns());
    if (!actualColumns.equals(columns)) {
      throw new AssertionFailedError(
          "columns differ", String.join(",", columns), String.join(",", actualColumns));
    }
    diff(expectedRows, rowsAsText(actual));
  }

  /**
   * The rows as sorted {@code a|b|c} text: NULL for null, plain decimals, ISO-8601 UTC timestamps.
   */
  public static List<String> rowsAsText(Dataset<Row> rows) {
    return rows.collectAsList().stream()
        .map(DatasetAssert::text)
        .sorted()
        .collect(Collectors.toList());
  }

  static String text(Row r) {
    List<String> cells = new ArrayList<>();
    for (int i = 0; i < r.length(); i++) {
      Object v = r.get(i);
      cells.add(
          v == null
              ? "NULL"
              : v instanceof java.math.BigDecimal d
                  ? d.toPlainString()
                  : v instanceof java.sql.Timestamp t
                      ? t.toInstant().toString()
                      : String.valueOf(v));
    }
    return String.join("|", cells);
  }

  /** Fails listing missing and unexpected rows (multiset semantics) when the two differ. */
  public static void diff(List<String> expected, List<String> actual) {
    Map<String, Integer> counts = new HashMap<>();
    expected.forEach(r -> counts.merge(r, 1, Integer::sum));
    List<String> unexpected = new ArrayList<>();
    for (String r : actual) {
      Integer n = counts.get(r);
      if (n == null || n == 0) {
        unexpected.add(r);
      } else {
        counts.put(r, n - 1);
      }
    }
    List<String> missing = new ArrayList<>();
    counts.forEach(
        (r, n) -> {
          for (int i = 0; i < n; i++) {
            missing.add(r);
          }
        });
    if (!missing.isEmpty() || !unexpected.isEmpty()) {
      missing.sort(null);
      unexpected.sort(null);
      StringBuilder s =
          new StringBuilder("rows differ: expected ")
              .append(expected.size())
              .append(", got ")
              .append(actual.size());
      s.append("\n  missing (").append(missing.size()).append("):");
      missing.stream().limit(20).forEach(r -> s.append("\n    - ").append(r));
      s.append("\n  unexpected (").append(unexpected.size()).append("):");
      unexpected.stream().limit(20).forEach(r -> s.append("\n    + ").append(r));
      throw new AssertionFailedError(s.toString());
    }
  }
}
