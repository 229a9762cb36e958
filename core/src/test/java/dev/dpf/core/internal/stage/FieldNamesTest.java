package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.stage.sources.ConsolidatedColumns;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.TableName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Field names are matched as Spark and Delta match column names: ignoring case (and, against the
 * declared names, surrounding spaces). A CSV file whose header row does not hold the declared
 * columns is quarantined whole, its first row included; a bad file never stops other files or
 * sources.
 */
class FieldNamesTest extends IngestFixture {
  private static final String CSV = "t: {kind: csv-files, path: files/t}";
  private static final String DATASET =
      """
      datasets:
        t:
          source: t
          key: [transaction_id]
          columns:
            customer_id: {type: int, nullable: false}
            transaction_id: {type: string, nullable: false}
            amount: "decimal(8,2)"
      """;

  @Test
  void headersInAnotherCaseMapToTheDeclaredColumnsAndAHeaderlessFileIsQuarantinedWhole()
      throws Exception {
    write("files/t/a.csv", "customer_id,transaction_id,amount\r\n1,T1,2.00\r\n");
    write(
        "files/t/b.csv",
        "Customer ID, Transaction_ID ,AMOUNT,Note,note,Sales Rep (EU)\r\n2,T2,3.00,x,y,Eve\r\n");
    write("files/t/c.csv", "3,T3,4.00\r\n4,T4,5.00\r\n"); // no header row

    List<TableResult> results = ingestAndTransform(CSV, DATASET, "r1");

    assertThat(results)
        .extracting(
            TableResult::table,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .containsExactly(tuple("consolidated.t", 4L, 2L, 2L), tuple("transformed.t", 2L, 2L, 0L));
    assertThat(lake().read(TableName.of("consolidated.t")).columns())
        .startsWith("customer_id", "transaction_id", "amount", "Note", "_c4", "Sales_Rep_EU_");
    DatasetAssert.diff(
        List.of("1|T1|2.00|files/t/a.csv", "2|T2|3.00|files/t/b.csv"),
        DatasetAssert.rowsAsText(
            lake()
                .read(TableName.of("transformed.t"))
                .select("customer_id", "transaction_id", "amount", "_source_file")));
    String reason =
        "the header row lacks the declared column(s) customer_id, transaction_id, amount (header:"
            + " 3,T3,4.00); is the header row missing? Every row of the file is quarantined";
    DatasetAssert.diff(
        List.of(
            reason + "|3,T3,4.00|files/t/c.csv|1|1|NULL",
            reason + "|4,T4,5.00|files/t/c.csv|2|2|NULL"),
        quarantine("t"));
  }

  @Test
  void jsonFieldsInAnotherCaseAreOneColumnAndOneBadSourceDoesNotStopTheOthers() throws Exception {
    write(
        "streaming/p/2026/11/18/10/o1",
        "{\"id\":\"1\",\"Amount\":\"2.00\"}\n"
            + "{\"id\":\"2\",\"amount\":\"3.00\",\"_source_file\":\"mine\"}\n"
            + "{\"id\":\"3\",\"amount\":\"4.00\",\"AMOUNT\":\"5.00\"}\n");
    write("files/t/a.csv", "customer_id,transaction_id,amount\r\n1,T1\r\n"); // a short row
    String sources =
        "p: {kind: firehose-json, path: streaming/p}\n"
            + "  t: {kind: csv-files, path: files/t, on_error: fail}";
    String datasets =
        "datasets:\n  p:\n    source: p\n    columns: {id: string, amount: string}\n"
            + DATASET.substring("datasets:\n".length());

    assertThatThrownBy(() -> ingest(sources, datasets, "r1"))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith("Source 't' has 1 bad record(s)");

    // The failing source is in the run log beside the one ingested.
    DatasetAssert.diff(
        List.of("consolidated.p|ok|3|2|1", "consolidated.t|failed|0|0|0"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.RUNS)
                .select("table_name", "status", "rows_read", "rows_written", "rows_quarantined")));
    assertThat(lake().read(TableName.of("consolidated.p")).columns())
        .startsWith("id", "amount", "raw_source_file", "_source_file");
    DatasetAssert.diff(
        List.of("1|2.00|NULL", "2|3.00|mine"), rows("p", "id", "amount", "raw_source_file"));
    assertThat(quarantine("p"))
        .extracting(q -> q.substring(0, q.indexOf('|')))
        .containsExactly(
            "fields 'amount' and 'AMOUNT' name the same column (names are compared ignoring case,"
                + " surrounding spaces and the characters ' ,;{}()=' a column name cannot hold)");
  }

  @Test
  void canonicalNamesPreferTheTableThenTheDefinitionThenTheFirstSpelling() {
    assertThat(
            ConsolidatedColumns.canonicalColumns(
                List.of("Amount"),
                List.of("id", "Note"),
                List.of("AMOUNT", " ID", "note", "X", "x", "a b", "A=B", "")))
        .isEqualTo(
            Map.of(
                "Amount", List.of("AMOUNT"),
                "id", List.of(" ID"),
                "Note", List.of("note"),
                "X", List.of("X", "x"),
                "a_b", List.of("a b", "A=B"),
                "unnamed", List.of("")));
  }

  @Test
  void fieldsAreOrderedByTheirFirstFileThenRecordThenPositionInTheRecord() {
    List<org.apache.spark.sql.Row> parsed =
        List.of(
            parsed("b.json", 1, "z", "y"),
            parsed("a.json", 2, "m", "k"),
            parsed("a.json", 1, "q"),
            parsed("a.json", 3, "m", "z"),
            parsed("\u00e9.json", 1, "first only in a name after every ASCII one"),
            org.apache.spark.sql.RowFactory.create(
                "0.json", 1L, null, null, null, null, null, "bad record", "{"));
    // a.json row 1: q; a.json row 2: m, k; b.json: z (seen in a.json row 3 after m), y; é.json.
    assertThat(
            ConsolidatedColumns.fieldsInOrder(
                spark.createDataFrame(parsed, dev.dpf.core.internal.ingest.ParsedRecord.SCHEMA)))
        .containsExactly("q", "m", "k", "z", "y", "first only in a name after every ASCII one");
  }

  private static org.apache.spark.sql.Row parsed(String file, long row, String... fields) {
    java.util.LinkedHashMap<String, String> map = new java.util.LinkedHashMap<>();
    for (String f : fields) {
      map.put(f, "v");
    }
    return org.apache.spark.sql.RowFactory.create(
        file,
        row,
        null,
        null,
        scala.collection.JavaConverters.mapAsScalaMap(map),
        null,
        null,
        null,
        null);
  }
}
