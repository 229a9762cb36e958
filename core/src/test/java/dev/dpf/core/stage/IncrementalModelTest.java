package dev.dpf.core.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.definition.Definitions;
import dev.dpf.core.definition.PipelineDefinition;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.RawRoot;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The incremental daily summary: after new payments it recomputes only the days they touch (and
 * equals a full recomputation); with nothing new it is left alone; a changed customer rebuilds it.
 */
class IncrementalModelTest {
  private static final String DEFINITION =
      """
      sources:
        payments: {kind: firehose-json, path: streaming/payments}
        customers: {kind: dms, path: dms/customers}
      datasets:
        customers:
          source: customers
          key: [customer_id]
          columns:
            customer_id: {from: customerNumber, type: int, nullable: false}
            country:     {type: string}
        payments:
          source: payments
          key: [payment_id]
          ordering: [payment_time]
          columns:
            payment_id:     {type: string, nullable: false}
            payment_time:   {type: timestamp, nullable: false}
            customer_id:    {type: int}
            payment_amount: {type: "decimal(12,2)"}
      models:
        daily_payments_by_country:
          sql: models/daily_payments_by_country.sql
          partition_by: [payment_date]
          incremental: {changes_of: transformed.payments, partition: to_date(payment_time)}
      """;

  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  private static String payment(String id, String time, int customer, String amount) {
    return "{\"payment_id\":\""
        + id
        + "\",\"payment_time\":\""
        + time
        + "\",\"customer_id\":"
        + customer
        + ",\"payment_amount\":"
        + amount
        + "}\n";
  }

  private void write(String path, String content) throws IOException {
    Path p = dir.resolve("raw").resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private TableResult run(PipelineDefinition definition, Lake lake, String runId) {
    List<TableResult> results =
        new Pipeline(spark, definition, lake, runId, Instant.now(), r -> {})
            .run(
                RawRoot.open(
                    dir.resolve("raw").toString(), spark.sparkContext().hadoopConfiguration()));
    return results.get(results.size() - 1);
  }

  /** The model's rows, and what a full recomputation from its SQL gives now. */
  private void assertEqualsFullRecompute(String sql) {
    DatasetAssert.diff(
        DatasetAssert.rowsAsText(spark.sql(sql).select(COLUMNS)),
        DatasetAssert.rowsAsText(spark.table("curated.daily_payments_by_country").select(COLUMNS)));
  }

  private static final org.apache.spark.sql.Column[] COLUMNS = {
    org.apache.spark.sql.functions.col("payment_date"),
    org.apache.spark.sql.functions.col("country"),
    org.apache.spark.sql.functions.col("payment_count"),
    org.apache.spark.sql.functions.col("payment_total"),
    org.apache.spark.sql.functions.col("payment_avg"),
    org.apache.spark.sql.functions.col("payment_max")
  };

  /** The model's rows, as text, in any order. */
  private void assertDaily(List<String> rows) {
    DatasetAssert.diff(
        rows,
        DatasetAssert.rowsAsText(spark.table("curated.daily_payments_by_country").select(COLUMNS)));
  }

  private List<String> filesOf(String day) {
    return DatasetAssert.rowsAsText(
        spark.sql(
            "SELECT DISTINCT input_file_name() FROM curated.daily_payments_by_country"
                + " WHERE payment_date = DATE'"
                + day
                + "'"));
  }

  @Test
  void recomputesOnlyTheDaysNewPaymentsTouch() throws IOException {
    Files.createDirectories(dir.resolve("models"));
    Files.copy(
        Repo.root().resolve("src/models/daily_payments_by_country.sql"),
        dir.resolve("models/daily_payments_by_country.sql"));
    Files.writeString(dir.resolve("pipeline.yaml"), DEFINITION);
    PipelineDefinition definition = Definitions.load(dir.resolve("pipeline.yaml"));
    String sql = definition.models().get(0).sql();
    Lake lake = new Lake(spark, dir.resolve("lake").toString());

    write("dms/customers/LOAD00000001.csv", "customerNumber,country\n1,USA\n2,France\n");
    write(
        "streaming/payments/2026/11/18/10/a",
        payment("p1", "2026-11-18T10:00:00Z", 1, "10.00")
            + payment("p2", "2026-11-18T11:00:00Z", 2, "20.00")
            + payment("p3", "2026-11-19T09:00:00Z", 1, "30.00")
            + payment("p4", "2026-11-20T09:00:00Z", 2, "40.00")
            + payment("p5", "2026-11-20T10:00:00Z", 9, "50.00"));
    TableResult first = run(definition, lake, "r1");
    assertThat(first.note()).contains("rebuilt (first run)");
    assertDaily(
        List.of(
            "2026-11-18|USA|1|10.00|10.00|10.00",
            "2026-11-18|France|1|20.00|20.00|20.00",
            "2026-11-19|USA|1|30.00|30.00|30.00",
            "2026-11-20|France|1|40.00|40.00|40.00",
            "2026-11-20|unknown|1|50.00|50.00|50.00"));
    List<String> untouched = filesOf("2026-11-20");

    // p1 is re-sent with a later time on another day (it moves from the 18th to the 19th), and a
    // payment arrives for a new day.
    write(
        "streaming/payments/2026/11/21/10/b",
        payment("p1", "2026-11-19T12:00:00Z", 1, "11.00")
            + payment("p6", "2026-11-21T08:00:00Z", 2, "60.00"));
    TableResult second = run(definition, lake, "r2");

    assertThat(second.status()).isEqualTo(TableResult.Status.OK);
    assertThat(second.note())
        .contains("recomputed 3 partition(s) of payment_date touched by transformed.payments");
    assertThat(second.rowsWritten()).isEqualTo(3); // 18th France, 19th USA, 21st France
    assertDaily(
        List.of(
            "2026-11-18|France|1|20.00|20.00|20.00",
            "2026-11-19|USA|2|41.00|20.50|30.00",
            "2026-11-20|France|1|40.00|40.00|40.00",
            "2026-11-20|unknown|1|50.00|50.00|50.00",
            "2026-11-21|France|1|60.00|60.00|60.00"));
    assertEqualsFullRecompute(sql);
    assertThat(filesOf("2026-11-20")).isEqualTo(untouched);

    TableResult third = run(definition, lake, "r3");
    assertThat(third.status()).isEqualTo(TableResult.Status.UP_TO_DATE);

    // A customer moves: every day may change, so the model is rebuilt.
    write("dms/customers/20261121-100000000.csv", "Op,customerNumber,country\nU,2,Spain\n");
    TableResult fourth = run(definition, lake, "r4");
    assertThat(fourth.note())
        .contains("rebuilt (transformed.customers changed: any partition may depend on it)");
    assertEqualsFullRecompute(sql);
    assertThat(
            spark
                .sql(
                    "SELECT count(*) FROM curated.daily_payments_by_country WHERE country = 'Spain'")
                .head()
                .getLong(0))
        .isEqualTo(3);
  }
}
