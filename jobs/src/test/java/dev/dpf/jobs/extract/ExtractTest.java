package dev.dpf.jobs.extract;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dpf.core.testing.RawFiles;
import dev.dpf.core.testing.Repo;
import dev.dpf.jobs.testing.CliRun;
import dev.dpf.jobs.testing.MariaDb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf extract} against a MariaDB server loaded with the blueprint's classicmodels database:
 * the full load matches the database table by table (row counts and a checksum the database
 * computes itself), later changes arrive as CDC files, and the pipeline runs on the result.
 */
class ExtractTest {
  /** The 8 tables of classicmodels.sql and their row counts there. */
  private static final Map<String, Integer> TABLES = new LinkedHashMap<>();

  static {
    TABLES.put("customers", 122);
    TABLES.put("employees", 23);
    TABLES.put("offices", 7);
    TABLES.put("orderdetails", 2996);
    TABLES.put("orders", 326);
    TABLES.put("payments", 273);
    TABLES.put("productlines", 7);
    TABLES.put("products", 110);
  }

  private static final String PASSWORD_ENV = "DPF_TEST_DB_PASSWORD";

  @TempDir static Path dir;
  private static MariaDb db;

  @BeforeAll
  static void start() throws Exception {
    db = MariaDb.start(dir);
    db.load(Repo.seedData().resolve("classicmodels.sql"));
    // A last-modified column, as a table read incrementally needs; and a read-only user.
    db.sql(
        "ALTER TABLE classicmodels.customers ADD COLUMN updated_at TIMESTAMP(6) NOT NULL"
            + " DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6);\n"
            + "CREATE USER 'dpf'@'127.0.0.1' IDENTIFIED BY '"
            + System.getenv(PASSWORD_ENV)
            + "';\n"
            + "GRANT SELECT ON classicmodels.* TO 'dpf'@'127.0.0.1';\n");
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  /** Extracts all 8 tables as the test's read-only user, customers by its watermark column. */
  private static CliRun extract(Path raw) {
    return extract(
        raw,
        PASSWORD_ENV,
        String.join(",", TABLES.keySet()),
        "--watermark",
        "updated_at",
        "--rows-per-partition",
        "1000",
        "--master",
        "local[2]");
  }

  private static CliRun extract(Path raw, String passwordEnv, String tables, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "extract",
                "--jdbc",
                db.jdbcUrl("classicmodels"),
                "--user",
                "dpf",
                "--password-env",
                passwordEnv,
                "--tables",
                tables,
                "--out",
                raw.toString()));
    args.addAll(List.of(more));
    return dpf(args.toArray(String[]::new));
  }

  @Test
  void fullLoadThenChangesAsCdcFilesThenThePipeline() throws Exception {
    Path raw = dir.resolve("raw");
    CliRun first = extract(raw);
    assertThat(first.err()).isEmpty();
    assertThat(first.code()).isZero();

    for (var t : TABLES.entrySet()) {
      Path folder = raw.resolve("dms/classicmodels/" + t.getKey());
      List<List<String>> rows = new ArrayList<>();
      List<String> loads;
      try (Stream<Path> files = Files.list(folder)) {
        loads = files.map(p -> p.getFileName().toString()).sorted().toList();
      }
      for (String load : loads) {
        List<List<String>> records = RawFiles.csvWithNulls(RawFiles.read(folder.resolve(load)));
        assertThat(records.get(0).get(0)).isEqualTo("dms_timestamp");
        rows.addAll(records.subList(1, records.size()));
      }
      assertThat(rows).as(t.getKey()).hasSize(t.getValue());
      assertThat(checksum(rows)).as(t.getKey()).isEqualTo(dbChecksum(t.getKey()));
      assertThat(first.out())
          .contains(
              String.format(
                  "extract: classicmodels.%s full load, %,d row(s) -> dms/classicmodels/%s (%d"
                      + " file(s))",
                  t.getKey(), t.getValue(), t.getKey(), loads.size()));
      if (t.getKey().equals("orderdetails")) {
        // 2,996 rows at about 1,000 per read: three key ranges, three LOAD files.
        assertThat(loads)
            .containsExactly("LOAD00000001.csv", "LOAD00000002.csv", "LOAD00000003.csv");
      } else {
        assertThat(loads).containsExactly("LOAD00000001.csv");
      }
    }
    System.out.print(first.out());

    // Changes in the database: customers has a watermark column (read incrementally), orders and
    // orderdetails do not (read and compared in full).
    db.sql(
        "SET FOREIGN_KEY_CHECKS=0;\n"
            + "UPDATE classicmodels.customers SET creditLimit = 99999.99 WHERE customerNumber ="
            + " 103;\n"
            + "INSERT INTO classicmodels.customers (customerNumber, customerName, contactLastName,"
            + " contactFirstName, phone, addressLine1, city, country, creditLimit) VALUES (500,"
            + " 'Lakehouse Models, Ltd.', 'Quinn', 'Ada', '555 0100', '1 Delta Way', 'Boston',"
            + " 'USA', 1000.00);\n"
            + "DELETE FROM classicmodels.customers WHERE customerNumber = 125;\n"
            + "UPDATE classicmodels.orders SET status = 'Resolved' WHERE orderNumber = 10100;\n"
            + "DELETE FROM classicmodels.orderdetails WHERE orderNumber = 10100 AND productCode ="
            + " 'S18_1749';\n");
    CliRun second = extract(raw);
    assertThat(second.err()).isEmpty();
    System.out.print(second.out());
    assertThat(second.out())
        .contains(
            "extract: classicmodels.customers 3 change(s) (1 D, 1 I, 1 U) ->"
                + " dms/classicmodels/customers/",
            "extract: classicmodels.orders 1 change(s) (1 U) -> dms/classicmodels/orders/",
            "extract: classicmodels.orderdetails 1 change(s) (1 D) ->"
                + " dms/classicmodels/orderdetails/",
            "extract: classicmodels.products no changes",
            "extract: classicmodels.payments no changes");
    List<List<String>> cdc = cdcRows(raw.resolve("dms/classicmodels/customers"));
    assertThat(cdc.get(0).subList(0, 3)).containsExactly("Op", "dms_timestamp", "customerNumber");
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (List<String> row : cdc.subList(1, cdc.size())) {
      byKey.put(row.get(0) + " " + row.get(2), row);
    }
    assertThat(byKey.keySet()).containsExactlyInAnyOrder("U 103", "I 500", "D 125");
    // A delete carries the row's last values, as DMS writes a delete's before-image.
    assertThat(byKey.get("D 125").get(3)).isEqualTo("Havel & Zbyszek Co");
    assertThat(byKey.get("U 103").get(cdc.get(0).indexOf("creditLimit"))).isEqualTo("99999.99");
    assertThat(byKey.get("I 500").get(3)).isEqualTo("Lakehouse Models, Ltd.");
    List<List<String>> orders = cdcRows(raw.resolve("dms/classicmodels/orders"));
    assertThat(orders.get(1).subList(0, 1)).containsExactly("U");
    assertThat(orders.get(1).get(2)).isEqualTo("10100");
    assertThat(orders.get(1).get(orders.get(0).indexOf("status"))).isEqualTo("Resolved");

    int files = RawFiles.under(raw.resolve("dms")).size();
    CliRun third = extract(raw);
    assertThat(third.code()).isZero();
    for (String table : TABLES.keySet()) {
      assertThat(third.out()).contains("extract: classicmodels." + table + " no changes");
    }
    assertThat(RawFiles.under(raw.resolve("dms")).size()).isEqualTo(files);

    // The pipeline on the result: the project's definition, its DMS part (sources, datasets).
    Path definition = dmsPart(Repo.root().resolve("src/pipeline.yaml"), dir.resolve("dms.yaml"));
    Path lake = dir.resolve("lake");
    CliRun run =
        dpf(
            "run",
            "--raw",
            raw.toString(),
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString(),
            "--master",
            "local[2]");
    assertThat(run.code()).as(run.err()).isZero();
    CliRun sql =
        dpf(
            "sql",
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString(),
            "--format",
            "csv",
            "SELECT (SELECT count(*) FROM transformed.customers) customers,"
                + " (SELECT credit_limit FROM transformed.customers WHERE customer_id = 103) c103,"
                + " (SELECT count(*) FROM transformed.customers WHERE customer_id = 125) c125,"
                + " (SELECT customer_name FROM transformed.customers WHERE customer_id = 500) c500,"
                + " (SELECT count(*) FROM transformed.customers_history WHERE customer_id = 103)"
                + " h103, (SELECT count(*) FROM transformed.orders) orders,"
                + " (SELECT status FROM transformed.orders WHERE order_number = 10100) o10100,"
                + " (SELECT count(*) FROM transformed.order_lines) lines,"
                + " (SELECT count(*) FROM transformed.products) products");
    assertThat(sql.err()).isEmpty();
    // 122 - 1 deleted + 1 inserted; 103's two versions; 2,996 - 1 order lines.
    assertThat(sql.out())
        .isEqualTo(
            "customers,c103,c125,c500,h103,orders,o10100,lines,products\n"
                + "122,99999.99,0,\"Lakehouse Models, Ltd.\",2,326,Resolved,2995,110\n");
  }

  private static List<List<String>> cdcRows(Path table) {
    List<Path> cdc =
        RawFiles.under(table).stream()
            .filter(p -> !p.getFileName().toString().startsWith("LOAD"))
            .toList();
    assertThat(cdc).hasSize(1);
    assertThat(table.relativize(cdc.get(0)).toString())
        .matches("\\d{4}/\\d{2}/\\d{2}/\\d{8}-\\d{9}\\.csv");
    return RawFiles.csvWithNulls(RawFiles.read(cdc.get(0)));
  }

  @Test
  void aMissingTableOrAWrongPasswordIsOneLineBeforeAnythingIsWritten() {
    Path raw = dir.resolve("raw-errors");
    CliRun missing = extract(raw, PASSWORD_ENV, "customers,customer");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .isEqualTo(
            "dpf: Table classicmodels.customer does not exist (tables there: [customers,"
                + " employees, offices, orderdetails, orders, payments, productlines,"
                + " products])\n");
    // A variable that holds something else than the password.
    CliRun denied = extract(raw, "HOME", "customers");
    assertThat(denied.code()).isEqualTo(1);
    assertThat(denied.err())
        .startsWith("dpf: Cannot connect to " + db.jdbcUrl("classicmodels") + " as dpf: ")
        .contains("Access denied for user 'dpf'@'127.0.0.1'");
    CliRun unset = extract(raw, "DPF_NO_SUCH_VARIABLE", "customers");
    assertThat(unset.err())
        .isEqualTo(
            "dpf: --password-env DPF_NO_SUCH_VARIABLE: that environment variable is not set\n");
    assertThat(raw).doesNotExist();
  }

  /** The definition's DMS sources and the datasets made from them; no models. */
  private static Path dmsPart(Path definition, Path out) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ObjectNode root = (ObjectNode) yaml.readTree(definition.toFile());
    ObjectNode sources = (ObjectNode) root.get("sources");
    sources.properties().removeIf(e -> !e.getValue().path("kind").asText().equals("dms"));
    ObjectNode datasets = (ObjectNode) root.get("datasets");
    datasets.properties().removeIf(e -> !sources.has(e.getValue().path("source").asText()));
    root.remove("models");
    yaml.writeValue(out.toFile(), root);
    return out;
  }

  /** The database's own checksum of a table: row count and sum of CRC32 of each row's text. */
  private static String dbChecksum(String table) throws Exception {
    String columns =
        db.sql(
                "SELECT GROUP_CONCAT(IF(DATA_TYPE LIKE '%blob', CONCAT('HEX(`', COLUMN_NAME,"
                    + " '`)'), CONCAT('`', COLUMN_NAME, '`')) ORDER BY ORDINAL_POSITION SEPARATOR"
                    + " '|') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='classicmodels'"
                    + " AND TABLE_NAME='"
                    + table
                    + "';")
            .strip();
    StringBuilder concat = new StringBuilder("CONCAT_WS('|'");
    for (String c : columns.split("\\|")) {
      concat.append(", COALESCE(").append(c).append(", '\\\\N')");
    }
    concat.append(")");
    return db.sql(
            "SELECT CONCAT(COUNT(*), ' ', COALESCE(SUM(CRC32(CONVERT("
                + concat
                + " USING utf8mb4))), 0)) FROM classicmodels."
                + table
                + ";")
        .strip();
  }

  /** The same checksum over extracted rows (without their leading dms_timestamp). */
  private static String checksum(List<List<String>> rows) {
    long sum = 0;
    for (List<String> row : rows) {
      List<String> values = new ArrayList<>();
      for (String v : row.subList(1, row.size())) {
        values.add(v == null ? "\\N" : v);
      }
      CRC32 crc = new CRC32();
      crc.update(String.join("|", values).getBytes(StandardCharsets.UTF_8));
      sum += crc.getValue();
    }
    return rows.size() + " " + sum;
  }
}
