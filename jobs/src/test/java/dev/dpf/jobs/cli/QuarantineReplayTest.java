package dev.dpf.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf quarantine list} counts the quarantined records by reason; {@code dpf quarantine
 * replay}, after a fix to the definition, lets the records that pass now into their table, each
 * once, supersedes those older than the table's row, keeps the rest, and reconciles.
 */
class QuarantineReplayTest {
  @TempDir Path dir;

  private static final String DEFINITION =
      """
      sources:
        t: {kind: csv-files, path: files/t}
      datasets:
        t:
          source: t
          key: [id]
          columns:
            id: {type: int, nullable: false}
            amount: "decimal(12,2)"
            day: {type: date, format: d/M/yyyy}
          quality:
            - {rule: range, column: amount, min: %s, action: quarantine}
      """;

  private Dataset<Row> read(Path lake, String table) {
    return SparkExtension.session().read().format("delta").load(lake.resolve(table).toString());
  }

  private static String lineOf(String out, String prefix) {
    return out.lines()
        .filter(l -> l.startsWith(prefix) && l.contains(" read "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line " + prefix + " in\n" + out));
  }

  @Test
  void replayLetsInWhatPassesNowOnceAndKeepsTheRest() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(definition, DEFINITION.formatted("0"));
    Path raw = dir.resolve("raw/files/t");
    Files.createDirectories(raw);
    Files.writeString(
        raw.resolve("1.csv"),
        "id,amount,day\n"
            + "1,10.00,1/2/2026\n"
            + "2,-5.00,2/2/2026\n"
            + "3,7.00,2026-02-03\n"
            + "4,x,4/2/2026\n"
            + "5,-1.00,6/2/2026\n"
            + "2,3.00,5/2/2026\n"); // a later, valid change of key 2
    Path lake = dir.resolve("lake");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    String[] list = {
      "quarantine", "list", "--lake", lake.toString(), "--definition", definition.toString()
    };

    CliRun listed = CliRun.dpf(list);

    assertThat(listed.code()).as(listed.err()).isZero();
    assertThat(listed.out())
        .isEqualTo(
            String.format("  %-9s %-36s %9s  %s%n", "stage", "table", "records", "reason")
                + String.format(
                    "  %-9s %-36s %9s  %s%n",
                    "transform",
                    "transformed.t",
                    "2",
                    "range(amount) failed for '...' (allowed from 0)   e.g. range(amount) failed"
                        + " for '-1.00' (allowed from 0)")
                + String.format(
                    "  %-9s %-36s %9s  %s%n",
                    "transform",
                    "transformed.t",
                    "1",
                    "amount: cannot parse '...' as decimal(12,2)   e.g. amount: cannot parse 'x'"
                        + " as decimal(12,2)")
                + String.format(
                    "  %-9s %-36s %9s  %s%n",
                    "transform",
                    "transformed.t",
                    "1",
                    "day: cannot parse '...' as date (format d/M/yyyy)   e.g. day: cannot parse"
                        + " '2026-02-03' as date (format d/M/yyyy)")
                + "\n4 quarantined record(s); 4 of datasets' transforms, which dpf quarantine"
                + " replay runs again once the definition is fixed. Ingest records are read again"
                + " by dpf run --reingest SOURCE; a model's rows are judged again when it is"
                + " rebuilt.\n");

    // The fix: amounts down to -10 are allowed.
    Files.writeString(definition, DEFINITION.formatted("-10"));
    String[] replay = {
      "quarantine",
      "replay",
      "--lake",
      lake.toString(),
      "--definition",
      definition.toString(),
      "--master",
      "local[1]"
    };

    CliRun first = CliRun.dpf(replay);

    assertThat(first.code()).as(first.err()).isZero();
    // 4 read: key 5 written, key 2's older change superseded, keys 3 and 4 still quarantined.
    assertThat(lineOf(first.out(), "  replay    transformed.t"))
        .containsPattern(" 4 read +1 written +2 quarantined +1 superseded ")
        .contains(
            "replayed 4 quarantined row(s) of consolidated.t with the definition as it is now");
    assertThat(first.out()).containsPattern("(?m)^  transformed\\.t +4 = 1 \\+ 2 \\+ 1  ok$");
    DatasetAssert.diff(
        List.of("1|10.00", "2|3.00", "5|-1.00"),
        DatasetAssert.rowsAsText(read(lake, "transformed/t").select("id", "amount")));
    DatasetAssert.diff(
        List.of(
            "3|day: cannot parse '2026-02-03' as date (format d/M/yyyy)",
            "4|amount: cannot parse 'x'" + " as decimal(12,2)"),
        DatasetAssert.rowsAsText(
            read(lake, "quarantine/records")
                .selectExpr("get_json_object(record, '$.id')", "reason")));
    DatasetAssert.diff(
        List.of("replay|transformed.t|4|1|2"),
        DatasetAssert.rowsAsText(
            read(lake, "_system/runs")
                .filter("stage = 'replay'")
                .select("stage", "table_name", "rows_read", "rows_written", "rows_quarantined")));

    // Again: the two still fail; nothing enters twice.
    CliRun second = CliRun.dpf(replay);

    assertThat(second.code()).as(second.err()).isZero();
    assertThat(lineOf(second.out(), "  replay    transformed.t"))
        .containsPattern(" 2 read +0 written +2 quarantined +0 superseded ");
    DatasetAssert.diff(
        List.of("1|10.00", "2|3.00", "5|-1.00"),
        DatasetAssert.rowsAsText(read(lake, "transformed/t").select("id", "amount")));
    assertThat(read(lake, "quarantine/records").count()).isEqualTo(2);
  }

  @Test
  void aReplayInWhichEveryQuarantinedRowPassesEmptiesTheQuarantine() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(definition, DEFINITION.formatted("0"));
    Path raw = dir.resolve("raw/files/t");
    Files.createDirectories(raw);
    Files.writeString(raw.resolve("1.csv"), "id,amount,day\n1,10.00,1/2/2026\n2,-5.00,2/2/2026\n");
    Path lake = dir.resolve("lake");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    Files.writeString(definition, DEFINITION.formatted("-10"));

    CliRun replay =
        CliRun.dpf(
            "quarantine",
            "replay",
            "--lake",
            lake.toString(),
            "--definition",
            definition.toString(),
            "--master",
            "local[1]");

    // Delta records no row count for the quarantine's replacement by nothing: that is 0 rows.
    assertThat(replay.code()).as(replay.err()).isZero();
    assertThat(lineOf(replay.out(), "  replay    transformed.t"))
        .containsPattern(" 1 read +1 written +0 quarantined +0 superseded ");
    DatasetAssert.diff(
        List.of("1|10.00", "2|-5.00"),
        DatasetAssert.rowsAsText(read(lake, "transformed/t").select("id", "amount")));
    assertThat(read(lake, "quarantine/records").count()).isZero();
  }
}
