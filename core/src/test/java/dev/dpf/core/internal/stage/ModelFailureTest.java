package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A model that fails at run time is told by name with its cause, and logged as itself; a model's
 * quarantine and quality results commit with its table or not at all, and a rebuild replaces its
 * quarantine.
 */
class ModelFailureTest extends IngestFixture {
  private static final String SOURCES = "t: {kind: csv-files, path: files/t}";
  private static final String DATASET =
      "datasets:\n  t:\n    source: t\n    key: [id]\n"
          + "    columns:\n      id: {type: int, nullable: false}\n      amount: \"decimal(12,2)\"\n";

  private void rows() throws Exception {
    write("files/t/t.csv", "id,amount\n1,10.00\n2,-5.00\n3,20.00\n4,30.00\n");
  }

  private static String model(String rule) {
    return "  m:\n    sql: m.sql\n"
        + (rule.isEmpty() ? "" : "    quality:\n      - " + rule + "\n");
  }

  private List<String> quarantined() {
    return DatasetAssert.rowsAsText(
        lake()
            .read(TableName.of("quarantine.records"))
            .filter("dataset = 'm'")
            .selectExpr("get_json_object(record, '$.id')", "reason", "_run_id"));
  }

  private List<String> logged(String table, String what) {
    return DatasetAssert.rowsAsText(
        lake()
            .read(new TableName(Zone.SYSTEM, table))
            .filter("run_id = '" + what + "'")
            .selectExpr("*"));
  }

  @Test
  void aModelFailingAtRunTimeIsNamedWithItsCauseAndItsNeighbourCommitsWhole() throws Exception {
    rows();
    Map<String, String> sql =
        Map.of(
            "m.sql",
            "SELECT id, amount FROM transformed.t",
            "boom.sql",
            "SELECT id, CASE WHEN amount > 25 THEN raise_error('boom') ELSE amount END AS x"
                + " FROM transformed.t");
    String small = "{rule: expect, name: small, expression: \"amount < 25\", action: quarantine}";

    assertThatThrownBy(
            () ->
                run(
                    SOURCES,
                    DATASET + "models:\n" + model(small) + "  boom:\n    sql: boom.sql\n",
                    "r1",
                    sql))
        .isExactlyInstanceOf(DpfException.class)
        .hasMessage("curated.boom failed: boom");

    DatasetAssert.diff(
        List.of("curate|curated.boom|failed|boom", "curate|curated.m|ok|"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.RUNS)
                .filter("run_id = 'r1' and stage = 'curate'")
                .selectExpr("stage", "table_name", "status", "if(status = 'ok', '', note)")));
    DatasetAssert.diff(
        List.of("4|expect(small) failed for 'amount=30.00' (expected amount < 25)|r1"),
        quarantined());
    assertThat(lake().read(TableName.of("curated.m")).count()).isEqualTo(3);

    // The model rebuilt without its rule: its quarantine goes with the rule.
    run(SOURCES, DATASET + "models:\n" + model(""), "r2", sql);

    assertThat(quarantined()).isEmpty();
    assertThat(lake().read(TableName.of("curated.m")).count()).isEqualTo(4);
  }

  @Test
  void aModelWhoseTableIsNotWrittenKeepsItsQuarantineAndLogsNoQualityResults() throws Exception {
    rows();
    Map<String, String> sql = Map.of("m.sql", "SELECT id, amount FROM transformed.t");
    run(
        SOURCES,
        DATASET
            + "models:\n"
            + model("{rule: expect, name: small, expression: \"amount < 25\", action: quarantine}"),
        "r1",
        sql);
    // Someone holds the table to a constraint the next rebuild breaks (it writes id 4).
    spark.sql(
        "ALTER TABLE delta.`"
            + lakeDir.resolve("curated/m")
            + "` ADD CONSTRAINT small_ids CHECK (id < 4)");

    assertThatThrownBy(
            () ->
                run(
                    SOURCES,
                    DATASET
                        + "models:\n"
                        + model(
                            "{rule: expect, name: credit, expression: \"amount > 0\","
                                + " action: quarantine}"),
                    "r2",
                    sql))
        .isExactlyInstanceOf(DpfException.class)
        .hasMessageStartingWith("curated.m failed: [DELTA_VIOLATE_CONSTRAINT_WITH_VALUES]");

    // The rebuild's quarantine (id 2) was undone: the table still holds what r1 made.
    DatasetAssert.diff(
        List.of("4|expect(small) failed for 'amount=30.00' (expected amount < 25)|r1"),
        quarantined());
    assertThat(logged("quality", "r2")).isEmpty();
    assertThat(
            DatasetAssert.rowsAsText(
                lake()
                    .read(SystemTables.RUNS)
                    .filter("run_id = 'r2' and table_name = 'curated.m'")
                    .selectExpr("status", "rows_written", "rows_quarantined")))
        .containsExactly("failed|0|0");
  }
}
