package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed records are quarantined with their reason; counts reconcile; a re-run adds nothing. */
class BadInputTest {
  private final SparkSession spark = SparkExtension.session();
  private final PipelineDefinition definition =
      Definitions.load(Repo.root().resolve("src/pipeline.yaml"));

  private static final String BROKEN_JSON = "{\"payment_id\":\"p3\",\"payment_time\":";

  private static void write(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  @Test
  void quarantinesBadRecordsWithReasonsAndReconciles(@TempDir Path raw, @TempDir Path lakeDir)
      throws Exception {
    write(
        raw.resolve("streaming/payments/2026/11/18/10/obj-1"),
        "{\"payment_id\":\"p1\",\"payment_time\":\"2026-11-18T10:00:00Z\",\"customer_id\":1,\"payment_amount\":1.50}\n"
            + BROKEN_JSON
            + "\n"
            + "{\"payment_id\":\"p2\",\"payment_time\":\"2026-11-18T10:00:01Z\",\"customer_id\":2,"
            + "\"payment_amount\":\"abc\"}\n");
    write(
        raw.resolve("files/transactions/t.csv"),
        "customer_id,transaction_id,amount,account_number,date,approved\r\n"
            + "1,T1,10.00,0012345,2/28/2021,TRUE\r\n"
            + "2,T2,11.00,0012346,2/30/2021,FALSE\r\n");
    Lake lake = new Lake(spark, lakeDir.toString());

    List<TableResult> first = run(lake, raw, "r1");

    assertThat(first)
        .extracting(
            TableResult::table,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .contains(
            tuple("consolidated.payments", 3L, 2L, 1L),
            tuple("consolidated.transactions", 2L, 2L, 0L),
            tuple("transformed.payments", 2L, 1L, 1L),
            tuple("transformed.transactions", 2L, 1L, 1L));
    List<String> quarantine =
        List.of(
            "ingest|payments|truncated JSON record: Unexpected end-of-input within/between Object"
                + " entries|"
                + BROKEN_JSON
                + "|streaming/payments/2026/11/18/10/obj-1|r1",
            "transform|payments|payment_amount: cannot parse 'abc' as decimal(12,2)|{\"payment_id\":\"p2\","
                + "\"payment_time\":\"2026-11-18T10:00:01Z\",\"customer_id\":\"2\",\"payment_amount\":\"abc\","
                + "\"_source_file\":\"streaming/payments/2026/11/18/10/obj-1\",\"_row_number\":3,"
                + "\"_batch_id\":1,\"_ingested_at\":"
                + "\"2026-11-24T00:00:00.000Z\",\"_run_id\":\"r1\"}|streaming/payments/2026/11/18/10/obj-1|r1",
            "transform|transactions|transaction_date: cannot parse '2/30/2021' as date (format M/d/yyyy)|"
                + "{\"customer_id\":\"2\",\"transaction_id\":\"T2\",\"amount\":\"11.00\",\"account_number\":"
                + "\"0012346\",\"date\":\"2/30/2021\",\"approved\":\"FALSE\",\"_source_file\":"
                + "\"files/transactions/t.csv\",\"_row_number\":2,\"_batch_id\":1,"
                + "\"_ingested_at\":\"2026-11-24T00:00:00.000Z\",\"_run_id\":\"r1\"}"
                + "|files/transactions/t.csv|r1");
    assertQuarantine(lake, quarantine);

    // A second run: nothing new to ingest or transform; the quarantine is left as it was.
    List<TableResult> second = run(lake, raw, "r2");
    assertThat(second.subList(0, 6)) // three sources, three datasets
        .extracting(TableResult::status)
        .containsOnly(TableResult.Status.UP_TO_DATE, TableResult.Status.SKIPPED);
    assertQuarantine(lake, quarantine);
    assertThat(lake.read(TableName.of("consolidated.payments")).count()).isEqualTo(2);
  }

  private void assertQuarantine(Lake lake, List<String> expected) {
    DatasetAssert.diff(
        expected,
        DatasetAssert.rowsAsText(
            lake.read(TableName.of("quarantine.records"))
                .select("stage", "dataset", "reason", "record", "_source_file", "_run_id")));
  }

  @Test
  void aMissingRawRootIsAClearError() {
    assertThatThrownBy(
            () -> RawRoot.open("no/such/raw", spark.sparkContext().hadoopConfiguration()))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Raw root no/such/raw does not exist. Pass --raw DIR with a folder laid out as streaming/, dms/ and"
                + " files/ (see README), or run 'dpf generate --out DIR' to make one");
  }

  private List<TableResult> run(Lake lake, Path raw, String runId) {
    return Pipeline.builder(spark, definition, lake)
        .run(runId, Instant.parse("2026-11-24T00:00:00Z"))
        .build()
        .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));
  }
}
