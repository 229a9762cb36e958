package dev.dpf.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.api.Planned;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.QualityRule;
import dev.dpf.jobs.cli.Dpf;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --results FILE}: the run's results as JSON for schedulers, and {@code --fail-on-warn}. */
class RunResultsTest {
  @TempDir Path dir;

  @Test
  void theDocumentHoldsTheRunItsTablesReconciliationAndQuality() {
    QualityRule notNull = new QualityRule.NotNull(List.of("v"), QualityRule.Action.WARN);
    RunResults.Run run =
        new RunResults.Run(
            "20261201T000000Z-abcd0123",
            "run",
            "pipeline.yaml",
            "raw",
            "file:/lake",
            Instant.parse("2026-12-01T00:00:00Z"),
            Instant.parse("2026-12-01T00:00:12.5Z"),
            List.of(
                new TableResult(
                    Stage.INGEST,
                    "consolidated.t",
                    TableResult.Status.OK,
                    5,
                    5,
                    0,
                    0,
                    1,
                    1.25,
                    "1 new",
                    Planned.Action.INGEST),
                TableResult.of(Stage.TRANSFORM, "transformed.t", TableResult.Status.OK)
                    .action(Planned.Action.MERGE)
                    .read(5)
                    .written(3)
                    .quarantined(1)
                    .superseded(1)
                    .seconds(2.0)
                    .note("x")
                    .build(),
                new TableResult(
                    Stage.CURATE,
                    "curated.m",
                    TableResult.Status.UP_TO_DATE,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0.1,
                    "y")),
            List.of(new QualityResult("t", notNull, 4, 1, List.of(), "")),
            List.of("source 'u': no folder files/u/ under the raw root"),
            null,
            null);

    assertThat(RunResults.json(run))
        .isEqualTo(
            """
            {
              "schema" : "dpf.run-results/1",
              "run_id" : "20261201T000000Z-abcd0123",
              "command" : "run",
              "status" : "succeeded",
              "error" : null,
              "error_kind" : null,
              "started" : "2026-12-01T00:00:00Z",
              "ended" : "2026-12-01T00:00:12.500Z",
              "seconds" : 12.5,
              "definition" : "pipeline.yaml",
              "raw" : "raw",
              "lake" : "file:/lake",
              "tables" : [ {
                "stage" : "ingest",
                "table" : "consolidated.t",
                "status" : "ok",
                "action" : "ingest",
                "rows_read" : 5,
                "rows_written" : 5,
                "rows_quarantined" : 0,
                "rows_superseded" : 0,
                "files" : 1,
                "seconds" : 1.25,
                "note" : "1 new"
              }, {
                "stage" : "transform",
                "table" : "transformed.t",
                "status" : "ok",
                "action" : "merge",
                "rows_read" : 5,
                "rows_written" : 3,
                "rows_quarantined" : 1,
                "rows_superseded" : 1,
                "files" : 0,
                "seconds" : 2.0,
                "note" : "x"
              }, {
                "stage" : "curate",
                "table" : "curated.m",
                "status" : "up-to-date",
                "action" : null,
                "rows_read" : 0,
                "rows_written" : 0,
                "rows_quarantined" : 0,
                "rows_superseded" : 0,
                "files" : 0,
                "seconds" : 0.1,
                "note" : "y"
              } ],
              "reconciliation" : [ {
                "table" : "consolidated.t",
                "read" : 5,
                "written" : 5,
                "quarantined" : 0,
                "superseded" : 0,
                "balanced" : true
              }, {
                "table" : "transformed.t",
                "read" : 5,
                "written" : 3,
                "quarantined" : 1,
                "superseded" : 1,
                "balanced" : true
              } ],
              "quality" : [ {
                "dataset" : "t",
                "rule" : "not_null(v)",
                "action" : "warn",
                "status" : "warned",
                "checked" : 4,
                "failed" : 1,
                "samples" : [ ],
                "detail" : ""
              } ],
              "warnings" : [ "source 'u': no folder files/u/ under the raw root" ]
            }
            """);
  }

