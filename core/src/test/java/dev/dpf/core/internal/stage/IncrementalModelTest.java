package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental models. The daily summary, by partition: after new payments it recomputes only the
 * days they touch (and equals a full recomputation); with nothing new it is left alone; a changed
 * customer rebuilds it. Models by key: after new payments they replace only the rows of the keys
 * those payments carry (null keys too), and equal a full recomputation.
 */
class IncrementalModelTest {
  /** Payments and customers, as sources and datasets. */
  private static final String INPUTS =
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
      """;

  private static final String DEFINITION =
      INPUTS
          + """
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
    List<TableResult> results = runAll(definition, lake, runId);
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

  private static final String BY_KEY =
      INPUTS
          + """
      models:
        per_customer:
          sql: models/per_customer.sql
          incremental: {changes_of: transformed.payments, key: customer_id}
        paid:
          sql: models/paid.sql
          incremental: {changes_of: transformed.payments, key: payment_id}
        unknown:
          sql: models/unknown.sql
          incremental: {changes_of: transformed.payments, key: customer_id}
      """;

  private static final Map<String, String> BY_KEY_SQL =
      Map.of(
          "per_customer",
          "SELECT c.customer_id, c.country, count(p.payment_id) AS payments,"
              + " sum(p.payment_amount) AS total FROM transformed.customers c"
              + " LEFT JOIN transformed.payments p ON p.customer_id = c.customer_id"
              + " GROUP BY c.customer_id, c.country",
          "paid",
          "SELECT p.payment_id, p.customer_id, p.payment_amount, c.country"
              + " FROM transformed.payments p"
              + " LEFT JOIN transformed.customers c ON c.customer_id = p.customer_id",
          "unknown",
          "SELECT p.customer_id, count(*) AS payments FROM transformed.payments p"
              + " LEFT ANTI JOIN transformed.customers c ON c.customer_id = p.customer_id"
              + " GROUP BY p.customer_id");

  private static String payment(String id, String time, Integer customer, String amount) {
    return payment(id, time, customer == null ? -1 : customer, amount)
        .replace("\"customer_id\":-1", "\"customer_id\":null");
  }

  /** The run's result line for a table. */
  private static TableResult of(List<TableResult> results, String table) {
    return results.stream().filter(r -> r.table().equals(table)).findFirst().orElseThrow();
  }

  private List<TableResult> runAll(PipelineDefinition definition, Lake lake, String runId) {
    return Pipeline.builder(spark, definition, lake)
        .run(runId, Instant.now())
        .build()
        .run(
            RawRoot.open(
                dir.resolve("raw").toString(), spark.sparkContext().hadoopConfiguration()));
  }

  /** Each by-key model's rows equal what its SQL gives over the inputs now. */
  private void assertByKeyEqualFullRecompute() {
    BY_KEY_SQL.forEach(
        (model, sql) -> {
          try {
            DatasetAssert.diff(
                DatasetAssert.rowsAsText(spark.sql(sql)),
                DatasetAssert.rowsAsText(spark.table("curated." + model)));
          } catch (AssertionError e) {
            throw new AssertionError(model + ": " + e.getMessage(), e);
          }
        });
  }

  @Test
  void replacesOnlyTheRowsOfTheKeysNewPaymentsCarry() throws IOException {
    Files.createDirectories(dir.resolve("models"));
    for (var e : BY_KEY_SQL.entrySet()) {
      Files.writeString(dir.resolve("models/" + e.getKey() + ".sql"), e.getValue());
    }
    Files.writeString(dir.resolve("pipeline.yaml"), BY_KEY);
    PipelineDefinition definition = Definitions.load(dir.resolve("pipeline.yaml"));
    Lake lake = new Lake(spark, dir.resolve("lake").toString());

    write("dms/customers/LOAD00000001.csv", "customerNumber,country\n1,USA\n2,France\n");
    write(
        "streaming/payments/2026/11/18/10/a",
        payment("p1", "2026-11-18T10:00:00Z", 1, "10.00")
            + payment("p2", "2026-11-18T11:00:00Z", 2, "20.00")
            + payment("p3", "2026-11-19T09:00:00Z", 1, "30.00")
            + payment("p4", "2026-11-20T09:00:00Z", 9, "40.00")
            + payment("p5", "2026-11-20T10:00:00Z", (Integer) null, "50.00"));
    List<TableResult> first = runAll(definition, lake, "r1");
    assertThat(of(first, "curated.per_customer").note()).contains("rebuilt (first run)");
    assertByKeyEqualFullRecompute();

    // p1 is re-sent for customer 2 (it leaves customer 1), and payments of unknown customer 9 and
    // of no customer arrive: customer keys 1, 2, 9 and null changed; payment keys p1, p6, p7.
    write(
        "streaming/payments/2026/11/21/10/b",
        payment("p1", "2026-11-19T12:00:00Z", 2, "11.00")
            + payment("p6", "2026-11-21T08:00:00Z", 9, "60.00")
            + payment("p7", "2026-11-21T09:00:00Z", (Integer) null, "70.00"));
    List<TableResult> second = runAll(definition, lake, "r2");
    assertThat(of(second, "curated.per_customer").note())
        .contains("recomputed the rows of 4 customer_id key(s) changed in transformed.payments (v")
        .contains(": 2 row(s) replaced by 2");
    assertThat(of(second, "curated.paid").note())
        .contains("recomputed the rows of 3 payment_id key(s)")
        .contains(": 1 row(s) replaced by 3");
    assertThat(of(second, "curated.unknown").note())
        .contains("recomputed the rows of 4 customer_id key(s)")
        .contains(": 2 row(s) replaced by 2");
    assertThat(of(second, "curated.paid").rowsWritten()).isEqualTo(3);
    assertByKeyEqualFullRecompute();
    DatasetAssert.diff(
        List.of("1|USA|1|30.00", "2|France|2|31.00"),
        DatasetAssert.rowsAsText(spark.table("curated.per_customer")));
    DatasetAssert.diff(
        List.of("9|2", "NULL|2"), DatasetAssert.rowsAsText(spark.table("curated.unknown")));

    // A payment of no customer only: per_customer has no row of a null key, before or after.
    write(
        "streaming/payments/2026/11/22/10/c",
        payment("p8", "2026-11-22T08:00:00Z", (Integer) null, "80.00"));
    List<TableResult> third = runAll(definition, lake, "r3");
    assertThat(of(third, "curated.per_customer").note())
        .contains("recomputed the rows of 1 customer_id key(s)")
        .contains(": 0 row(s) replaced by 0");
    assertByKeyEqualFullRecompute();
    List<TableResult> fourth = runAll(definition, lake, "r4");
    assertThat(fourth.stream().filter(r -> r.table().startsWith("curated.")))
        .as("nothing new; the empty recomputation recorded its inputs")
        .hasSize(3)
        .allMatch(r -> r.status() == TableResult.Status.UP_TO_DATE);
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
