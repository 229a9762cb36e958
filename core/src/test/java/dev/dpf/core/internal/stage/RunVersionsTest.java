package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.LakeRuns;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's state, kept: every table's version at each run's end ({@code _system.manifests}), read
 * back as one state ({@code --as-of-run}) and restored as a whole (undo a run), on hand-written
 * deliveries of all three source kinds (a DMS full load and changes with a delete, Firehose events
 * with a re-delivery, partner files), with an SCD2 history, a quarantined record and two models.
 */
class RunVersionsTest {
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
          history: scd2
          columns:
            customer_id:  {from: customerNumber, type: int, nullable: false}
            name:         {type: string}
            country:      {type: string}
            credit_limit: {type: "decimal(10,2)"}
          quality:
            - {rule: range, column: credit_limit, min: 0, action: quarantine}
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
            transaction_id: {type: string, nullable: false}
            customer_id:    {type: int, nullable: false}
            amount:         {type: "decimal(12,2)", nullable: false}
      models:
        by_country: {sql: models/by_country.sql}
        customer_totals: {sql: models/customer_totals.sql}
      """;

  private static final String BY_COUNTRY =
      "SELECT country, count(*) AS customers, sum(credit_limit) AS credit"
          + " FROM transformed.customers GROUP BY country";

  /** A deployment's mistake: valid SQL, wrong numbers. */
  private static final String BY_COUNTRY_WRONG =
      "SELECT country, count(*) AS customers, sum(credit_limit) * 10 AS credit"
          + " FROM transformed.customers GROUP BY country";

  private static final String CUSTOMER_TOTALS =
      "SELECT c.customer_id, c.name, coalesce(sum(p.payment_amount), 0) AS paid"
          + " FROM transformed.customers c LEFT JOIN transformed.payments p"
          + " ON p.customer_id = c.customer_id GROUP BY c.customer_id, c.name";

  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  @Test
  void aRestoredLakeRunWithTheFixedModelEqualsALakeThatNeverHadTheMistake() throws IOException {
    PipelineDefinition definition = define(BY_COUNTRY);
    Lake a = new Lake(spark, dir.resolve("a").toString());
    Lake b = new Lake(spark, dir.resolve("b").toString());
    firstDeliveries();
    run(definition, a, "a1");
    run(definition, b, "b1");
    Map<TableName, List<String>> afterA1 = state(a);
    afterA1.remove(SystemTables.MANIFESTS);
    secondDeliveries();

    run(define(BY_COUNTRY_WRONG), a, "a2");
    // USA, Spain and Italy (Dee's negative limit is quarantined).
    assertThat(a.read(new TableName(Zone.CURATED, "by_country")).count()).isEqualTo(3);
    List<Pipeline.RestoreStep> plan = pipeline(definition, a, "a3").planRestore("a1");
    Map<String, Pipeline.RestoreStep> planned = new TreeMap<>();
    plan.forEach(s -> planned.put(s.table(), s));
    // Hand-counted: after a1, 3 customers (4 quarantined), 3 payments; after a2, 3 (one
    // deleted, one inserted), 4 payments.
    assertThat(planned.get("transformed.customers"))
        .extracting(
            Pipeline.RestoreStep::action,
            Pipeline.RestoreStep::rowsNow,
            Pipeline.RestoreStep::rowsThen)
        .containsExactly("restore", 3L, 3L);
    assertThat(planned.get("transformed.payments"))
        .extracting(
            Pipeline.RestoreStep::action,
            Pipeline.RestoreStep::rowsNow,
            Pipeline.RestoreStep::rowsThen)
        .containsExactly("restore", 4L, 3L);
    assertThat(planned).doesNotContainKeys("_system.runs", "_system.quality", "_system.manifests");
    assertThat(planned)
        .containsKeys(
            "_system.ingest_files",
            "_system.transform_log",
            "quarantine.records",
            "consolidated.customers");

    List<TableResult> restored = pipeline(definition, a, "a3").restore("a1");
    assertThat(restored).allMatch(r -> r.stage().label().equals("restore"));
    // A restore run again finds everything done.
    List<TableResult> again = pipeline(definition, a, "a3b").restore("a1");
    assertThat(again).allMatch(r -> r.status() == TableResult.Status.UP_TO_DATE, "up to date");
    run(definition, a, "a4");
    run(definition, b, "b2");

    // What b's second run changed, hand-counted from the deliveries: (inserted, updated, deleted).
    Map<String, Pipeline.TableDiff> diff = new TreeMap<>();
    pipeline(definition, b, "diff").diff("b1", "b2", 3).forEach(d -> diff.put(d.table(), d));
    assertThat(diff.get("transformed.customers"))
        .extracting(
            Pipeline.TableDiff::inserted,
            Pipeline.TableDiff::updated,
            Pipeline.TableDiff::deleted,
            Pipeline.TableDiff::examples)
        .containsExactly(
            1L, 1L, 1L, List.of("+ customer_id=5", "~ customer_id=2", "- customer_id=3"));
    assertThat(diff.get("transformed.customers").method()).isEqualTo("change data feed");
    assertThat(counts(diff.get("transformed.payments"))).containsExactly(1L, 1L, 0L);
    assertThat(diff.get("transformed.payments").examples())
        .containsExactly("+ payment_id=p4", "~ payment_id=p1");
    assertThat(counts(diff.get("transformed.transactions"))).containsExactly(1L, 0L, 0L);
    assertThat(diff.get("transformed.transactions").method()).isEqualTo("keyed comparison");
    // Bob's and Eve's versions start; Bob's first and Cho's end.
    assertThat(counts(diff.get("transformed.customers_history"))).containsExactly(2L, 2L, 0L);
    assertThat(counts(diff.get("consolidated.customers"))).containsExactly(3L, 0L, 0L);
    // Whole rows: France and Japan go, Spain and Italy come; Ann's total and Cho go, Ann's new
    // total and Eve come.
    assertThat(counts(diff.get("curated.by_country"))).containsExactly(2L, 0L, 2L);
    assertThat(diff.get("curated.by_country").method()).isEqualTo("row comparison");
    assertThat(counts(diff.get("curated.customer_totals"))).containsExactly(2L, 0L, 2L);
    assertThat(diff).doesNotContainKeys("_system.runs", "_system.manifests");

    Set<TableName> tablesA = tables(a);
    assertThat(tablesA).isEqualTo(tables(b));
    for (TableName table : tablesA) {
      if (Set.of(SystemTables.RUNS, SystemTables.QUALITY, SystemTables.MANIFESTS).contains(table)) {
        continue;
      }
      try {
        DatasetAssert.diff(
            DatasetAssert.rowsAsText(comparable(b.read(table))),
            DatasetAssert.rowsAsText(comparable(a.read(table))));
      } catch (AssertionError e) {
        throw new AssertionError(table + ": " + e.getMessage(), e);
      }
    }
    // After three more runs, every table reads as a1 left it, through SQL and through the lake
    // (the docs site's reads); the manifest's table is not part of a run's state.
    Lake atA1 = a.asOf(new LakeRuns(a).versionsAt("a1"));
    assertThat(tables(atA1)).isEqualTo(afterA1.keySet());
    a.useInSql(); // the session's SQL last named b's tables
    new LakeRuns(a).pin("a1");
    try {
      for (var e : afterA1.entrySet()) {
        DatasetAssert.diff(e.getValue(), DatasetAssert.rowsAsText(atA1.read(e.getKey())));
        DatasetAssert.diff(
            e.getValue(), DatasetAssert.rowsAsText(spark.table(e.getKey().toString())));
        assertThat(atA1.rows(e.getKey())).isEqualTo(e.getValue().size());
      }
    } finally {
      new LakeRuns(a).unpin();
    }
    // The restore is a run of its own in the log.
    assertThat(
            new LakeRuns(a)
                .runs().select("run_id", "stages").collectAsList().stream()
                    .map(r -> r.getString(0) + ":" + r.getString(1))
                    .toList())
        .containsExactly(
            "a4:ingest,transform,curate",
            "a3:restore",
            "a2:ingest,transform,curate",
            "a1:ingest,transform,curate");
  }

  private static List<Long> counts(Pipeline.TableDiff d) {
    return List.of(d.inserted(), d.updated(), d.deleted());
  }

  /** The rows of every table of the lake, by table. */
  static Map<TableName, List<String>> state(Lake lake) {
    Map<TableName, List<String>> out =
        new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    for (TableName t : tables(lake)) {
      out.put(t, DatasetAssert.rowsAsText(lake.read(t)));
    }
    return out;
  }

  private static Set<TableName> tables(Lake lake) {
    Set<TableName> out = new java.util.TreeSet<>(java.util.Comparator.comparing(Object::toString));
    for (Zone zone : Zone.values()) {
      out.addAll(lake.tables(zone));
    }
    return out;
  }

  /**
   * The rows without what differs between two lakes given the same deliveries: run ids and the
   * times the runs stamped.
   */
  private static Dataset<Row> comparable(Dataset<Row> rows) {
    List<Column> kept = new ArrayList<>();
    for (StructField f : rows.schema().fields()) {
      String n = f.name();
      boolean stamped =
          n.equals("run_id")
              || n.equals("_run_id")
              || (f.dataType().equals(DataTypes.TimestampType)
                  && (n.startsWith("_") || n.endsWith("_at") || n.startsWith("valid_")));
      Column c = rows.col("`" + n + "`");
      if (f.dataType().equals(DataTypes.StringType)) {
        // A quarantined record's text carries the run's lineage too.
        c =
            org.apache
                .spark
                .sql
                .functions
                .regexp_replace(c, "\"_(run_id|ingested_at)\":\"[^\"]*\"", "")
                .as(n);
      }
      if (!stamped) {
        kept.add(c);
      }
    }
    return rows.select(kept.toArray(Column[]::new));
  }

  private PipelineDefinition define(String byCountry) throws IOException {
    Files.createDirectories(dir.resolve("def/models"));
    Files.writeString(dir.resolve("def/models/by_country.sql"), byCountry);
    Files.writeString(dir.resolve("def/models/customer_totals.sql"), CUSTOMER_TOTALS);
    Files.writeString(dir.resolve("def/pipeline.yaml"), DEFINITION);
    return Definitions.load(dir.resolve("def/pipeline.yaml"));
  }

  private Pipeline pipeline(PipelineDefinition definition, Lake lake, String runId) {
    return Pipeline.builder(spark, definition, lake)
        .run(runId, Instant.now())
        .piiKey("run versions test key, not a secret")
        .build();
  }

  private List<TableResult> run(PipelineDefinition definition, Lake lake, String runId) {
    return pipeline(definition, lake, runId)
        .run(
            RawRoot.open(
                dir.resolve("raw").toString(), spark.sparkContext().hadoopConfiguration()));
  }

  private void write(String path, String content) throws IOException {
    Path p = dir.resolve("raw").resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private void firstDeliveries() throws IOException {
    write(
        "dms/customers/LOAD00000001.csv",
        """
        ts,customerNumber,name,country,credit_limit
        2026-11-18 09:00:00.000000,1,Ann,USA,100.00
        2026-11-18 09:00:00.000000,2,Bob,France,200.00
        2026-11-18 09:00:00.000000,3,Cho,Japan,300.00
        2026-11-18 09:00:00.000000,4,Dee,USA,-5.00
        """);
    write(
        "streaming/payments/2026/11/18/10/part-1",
        """
        {"payment_id":"p1","payment_time":"2026-11-18T10:00:00Z","customer_id":1,"payment_amount":10.00}
        {"payment_id":"p2","payment_time":"2026-11-18T10:05:00Z","customer_id":2,"payment_amount":20.00}
        {"payment_id":"p3","payment_time":"2026-11-18T10:10:00Z","customer_id":1,"payment_amount":5.00}
        """);
    write("files/transactions/t1.csv", "transaction_id,customer_id,amount\nt1,1,7.00\nt2,3,9.00\n");
  }

  /** Customer 2 moves to Spain, 3 is deleted, 5 is new; p4 is new and p1 re-delivered. */
  private void secondDeliveries() throws IOException {
    write(
        "dms/customers/2026/11/19/20261119-100000000.csv",
        """
        Op,ts,customerNumber,name,country,credit_limit
        U,2026-11-19 10:00:00.000000,2,Bob,Spain,200.00
        D,2026-11-19 10:00:00.000000,3,Cho,Japan,300.00
        I,2026-11-19 10:00:00.000000,5,Eve,Italy,500.00
        """);
    write(
        "streaming/payments/2026/11/19/10/part-2",
        """
        {"payment_id":"p4","payment_time":"2026-11-19T10:00:00Z","customer_id":5,"payment_amount":50.00}
        {"payment_id":"p1","payment_time":"2026-11-19T10:01:00Z","customer_id":1,"payment_amount":11.00}
        """);
    write("files/transactions/t2.csv", "transaction_id,customer_id,amount\nt3,2,4.00\n");
  }

  /** Customer 1's credit limit rises. */
  private void thirdDeliveries() throws IOException {
    write(
        "dms/customers/2026/11/20/20261120-100000000.csv",
        """
        Op,ts,customerNumber,name,country,credit_limit
        U,2026-11-20 10:00:00.000000,1,Ann,USA,150.00
        """);
  }
}
