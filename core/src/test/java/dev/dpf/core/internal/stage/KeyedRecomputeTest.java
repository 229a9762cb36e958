package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.Planned;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models without an incremental setting are recomputed by a key found in their SQL: over seeded
 * random change batches of payments, then customers, then all inputs at once (new, late and
 * re-delivered payments whose day or customer moves, customers inserted, updated into another
 * country, deleted and inserted again, partner transactions new and corrected), every model equals
 * a full recomputation of its SQL after each run, row for row. The repository's own {@code
 * customer_360}, {@code risk_flags} and {@code daily_payments_by_country} are among them, and a
 * grouping whose rows' key moves between groups.
 */
class KeyedRecomputeTest {
  private static final String DEFINITION =
      """
      sources:
        payments: {kind: firehose-json, path: streaming/payments}
        customers: {kind: dms, path: dms/customers, timestamp_column: ts}
        transactions: {kind: csv-files, path: files/transactions}
      datasets:
        customers:
          source: customers
          key: [customer_id]
          columns:
            customer_id:   {from: customerNumber, type: int, nullable: false}
            customer_name: {from: customerName, type: string, pii: name}
            phone:         {type: string, pii: phone}
            city:          {type: string}
            state:         {type: string}
            postal_code:   {type: string}
            country:       {type: string}
            sales_rep_employee_number: {type: int}
            credit_limit:  {type: "decimal(10,2)"}
        payments:
          source: payments
          key: [payment_id]
          ordering: [payment_time]
          columns:
            payment_id:     {type: string, nullable: false}
            payment_time:   {type: timestamp, nullable: false}
            customer_id:    {type: int}
            payment_amount: {type: "decimal(12,2)", nullable: false}
        transactions:
          source: transactions
          key: [transaction_id]
          columns:
            transaction_id:   {type: string, nullable: false}
            customer_id:      {type: int, nullable: false}
            amount:           {type: "decimal(12,2)", nullable: false}
            transaction_date: {type: date, nullable: false}
            approved:         {type: boolean, nullable: false}
      models:
        customer_360: {sql: models/customer_360.sql}
        risk_flags: {sql: models/risk_flags.sql}
        daily_payments_by_country: {sql: models/daily_payments_by_country.sql}
        by_country: {sql: models/by_country.sql}
        customer_countries: {sql: models/customer_countries.sql}
      """;

  /** The models written here; the others are the repository's own files. */
  private static final Map<String, String> OWN_SQL =
      Map.of(
          "by_country",
          "SELECT country, count(*) AS customers, sum(credit_limit) AS credit,"
              + " min(credit_limit) AS lowest, max(credit_limit) AS highest,"
              + " avg(credit_limit) AS mean FROM transformed.customers GROUP BY country",
          "customer_countries",
          "SELECT p.customer_id, c.country, count(*) AS payments, sum(p.payment_amount) AS total,"
              + " max(p.payment_time) AS latest FROM transformed.payments p"
              + " LEFT JOIN transformed.customers c ON c.customer_id = p.customer_id"
              + " GROUP BY p.customer_id, c.country");

  private static final List<String> MODELS =
      List.of(
          "customer_360",
          "risk_flags",
          "daily_payments_by_country",
          "by_country",
          "customer_countries");

  private static final String[] COUNTRIES = {"USA", "France", "Japan", null};

  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;
  private final Random random = new Random(Long.getLong("dpf.test.seed", 20261207L));
  private int payments;
  private int transactions;
  private int files;
  private final List<String> paymentIds = new ArrayList<>();
  private final Set<Integer> customers = new java.util.TreeSet<>();
  private final Map<String, String> sql = new LinkedHashMap<>();

