package dev.dpf.core.internal.pii;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.Protect;
import dev.dpf.core.internal.pii.PiiLineage.Exposure;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Pii;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which tagged values each output column shows in clear, over two small catalog tables: {@code
 * pii_test.people}, whose {@code name} and {@code email} are tagged, and {@code pii_test.orders},
 * which holds no personal data.
 */
class PiiLineageTest {
  private static final SparkSession spark = SparkExtension.session();

  private static final Exposure NAME = new Exposure("transformed.people", "name", Pii.NAME);
  private static final Exposure EMAIL = new Exposure("transformed.people", "email", Pii.EMAIL);

  @BeforeAll
  static void tables() {
    spark.sql("CREATE DATABASE IF NOT EXISTS pii_test");
    spark.sql(
        "CREATE TABLE IF NOT EXISTS pii_test.people (id INT, name STRING, email STRING, city"
            + " STRING) USING parquet");
    spark.sql(
        "CREATE TABLE IF NOT EXISTS pii_test.orders (id INT, person INT, total DOUBLE) USING"
            + " parquet");
    Protect.register(spark, "pii lineage test key");
  }

  /** Each output column with what it shows in clear, as text ("-" for nothing). */
  private static Map<String, String> shown(String sql) {
    PiiLineage lineage =
        new PiiLineage(
            table ->
                table.equals("pii_test.people")
                    ? Map.of("name", Set.of(NAME), "email", Set.of(EMAIL))
                    : Map.of());
    Map<String, String> out = new LinkedHashMap<>();
    lineage
        .outputs(spark.sql(sql).queryExecution().analyzed())
        .forEach(
            (column, exposures) ->
                out.put(
                    column,
                    exposures.isEmpty()
                        ? "-"
                        : exposures.stream()
                            .map(Exposure::toString)
                            .collect(Collectors.joining(", "))));
    return out;
  }

  @Test
  void aTaggedValueIsShownUnlessItsOwnProtectFunctionACountOrANullTestHidesIt() {
    assertThat(
            shown(
                "SELECT id, name, upper(name) AS loud, protect_name(name) AS name_key,"
                    + " protect_name(email) AS wrong_key, protect_email(email) AS email_key,"
                    + " count(email) AS emails, email IS NULL AS no_email, city"
                    + " FROM pii_test.people GROUP BY id, name, email, city"))
        .containsExactly(
            Map.entry("id", "-"),
            Map.entry("name", NAME.toString()),
            Map.entry("loud", NAME.toString()),
            Map.entry("name_key", "-"),
            Map.entry("wrong_key", EMAIL.toString()),
            Map.entry("email_key", "-"),
            Map.entry("emails", "-"),
            Map.entry("no_email", "-"),
            Map.entry("city", "-"));
  }

  @Test
  void valuesAreFollowedThroughJoinsConcatenationsAndSubqueries() {
    assertThat(
            shown(
                "WITH p AS (SELECT id, concat(name, ' <', email, '>') AS who FROM pii_test.people)"
                    + " SELECT o.id, p.who, o.total,"
                    + " (SELECT max(name) FROM pii_test.people q WHERE q.id = o.person) AS top"
                    + " FROM pii_test.orders o JOIN p ON p.id = o.person"))
        .containsExactly(
            Map.entry("id", "-"),
            Map.entry("who", EMAIL + ", " + NAME),
            Map.entry("total", "-"),
            Map.entry("top", NAME.toString()));
  }
}
