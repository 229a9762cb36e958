package dev.dpf.core.internal.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import dev.dpf.core.api.QualityResult;
import dev.dpf.core.internal.quality.Quality.Subject;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.definition.QualityRule;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The table rules (unique, freshness, min_rows): each judges the whole table after the run. */
public final class TableRules {
  private TableRules() {}

  /**
   * The freshness rules' results over a table no new data changed: a feed that went silent grows
   * stale without a run that writes, so freshness is judged on every run. {@code newest}: a
   * column's newest value when the table's statistics tell it (no Spark job), else empty: then
   * {@code table} is read.
   */
  public static List<QualityResult> freshness(
      Subject dataset,
      java.util.function.Function<String, java.util.Optional<Instant>> newest,
      java.util.function.Supplier<Dataset<Row>> table,
      Instant now) {
    List<QualityResult> out = new ArrayList<>();
    for (QualityRule rule : dataset.rules()) {
      if (rule instanceof QualityRule.Freshness f) {
        String c = f.column();
        out.add(
            freshness(dataset, f, newest.apply(c).orElseGet(() -> newest(table.get(), c)), now));
      }
    }
    return out;
  }

  /** The newest value of a column, cast to a timestamp; null when every value is null. */
  private static Instant newest(Dataset<Row> table, String column) {
    Row r = table.agg(max(col(Conform.quote(column)).cast("timestamp"))).head();
    return r.isNullAt(0) ? null : ((Timestamp) r.get(0)).toInstant();
  }

  private static QualityResult freshness(
      Subject dataset, QualityRule.Freshness rule, Instant newest, Instant now) {
    Instant limit = now.minus(rule.maxAge()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    boolean stale = newest == null || newest.isBefore(limit);
    return new QualityResult(
        dataset.name(),
        rule,
        1,
        stale ? 1 : 0,
        List.of(),
        "newest "
            + (newest == null ? "none" : newest.toString())
            + ", at least "
            + limit
            + " expected");
  }

  /** The table rules' results over the transformed table. */
  public static List<QualityResult> results(Subject dataset, Dataset<Row> table, Instant now) {
    List<QualityResult> out = new ArrayList<>();
    long[] counted = {-1}; // the table's rows, counted once when a rule needs them
    java.util.function.LongSupplier rows =
        () -> counted[0] >= 0 ? counted[0] : (counted[0] = table.count());
    for (QualityRule rule : dataset.rules()) {
      switch (rule.kind()) {
        case MIN_ROWS -> {
          long least = ((QualityRule.MinRows) rule).count();
          long n = rows.getAsLong();
          out.add(
              new QualityResult(
                  dataset.name(),
                  rule,
                  1,
                  n < least ? 1 : 0,
                  List.of(),
                  n + " row(s), at least " + least + " expected"));
        }
        case UNIQUE -> out.add(unique(dataset, rule, table, rows));
        case FRESHNESS ->
            out.add(
                freshness(
                    dataset,
                    (QualityRule.Freshness) rule,
                    newest(table, rule.columns().get(0)),
                    now));
        case NOT_NULL, RANGE, REGEX, ALLOWED_VALUES, REFERENCES, EXPECT -> {} // row rules
        case MAX_QUARANTINED -> {} // judged before the table is written ({@link
          // Quality#batchResult})
      }
    }
    return out;
  }

  /** A unique rule's result: the rows whose values other rows hold too. */
  private static QualityResult unique(
      Subject dataset, QualityRule rule, Dataset<Row> table, java.util.function.LongSupplier rows) {
    if (!dataset.key().isEmpty()
        && java.util.Set.copyOf(rule.columns()).equals(java.util.Set.copyOf(dataset.key()))) {
      // The dataset's key: the transform keeps one row per key (null-safe, as it merges), so
      // no shuffle of the whole table is needed to know that it holds.
      return new QualityResult(dataset.name(), rule, rows.getAsLong(), 0, List.of(), "");
    }
    List<Column> cols = rule.columns().stream().map(c -> col(Conform.quote(c))).toList();
    Dataset<Row> dupes =
        table.groupBy(cols.toArray(Column[]::new)).agg(count(lit(1)).as("n")).filter("n > 1");
    Row r = dupes.agg(sum("n"), count(lit(1))).head();
    long failed = r.isNullAt(0) ? 0 : r.getLong(0);
    List<String> samples =
        failed == 0
            ? List.of()
            : dupes
                .select(Quality.joined(cols).as("v"))
                .orderBy("v")
                .limit(Quality.SAMPLES)
                .collectAsList()
                .stream()
                .map(x -> "'" + x.getString(0) + "'")
                .toList();
    return new QualityResult(
        dataset.name(),
        rule,
        rows.getAsLong(),
        failed,
        samples,
        failed == 0 ? "" : r.getLong(1) + " value(s) held by more than one row");
  }
}
