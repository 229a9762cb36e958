package dev.dpf.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf erase customers customer_id=246} on the sample, with a change that gives the customer
 * values found nowhere else, a quarantined change and a payment of its own: the customer's rows and
 * those that reference it leave every table, other customers' rows stay; after {@code --purge} no
 * Parquet file under the lake (any version, the Delta logs' checkpoints included) holds the
 * customer's id, names, phone or IP addresses, and no other file (the Delta logs' statistics) its
 * values; a DMS full load and a payment delivered again later are withheld at ingest and counted,
 * and stored nowhere.
 */
class EraseCommandTest {
  @TempDir Path dir;

  private final SparkSession spark = SparkExtension.session();

  private static final String SUBJECT = "246";

  /** The subject's id in a column named for it, in a Parquet row as JSON. */
  private static final Pattern ID =
      Pattern.compile("\"(customer_id|customerNumber)\":\"?246\"?[,}]");

  private static final String HEADER =
      "dms_timestamp,customerNumber,customerName,contactLastName,contactFirstName,phone,"
          + "addressLine1,addressLine2,city,state,postalCode,country,salesRepEmployeeNumber,"
          + "creditLimit";
  private static final String ROW =
      "246,Quillfeather Erasable Traders,Wrzesniewska,Ottilie,+81 99 0246-7,9 Erasure Way,,Tokyo,"
          + "Tokyo,10623,Japan,,";
  private static final List<String> UNIQUE =
      List.of(
          "Quillfeather Erasable Traders",
          "Wrzesniewska",
          "+81 99 0246-7",
          "9 Erasure Way",
          "203.0.113.246");

  /** Each table's rows of the subject, found by plain SQL on its columns. */
  private static final Map<String, String> OF_SUBJECT = new LinkedHashMap<>();

  static {
    // Every order the customer ever had, the one deleted at the source too.
    String orders =
        "(SELECT CAST(orderNumber AS INT) FROM delta.`%1$s/consolidated/orders`"
            + " WHERE trim(customerNumber) = '246')";
    OF_SUBJECT.put("consolidated.customers", "trim(customerNumber) = '246'");
    OF_SUBJECT.put("transformed.customers", "customer_id = 246");
    OF_SUBJECT.put("transformed.customers_history", "customer_id = 246");
    OF_SUBJECT.put("consolidated.payments", "trim(customer_id) = '246'");
    OF_SUBJECT.put("transformed.payments", "customer_id = 246");
    OF_SUBJECT.put("consolidated.transactions", "trim(customer_id) = '246'");
    OF_SUBJECT.put("transformed.transactions", "customer_id = 246");
    OF_SUBJECT.put("consolidated.orders", "trim(customerNumber) = '246'");
    OF_SUBJECT.put("transformed.orders", "customer_id = 246");
    OF_SUBJECT.put("consolidated.orderdetails", "CAST(orderNumber AS INT) IN " + orders);
    OF_SUBJECT.put("transformed.order_lines", "order_number IN " + orders);
    OF_SUBJECT.put("curated.customer_360", "customer_id = 246");
    OF_SUBJECT.put("transformed.customer_data", "customer_id = 246");
  }

