package dev.dpf.core.stage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.definition.Definitions;
import dev.dpf.core.definition.PipelineDefinition;
import dev.dpf.core.definition.Zone;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.RawRoot;
import dev.dpf.core.testing.RawFiles;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * All stages over the checked-in sample-data, against goldens and a plain-Java recomputation from
 * the raw files.
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

  @BeforeAll
  void runPipelineOnce() throws IOException {
    lake = new Lake(spark, lakeDir.toString());
    pipeline("run-1", firstRun)
        .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));
    expected.read(raw);
  }

  private Pipeline pipeline(String runId, List<TableResult> results) {
    return new Pipeline(spark, definition, lake, runId, STARTED, results::add);
  }

  @Test
  void everyTableMatchesItsGolden() {
    for (String table :
        List.of(
            "transformed.customers",
            "transformed.customers_history",
            "transformed.payments",
            "transformed.transactions",
            "transformed.customer_data",
            "curated.customer_data_usa",
            "curated.transactions")) {
      Goldens.assertMatches(table, spark.table(table));
    }
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
            row("consolidated.transactions", expected.transactions, expected.transactions),
            row("transformed.customers", expected.customerChanges, expected.customers.size()),
            // 40 loaded + 10 changes; by hand, the changes add 7 versions: a delete and the
            // re-sent insert add none, and neither does the delete before a re-insert.
            row("transformed.customers_history", expected.customerChanges, 47),
            row("transformed.payments", expected.payments.size(), expected.payments.size()),
            row("transformed.transactions", expected.transactions, expected.transactions),
            row(
                "transformed.customer_data",
                expected.customerData(null),
                expected.customerData(null)),
            row(
                "curated.customer_data_usa",
                expected.customerData("USA"),
                expected.customerData("USA")),
            row("curated.transactions", expected.transactions, expected.transactions));
    assertThat(firstRun.get(0).files()).isEqualTo(expected.paymentObjects);
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
  void aSecondRunIngestsNothingAndRebuildsTheSameTables() {
    List<TableResult> second = new ArrayList<>();
    pipeline("run-2", second)
        .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));

    assertThat(second.subList(0, 3))
        .extracting(TableResult::status)
        .containsOnly(TableResult.Status.UP_TO_DATE);
    assertThat(lake.read(Zone.CONSOLIDATED, "payments").count())
        .isEqualTo(expected.payments.size());
    Goldens.assertMatches("transformed.payments", spark.table("transformed.payments"));
    Goldens.assertMatches("curated.customer_data_usa", spark.table("curated.customer_data_usa"));
  }

  /** What the raw sample holds, read without Spark. */
  private static final class Expected {
    record Payment(String customerId, BigDecimal amount, String country) {}

    final List<Payment> payments = new ArrayList<>();
    final Map<String, Map<String, String>> customers = new HashMap<>();
    long customerChanges;
    int paymentObjects;
    long transactions;
    long approved;
    BigDecimal transactionSum = BigDecimal.ZERO;

    void read(Path raw) throws IOException {
      Path dms = raw.resolve("dms/classicmodels/customers");
      List<List<String>> load = RawFiles.csv(RawFiles.read(dms.resolve("LOAD00000001.csv")));
      for (List<String> r : load.subList(1, load.size())) {
        Map<String, String> c = fields(load.get(0), r);
        customers.put(c.get("customerNumber"), c);
        customerChanges++;
      }
      // The CDC files, replayed one change at a time in commit order (then file, then row).
      List<Map<String, String>> changes = new ArrayList<>();
      for (Path file : RawFiles.under(dms.resolve("2026"))) {
        List<List<String>> rows = RawFiles.csv(RawFiles.read(file));
        for (int i = 1; i < rows.size(); i++) {
          Map<String, String> c = fields(rows.get(0), rows.get(i));
          c.put("#order", c.get("dms_timestamp") + file.getFileName() + String.format("%06d", i));
          changes.add(c);
        }
      }
      changes.sort(java.util.Comparator.comparing(c -> c.get("#order")));
      for (Map<String, String> c : changes) {
        customerChanges++;
        if (c.get("Op").equals("D")) {
          customers.remove(c.get("customerNumber"));
        } else {
          customers.put(c.get("customerNumber"), c);
        }
      }
      ObjectMapper json = new ObjectMapper();
      for (Path object : RawFiles.under(raw.resolve("streaming/payments"))) {
        paymentObjects++;
        for (String line : RawFiles.read(object).split("\n")) {
          JsonNode n = json.readTree(line);
          String customer = n.get("customer_id").asText();
          Map<String, String> c = customers.get(customer);
          String country = c == null ? null : c.get("country");
          payments.add(
              new Payment(customer, new BigDecimal(n.get("payment_amount").asText()), country));
        }
      }
      for (Path file : RawFiles.under(raw.resolve("files/transactions"))) {
        List<List<String>> rows = RawFiles.csv(RawFiles.read(file));
        for (List<String> r : rows.subList(1, rows.size())) {
          transactions++;
          transactionSum = transactionSum.add(new BigDecimal(r.get(2)));
          approved += r.get(5).equals("TRUE") ? 1 : 0;
        }
      }
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

    private static Map<String, String> fields(List<String> header, List<String> row) {
      Map<String, String> out = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        out.put(header.get(i), row.get(i));
      }
      return out;
    }
  }
}
