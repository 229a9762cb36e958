package dev.dpf.core.internal.pii;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.api.Protect;
import dev.dpf.core.testing.SparkExtension;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which table columns each output column comes from, and what hides them on the way. */
class ColumnLineageTest {
  private static final SparkSession spark = SparkExtension.session();

  @BeforeAll
  static void twoCatalogTables() {
    spark.sql("CREATE DATABASE IF NOT EXISTS lineage_test");
    spark.sql("CREATE TABLE IF NOT EXISTS lineage_test.x (a INT, b STRING) USING parquet");
    spark.sql("CREATE TABLE IF NOT EXISTS lineage_test.y (c INT, d STRING) USING parquet");
    Protect.register(spark, "lineage test key");
  }

  /** Each output column's origins as text, in column order. */
  private static Map<String, String> lineage(String sql) {
    Map<String, String> out = new LinkedHashMap<>();
    ColumnLineage.of(spark.sql(sql).queryExecution().analyzed())
        .forEach(
            (column, origins) ->
                out.put(
                    column,
                    origins.stream()
                        .map(ColumnOrigin::toString)
                        .collect(Collectors.joining("; "))));
    return out;
  }

  @Test
  void functionsThatHideAValueAreNamedAndOthersPassItOn() {
    assertThat(
            lineage(
                "SELECT protect_name(b) AS k, count(a) AS n, a + 1 AS a1, isnull(b) AS nb,"
                    + " upper(b) AS ub, 7 AS seven FROM lineage_test.x GROUP BY a, b"))
        .containsExactly(
            Map.entry("k", "lineage_test.x.b via protect_name"),
            Map.entry("n", "lineage_test.x.a via count"),
            Map.entry("a1", "lineage_test.x.a"),
            Map.entry("nb", "lineage_test.x.b via null test"),
            Map.entry("ub", "lineage_test.x.b"),
            Map.entry("seven", ""));
  }

  @Test
  void joinsUnionsCtesAndSubqueriesAreFollowed() {
    assertThat(
            lineage(
                "WITH c AS (SELECT a, b FROM lineage_test.x)"
                    + " SELECT c.a, y.d FROM c JOIN lineage_test.y y ON c.a = y.c"
                    + " UNION ALL SELECT c, (SELECT max(b) FROM lineage_test.x) FROM"
                    + " lineage_test.y"))
        .containsExactly(
            Map.entry("a", "lineage_test.x.a; lineage_test.y.c"),
            Map.entry("d", "lineage_test.x.b; lineage_test.y.d"));
  }

  @Test
  void jsonKeepsTheLineageAsItWas() {
    Map<String, Map<String, Set<ColumnOrigin>>> lineage = new LinkedHashMap<>();
    lineage.put(
        "curated.m",
        new LinkedHashMap<>(
            Map.of(
                "k",
                Set.of(
                    new ColumnOrigin("transformed.x", "b", Set.of("protect_name")),
                    new ColumnOrigin("transformed.y", "d", Set.of())))));
    lineage.put("curated.n", Map.of("seven", Set.of()));
    String json = ColumnLineage.toJson(lineage);
    assertThat(ColumnLineage.fromJson(json)).isEqualTo(lineage);
    assertThat(List.copyOf(ColumnLineage.fromJson(json).keySet()))
        .containsExactly("curated.m", "curated.n");
  }
}