  @Test
  void aRunWritesItsResultsAndWarningsFailItWhenAsked() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t:
            source: t
            key: [id]
            columns: {id: {type: int, nullable: false}, v: string}
            quality:
              - {rule: not_null, column: v, action: warn}
        """);
    Path raw = dir.resolve("raw/files/t/a.csv");
    Files.createDirectories(raw.getParent());
    // 5 records: "x" is no int (quarantined), id 2 twice (the later wins), id 3 has no v (warned).
    Files.writeString(raw, "id,v\n1,a\n2,b\n2,c\nx,d\n3,\n");
    Path results = dir.resolve("out/results.json");
    Files.createDirectories(results.getParent());

    CliRun r =
        CliRun.run(
            dir,
            dir.resolve("lake"),
            definition,
            "--results",
            results.toString(),
            "--fail-on-warn",
            "--report",
            dir.resolve("report").toString());

    String warned = "1 quality rule(s) warned, and warnings fail this run (--fail-on-warn)";
    assertThat(r.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(r.err()).isEqualTo("dpf: " + warned + "\n");
    JsonNode doc = new ObjectMapper().readTree(results.toFile());
    assertThat(doc.path("schema").asText()).isEqualTo("dpf.run-results/1");
    assertThat(doc.path("command").asText()).isEqualTo("run");
    assertThat(doc.path("status").asText()).isEqualTo("failed");
    assertThat(doc.path("error").asText()).isEqualTo(warned);
    assertThat(doc.path("error_kind").asText()).isEqualTo("quality");
    assertThat(r.out()).contains("dpf run  run " + doc.path("run_id").asText() + "\n");
    // A failed run writes its report too, and says where.
    assertThat(r.out()).contains("\nReport file:" + dir.resolve("report/index.html") + "  (");
    assertThat(Files.readString(dir.resolve("report/runs.html")))
        .contains("<code>" + doc.path("run_id").asText() + "</code>")
        .contains("<span class=\"status-failed\">1 failed</span>");
    // The run log says what the exit code says: the run failed.
    DatasetAssert.diff(
        List.of("run|(run)|failed|" + warned),
        DatasetAssert.rowsAsText(
            SparkExtension.session()
                .read()
                .format("delta")
                .load(dir.resolve("lake/_system/runs").toString())
                .filter("status = 'failed'")
                .select("stage", "table_name", "status", "note")));
    List<String> tables = new ArrayList<>();
    doc.path("tables")
        .forEach(
            t ->
                tables.add(
                    String.join(
                        " ",
                        t.path("stage").asText(),
                        t.path("table").asText(),
                        t.path("status").asText(),
                        t.path("rows_read").asText(),
                        t.path("rows_written").asText(),
                        t.path("rows_quarantined").asText(),
                        t.path("rows_superseded").asText(),
                        t.path("files").asText())));
    assertThat(tables)
        .containsExactly(
            "ingest consolidated.t ok 5 5 0 0 1", "transform transformed.t ok 5 3 1 1 0");
    assertThat(doc.path("reconciliation").findValuesAsText("balanced"))
        .containsExactly("true", "true");
    JsonNode rule = doc.path("quality").get(0);
    assertThat(rule.path("rule").asText()).isEqualTo("not_null(v)");
    assertThat(rule.path("status").asText()).isEqualTo("warned");
    assertThat(rule.path("failed").asLong()).isEqualTo(1);
    assertThat(doc.path("quality").size()).isEqualTo(1);
    assertThat(r.out())
        .containsPattern("(?m)^  ingest    consolidated\\.t +started$")
        .containsPattern("(?m)^  transform transformed\\.t +started$");

    // Nothing new: quiet prints nothing, and no rule ran to warn.
    Path again = dir.resolve("out/again.json");
    CliRun quiet =
        CliRun.run(
            dir,
            dir.resolve("lake"),
            definition,
            "--results",
            again.toString(),
            "--fail-on-warn",
            "--quiet",
            "--log-level",
            "error");

    assertThat(quiet.code()).as(quiet.err()).isZero();
    assertThat(quiet.out()).isEmpty();
    assertThat(quiet.err()).isEmpty();
    JsonNode second = new ObjectMapper().readTree(again.toFile());
    assertThat(second.path("status").asText()).isEqualTo("succeeded");
    assertThat(second.path("tables").findValuesAsText("status"))
        .containsExactly("up-to-date", "up-to-date");
    assertThat(second.path("reconciliation").size()).isZero();
  }

  @Test
  void aModelWhoseSqlFailsAtRunTimeIsAUserErrorNamingTheTableAndItsCause() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t:
            source: t
            key: [id]
            columns: {id: {type: int, nullable: false}, amount: "decimal(12,2)"}
        models:
          broken: {sql: broken.sql}
        """);
    Files.writeString(
        dir.resolve("broken.sql"),
        "SELECT id, CASE WHEN amount > 100 THEN raise_error('boom: amount too large')"
            + " ELSE amount END AS amount FROM transformed.t");
    Path raw = dir.resolve("raw/files/t/a.csv");
    Files.createDirectories(raw.getParent());
    Files.writeString(raw, "id,amount\n1,5.00\n2,500.00\n");
    Path results = dir.resolve("results.json");

    Path report = dir.resolve("report");
    CliRun r =
        CliRun.run(
            dir,
            dir.resolve("lake"),
            definition,
            "--results",
            results.toString(),
            "--report",
            report.toString());

    assertThat(r.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(r.err()).isEqualTo("dpf: curated.broken failed: boom: amount too large\n");
    assertThat(r.out())
        .containsPattern("(?m)^  curate    curated\\.broken +failed +boom: amount too large$");
    JsonNode doc = new ObjectMapper().readTree(results.toFile());
    assertThat(doc.path("error").asText())
        .isEqualTo("curated.broken failed: boom: amount too large");
    assertThat(doc.path("error_kind").asText()).isEqualTo("input");
    JsonNode broken = doc.path("tables").get(doc.path("tables").size() - 1);
    assertThat(broken.path("table").asText()).isEqualTo("curated.broken");
    assertThat(broken.path("status").asText()).isEqualTo("failed");
    assertThat(broken.path("note").asText()).isEqualTo("boom: amount too large");

    // The report, in the browser: the model is drawn failed, and its failure links to its page.
    org.openqa.selenium.chrome.ChromeDriver browser = dev.dpf.jobs.site.Chromium.start();
    try {
      browser.get(report.resolve("index.html").toUri().toString());
      var node =
          browser.findElement(
              org.openqa.selenium.By.cssSelector("#lineage g.node[data-table='curated.broken']"));
      assertThat(node.getAttribute("class")).isEqualTo("node zone-curated status-failed");
      browser.get(report.resolve("runs.html").toUri().toString());
      browser
          .findElement(org.openqa.selenium.By.cssSelector("table.failed a"))
          .click(); // the failed table's link
      assertThat(browser.findElement(org.openqa.selenium.By.tagName("h1")).getText())
          .isEqualTo("curated.broken");
    } finally {
      browser.quit();
    }
  }
}
