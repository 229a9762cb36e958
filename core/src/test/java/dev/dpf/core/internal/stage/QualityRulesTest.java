package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.TableName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every rule kind and action, with the exact counts, failing values and quarantine reasons. */
class QualityRulesTest extends IngestFixture {
  private static final String SOURCES =
      "t: {kind: csv-files, path: files/t}\n  p: {kind: csv-files, path: files/p}";
  private static final String COLUMNS =
      "    columns:\n"
          + "      id: {type: int, nullable: false}\n"
          + "      amount: \"decimal(12,2)\"\n"
          + "      country: string\n"
          + "      code: string\n"
          + "      ref: int\n"
          + "      ts: timestamp\n";

  private void rows() throws Exception {
    write("files/p/p.csv", "id\n1\n2\n");
    write(
        "files/t/t.csv",
        "id,amount,country,code,ref,ts\n"
            + "1,10.00,FR,ABC,1,2026-11-20T10:00:00\n"
            + "2,-5.00,US,ABD,2,2026-11-20T11:00:00\n"
            + "3,20.00,,abc,3,2026-11-20T12:00:00\n"
            + "4,30.00,DE,ABC,1,2026-11-20T13:00:00\n"
            + "5,x,FR,ABE,1,2026-11-20T14:00:00\n");
  }

  @Test
  void eachRuleKindWarnsOrQuarantinesWithExactCounts() throws Exception {
    rows();
    // t is declared first but references p: p is transformed first.
    String datasets =
        "datasets:\n  t:\n    source: t\n    key: [id]\n"
            + COLUMNS
            + "    quality:\n"
            + "      - {rule: not_null, column: country, action: warn}\n"
            + "      - {rule: range, column: amount, min: 0, max: 100, action: quarantine}\n"
            + "      - {rule: regex, column: code, pattern: \"[A-Z]{3}\", action: quarantine}\n"
            + "      - {rule: allowed_values, column: country, values: [FR, US], action: warn}\n"
            + "      - {rule: references, column: ref, to: p.id, action: warn}\n"
            + "      - {rule: unique, column: code, action: warn}\n"
            + "      - {rule: unique, column: id, action: fail}\n"
            + "      - {rule: freshness, column: ts, max_age: 1d, action: warn}\n"
            + "      - {rule: min_rows, count: 1, action: fail}\n"
            + "  p:\n    source: p\n    key: [id]\n    columns:\n      id: int\n";

    List<TableResult> results = ingestAndTransform(SOURCES, datasets, "r1");

    assertThat(results)
        .filteredOn(r -> r.stage() == Stage.TRANSFORM)
        .extracting(
            TableResult::table,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .containsExactly(tuple("transformed.p", 2L, 2L, 0L), tuple("transformed.t", 5L, 2L, 3L));
    DatasetAssert.diff(
        List.of(
            "t|not_null(country)|warn|warned|4|3|1|['null']|",
            "t|range(amount)|quarantine|quarantined|4|3|1|['-5.00']|allowed from 0 to 100",
            "t|regex(code)|quarantine|quarantined|4|3|1|['abc']|pattern [A-Z]{3}",
            "t|allowed_values(country)|warn|warned|4|3|1|['DE']|allowed FR, US",
            "t|references(ref)|warn|warned|4|3|1|['3']|not in p.id",
            "t|unique(code)|warn|warned|2|0|2|['ABC']|1 value(s) held by more than one row",
            "t|unique(id)|fail|passed|2|2|0|[]|",
            "t|freshness(ts)|warn|warned|1|0|1|[]|newest 2026-11-20T13:00:00Z, at least"
                + " 2026-11-23T00:00:00Z expected",
            "t|min_rows|fail|passed|1|1|0|[]|2 row(s), at least 1 expected"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.QUALITY)
                .selectExpr(
                    "dataset",
                    "rule",
                    "action",
                    "status",
                    "checked",
                    "passed",
                    "failed",
                    "concat('[', array_join(samples, ','), ']')",
                    "detail")));
    DatasetAssert.diff(
        List.of(
            "id: 5|amount: cannot parse 'x' as decimal(12,2)",
            "id: 2|range(amount) failed for '-5.00' (allowed from 0 to 100)",
            "id: 3|regex(code) failed for 'abc' (pattern [A-Z]{3})"),
        DatasetAssert.rowsAsText(
            lake()
                .read(TableName.of("quarantine.records"))
                .filter("stage = 'transform'")
                .selectExpr("concat('id: ', get_json_object(record, '$.id'))", "reason")));
    DatasetAssert.diff(
        List.of("1|ABC", "4|ABC"),
        DatasetAssert.rowsAsText(lake().read(TableName.of("transformed.t")).select("id", "code")));

    // Nothing new: the tables are up to date, and freshness alone is judged again (time alone
    // makes a table stale), from the table's file statistics; reported, and nothing written.
    Pipeline again = pipelineOf(SOURCES, datasets, "r2");

    assertThat(again.transform())
        .filteredOn(r -> r.stage() == Stage.TRANSFORM)
        .extracting(TableResult::status)
        .containsOnly(TableResult.Status.UP_TO_DATE);
    assertThat(again.quality())
        .extracting(q -> q.dataset() + "|" + q.rule().label() + "|" + q.status() + "|" + q.detail())
        .containsExactly(
            "t|freshness(ts)|warned|newest 2026-11-20T13:00:00Z, at least 2026-11-23T00:00:00Z"
                + " expected");
    assertThat(lake().read(SystemTables.QUALITY).filter("run_id = 'r2'").count()).isZero();
  }

