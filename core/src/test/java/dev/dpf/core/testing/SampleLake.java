package dev.dpf.core.testing;

import static org.apache.spark.sql.functions.col;

import dev.dpf.core.definition.Zone;
import dev.dpf.core.storage.Lake;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What one run of the whole pipeline over the repository's {@code sample-data} leaves in a lake,
 * checked against the goldens: every transformed and curated table, and the counts of the run log
 * ({@code _system.runs}: rows read, written, quarantined and superseded, and files, per table). One
 * body for every place the pipeline runs: in process, spark-submit, a standalone cluster, and a
 * lake on {@code s3a://}. The tables are read by path, so no catalog is needed.
 */
public final class SampleLake {
  /** The PII hashing key the goldens were made with (a test value, not a secret). */
  public static final String PII_KEY = "end-to-end test key, not a secret";

  /** The tables with a golden, as {@code zone.table}. */
  public static final List<String> TABLES =
      List.of(
          "transformed.customers",
          "transformed.customers_history",
          "transformed.payments",
          "transformed.transactions",
          "transformed.customer_data",
          "transformed.products",
          "transformed.orders",
          "transformed.order_lines",
          "curated.customer_data_usa",
          "curated.transactions",
          "curated.customer_360",
          "curated.daily_payments_by_country",
          "curated.risk_flags",
          "curated.revenue_by_productline_month");

  private SampleLake() {}

  /**
   * Asserts the lake at {@code lakeRoot} (a local folder or a Hadoop URI the session can reach)
   * holds the goldens, and that its first run logged the golden counts.
   */
  public static void assertMatchesGoldens(SparkSession spark, String lakeRoot) {
    Lake lake = new Lake(spark, lakeRoot);
    for (String table : TABLES) {
      String[] zoneAndName = table.split("\\.");
      Zone zone = Zone.valueOf(zoneAndName[0].toUpperCase(java.util.Locale.ROOT));
      Goldens.assertMatches(table, lake.read(zone, zoneAndName[1]));
    }
    Dataset<Row> runs = lake.read(Zone.SYSTEM, "runs");
    String firstRun = runs.orderBy("logged_at").first().getAs("run_id");
    Goldens.assertMatches(
        "_system.runs",
        runs.where(col("run_id").equalTo(firstRun))
            .select(
                "stage",
                "table_name",
                "status",
                "rows_read",
                "rows_written",
                "rows_quarantined",
                "rows_superseded",
                "files"));
  }
}