  @Test
  void everyModelEqualsAFullRecomputationAfterEachRandomBatch() throws IOException {
    Files.createDirectories(dir.resolve("models"));
    for (String m : MODELS) {
      String text =
          OWN_SQL.containsKey(m)
              ? OWN_SQL.get(m)
              : Files.readString(Repo.root().resolve("src/models/" + m + ".sql"));
      sql.put(m, text);
      Files.writeString(dir.resolve("models/" + m + ".sql"), text);
    }
    Files.writeString(dir.resolve("pipeline.yaml"), DEFINITION);
    PipelineDefinition definition = Definitions.load(dir.resolve("pipeline.yaml"));
    Lake lake = new Lake(spark, dir.resolve("lake").toString());

    loadCustomers(8);
    newPayments(12, false);
    newTransactions(6, false);
    Map<String, TableResult> first = run(definition, lake, "r0");
    assertThat(first.get("curated.customer_360").action()).isEqualTo(Planned.Action.REBUILD);
    assertEqualFullRecompute("r0");

    // Payments only: every model reading them recomputes the rows of the keys they touch.
    newPayments(6, true);
    Map<String, TableResult> r1 = run(definition, lake, "r1");
    for (String m :
        List.of("customer_360", "risk_flags", "daily_payments_by_country", "customer_countries")) {
      assertThat(r1.get("curated." + m).action()).as(m).isEqualTo(Planned.Action.RECOMPUTE);
    }
    assertThat(r1.get("curated.by_country").action()).isEqualTo(Planned.Action.UP_TO_DATE);
    assertThat(r1.get("curated.customer_360").note())
        .contains("customer_id key(s) changed in transformed.payments")
        .contains("customer_id keys its rows, found in its SQL")
        .doesNotContain("change data feed");
    // risk_flags is keyed by the payments' own key: their touched rows are their latest changes.
    assertThat(r1.get("curated.risk_flags").note())
        .contains("the rows of transformed.payments read from its change data feed");
    assertEqualFullRecompute("r1");

    // Customers only: the daily summary's rows do not follow a customer's: it is rebuilt.
    changeCustomers();
    Map<String, TableResult> r2 = run(definition, lake, "r2");
    for (String m : List.of("customer_360", "risk_flags", "by_country", "customer_countries")) {
      assertThat(r2.get("curated." + m).action()).as(m).isEqualTo(Planned.Action.RECOMPUTE);
    }
    assertThat(r2.get("curated.customer_360").note())
        .contains("the rows of transformed.customers read from its change data feed");
    assertThat(r2.get("curated.daily_payments_by_country").action())
        .isEqualTo(Planned.Action.REBUILD);
    assertThat(r2.get("curated.daily_payments_by_country").note())
        .contains(
            "not incremental: no column of its rows follows the rows of transformed.customers");
    assertEqualFullRecompute("r2");

    // Then every input at once, each change of a random kind and size.
    newPayments(1 + random.nextInt(6), true);
    changeCustomers();
    newTransactions(1 + random.nextInt(4), true);
    Map<String, TableResult> r3 = run(definition, lake, "r3");
    assertThat(r3.get("curated.risk_flags").note())
        .contains(
            "changed in transformed.customers, transformed.payments, transformed.transactions");
    assertEqualFullRecompute("r3");

    // A change that touches no row of a model (a transaction of a customer the customers table
    // does not have) still records the inputs it was computed from: nothing new then changes
    // nothing.
    files++;
    write(
        "files/transactions/t" + files + ".csv",
        "transaction_id,customer_id,amount,transaction_date,approved\nt-none,404,1.00,2026-11-18,true\n");
    Map<String, TableResult> r4 = run(definition, lake, "r4");
    assertThat(r4.get("curated.customer_360").note()).contains(": 0 row(s) replaced by 0");
    assertEqualFullRecompute("r4");
    Map<String, TableResult> r5 = run(definition, lake, "r5");
    for (String m : MODELS) {
      assertThat(r5.get("curated." + m).action()).as(m).isEqualTo(Planned.Action.UP_TO_DATE);
    }
  }

  private Map<String, TableResult> run(PipelineDefinition definition, Lake lake, String runId) {
    List<TableResult> results =
        Pipeline.builder(spark, definition, lake)
            .run(runId, Instant.now())
            .piiKey("keyed recompute test key, not a secret")
            .build()
            .run(
                RawRoot.open(
                    dir.resolve("raw").toString(), spark.sparkContext().hadoopConfiguration()));
    Map<String, TableResult> byTable = new TreeMap<>();
    results.forEach(r -> byTable.put(r.table(), r));
    return byTable;
  }

  private void assertEqualFullRecompute(String runId) {
    for (String m : MODELS) {
      try {
        DatasetAssert.diff(
            DatasetAssert.rowsAsText(spark.sql(sql.get(m))),
            DatasetAssert.rowsAsText(spark.table("curated." + m)));
      } catch (AssertionError e) {
        throw new AssertionError(runId + ", " + m + ": " + e.getMessage(), e);
      }
    }
  }

