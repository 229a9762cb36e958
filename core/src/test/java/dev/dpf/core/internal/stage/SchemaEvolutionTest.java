package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.TableName;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A raw column the dataset does not declare is ignored, added, or stops the run, as it says. */
class SchemaEvolutionTest extends IngestFixture {
  private static final String SOURCE = "p: {kind: firehose-json, path: streaming/p}";
  private static final String COLUMNS =
      "    columns:\n      id: string\n      amount: \"decimal(12,2)\"\n";

  @Test
  void undeclaredColumnsAreIgnoredAddedOrRefused() throws Exception {
    write("streaming/p/2026/11/18/10/o", "{\"id\":\"1\",\"amount\":\"2.00\",\"channel\":\"app\"}");
    String file = "streaming/p/2026/11/18/10/o";

    List<TableResult> results =
        ingestAndTransform(
            SOURCE,
            "datasets:\n  kept:\n    source: p\n"
                + COLUMNS
                + "  added:\n    source: p\n    on_new_columns: add\n"
                + COLUMNS,
            "r1");

    assertThat(results)
        .filteredOn(r -> r.stage() == Stage.TRANSFORM)
        .extracting(TableResult::note)
        .containsExactly(
            "rebuilt (first run) from consolidated.p; undeclared column(s) ignored: channel",
            "rebuilt (first run) from consolidated.p; new column(s) added: channel");
    assertThat(lake().read(TableName.of("transformed.kept")).columns())
        .containsExactly("id", "amount", "_source_file");
    DatasetAssert.diff(
        List.of("1|2.00|" + file),
        DatasetAssert.rowsAsText(lake().read(TableName.of("transformed.kept"))));
    assertThat(lake().read(TableName.of("transformed.added")).columns())
        .containsExactly("id", "amount", "channel", "_source_file");
    DatasetAssert.diff(
        List.of("1|2.00|app|" + file),
        DatasetAssert.rowsAsText(lake().read(TableName.of("transformed.added"))));

    assertThatThrownBy(
            () ->
                ingestAndTransform(
                    SOURCE,
                    "datasets:\n  strict:\n    source: p\n    on_new_columns: fail\n" + COLUMNS,
                    "r2"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "consolidated.p has column(s) that datasets.strict does not declare: channel. Declare"
                + " them under datasets.strict.columns, or set on_new_columns: add or ignore");
  }

  @Test
  void aDatasetWithNothingNewIsRebuiltWhenItsDefinitionChangesItsColumns() throws Exception {
    write("streaming/p/2026/11/18/10/o", "{\"id\":\"1\",\"amount\":\"2.00\",\"channel\":\"app\"}");
    String datasets = "datasets:\n  d:\n    source: p\n" + COLUMNS;
    ingestAndTransform(SOURCE, datasets, "r1");

    // Nothing new, same definition: up-to-date. A quality rule added changes no column: still.
    assertThat(transform(SOURCE, datasets, "r2"))
        .extracting(TableResult::status, TableResult::note)
        .containsExactly(
            tuple(TableResult.Status.UP_TO_DATE, "no consolidated.p rows after ingest batch 1"));
    String ruled = datasets + "    quality: [{rule: not_null, columns: [id], action: warn}]\n";
    assertThat(transform(SOURCE, ruled, "r3"))
        .extracting(TableResult::status)
        .containsExactly(TableResult.Status.UP_TO_DATE);

    // A declared column more: nothing new was ingested, but the table is rebuilt with it.
    String wider = ruled.replace("      id: string\n", "      id: string\n      channel: string\n");
    assertThat(transform(SOURCE, wider, "r4"))
        .extracting(TableResult::status, TableResult::note)
        .containsExactly(
            tuple(TableResult.Status.OK, "rebuilt (definition changed) from consolidated.p"));
    DatasetAssert.diff(
        List.of("1|2.00|app"),
        DatasetAssert.rowsAsText(
            lake().read(TableName.of("transformed.d")).select("id", "amount", "channel")));
    assertThat(transform(SOURCE, wider, "r5"))
        .extracting(TableResult::status)
        .containsExactly(TableResult.Status.UP_TO_DATE);
  }
}