  @Test
  void aFailRuleStopsTheRunBeforeWritingAndABatchWhoseEveryRowIsQuarantinedMergesNothing()
      throws Exception {
    rows();
    String failing =
        "datasets:\n  t:\n    source: t\n    key: [id]\n"
            + COLUMNS
            + "    quality:\n"
            + "      - {rule: range, column: amount, min: 0, action: fail}\n";

    assertThatThrownBy(() -> ingestAndTransform(SOURCES, failing, "r1"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Quality rule failed (action fail): t range(amount): 1 of 4 failed, for example"
                + " '-5.00' (allowed from 0). Fix the data at its source, or change the rule in"
                + " datasets.t.quality");
    assertThat(lake().exists(TableName.of("transformed.t"))).isFalse();
    DatasetAssert.diff(
        List.of("t|range(amount)|failed|1"),
        DatasetAssert.rowsAsText(
            lake().read(SystemTables.QUALITY).select("dataset", "rule", "status", "failed")));

    String tooFew =
        "datasets:\n  t:\n    source: t\n    key: [id]\n"
            + COLUMNS
            + "    quality:\n      - {rule: min_rows, count: 10, action: fail}\n";
    assertThatThrownBy(() -> transform(SOURCES, tooFew, "r2"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Quality rule failed (action fail): t min_rows: 1 of 1 failed (4 row(s), at least 10"
                + " expected). Fix the data at its source, or change the rule in"
                + " datasets.t.quality");
    // The table rule judged the table once written: the run log counts what was written.
    DatasetAssert.diff(
        List.of("transformed.t|failed|5|4|1|0"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.RUNS)
                .filter("run_id = 'r2'")
                .select(
                    "table_name",
                    "status",
                    "rows_read",
                    "rows_written",
                    "rows_quarantined",
                    "rows_superseded")));

    // With the rule quarantining instead, the same rows pass; then a batch of only bad rows.
    String datasets =
        "datasets:\n  t:\n    source: t\n    key: [id]\n"
            + COLUMNS
            + "    quality:\n"
            + "      - {rule: range, column: amount, min: 0, action: quarantine}\n";
    ingestAndTransform(SOURCES, datasets, "r3");
    write(
        "files/t/t2.csv",
        "id,amount,country,code,ref,ts\n6,-1.00,FR,ABC,1,2026-11-21T10:00:00\n"
            + "7,y,FR,ABC,1,2026-11-21T10:00:00\n");

    // A batch whose every row is rejected stops the run, unless the dataset lets it through.
    assertThatThrownBy(() -> ingestAndTransform(SOURCES, datasets, "r4"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "transformed.t: 2 of the 2 row(s) read would be quarantined (100%), and a batch whose"
                + " every row is rejected stops the run. Nothing was written. Reasons:"
                + " 'amount: cannot parse 'y' as decimal(12,2)', 'range(amount) failed for"
                + " '-1.00' (allowed from 0)'. Fix the definition or the data, or let it through"
                + " with {rule: max_quarantined, max: 100%, action: warn} in datasets.t.quality");
    assertThat(lake().read(TableName.of("transformed.t")).count()).isEqualTo(3);
    assertThat(lake().read(TableName.of("quarantine.records")).count()).isEqualTo(2);
    String letThrough = datasets + "      - {rule: max_quarantined, max: 100%, action: warn}\n";

    List<TableResult> results = transform(SOURCES, letThrough, "r5");

    assertThat(results)
        .filteredOn(r -> r.table().equals("transformed.t"))
        .extracting(
            TableResult::status,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .containsExactly(tuple(TableResult.Status.OK, 2L, 0L, 2L));
    assertThat(lake().read(TableName.of("transformed.t")).count()).isEqualTo(3);
    DatasetAssert.diff(
        List.of(
            "range(amount)|quarantined|1|1|allowed from 0",
            "max_quarantined|passed|1|0|2 of 2 row(s) quarantined (100%), at most 100% of the"
                + " rows read allowed"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.QUALITY)
                .filter("run_id = 'r5'")
                .select("rule", "status", "checked", "failed", "detail")));

    // A full refresh that would replace the table's rows by none stops, unless told.
    String rejectAll = letThrough.replace("min: 0,", "min: 1000,");
    assertThatThrownBy(
            () -> transformAndCurate(SOURCES, rejectAll, "r6", Map.of(), p -> p.fullRefresh(true)))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "--full-refresh would replace transformed.t (3 row(s)) by no rows: all 7 row(s) it"
                + " read were quarantined. Nothing was written. Check what it reads, or pass"
                + " --allow-empty to replace it anyway");
    assertThat(lake().read(TableName.of("transformed.t")).count()).isEqualTo(3);

    transformAndCurate(
        SOURCES, rejectAll, "r7", Map.of(), p -> p.fullRefresh(true).allowEmpty(true));

    assertThat(lake().read(TableName.of("transformed.t")).count()).isZero();
  }

  private static final String MODEL =
      "datasets:\n  t:\n    source: t\n    key: [id]\n"
          + COLUMNS
          + "models:\n  m:\n    sql: m.sql\n    quality:\n";

  @Test
  void modelsHaveQualityRulesTooWithTheSameActionsAndLog() throws Exception {
    rows();
    String rules =
        "      - {rule: expect, name: small, expression: \"amount < 25\", action: quarantine}\n"
            + "      - {rule: not_null, column: country, action: warn}\n"
            + "      - {rule: unique, column: country, action: warn}\n"
            + "      - {rule: min_rows, count: 5, action: warn}\n";
    Map<String, String> sql = Map.of("m.sql", "SELECT id, amount, country FROM transformed.t");
    String failing =
        "      - {rule: expect, name: refund, expression: \"amount < 0\", action: fail}\n";

    // A fail rule stops the run before the model is written.
    assertThatThrownBy(() -> run(SOURCES, MODEL + failing, "r0", sql))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Quality rule failed (action fail): m expect(refund): 3 of 4 failed, for example"
                + " 'amount=10.00', 'amount=20.00', 'amount=30.00' (expected amount < 0). Fix the"
                + " data at its source, or change the rule in models.m.quality");
    assertThat(lake().exists(TableName.of("curated.m"))).isFalse();

    List<TableResult> results = run(SOURCES, MODEL + rules, "r1", sql);

    // t holds rows 1 to 4; the model quarantines 4 (30.00) and writes 1, 2 and 3.
    assertThat(results)
        .filteredOn(r -> r.table().equals("curated.m"))
        .extracting(
            TableResult::status,
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined)
        .containsExactly(tuple(TableResult.Status.OK, 4L, 3L, 1L));
    DatasetAssert.diff(
        List.of("1|10.00|FR", "2|-5.00|US", "3|20.00|NULL"),
        DatasetAssert.rowsAsText(lake().read(TableName.of("curated.m"))));
    DatasetAssert.diff(
        List.of(
            "m|expect(refund)|failed|4|3|['amount=10.00','amount=20.00','amount=30.00']",
            "m|expect(small)|quarantined|4|1|['amount=30.00']",
            "m|not_null(country)|warned|4|1|['null']",
            "m|unique(country)|passed|3|0|[]",
            "m|min_rows|warned|1|1|[]"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.QUALITY)
                .filter("dataset = 'm'")
                .selectExpr(
                    "dataset",
                    "rule",
                    "status",
                    "checked",
                    "failed",
                    "concat('[', array_join(samples, ','), ']')")));
    DatasetAssert.diff(
        List.of("curate|m|4|expect(small) failed for 'amount=30.00' (expected amount < 25)|r1"),
        DatasetAssert.rowsAsText(
            lake()
                .read(TableName.of("quarantine.records"))
                .filter("dataset = 'm'")
                .selectExpr(
                    "stage", "dataset", "get_json_object(record, '$.id')", "reason", "_run_id")));

    // Nothing new: the model is up to date, and its rules are not judged again.
    List<TableResult> again = run(SOURCES, MODEL + rules, "r2", sql);
    assertThat(again)
        .filteredOn(r -> r.table().equals("curated.m"))
        .extracting(TableResult::status)
        .containsExactly(TableResult.Status.UP_TO_DATE);
    assertThat(lake().read(SystemTables.QUALITY).filter("dataset = 'm'").count()).isEqualTo(5);
  }
}