  private void write(String path, String content) throws IOException {
    Path p = dir.resolve("raw").resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private static final String CUSTOMER_COLUMNS =
      "customerNumber,customerName,phone,city,state,postal_code,country,"
          + "sales_rep_employee_number,credit_limit";

  private String customer(int id) {
    String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
    String limit = random.nextInt(5) == 0 ? "" : random.nextInt(3000) + ".00";
    return id
        + ",Customer "
        + id
        + ",555-01"
        + id
        + ",City "
        + random.nextInt(3)
        + ",,"
        + (10000 + id)
        + ","
        + (country == null ? "" : country)
        + ","
        + (1000 + random.nextInt(3))
        + ","
        + limit;
  }

  private void loadCustomers(int n) throws IOException {
    StringBuilder csv = new StringBuilder("ts," + CUSTOMER_COLUMNS + "\n");
    for (int id = 1; id <= n; id++) {
      csv.append("2026-11-18 09:00:00.000000,").append(customer(id)).append('\n');
      customers.add(id);
    }
    write("dms/customers/LOAD00000001.csv", csv.toString());
  }

  /** A CDC file: updates (often of the country), a delete, an insert (new or again). */
  private void changeCustomers() throws IOException {
    files++;
    String ts = String.format("2026-11-19 %02d:00:00.000000", files);
    StringBuilder csv = new StringBuilder("Op,ts," + CUSTOMER_COLUMNS + "\n");
    List<Integer> present = new ArrayList<>(customers);
    for (int i = 0; i < 2 && !present.isEmpty(); i++) {
      int id = present.get(random.nextInt(present.size()));
      csv.append("U,").append(ts).append(',').append(customer(id)).append('\n');
    }
    if (present.size() > 3) {
      int id = present.get(random.nextInt(present.size()));
      csv.append("D,").append(ts).append(',').append(customer(id)).append('\n');
      customers.remove(id);
    }
    int inserted = 1 + random.nextInt(10); // maybe one that payments already name, or deleted
    if (!customers.contains(inserted)) {
      csv.append("I,").append(ts).append(',').append(customer(inserted)).append('\n');
      customers.add(inserted);
    }
    write(
        String.format("dms/customers/2026/11/19/20261119-%02d0000000.csv", files), csv.toString());
  }

  /**
   * New payments over three days for customers 1..10 (some unknown) or none; {@code again}: some
   * are earlier payments delivered again later, on another day, of another customer or amount.
   */
  private void newPayments(int n, boolean again) throws IOException {
    files++;
    StringBuilder json = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String id;
      if (again && !paymentIds.isEmpty() && random.nextInt(3) == 0) {
        id = paymentIds.get(random.nextInt(paymentIds.size()));
      } else {
        id = "p" + (++payments);
        paymentIds.add(id);
      }
      int day = 15 + random.nextInt(3) + (again ? 1 : 0);
      String customer = random.nextInt(8) == 0 ? "null" : String.valueOf(1 + random.nextInt(10));
      json.append(
          String.format(
              "{\"payment_id\":\"%s\",\"payment_time\":\"2026-11-%02dT%02d:%02d:00Z\","
                  + "\"customer_id\":%s,\"payment_amount\":%d.%02d}%n",
              id,
              day,
              random.nextInt(24),
              files,
              customer,
              1 + random.nextInt(4000),
              random.nextInt(100)));
    }
    write(
        String.format("streaming/payments/2026/11/19/%02d/part-%d", files % 24, files),
        json.toString());
  }

  /** New partner transactions; {@code again}: one corrects an earlier one's amount. */
  private void newTransactions(int n, boolean again) throws IOException {
    files++;
    StringBuilder csv =
        new StringBuilder("transaction_id,customer_id,amount,transaction_date,approved\n");
    for (int i = 0; i < n; i++) {
      String id =
          again && transactions > 0 && i == 0
              ? "t" + (1 + random.nextInt(transactions))
              : "t" + (++transactions);
      csv.append(id)
          .append(',')
          .append(1 + random.nextInt(10))
          .append(',')
          .append(1 + random.nextInt(4000))
          .append(".00,2026-11-")
          .append(15 + random.nextInt(4))
          .append(',')
          .append(random.nextInt(3) == 0 ? "false" : "true")
          .append('\n');
    }
    write("files/transactions/t" + files + ".csv", csv.toString());
  }
}
