package dev.dpf.core.testing;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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

  /**
   * The tables with a golden, as {@code zone.table}: every CSV of the golden folder but the run
   * log's.
   */
  public static final List<String> TABLES = goldenTables();

  private SampleLake() {}

  private static List<String> goldenTables() {
    try (var files = Files.list(Goldens.DIR)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".csv") && !n.startsWith(Zone.SYSTEM.dbName() + "."))
          .map(n -> n.substring(0, n.length() - ".csv".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts the lake at {@code lakeRoot} (a local folder or a Hadoop URI the session can reach)
   * holds the goldens, and that its first run logged the golden counts.
   */
  public static void assertMatchesGoldens(SparkSession spark, String lakeRoot) {
    Lake lake = new Lake(spark, lakeRoot);
    for (String table : TABLES) {
      String[] zoneAndName = table.split("\\.");
      Zone zone = Zone.valueOf(zoneAndName[0].toUpperCase(java.util.Locale.ROOT));
      Goldens.assertMatches(table, lake.read(new TableName(zone, zoneAndName[1])));
    }
    Dataset<Row> runs = lake.read(SystemTables.RUNS);
    String firstRun = runs.orderBy("logged_at").first().getAs("run_id");
    // Every transformed and curated table the run made has a golden (none left unchecked).
    assertThat(
            runs.where(
                    col("run_id").equalTo(firstRun).and(col("stage").isin("transform", "curate")))
                .select("table_name")
                .as(Encoders.STRING())
                .collectAsList())
        .as("tables made by the run, each with a golden")
        .containsExactlyInAnyOrderElementsOf(TABLES);
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
