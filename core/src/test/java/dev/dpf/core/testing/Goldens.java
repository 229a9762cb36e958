package dev.dpf.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Golden tables as sorted CSV under {@code core/src/test/resources/golden/}: a header line, then
 * one line per row (null is an empty field, an empty string is {@code ""}). Rewritten only when the
 * build runs with {@code -Ddpf.updateGoldens=true}. The change sequence column is left out.
 */
public final class Goldens {
  /** Where the goldens live. */
  public static final Path DIR = Repo.root().resolve("core/src/test/resources/golden");

  private Goldens() {}

  public static void assertMatches(String table, Dataset<Row> rows) {
    // The change sequence is internal bookkeeping: KeyedMergeTest and CdcMergeTest check what it
    // does.
    rows = rows.drop(dev.dpf.core.internal.transform.Changes.SEQ);
    List<String> lines = new ArrayList<>();
    for (Row r : rows.collectAsList()) {
      List<String> cells = new ArrayList<>();
      for (int i = 0; i < r.length(); i++) {
        cells.add(cell(r, i));
      }
      lines.add(String.join(",", cells));
    }
    lines.sort(null);
    String header = String.join(",", rows.columns());
    Path file = DIR.resolve(table + ".csv");
    try {
      if (Boolean.getBoolean("dpf.updateGoldens")) {
        Files.createDirectories(file.getParent());
        Files.writeString(
            file, header + "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
      }
      List<String> golden = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
      assertThat(golden.remove(0)).as("columns of " + table).isEqualTo(header);
      DatasetAssert.diff(golden, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "No golden for "
              + table
              + " at "
              + file
              + ": run the tests once with -Ddpf.updateGoldens=true",
          e);
    }
  }

  private static String cell(Row r, int i) {
    if (r.isNullAt(i)) {
      return "";
    }
    Object v = r.get(i);
    String s =
        v instanceof java.math.BigDecimal d
            ? d.toPlainString()
            : v instanceof java.sql.Timestamp t ? t.toInstant().toString() : String.valueOf(v);
    if (s.isEmpty()) {
      return "\"\"";
    }
    boolean quote = Arrays.asList(',', '"', '\n', '\r').stream().anyMatch(c -> s.indexOf(c) >= 0);
    return quote ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
