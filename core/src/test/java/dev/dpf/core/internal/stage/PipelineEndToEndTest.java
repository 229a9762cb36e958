package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.Goldens;
import dev.dpf.core.testing.RawFiles;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SampleLake;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * All stages over the checked-in sample-data in process, against goldens and a plain-Java
 * recomputation from the raw files. Its lake goes through the same checks ({@link SampleLake}) as
 * the lakes that spark-submit, a standalone cluster and s3a make (jobs' {@code RunAnywhereIT}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineEndToEndTest {
  private static final Instant STARTED = Instant.parse("2026-11-24T00:00:00Z");

  @TempDir static Path lakeDir;
  private final SparkSession spark = SparkExtension.session();
  private final Path raw = Repo.root().resolve("sample-data");
  private final PipelineDefinition definition =
      Definitions.load(Repo.root().resolve("src/pipeline.yaml"));
  private Lake lake;
  private final List<TableResult> firstRun = new ArrayList<>();

  /** The raw files read by hand: what the tables must hold. */
  private final Expected expected = new Expected();

  /** What {@code init} did before the first run, and the schemas it gave the tables. */
  private final List<TableResult> init = new ArrayList<>();

  private final Map<String, StructType> initSchemas = new TreeMap<>();

  @BeforeAll
  void runPipelineOnce() throws IOException {
    lake = new Lake(spark, lakeDir.toString());
    pipeline("init", init).init();
    for (TableResult r : init) {
      initSchemas.put(r.table(), spark.table(r.table()).schema());
    }
    long start = System.nanoTime();
    // The run's results in definition order (the listener hears them as tables finish).
    firstRun.addAll(
        pipeline("run-1", new ArrayList<>())
            .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration())));
    System.out.printf(
        "PipelineEndToEndTest: in process: pipeline run %.1f s wall%n",
        (System.nanoTime() - start) / 1e9);
    expected.read(raw);
  }

  private Pipeline pipeline(String runId, List<TableResult> results) {
    return Pipeline.builder(spark, definition, lake)
        .run(runId, STARTED)
        .listener(results::add)
        .piiKey(SampleLake.PII_KEY)
        .build();
  }

  @Test
  void initMadeEveryTransformedAndCuratedTableEmptyWithTheSchemaOfTheRunAndIsIdempotent() {
    List<String> tables =
        definition.tables().stream()
            .filter(t -> t.zone() == Zone.TRANSFORMED || t.zone() == Zone.CURATED)
            .map(PipelineDefinition.Table::qualified)
            .toList();
    assertThat(init).extracting(TableResult::table).containsExactlyInAnyOrderElementsOf(tables);
    assertThat(init)
        .allSatisfy(
            r -> {
              assertThat(r.status()).isEqualTo(TableResult.Status.OK);
              assertThat(r.note()).isEqualTo("created, empty");
            });
    for (String table : tables) {
      assertThat(fields(initSchemas.get(table)))
          .as(table)
          .isEqualTo(fields(spark.table(table).schema()));
    }
    Map<String, Long> versions = new TreeMap<>();
    for (String table : tables) {
      versions.put(table, versionOf(table));
    }
    List<TableResult> again = new ArrayList<>();
    pipeline("init-again", again).init();
    assertThat(again)
        .allSatisfy(
            r -> {
              assertThat(r.status()).isEqualTo(TableResult.Status.UP_TO_DATE);
              assertThat(r.note()).isEqualTo("exists; left alone");
            });
    for (String table : tables) {
      assertThat(versionOf(table)).as(table).isEqualTo(versions.get(table));
    }
  }

  private long versionOf(String table) {
    return lake.version(TableName.of(table));
  }

  /** Column names and types in order; nullability aside (Delta relaxes it on write). */
  private static List<String> fields(StructType schema) {
    List<String> out = new ArrayList<>();
    for (var f : schema.fields()) {
      out.add(f.name() + " " + f.dataType().simpleString());
    }
    return out;
  }

  @Test
  void everyTableAndTheRunLogMatchTheGoldens() {
    SampleLake.assertMatchesGoldens(spark, lakeDir.toString());
  }

  @Test
  void reportsEveryTableWithCountsThatReconcile() {
    assertThat(firstRun)
        .extracting(
            TableResult::table,
            TableResult::status,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .containsExactly(
            row("consolidated.payments", expected.payments.size(), expected.payments.size()),
            row("consolidated.customers", expected.customerChanges, expected.customerChanges),
            row("consolidated.orders", expected.ordersRead, expected.ordersRead),
            row("consolidated.orderdetails", expected.orderLinesRead, expected.orderLinesRead),
            row("consolidated.products", expected.products.size(), expected.products.size()),
            row("consolidated.transactions", expected.transactions, expected.transactions),
            row("transformed.customers", expected.customerChanges, expected.customers.size()),
            // 40 loaded + 10 changes; by hand, the changes add 7 versions: a delete and the
            // re-sent insert add none, and neither does the delete before a re-insert.
            row("transformed.customers_history", expected.customerChanges, 47),
            row("transformed.payments", expected.payments.size(), expected.payments.size()),
            row("transformed.transactions", expected.transactions, expected.transactions),
            row("transformed.products", expected.products.size(), expected.products.size()),
            row("transformed.orders", expected.ordersRead, expected.orders.size()),
            row("transformed.order_lines", expected.orderLinesRead, expected.orderLines.size()),
            row(
                "transformed.customer_data",
                expected.customerData(null),
                expected.customerData(null)),
            row(
                "curated.customer_data_usa",
                expected.customerData("USA"),
                expected.customerData("USA")),
            row("curated.transactions", expected.transactions, expected.transactions),
            row("curated.customer_360", expected.customers.size(), expected.customers.size()),
            row(
                "curated.daily_payments_by_country",
                expected.daily().size(),
                expected.daily().size()),
            row("curated.risk_flags", expected.riskFlags().size(), expected.riskFlags().size()),
            row(
                "curated.revenue_by_productline_month",
                expected.revenue().size(),
                expected.revenue().size()));
    assertThat(firstRun.get(0).files()).isEqualTo(expected.paymentObjects);
  }

  @Test
  void modelsAgreeWithAPlainComputationFromTheRawFiles() {
    DatasetAssert.diff(
        expected.daily(),
        DatasetAssert.rowsAsText(
            spark.sql(
                "SELECT payment_date, country, payment_count, payment_total, payment_avg,"
                    + " payment_max FROM curated.daily_payments_by_country")));
    DatasetAssert.diff(
        expected.revenue(),
        DatasetAssert.rowsAsText(spark.table("curated.revenue_by_productline_month")));
    DatasetAssert.diff(
        expected.riskFlags(),
        DatasetAssert.rowsAsText(
            spark.sql("SELECT flag, customer_id, reference_id, amount FROM curated.risk_flags")));
    DatasetAssert.diff(
        expected.customer360(),
        DatasetAssert.rowsAsText(
            spark.sql(
                "SELECT customer_id, payment_count, payment_total, transaction_count,"
                    + " approval_rate, credit_utilization FROM curated.customer_360")));
  }

  /**
   * No curated table holds a clear value of any pii-tagged column: every cell of every curated
   * table, as text, is compared with every tagged value of the transformed tables (equal, or
   * containing it when the value has 6 characters or more).
   */
  @Test
  void noCuratedTableShowsAnyTaggedValueInClear() {
    java.util.Set<String> clear = new java.util.TreeSet<>();
    int tagged = 0;
    for (var dataset : definition.datasets()) {
      for (var column : dataset.columns()) {
        if (column.pii().isPresent()) {
          tagged++;
          for (Row r :
              spark
                  .sql(
                      "SELECT DISTINCT CAST("
                          + column.name()
                          + " AS STRING) FROM transformed."
                          + dataset.name())
                  .collectAsList()) {
            if (r.get(0) != null && !r.getString(0).isEmpty()) {
              clear.add(r.getString(0));
            }
          }
        }
      }
    }
    assertThat(tagged).isEqualTo(8); // 6 of customers, ipv4_address, account_number
    assertThat(clear).hasSizeGreaterThan(400);
    List<String> found = new ArrayList<>();
    List<String> curated = new ArrayList<>();
    // Every curated table of this lake (the shared catalog also holds other tests' tables).
    for (String name :
        java.util.Objects.requireNonNull(lakeDir.resolve("curated").toFile().list())) {
      String table = "curated." + name;
      curated.add(table);
      for (Row r : spark.table(table).collectAsList()) {
        for (int i = 0; i < r.length(); i++) {
          String cell = r.get(i) == null ? null : String.valueOf(r.get(i));
          for (String v : clear) {
            if (cell != null && (cell.equals(v) || (v.length() >= 6 && cell.contains(v)))) {
              found.add(table + " " + r.schema().fields()[i].name() + " = " + cell);
            }
          }
        }
      }
    }
    assertThat(curated).hasSize(6);
    assertThat(found).isEmpty();
  }

  private static org.assertj.core.groups.Tuple row(String table, long read, long written) {
    return org.assertj.core.groups.Tuple.tuple(table, TableResult.Status.OK, read, written, 0L);
  }

  @Test
  void tablesAgreeWithAPlainReadingOfTheRawFiles() {
    Row payments =
        spark.sql("SELECT count(*), sum(payment_amount) FROM transformed.payments").head();
    assertThat(payments.getLong(0)).isEqualTo(expected.payments.size());
    assertThat(payments.getDecimal(1)).isEqualByComparingTo(expected.paymentSum(p -> true));

    Row usa =
        spark
            .sql(
                "SELECT count(*), sum(payment_amount), sum(credit_limit) FROM curated.customer_data_usa")
            .head();
    assertThat(usa.getLong(0)).isEqualTo(expected.customerData("USA"));
    assertThat(usa.getDecimal(1))
        .isEqualByComparingTo(expected.paymentSum(p -> "USA".equals(p.country())));
    assertThat(usa.getDecimal(2)).isEqualByComparingTo(expected.creditSum("USA"));

    Row tx =
        spark
            .sql("SELECT count(*), sum(amount), count_if(approved) FROM curated.transactions")
            .head();
    assertThat(tx.getLong(0)).isEqualTo(expected.transactions);
    assertThat(tx.getDecimal(1)).isEqualByComparingTo(expected.transactionSum);
    assertThat(tx.getLong(2)).isEqualTo(expected.approved);
  }

  @Test
  void consolidatedKeepsEveryRawRecordWithLineage() {
    Row c =
        spark
            .sql(
                "SELECT count(*), count(DISTINCT _source_file), min(_source_file), count_if(_run_id = 'run-1'),"
                    + " min(_ingested_at) FROM consolidated.payments")
            .head();
    assertThat(c.getLong(0)).isEqualTo(expected.payments.size());
    assertThat(c.getLong(1)).isEqualTo(expected.paymentObjects);
    assertThat(c.getString(2)).startsWith("streaming/payments/2026/11/18/");
    assertThat(c.getLong(3)).isEqualTo(expected.payments.size());
    assertThat(c.getTimestamp(4).toInstant()).isEqualTo(STARTED);
  }

  @Test
  void eachStageWritesItsLogEntriesOnceNotOncePerTable() {
    // Six sources: each batch planned in a commit of its own before its rows are written (versions
    // 0-5), then all six closed in one commit (6). Six datasets: one transform-log commit.
    assertThat(lake.version(SystemTables.INGEST_FILES)).isEqualTo(6);
    assertThat(lake.read(SystemTables.INGEST_FILES).filter("state = 'committed'").count())
        .isEqualTo(39);
    assertThat(lake.version(SystemTables.TRANSFORM_LOG)).isZero();
    assertThat(lake.read(SystemTables.TRANSFORM_LOG).count()).isEqualTo(6);
  }

  @Test
  void aSecondRunWithNothingNewLeavesEveryTableAsItIs() {
    List<TableResult> second =
        pipeline("run-2", new ArrayList<>())
            .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));

    // Every table, models too: turning on a model table's change data feed (for the incremental
    // model that reads it) is no change of its data.
    assertThat(second)
        .extracting(TableResult::table)
        .contains("transformed.customer_data", "curated.customer_data_usa", "curated.risk_flags");
    assertThat(second)
        .allSatisfy(
            r -> assertThat(r.status()).as(r.table()).isEqualTo(TableResult.Status.UP_TO_DATE));
    assertThat(lake.read(TableName.of("consolidated.payments")).count())
        .isEqualTo(expected.payments.size());
    Goldens.assertMatches("transformed.payments", spark.table("transformed.payments"));
    Goldens.assertMatches("curated.customer_data_usa", spark.table("curated.customer_data_usa"));
  }

  /** What the raw sample holds, read without Spark. */
  private static final class Expected {
    record Payment(String id, String customerId, BigDecimal amount, String country, Instant time) {}

    record Transaction(String id, String customerId, BigDecimal amount, boolean approved) {}

    final List<Payment> payments = new ArrayList<>();
    final List<Transaction> transactionRows = new ArrayList<>();
    final Map<String, Map<String, String>> customers = new HashMap<>();
    final Map<String, Map<String, String>> orders = new HashMap<>();
    final Map<String, Map<String, String>> orderLines = new HashMap<>();
    final Map<String, Map<String, String>> products = new HashMap<>();
    long customerChanges;
    int paymentObjects;
    long transactions;
    long approved;
    BigDecimal transactionSum = BigDecimal.ZERO;

    void read(Path raw) throws IOException {
      Path dms = raw.resolve("dms/classicmodels");
      customerChanges = replay(dms.resolve("customers"), customers, c -> c.get("customerNumber"));
      ordersRead = replay(dms.resolve("orders"), orders, o -> o.get("orderNumber"));
      orderLinesRead =
          replay(
              dms.resolve("orderdetails"),
              orderLines,
              l -> l.get("orderNumber") + "/" + l.get("productCode"));
      replay(dms.resolve("products"), products, p -> p.get("productCode"));
      ObjectMapper json = new ObjectMapper();
      for (Path object : RawFiles.under(raw.resolve("streaming/payments"))) {
        paymentObjects++;
        for (String line : RawFiles.read(object).split("\n")) {
          JsonNode n = json.readTree(line);
          String customer = n.get("customer_id").asText();
          Map<String, String> c = customers.get(customer);
          String country = c == null ? null : c.get("country");
          payments.add(
              new Payment(
                  n.get("payment_id").asText(),
                  customer,
                  new BigDecimal(n.get("payment_amount").asText()).setScale(2), // decimal(12,2)
                  country,
                  Instant.parse(n.get("payment_time").asText())));
        }
      }
      for (Path file : RawFiles.under(raw.resolve("files/transactions"))) {
        List<List<String>> rows = RawFiles.csv(RawFiles.read(file));
        for (List<String> r : rows.subList(1, rows.size())) {
          transactions++;
          transactionSum = transactionSum.add(new BigDecimal(r.get(2)));
          approved += r.get(5).equals("TRUE") ? 1 : 0;
          transactionRows.add(
              new Transaction(
                  r.get(1), r.get(0), new BigDecimal(r.get(2)), r.get(5).equals("TRUE")));
        }
      }
    }

    long ordersRead;
    long orderLinesRead;

    /** daily_payments_by_country: date|country|count|total|avg|max, by hand. */
    List<String> daily() {
      Map<String, List<BigDecimal>> groups = new java.util.TreeMap<>();
      for (Payment p : payments) {
        Map<String, String> c = customers.get(p.customerId());
        String country = c == null ? "unknown" : c.get("country");
        String date = p.time().atZone(java.time.ZoneOffset.UTC).toLocalDate().toString();
        groups.computeIfAbsent(date + "|" + country, k -> new ArrayList<>()).add(p.amount());
      }
      List<String> out = new ArrayList<>();
      groups.forEach(
          (k, amounts) -> {
            BigDecimal sum = amounts.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            // avg of decimal(12,2) is decimal(16,6) in Spark, then cast to (12,2): both HALF_UP.
            BigDecimal avg =
                sum.divide(BigDecimal.valueOf(amounts.size()), 6, java.math.RoundingMode.HALF_UP)
                    .setScale(2, java.math.RoundingMode.HALF_UP);
            out.add(
                k
                    + "|"
                    + amounts.size()
                    + "|"
                    + sum.toPlainString()
                    + "|"
                    + avg.toPlainString()
                    + "|"
                    + amounts.stream()
                        .max(BigDecimal::compareTo)
                        .get()
                        .setScale(2)
                        .toPlainString());
          });
      return out;
    }

    /** revenue_by_productline_month: month|line|orders|quantity|revenue, orders not cancelled. */
    List<String> revenue() {
      Map<String, java.util.Set<String>> ordersOf = new java.util.TreeMap<>();
      Map<String, long[]> quantity = new HashMap<>();
      Map<String, BigDecimal> revenue = new HashMap<>();
      for (Map<String, String> l : orderLines.values()) {
        Map<String, String> o = orders.get(l.get("orderNumber"));
        if (o.get("status").equals("Cancelled")) {
          continue;
        }
        String key =
            o.get("orderDate").substring(0, 8)
                + "01|"
                + products.get(l.get("productCode")).get("productLine");
        ordersOf.computeIfAbsent(key, k -> new java.util.HashSet<>()).add(o.get("orderNumber"));
        long q = Long.parseLong(l.get("quantityOrdered"));
        quantity.computeIfAbsent(key, k -> new long[1])[0] += q;
        revenue.merge(
            key,
            new BigDecimal(l.get("priceEach")).multiply(BigDecimal.valueOf(q)),
            BigDecimal::add);
      }
      List<String> out = new ArrayList<>();
      ordersOf.forEach(
          (k, os) ->
              out.add(
                  k
                      + "|"
                      + os.size()
                      + "|"
                      + quantity.get(k)[0]
                      + "|"
                      + revenue.get(k).toPlainString()));
      return out;
    }

    /** risk_flags: flag|customer|reference|amount. */
    List<String> riskFlags() {
      List<String> out = new ArrayList<>();
      for (Payment p : payments) {
        Map<String, String> c = customers.get(p.customerId());
        if (c == null) {
          out.add(
              "payment_from_unknown_customer|" + p.customerId() + "|" + p.id() + "|" + p.amount());
        } else if (p.amount().compareTo(new BigDecimal(c.get("creditLimit"))) > 0) {
          out.add("payment_over_credit_limit|" + p.customerId() + "|" + p.id() + "|" + p.amount());
        }
      }
      Map<String, List<Transaction>> byCustomer = new HashMap<>();
      for (Transaction t : transactionRows) {
        byCustomer.computeIfAbsent(t.customerId(), k -> new ArrayList<>()).add(t);
        Map<String, String> c = customers.get(t.customerId());
        if (c != null && t.amount().compareTo(new BigDecimal(c.get("creditLimit"))) > 0) {
          out.add(
              "transaction_over_credit_limit|" + t.customerId() + "|" + t.id() + "|" + t.amount());
        }
      }
      byCustomer.forEach(
          (customer, ts) -> {
            List<Transaction> declined = ts.stream().filter(t -> !t.approved()).toList();
            if (declined.size() >= 3 && declined.size() * 2 > ts.size()) {
              out.add(
                  "many_declined_transactions|"
                      + customer
                      + "|NULL|"
                      + declined.stream()
                          .map(Transaction::amount)
                          .reduce(BigDecimal.ZERO, BigDecimal::add));
            }
          });
      return out;
    }

    /** customer_360: customer|payments|total|transactions|approval rate|credit utilization. */
    List<String> customer360() {
      List<String> out = new ArrayList<>();
      for (var c : customers.values()) {
        String id = c.get("customerNumber");
        List<Payment> paid = payments.stream().filter(p -> p.customerId().equals(id)).toList();
        BigDecimal total =
            paid.stream().map(Payment::amount).reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2);
        List<Transaction> ts =
            transactionRows.stream().filter(t -> t.customerId().equals(id)).toList();
        long ok = ts.stream().filter(Transaction::approved).count();
        BigDecimal limit = new BigDecimal(c.get("creditLimit"));
        out.add(
            id
                + "|"
                + paid.size()
                + "|"
                + total.toPlainString()
                + "|"
                + ts.size()
                + "|"
                + (ts.isEmpty()
                    ? "NULL"
                    : BigDecimal.valueOf(ok)
                        .divide(BigDecimal.valueOf(ts.size()), 4, java.math.RoundingMode.HALF_UP)
                        .toPlainString())
                + "|"
                + (limit.signum() > 0
                    ? total.divide(limit, 4, java.math.RoundingMode.HALF_UP).toPlainString()
                    : "NULL"));
      }
      return out;
    }

    /** Payments whose customer is known (and in {@code country}, when given). */
    long customerData(String country) {
      return payments.stream()
          .filter(p -> p.country() != null && (country == null || country.equals(p.country())))
          .count();
    }

    BigDecimal paymentSum(java.util.function.Predicate<Payment> which) {
      return payments.stream()
          .filter(which)
          .map(Payment::amount)
          .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    BigDecimal creditSum(String country) {
      return payments.stream()
          .filter(p -> country.equals(p.country()))
          .map(p -> new BigDecimal(customers.get(p.customerId()).get("creditLimit")))
          .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /**
     * A DMS table's full load, then its CDC files replayed one change at a time in commit order
     * (then file, then row); returns the number of rows read.
     */
    private static long replay(
        Path table,
        Map<String, Map<String, String>> state,
        java.util.function.Function<Map<String, String>, String> key) {
      long read = 0;
      List<List<String>> load = RawFiles.csv(RawFiles.read(table.resolve("LOAD00000001.csv")));
      for (List<String> r : load.subList(1, load.size())) {
        Map<String, String> c = fields(load.get(0), r);
        state.put(key.apply(c), c);
        read++;
      }
      List<Map<String, String>> changes = new ArrayList<>();
      Path cdc = table.resolve("2026");
      for (Path file :
          java.nio.file.Files.isDirectory(cdc) ? RawFiles.under(cdc) : List.<Path>of()) {
        List<List<String>> rows = RawFiles.csv(RawFiles.read(file));
        for (int i = 1; i < rows.size(); i++) {
          Map<String, String> c = fields(rows.get(0), rows.get(i));
          c.put("#order", c.get("dms_timestamp") + file.getFileName() + String.format("%06d", i));
          changes.add(c);
        }
      }
      changes.sort(java.util.Comparator.comparing(c -> c.get("#order")));
      for (Map<String, String> c : changes) {
        read++;
        if (c.get("Op").equals("D")) {
          state.remove(key.apply(c));
        } else {
          state.put(key.apply(c), c);
        }
      }
      return read;
    }

    private static Map<String, String> fields(List<String> header, List<String> row) {
      Map<String, String> out = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        out.put(header.get(i), row.get(i));
      }
      return out;
    }
  }
}
