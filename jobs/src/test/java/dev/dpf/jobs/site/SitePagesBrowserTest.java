package dev.dpf.jobs.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.definition.TableDocs;
import dev.dpf.jobs.site.Site.Edge;
import dev.dpf.jobs.site.Site.Node;
import dev.dpf.jobs.site.Site.Page;
import dev.dpf.jobs.site.Site.QualityRow;
import dev.dpf.jobs.site.Site.RunRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The pages of a site made by hand (no Spark), in the browser: a failed table, a run that does not
 * balance and a rule that warned once show as the run log says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SitePagesBrowserTest {
  private static final String A = "20261201T010000Z-aaaaaaaa";
  private static final String B = "20261201T020000Z-bbbbbbbb";
  private static final String C = "20261201T030000Z-cccccccc";

  @TempDir static Path dir;
  private ChromeDriver browser;

  private static RunRow row(String run, String stage, String table, String status, long... counts) {
    return new RunRow(
        run,
        stage,
        table,
        status,
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        0,
        1.5,
        status.equals("failed") ? "amount: cannot cast 'x' to decimal(12,2)" : "",
        Instant.parse("2026-12-01T0" + (run.charAt(10)) + ":00:00Z"));
  }

  private static Page page(String id, String zone, List<String> up, List<String> down) {
    return new Page(
        id,
        zone,
        "a table",
        TableDocs.NONE,
        List.of(),
        List.of(),
        Optional.empty(),
        up,
        down,
        Optional.empty(),
        List.of());
  }

  @BeforeAll
  void writeTheSite() throws Exception {
    List<Node> nodes =
        List.of(
            new Node("raw.a", "raw", "source", false),
            new Node("consolidated.a", "consolidated", "ok", false),
            new Node("transformed.a", "transformed", "failed", false),
            new Node("curated.m", "curated", "not built", true),
            new Node("quarantine.records", "quarantine", "ok", false));
    List<Edge> edges =
        List.of(
            new Edge("raw.a", "consolidated.a"),
            new Edge("consolidated.a", "quarantine.records"),
            new Edge("consolidated.a", "transformed.a"),
            new Edge("transformed.a", "quarantine.records"),
            new Edge("transformed.a", "curated.m"));
    Map<String, Page> pages = new LinkedHashMap<>();
    for (Node n : nodes) {
      pages.put(
          n.id(),
          page(
              n.id(),
              n.zone(),
              edges.stream().filter(e -> e.to().equals(n.id())).map(Edge::from).toList(),
              edges.stream().filter(e -> e.from().equals(n.id())).map(Edge::to).toList()));
    }
    List<RunRow> runs =
        List.of(
            row(A, "ingest", "consolidated.a", "ok", 5, 4, 1, 0),
            row(A, "transform", "transformed.a", "ok", 4, 3, 0, 1),
            row(B, "ingest", "consolidated.a", "ok", 3, 3, 0, 0),
            row(B, "transform", "transformed.a", "failed", 0, 0, 0, 0),
            row(C, "ingest", "consolidated.a", "ok", 2, 1, 0, 0)); // does not balance
    List<QualityRow> quality =
        List.of(
            new QualityRow(A, "a", "not_null(x)", "warn", "warned", 4, 2, "", Instant.EPOCH),
            new QualityRow(A, "a", "unique(id)", "fail", "passed", 4, 0, "", Instant.EPOCH),
            new QualityRow(B, "a", "not_null(x)", "warn", "passed", 3, 0, "", Instant.EPOCH),
            new QualityRow(B, "a", "unique(id)", "fail", "passed", 3, 0, "", Instant.EPOCH));
    Site site =
        new Site(
            "lake",
            "pipeline.yaml",
            Instant.EPOCH,
            "",
            nodes,
            edges,
            pages,
            runs,
            quality,
            List.of());
    for (var p : Pages.render(site).entrySet()) {
      Path file = dir.resolve(p.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, p.getValue());
    }
    browser = Chromium.start();
  }

  @AfterAll
  void closeTheBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private void open(String page) {
    browser.get(dir.resolve(page).toUri().toString());
  }

  private List<String> points(String css) {
    List<String> out = new ArrayList<>();
    for (WebElement p : browser.findElements(By.cssSelector(css))) {
      out.add(p.getAttribute("data-run") + "=" + p.getAttribute("data-value"));
    }
    return out;
  }

  /** Each row of a table, its cells' text joined by " | ". */
  private List<String> rows(String css) {
    List<String> out = new ArrayList<>();
    for (WebElement row : browser.findElements(By.cssSelector(css + " tr"))) {
      List<String> cells = new ArrayList<>();
      row.findElements(By.tagName("td")).forEach(c -> cells.add(c.getText()));
      if (!cells.isEmpty()) {
        out.add(String.join(" | ", cells));
      }
    }
    return out;
  }

  @Test
  void theGraphShowsEachTablesStatus() {
    open("index.html");
    Map<String, String> classes = new LinkedHashMap<>();
    for (WebElement n : browser.findElements(By.cssSelector("#lineage g.node"))) {
      classes.put(n.getAttribute("data-table"), n.getAttribute("class"));
    }
    assertThat(classes)
        .containsExactly(
            Map.entry("raw.a", "node zone-raw status-source"),
            Map.entry("consolidated.a", "node zone-consolidated status-ok"),
            Map.entry("transformed.a", "node zone-transformed status-failed"),
            Map.entry("curated.m", "node zone-curated status-not-built"),
            Map.entry("quarantine.records", "node zone-quarantine status-ok"));
    assertThat(browser.findElements(By.cssSelector("#lineage path.edge.to-quarantine"))).hasSize(2);
  }

  @Test
  void theRunsPageChartsTotalsListsFailuresAndChecksEachRun() {
    open("runs.html");
    assertThat(points("#runs-rows circle.point[data-series='rows read']"))
        .containsExactly(A + "=9", B + "=3", C + "=2");
    assertThat(points("#runs-rows circle.point[data-series='rows written']"))
        .containsExactly(A + "=7", B + "=3", C + "=1");
    assertThat(points("#runs-seconds circle.point"))
        .containsExactly(A + "=3", B + "=3", C + "=1.5");
    assertThat(rows("table.runs"))
        .containsExactly(
            C + " | 2026-12-01T03:00:00Z | ingest | 1 | ok | 2 | 1 | 0 | 0 | 1.5",
            B + " | 2026-12-01T02:00:00Z | ingest, transform | 2 | 1 failed | 3 | 3 | 0 | 0 | 3.0",
            A + " | 2026-12-01T01:00:00Z | ingest, transform | 2 | ok | 9 | 7 | 1 | 1 | 3.0");
    assertThat(rows("table.failed"))
        .containsExactly(
            B + " | transformed.a | transform | amount: cannot cast 'x' to decimal(12,2)");
    assertThat(rows("table.reconciliation"))
        .containsExactly(
            A + " | consolidated.a | 5 | 4 | 1 | 0 | ok",
            A + " | transformed.a | 4 | 3 | 0 | 1 | ok",
            B + " | consolidated.a | 3 | 3 | 0 | 0 | ok",
            C + " | consolidated.a | 2 | 1 | 0 | 0 | MISMATCH");
  }

  @Test
  void aTablesChartHasAPointForEachRunThatLoggedIt() {
    open("tables/transformed.a.html");
    assertThat(points("#table-rows circle.point[data-series='rows read']"))
        .containsExactly(A + "=4", B + "=0");
    assertThat(rows("table.table-runs"))
        .containsExactly(
            B
                + " | transform | failed | 0 | 0 | 0 | 1.5 | amount: cannot cast 'x' to decimal(12,2)",
            A + " | transform | ok | 4 | 3 | 0 | 1.5 | ");
  }

  /**
   * 60 daily runs: every third left transformed.a up to date (no point: a gap, not a zero); the
   * chart's time labels are few and do not overlap; a column with a very long type wraps instead of
   * widening the page.
   */
  @Test
  void sixtyRunsChartOnATimeAxisWithGapsAndAWideColumnWraps() throws Exception {
    List<RunRow> runs = new ArrayList<>();
    Instant first = Instant.parse("2026-10-03T06:00:00Z");
    for (int i = 0; i < 60; i++) {
      String id = String.format("2026%04dT060000Z-%08d", 1000 + i, i); // ids in time order
      Instant at = first.plus(java.time.Duration.ofDays(i));
      boolean upToDate = i % 3 == 2;
      runs.add(new RunRow(id, "ingest", "consolidated.a", "ok", 10, 10, 0, 0, 1, 1.0, "", at));
      runs.add(
          new RunRow(
              id,
              "transform",
              "transformed.a",
              upToDate ? "up-to-date" : "ok",
              upToDate ? 0 : 10 + i,
              upToDate ? 0 : 10 + i,
              0,
              0,
              0,
              0.5,
              "",
              at));
    }
    String wideType =
        "struct<"
            + "commit_ts:string,change_sequence:bigint,file_order:string,row:bigint,".repeat(3)
            + "op:string>";
    Map<String, Page> pages = new LinkedHashMap<>();
    Page transformed =
        new Page(
            "transformed.a",
            "transformed",
            "a dataset",
            TableDocs.NONE,
            List.of(new Site.Column("_seq", wideType, true, "", "", List.of())),
            List.of(),
            Optional.empty(),
            List.of(),
            List.of(),
            Optional.empty(),
            List.of());
    pages.put("transformed.a", transformed);
    Site site =
        new Site(
            "lake",
            "pipeline.yaml",
            Instant.EPOCH,
            "",
            List.of(new Node("transformed.a", "transformed", "ok", false)),
            List.of(),
            pages,
            runs,
            List.of(),
            List.of());
    Path many = dir.resolve("many");
    for (var p : Pages.render(site).entrySet()) {
      Path file = many.resolve(p.getKey());
      Files.createDirectories(file.getParent());
      Files.writeString(file, p.getValue());
    }

    browser.get(many.resolve("tables/transformed.a.html").toUri().toString());

    // 40 points: the 20 up-to-date runs are gaps.
    List<WebElement> written =
        browser.findElements(
            By.cssSelector("#table-rows circle.point[data-series='rows written']"));
    assertThat(written).hasSize(40);
    assertThat(written.stream().map(p -> p.getAttribute("data-value")))
        .doesNotContain("0")
        .startsWith("10", "11")
        .endsWith("68"); // run 59 was up to date: the last point is run 58's (10 + 58)
    // Each run of consecutive points is a line of its own: 20 pairs, no line across a gap.
    assertThat(browser.findElements(By.cssSelector("#table-rows polyline.series-1"))).hasSize(20);
    // Points stand at their time: a day apart, evenly.
    List<Integer> xs = written.stream().map(p -> Integer.parseInt(p.getAttribute("cx"))).toList();
    assertThat(xs.get(1) - xs.get(0)).isBetween(8, 10); // 560 px over 59 days
    // Time labels: few, dates, and no two overlap.
    List<WebElement> labels = browser.findElements(By.cssSelector("#table-rows text.x-label"));
    assertThat(labels).hasSizeBetween(2, 6);
    assertThat(labels.get(0).getText()).isEqualTo("2026-10-03");
    assertThat(labels.get(labels.size() - 1).getText()).isEqualTo("2026-12-01");
    for (int i = 1; i < labels.size(); i++) {
      var before = labels.get(i - 1).getRect();
      var after = labels.get(i).getRect();
      assertThat(before.getX() + before.getWidth()).isLessThan(after.getX());
    }
    // The wide type wraps: the page is no wider than the window.
    Number page = (Number) browser.executeScript("return document.documentElement.scrollWidth");
    Number window = (Number) browser.executeScript("return window.innerWidth");
    assertThat(page.intValue()).isLessThanOrEqualTo(window.intValue());
    screenshot("sixty-runs.png");
  }

  private void screenshot(String name) throws Exception {
    Path out = Path.of("target", "site-screenshots", name);
    Files.createDirectories(out.getParent());
    Files.write(out, browser.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
  }

  @Test
  void theQualityChartHasTheRuleThatWarnedInEveryRunThatCheckedIt() {
    open("quality.html");
    assertThat(points("#quality-chart circle.point[data-series='a: not_null(x)']"))
        .containsExactly(A + "=2", B + "=0");
    assertThat(browser.findElements(By.cssSelector("#quality-chart circle.point"))).hasSize(2);
  }
}
