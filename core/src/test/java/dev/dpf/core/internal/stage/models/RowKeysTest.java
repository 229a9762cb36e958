package dev.dpf.core.internal.stage.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The columns found to key a query's rows, each written out by hand from the rules: what keeps a
 * key, what adds one, and what loses it.
 */
class RowKeysTest {
  private static final SparkSession SPARK = SparkExtension.session();
  private static final Set<String> INPUTS = Set.of("transformed.p", "transformed.c");
  @TempDir static Path dir;

  @BeforeAll
  static void tables() {
    String root = dir.resolve("lake").toString();
    Lake lake = new Lake(SPARK, root);
    SPARK
        .sql(
            "SELECT 'p1' AS id, 1 AS cid, CAST(1 AS DECIMAL(12,2)) AS amount, DATE'2026-11-18' AS d")
        .write()
        .format("delta")
        .save(root + "/transformed/p");
    SPARK
        .sql("SELECT 1 AS cid, 'USA' AS country")
        .write()
        .format("delta")
        .save(root + "/transformed/c");
    lake.register(new TableName(Zone.TRANSFORMED, "p"));
    lake.register(new TableName(Zone.TRANSFORMED, "c"));
  }

  /** The keys found, as {@code column (by table, ...)} with each table's expression. */
  private static List<String> keys(String sql) {
    return RowKeys.of(SPARK.sql(sql).queryExecution().analyzed(), INPUTS).stream()
        .map(k -> k.column() + " " + k.byInput())
        .toList();
  }

  @Test
  void aTablesColumnsKeyItsRowsAndAGroupingKeepsTheKeysOfItsGroups() {
    assertThat(keys("SELECT id, cid FROM transformed.p WHERE amount > 0"))
        .containsExactly("id {transformed.p=id}", "cid {transformed.p=cid}");
    assertThat(keys("SELECT cid, count(*) AS n, sum(amount) AS s FROM transformed.p GROUP BY cid"))
        .containsExactly("cid {transformed.p=cid}");
    // A function of one column keys by that function; a grouping expression's alias keeps it.
    assertThat(
            keys(
                "SELECT date_trunc('MM', d) AS month, max(amount) AS top FROM transformed.p"
                    + " GROUP BY date_trunc('MM', d)"))
        .containsExactly("month {transformed.p=date_trunc('MM', CAST(d AS TIMESTAMP))}");
    // A global aggregate, a limit and a function of two columns key nothing.
    assertThat(keys("SELECT count(*) AS n FROM transformed.p")).isEmpty();
    assertThat(keys("SELECT cid FROM transformed.p LIMIT 5")).isEmpty();
    assertThat(keys("SELECT concat(id, cid) AS both FROM transformed.p")).isEmpty();
  }

  @Test
  void anEquiJoinAddsTheOtherSidesKeysToTheColumnOfTheSideItKeeps() {
    assertThat(
            keys(
                "SELECT p.cid, c.country FROM transformed.p p"
                    + " JOIN transformed.c c ON c.cid = p.cid"))
        .containsExactly(
            "cid {transformed.c=cid, transformed.p=cid}", "country {transformed.c=country}");
    // Left outer: the right side's columns may be null for any left row: they key nothing.
    assertThat(
            keys(
                "SELECT p.cid, c.cid AS ccid, c.country FROM transformed.p p"
                    + " LEFT JOIN transformed.c c ON c.cid = p.cid"))
        .containsExactly("cid {transformed.c=cid, transformed.p=cid}");
    // An anti join keeps the left rows whose key no right row has: that key covers both.
    assertThat(
            keys(
                "SELECT p.id, p.cid FROM transformed.p p"
                    + " LEFT ANTI JOIN transformed.c c ON c.cid = p.cid"))
        .containsExactly("id {transformed.p=id}", "cid {transformed.c=cid, transformed.p=cid}");
    // A full outer join keys nothing; a join on no equality keys only each side's own table.
    assertThat(keys("SELECT p.cid FROM transformed.p p FULL JOIN transformed.c c ON c.cid = p.cid"))
        .isEmpty();
    assertThat(keys("SELECT p.cid FROM transformed.p p JOIN transformed.c c ON c.cid < p.cid"))
        .containsExactly("cid {transformed.p=cid}");
  }

  @Test
  void aTableReadAgainUnkeyedOrByASubqueryIsKeyedByNoColumn() {
    // A self-join: the other read of p reaches every row.
    assertThat(keys("SELECT a.id FROM transformed.p a JOIN transformed.p b ON a.amount < b.amount"))
        .isEmpty();
    // A union keys a table when every branch reading it keys it the same way: k's rows of the
    // first branch do not read c, so k keys c by country; it keys p by nothing.
    assertThat(
            keys(
                "SELECT cid, 'a' AS k FROM transformed.p UNION ALL"
                    + " SELECT cid, country FROM transformed.c"))
        .containsExactly("cid {transformed.c=cid, transformed.p=cid}", "k {transformed.c=country}");
    assertThat(
            keys(
                "SELECT cid FROM transformed.p UNION ALL"
                    + " SELECT count(*) AS cid FROM transformed.p"))
        .isEmpty();
    // A subquery reads c whole: c keys no column, p still does.
    assertThat(
            keys(
                "SELECT p.cid FROM transformed.p p"
                    + " WHERE p.cid IN (SELECT cid FROM transformed.c)"))
        .containsExactly("cid {transformed.p=cid}");
    // A table read whole by a subquery within a subquery, or through a CTE a subquery reads,
    // keys no column either, though the main query joins it by the key.
    String joined =
        "SELECT p.cid FROM transformed.p p JOIN transformed.c c ON c.cid = p.cid WHERE p.cid IN ";
    assertThat(
            keys(
                joined
                    + "(SELECT cid FROM transformed.p WHERE cid IN"
                    + " (SELECT cid FROM transformed.c WHERE country = 'USA'))"))
        .isEmpty();
    assertThat(
            keys(
                "WITH usa AS (SELECT cid FROM transformed.c WHERE country = 'USA') "
                    + joined
                    + "(SELECT cid FROM usa)"))
        .containsExactly("cid {transformed.p=cid}");
  }

  @Test
  void ctesAndWindowsOverTheKey() {
    assertThat(
            keys(
                "WITH t AS (SELECT cid, sum(amount) AS s FROM transformed.p GROUP BY cid)"
                    + " SELECT c.cid, t.s FROM transformed.c c JOIN t ON t.cid = c.cid"))
        .containsExactly("cid {transformed.c=cid, transformed.p=cid}");
    assertThat(
            keys(
                "SELECT cid, id, row_number() OVER (PARTITION BY cid ORDER BY id) AS n"
                    + " FROM transformed.p"))
        .containsExactly("cid {transformed.p=cid}");
  }
}
