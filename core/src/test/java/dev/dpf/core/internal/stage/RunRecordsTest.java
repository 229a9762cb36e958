package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.DatasetAssert;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a run records: each table's counts come from its own writes (a table whose rows are all good
 * quarantines 0, whatever the table before it quarantined), and a failed run logs the tables it
 * committed and the one it stopped at.
 */
class RunRecordsTest extends IngestFixture {
  private static final String TWO_FILES =
      "a: {kind: csv-files, path: files/a}\n  b: {kind: csv-files, path: files/b}";
  private static final String TWO_DATASETS =
      """
      datasets:
        a:
          source: a
          key: [id]
          columns: {id: {type: int, nullable: false}, amount: "decimal(6,2)"}
          quality:
            - {rule: range, column: amount, min: 0, action: quarantine}
        b:
          source: b
          key: [id]
          columns: {id: {type: int, nullable: false}}
      """;

  @Test
  void aTableThatQuarantinesNothingCountsNoneAfterOneThatDid() throws Exception {
    write("files/a/a.csv", "id,amount\r\n1,2.50\r\n2,-1.00\r\n3,4.00\r\n");
    write("files/b/b.csv", "id\r\n1\r\n2\r\n");

    List<TableResult> first = ingestAndTransform(TWO_FILES, TWO_DATASETS, "r1");

    assertThat(first)
        .filteredOn(r -> r.stage() == Stage.TRANSFORM)
        .extracting(
            TableResult::table,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .containsExactly(tuple("transformed.a", 3L, 2L, 1L), tuple("transformed.b", 2L, 2L, 0L));
  }

  @Test
  void firehoseRecordsQuarantinedAtIngestAreNotCountedAgainByTheTransform() throws Exception {
    String p1 = event("p1", "1.00");
    String p2 = event("p2", "2.00");
    String p3 = event("p3", "3.00");
    write("streaming/p/2026/11/18/10/o1", gzip(p1 + "\n{\"payment_id\":\"p9\",\n" + p2 + "\n"));
    write("streaming/p/2026/11/18/11/o2", p2 + p3); // p2 delivered again
    write(
        "streaming/p/processing-failed/2026/11/18/10/f1",
        "{\"errorCode\":\"Lambda.FunctionError\",\"rawData\":\"" + b64("{oops") + "\"}\n");
    String datasets =
        """
        datasets:
          p:
            source: p
            key: [payment_id]
            columns: {payment_id: {type: string, nullable: false}, amount: "decimal(6,2)"}
        """;

    List<TableResult> results =
        ingestAndTransform("p: {kind: firehose-json, path: streaming/p}", datasets, "r1");

    assertThat(results)
        .extracting(
            TableResult::table,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined,
            TableResult::rowsSuperseded)
        .containsExactly(
            tuple("consolidated.p", 6L, 4L, 2L, 0L), tuple("transformed.p", 4L, 3L, 0L, 1L));
  }

  @Test
  void aFailedRunLogsWhatItCommittedAndWhereItStopped() throws Exception {
    write("files/a/a.csv", "id,amount\r\n1,2.50\r\n");
    write("files/b/b.csv", "id\r\n1\r\n1\r\n");
    String failing =
        TWO_DATASETS.replace(
            "columns: {id: {type: int, nullable: false}}\n",
            "columns: {id: {type: int, nullable: false}}\n"
                + "    quality: [{rule: min_rows, count: 5, action: fail}]\n");

    assertThatThrownBy(() -> ingestAndTransform(TWO_FILES, failing, "r1"))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith("Quality rule failed (action fail): ");

    DatasetAssert.diff(
        List.of(
            "ingest|consolidated.a|ok|1|1|0",
            "ingest|consolidated.b|ok|2|2|0",
            "transform|transformed.a|ok|1|1|0",
            // min_rows judged b once written: its counts are what it committed.
            "transform|transformed.b|failed|2|1|0"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.RUNS)
                .select(
                    "stage",
                    "table_name",
                    "status",
                    "rows_read",
                    "rows_written",
                    "rows_quarantined")));
    assertThat(
            lake()
                .read(SystemTables.RUNS)
                .filter("status = 'failed'")
                .select("note")
                .head()
                .getString(0))
        .startsWith("Quality rule failed (action fail): ");
  }

  private static String event(String id, String amount) {
    return "{\"payment_id\":\"" + id + "\",\"amount\":" + amount + "}";
  }
}