  @Test
  void eraseRemovesTheCustomerEverywhereAndWithholdsItsLaterDeliveries() throws Exception {
    Path raw = dir.resolve("raw");
    copySample(raw);
    Path customers = raw.resolve("dms/classicmodels/customers/2026/11/18/20261118-140000000.csv");
    Files.writeString(
        customers,
        "Op,"
            + HEADER
            + "\n"
            + "U,2026-11-18 14:00:01.000000,"
            + ROW
            + "83480.35\n"
            // A credit limit below 0: quarantined, with the customer's phone in its record.
            + "U,2026-11-18 14:00:02.000000,"
            + ROW
            + "-1.00\n");
    Path payments = raw.resolve("streaming/payments/2026/11/20/09");
    Files.createDirectories(payments);
    Files.writeString(
        payments.resolve("dpf-payments-1-2026-11-20-09-00-00-erase-1"),
        payment("e-1", 246, "203.0.113.246") + payment("e-2", 107, "198.51.100.7"));
    // One of its orders deleted at the source: _system.deleted_orders remembers its number.
    Files.writeString(
        raw.resolve("dms/classicmodels/orders/2026/11/18/20261118-150000000.csv"),
        "Op,dms_timestamp,orderNumber,orderDate,requiredDate,shippedDate,status,comments,"
            + "customerNumber\nD,2026-11-18 15:00:01.000000,10145,2025-08-29,2025-09-08,,"
            + "In Process,,246\n");
    Path lake = dir.resolve("lake");
    Path definition = Repo.root().resolve("src/pipeline.yaml");
    CliRun first = CliRun.run(dir, lake, definition);
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    String deletedOrder =
        "SELECT count(*) FROM delta.`"
            + lake
            + "/_system/deleted_orders`"
            + " WHERE order_number = 10145";
    assertThat(spark.sql(deletedOrder).head().getLong(0)).isEqualTo(1);
    long erasedKeys = distinctKeysOfSubject(lake);

    Map<String, long[]> before = counts(lake); // table -> {rows, rows of the subject}
    assertThat(before.get("transformed.customers_history")[1]).isEqualTo(4);
    assertThat(before.get("transformed.payments")[1]).isEqualTo(8);
    assertThat(quarantinedOfSubject(lake)).isEqualTo(1);
    List<String> ips = subjectIps(lake);
    assertThat(ips).contains("203.0.113.246").hasSize(8);

    CliRun erased = erase(lake, definition, "--purge");

    assertThat(erased.code()).as(erased.out() + erased.err()).isZero();
    for (Map.Entry<String, long[]> e : before.entrySet()) {
      long[] now = count(lake, e.getKey());
      assertThat(now).as(e.getKey()).containsExactly(e.getValue()[0] - e.getValue()[1], 0);
      if (e.getKey().startsWith("consolidated.")
          || e.getKey().startsWith("transformed.")
              && !e.getKey().equals("transformed.customer_data")) {
        assertThat(erased.out())
            .as(e.getKey())
            .containsPattern(
                "erase +"
                    + Pattern.quote(e.getKey())
                    + " .* "
                    + e.getValue()[1]
                    + " row\\(s\\) of the subject removed");
      }
    }
    assertThat(quarantinedOfSubject(lake)).isZero();
    assertThat(spark.sql(deletedOrder).head().getLong(0)).isZero();
    assertThat(spark.read().format("delta").load(lake + "/_system/erased").count())
        .as(
            "one hashed key per key erased: the customer, its payments, transactions, orders, lines")
        .isEqualTo(erasedKeys);

    List<String> values = new ArrayList<>(UNIQUE);
    values.addAll(ips);
    assertThat(parquetHolding(lake, values, ID)).isEmpty();
    assertThat(otherFilesHolding(lake, values)).as("the Delta logs' statistics, ...").isEmpty();
    // The runs before the purge can no longer be read as they were; the erase's own can.
    CliRun runs =
        CliRun.dpf(
            "runs",
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString(),
            "--format",
            "json");
    assertThat(runs.out().lines().map(l -> l.replaceAll(".*\"restorable\":(true|false).*", "$1")))
        .containsExactly("true", "false");
    assertThat(runs.out().lines().findFirst().orElseThrow()).contains("maintain");

    // Delivered again: a DMS full load with the customer and a new one, a payment of it; the
    // ingest withholds the customer's records (the stages after it read only what it wrote).
    Files.writeString(
        raw.resolve("dms/classicmodels/customers/LOAD00000002.csv"),
        HEADER
            + "\n2026-11-21 09:00:00.000000,"
            + ROW
            + "83480.35\n"
            + "2026-11-21 09:00:00.000000,990,New Customer,Nowak,Ala,+48 22 000,1 Main St.,,"
            + "Warsaw,,00-001,Poland,,1000.00\n");
    Path later = raw.resolve("streaming/payments/2026/11/21/09");
    Files.createDirectories(later);
    Files.writeString(
        later.resolve("dpf-payments-1-2026-11-21-09-00-00-erase-2"),
        payment("e-3", 246, "203.0.113.246") + payment("e-4", 990, "198.51.100.9"));

    CliRun again =
        CliRun.dpf(
            "ingest",
            "--raw",
            raw.toString(),
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString());

    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out())
        .containsPattern(
            "ingest +consolidated.customers +2 read +1 written +0 quarantined +1 superseded .*1"
                + " record\\(s\\) of erased subjects withheld")
        .containsPattern(
            "ingest +consolidated.payments +2 read +1 written +0 quarantined +1 superseded .*1"
                + " record\\(s\\) of erased subjects withheld")
        .containsPattern("consolidated.customers +2 = 1 \\+ 0 \\+ 1 +ok");
    for (String table : before.keySet()) {
      assertThat(count(lake, table)[1]).as(table).isZero();
    }
    assertThat(quarantinedOfSubject(lake)).isZero();
    assertThat(
            spark
                .sql(
                    "SELECT count(*) FROM delta.`"
                        + lake
                        + "/consolidated/customers` WHERE"
                        + " customerNumber = '990'")
                .head()
                .getLong(0))
        .as("the new customer of the same load")
        .isEqualTo(1);
    assertThat(parquetHolding(lake, UNIQUE, ID)).isEmpty();
  }

  private static final String SMALL =
      """
      sources:
        customers: {kind: csv-files, path: files/customers}
        orders: {kind: csv-files, path: files/orders}
        lines: {kind: csv-files, path: files/lines}
      datasets:
        customers:
          source: customers
          key: [id]
          columns:
            id: {type: int, nullable: false}
            name: {type: string, pii: name}
        orders:
          source: orders
          key: [order_no]
          columns:
            order_no: {type: int, nullable: false}
            customer_id: {type: int, nullable: false}
            amount: "decimal(10,2)"
          quality:
            - {rule: references, column: customer_id, to: customers.id, action: warn}
            - {rule: range, column: amount, min: 0, action: quarantine}
        lines:
          source: lines
          key: [order_no, line]
          columns:
            order_no: {type: int, nullable: false}
            line: {type: int, nullable: false}
            sku: {type: string}
          quality:
            - {rule: references, column: order_no, to: orders.order_no, action: warn}
      models:
        small_orders:
          sql: models/small_orders.sql
          quality:
            - {rule: expect, name: small, expression: "amount < 500", action: quarantine}
      """;

  /**
   * A small lake worked by hand: customer 1 has orders 10, 11 (its model row quarantined: 700 is
   * not small) and 12 (quarantined by the transform: a negative amount), and lines 10/1, 10/2 and
   * 11/1 (a two-column key); customer 2 has orders 20 and 21 (quarantined by the model) and lines
   * 20/1 and 21/1. Erasing customer 1 leaves exactly customer 2's rows everywhere.
   */
  @Test
  void eraseFollowsReferencesThroughCompositeKeysAndQuarantines() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(definition, SMALL);
    Files.createDirectories(dir.resolve("models"));
    Files.writeString(
        dir.resolve("models/small_orders.sql"),
        "SELECT o.order_no, o.customer_id, o.amount FROM transformed.orders o"
            + " JOIN transformed.customers c ON o.customer_id = c.id");
    Path files = dir.resolve("raw/files");
    Files.createDirectories(files.resolve("customers"));
    Files.createDirectories(files.resolve("orders"));
    Files.createDirectories(files.resolve("lines"));
    Files.writeString(files.resolve("customers/1.csv"), "id,name\n1,Alice Erasable\n2,Bob Kept\n");
    Files.writeString(
        files.resolve("orders/1.csv"),
        "order_no,customer_id,amount\n10,1,100.00\n11,1,700.00\n12,1,-5.00\n20,2,50.00\n"
            + "21,2,800.00\n");
    Files.writeString(
        files.resolve("lines/1.csv"),
        "order_no,line,sku\n10,1,A\n10,2,B\n11,1,C\n20,1,D\n21,1,E\n");
    Path lake = dir.resolve("lake");
    CliRun run = CliRun.run(dir, lake, definition);
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    String[] args = {
      "erase",
      "customers",
      "id=1",
      "--lake",
      lake.toString(),
      "--definition",
      definition.toString(),
      "--master",
      "local[1]"
    };

    CliRun dry = CliRun.dpf(append(args, "--dry-run"));

    assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out())
        .isEqualTo(
            "dpf erase customers id=1 --dry-run: nothing written\n"
                + String.format("  %-40s %-16s %12s %12s%n", "table", "rows of", "rows", "remove")
                + dryLine("consolidated.customers", "customers", 2, 1)
                + dryLine("transformed.customers", "customers", 2, 1)
                + dryLine("quarantine.records", "customers", 3, 0)
                + dryLine("consolidated.orders", "orders", 5, 3)
                + dryLine("transformed.orders", "orders", 4, 2)
                + dryLine("quarantine.records", "orders", 3, 1)
                + dryLine("consolidated.lines", "lines", 5, 3)
                + dryLine("transformed.lines", "lines", 5, 3)
                + dryLine("quarantine.records", "lines", 3, 0)
                + dryLine("quarantine.records", "small_orders", 3, 1)
                + "15 row(s) would be removed\n");

    CliRun erased = CliRun.dpf(args);

    assertThat(erased.code()).as(erased.out() + erased.err()).isZero();
    assertThat(rows(lake, "consolidated/customers", "id")).containsExactly("2");
    assertThat(rows(lake, "transformed/customers", "id")).containsExactly("2");
    assertThat(rows(lake, "consolidated/orders", "order_no")).containsExactly("20", "21");
    assertThat(rows(lake, "transformed/orders", "order_no")).containsExactly("20", "21");
    assertThat(rows(lake, "consolidated/lines", "concat(order_no, '/', line)"))
        .containsExactly("20/1", "21/1");
    assertThat(rows(lake, "transformed/lines", "concat(order_no, '/', line)"))
        .containsExactly("20/1", "21/1");
    assertThat(rows(lake, "curated/small_orders", "order_no")).containsExactly("20");
    assertThat(rows(lake, "quarantine/records", "concat(stage, ' ', dataset, ' ', record)"))
        .containsExactly(
            "curate small_orders {\"order_no\":21,\"customer_id\":2,\"amount\":800.00}");
    assertThat(rows(lake, "_system/erased", "dataset"))
        .as("customer 1, orders 10, 11 and 12, lines 10/1, 10/2 and 11/1")
        .containsExactly("customers", "lines", "lines", "lines", "orders", "orders", "orders");
    // A restore to the run before the erase would bring the customer back: refused.
    String before =
        rows(lake, "_system/runs", "run_id").stream()
            .filter(id -> !erased.out().contains(id))
            .findFirst()
            .orElseThrow();
    CliRun restore =
        CliRun.dpf(
            "restore",
            "--to-run",
            before,
            "--dry-run",
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString());
    assertThat(restore.code()).isEqualTo(1);
    assertThat(restore.err())
        .contains("Cannot restore to run " + before + ": the erase run ")
        .contains("would bring the subject's rows back");

    // Erased earlier, purged now: the files of every version that held the customer go.
    List<String> values = List.of("Alice Erasable");
    assertThat(parquetHolding(lake, values, null)).isNotEmpty();
    CliRun purged = CliRun.dpf(append(args, "--purge"));

    assertThat(purged.code()).as(purged.out() + purged.err()).isZero();
    assertThat(purged.out()).contains("purged: on disk");
    assertThat(parquetHolding(lake, values, null)).isEmpty();
    assertThat(otherFilesHolding(lake, values)).isEmpty();
    assertThat(rows(lake, "transformed/orders", "order_no")).containsExactly("20", "21");
  }

  private static String dryLine(String table, String of, long rows, long remove) {
    return String.format("  %-40s %-16s %,12d %,12d%n", table, of, rows, remove);
  }

  private static String[] append(String[] args, String more) {
    List<String> out = new ArrayList<>(List.of(args));
    out.add(more);
    return out.toArray(String[]::new);
  }

  /** One SQL expression over every row of a table, as text, sorted. */
  private List<String> rows(Path lake, String table, String expression) {
    return spark
        .sql(
            "SELECT CAST("
                + expression
                + " AS STRING) FROM delta.`"
                + lake
                + "/"
                + table
                + "`"
                + " ORDER BY 1")
        .as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
  }

  private static String payment(String id, int customer, String ip) {
    return "{\"payment_id\":\""
        + id
        + "\",\"payment_time\":\"2026-11-20T09:00:00.000Z\","
        + "\"customer_id\":"
        + customer
        + ",\"payment_amount\":10.00,\"ipv4_address\":\""
        + ip
        + "\"}\n";
  }

  private static CliRun erase(Path lake, Path definition, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "erase",
                "customers",
                "customer_id=" + SUBJECT,
                "--lake",
                lake.toString(),
                "--definition",
                definition.toString(),
                "--master",
                "local[1]"));
    args.addAll(List.of(more));
    return CliRun.dpf(args.toArray(String[]::new));
  }

  private static void copySample(Path raw) throws Exception {
    Path sample = Repo.root().resolve("sample-data");
    try (var files = Files.walk(sample)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path to = raw.resolve(sample.relativize(f).toString());
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
    }
  }

  private Map<String, long[]> counts(Path lake) {
    Map<String, long[]> out = new LinkedHashMap<>();
    OF_SUBJECT.keySet().forEach(t -> out.put(t, count(lake, t)));
    return out;
  }

  /** The table's rows, and its rows of the subject. */
  private long[] count(Path lake, String table) {
    String from = "FROM delta.`" + lake + "/" + table.replace('.', '/') + "`";
    return new long[] {
      spark.sql("SELECT count(*) " + from).head().getLong(0),
      spark
          .sql("SELECT count(*) " + from + " WHERE " + OF_SUBJECT.get(table).formatted(lake))
          .head()
          .getLong(0)
    };
  }

  /** The keys of the subject's rows in the consolidated tables, by plain SQL on their text. */
  private long distinctKeysOfSubject(Path lake) {
    String orders = OF_SUBJECT.get("consolidated.orderdetails").formatted(lake);
    return spark
        .sql(
            "SELECT (SELECT count(DISTINCT trim(customerNumber)) FROM delta.`%1$s/consolidated/customers` WHERE trim(customerNumber) = '246')"
                    .formatted(lake)
                + " + (SELECT count(DISTINCT payment_id) FROM delta.`%1$s/consolidated/payments` WHERE trim(customer_id) = '246')"
                    .formatted(lake)
                + " + (SELECT count(DISTINCT transaction_id) FROM delta.`%1$s/consolidated/transactions` WHERE trim(customer_id) = '246')"
                    .formatted(lake)
                + " + (SELECT count(DISTINCT trim(orderNumber)) FROM delta.`%1$s/consolidated/orders` WHERE trim(customerNumber) = '246')"
                    .formatted(lake)
                + " + (SELECT count(DISTINCT trim(orderNumber), trim(productCode)) FROM delta.`%1$s/consolidated/orderdetails` WHERE "
                    .formatted(lake)
                + orders
                + ")")
        .head()
        .getLong(0);
  }

  private long quarantinedOfSubject(Path lake) {
    return spark
        .sql(
            "SELECT count(*) FROM delta.`"
                + lake
                + "/quarantine/records` WHERE record LIKE '%\"customerNumber\":\"246\"%'")
        .head()
        .getLong(0);
  }

  private List<String> subjectIps(Path lake) {
    return spark
        .sql(
            "SELECT DISTINCT ipv4_address FROM delta.`"
                + lake
                + "/transformed/payments` WHERE customer_id = 246 AND ipv4_address NOT IN"
                + " (SELECT ipv4_address FROM delta.`"
                + lake
                + "/transformed/payments` WHERE customer_id <> 246)")
        .as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
  }

  /** The files under the lake but Parquet files (Delta logs, checksums, ...) with a value. */
  private static List<String> otherFilesHolding(Path lake, List<String> values) throws Exception {
    List<String> out = new ArrayList<>();
    try (var walk = Files.walk(lake)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        if (!f.getFileName().toString().endsWith(".parquet")) {
          String text = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8);
          values.stream()
              .filter(text::contains)
              .forEach(v -> out.add(lake.relativize(f) + ": " + v));
        }
      }
    }
    return out;
  }

  /**
   * The Parquet files under the lake (data files of every version, checkpoints of the Delta logs)
   * with a row that holds one of {@code values} in any column, or the subject's id in a column
   * named for it; each file read on its own, every row as JSON.
   */
  private List<String> parquetHolding(Path lake, List<String> values, Pattern id) throws Exception {
    List<String> out = new ArrayList<>();
    List<Path> files;
    try (var walk = Files.walk(lake)) {
      files = walk.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
    }
    assertThat(files).hasSizeGreaterThan(10);
    for (Path f : files) {
      Dataset<Row> rows = spark.read().parquet(f.toString());
      for (String json : rows.toJSON().collectAsList()) {
        if ((id != null && id.matcher(json).find()) || values.stream().anyMatch(json::contains)) {
          out.add(lake.relativize(f) + ": " + json);
        }
      }
    }
    return out;
  }
}
