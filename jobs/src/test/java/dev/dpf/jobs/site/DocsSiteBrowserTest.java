package dev.dpf.jobs.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The report {@code dpf run} writes, after two runs over the repository's sample, opened from the
 * file system in Debian's headless Chromium driven by Selenium: the lineage graph's nodes and
 * edges, a click to a table's page, a table's run-history chart, the quality chart, and, on every
 * page, no console error, no request off the file system, and no dead link. Screenshots go to
 * {@code target/site-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DocsSiteBrowserTest {
  private static final Path SHOTS = Path.of("target/site-screenshots");

  /**
   * The edges of src/pipeline.yaml and its SQL files, worked out by hand: each source's raw files
   * feed its consolidated table, which feeds its dataset (order_lines reads orderdetails) and
   * quarantine; each dataset feeds quarantine, customers its history; the references rules; and the
   * tables each model's FROM and JOIN clauses name.
   */
  private static final Set<String> EDGES =
      Set.of(
          "raw.payments -> consolidated.payments",
          "raw.customers -> consolidated.customers",
          "raw.orders -> consolidated.orders",
          "raw.orderdetails -> consolidated.orderdetails",
          "raw.products -> consolidated.products",
          "raw.transactions -> consolidated.transactions",
          "consolidated.payments -> quarantine.records",
          "consolidated.customers -> quarantine.records",
          "consolidated.orders -> quarantine.records",
          "consolidated.orderdetails -> quarantine.records",
          "consolidated.products -> quarantine.records",
          "consolidated.transactions -> quarantine.records",
          "consolidated.customers -> transformed.customers",
          "transformed.customers -> transformed.customers_history",
          "transformed.customers -> quarantine.records",
          "consolidated.payments -> transformed.payments",
          "transformed.customers -> transformed.payments",
          "transformed.payments -> quarantine.records",
          "consolidated.transactions -> transformed.transactions",
          "transformed.customers -> transformed.transactions",
          "transformed.transactions -> quarantine.records",
          "consolidated.products -> transformed.products",
          "transformed.products -> quarantine.records",
          "consolidated.orders -> transformed.orders",
          "transformed.customers -> transformed.orders",
          "transformed.orders -> quarantine.records",
          "consolidated.orderdetails -> transformed.order_lines",
          "transformed.orders -> transformed.order_lines",
          "transformed.products -> transformed.order_lines",
          "transformed.order_lines -> quarantine.records",
          "transformed.payments -> transformed.customer_data",
          "transformed.customers -> transformed.customer_data",
          "transformed.customer_data -> curated.customer_data_usa",
          "transformed.transactions -> curated.transactions",
          "transformed.customers -> curated.customer_360",
          "transformed.payments -> curated.customer_360",
          "transformed.transactions -> curated.customer_360",
          "transformed.payments -> curated.daily_payments_by_country",
          "transformed.customers -> curated.daily_payments_by_country",
          "transformed.payments -> curated.risk_flags",
          "transformed.transactions -> curated.risk_flags",
          "transformed.customers -> curated.risk_flags",
          "transformed.order_lines -> curated.revenue_by_productline_month",
          "transformed.orders -> curated.revenue_by_productline_month",
          "transformed.products -> curated.revenue_by_productline_month");

  private final SparkSession spark = SparkExtension.session();
  @TempDir static Path dir;
  private Path lake;
  private final List<String> printed = new ArrayList<>();
  private java.nio.file.attribute.FileTime reportWritten;
  private ChromeDriver browser;

  @BeforeAll
  void twoRunsAndABrowser() throws Exception {
    lake = dir.resolve("lake");
    Path raw = dir.resolve("raw");
    try (var files = Files.walk(Repo.root().resolve("sample-data"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path to = raw.resolve(Repo.root().resolve("sample-data").relativize(f).toString());
        Files.createDirectories(to.getParent());
        Files.copy(f, to);
      }
    }
    // Two runs, then a third with nothing new, which keeps the report as it was.
    for (int run = 0; run < 3; run++) {
      if (run == 2) {
        reportWritten = Files.getLastModifiedTime(site().resolve("index.html"));
      }
      if (run == 1) {
        // A partner's next file: one good transaction, one negative amount (the range rule
        // quarantines it), one amount that is not a number (quarantined as it is conformed).
        Files.writeString(
            raw.resolve("files/transactions/next.csv"),
            "customer_id,transaction_id,amount,account_number,date,approved\r\n"
                + "103,NEXT000001,10.00,1234567,1/2/2026,TRUE\r\n"
                + "103,NEXT000002,-5.00,1234567,1/2/2026,FALSE\r\n"
                + "103,NEXT000003,ten,1234567,1/2/2026,TRUE\r\n");
      }
      var r =
          CliRun.dpf(
              "run",
              "--raw",
              raw.toString(),
              "--lake",
              lake.toString(),
              "--definition",
              Repo.root().resolve("src/pipeline.yaml").toString(),
              "--master",
              "local[2]");
      assertThat(r.code()).as(r.err()).isZero();
      printed.add(r.out());
    }
    Files.createDirectories(SHOTS);
    browser = dev.dpf.jobs.site.Chromium.start();
  }

  @AfterAll
  void closeTheBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private Path site() {
    return lake.resolve("_system/report");
  }

  private void open(String page) {
    browser.get(site().resolve(page).toUri().toString());
  }

  private void screenshot(WebElement element, String name) throws Exception {
    browser.executeScript("arguments[0].scrollIntoView()", element);
    Files.write(SHOTS.resolve(name), element.getScreenshotAs(OutputType.BYTES));
  }

  @Test
  void eachRunPrintsWhereItsReportIsAndARunThatChangedNothingKeepsIt() throws Exception {
    String index =
        "Report " + site().resolve("index.html").toUri().toString().replace("file:///", "file:/");
    for (String out : printed.subList(0, 2)) {
      assertThat(out.lines().filter(l -> l.startsWith("Report ")))
          .singleElement()
          .satisfies(
              l -> assertThat(l).startsWith(index + "  (40 pages, 27 tables in the graph, "));
    }
    assertThat(printed.get(2).lines().filter(l -> l.startsWith("Report ")))
        .containsExactly(index + "  (as it was: this run changed nothing)");
    assertThat(Files.getLastModifiedTime(site().resolve("index.html"))).isEqualTo(reportWritten);
  }

  @Test
  void theGraphHasANodePerTableAndTheDefinitionsEdges() throws Exception {
    open("index.html");
    Set<String> expected = new TreeSet<>();
    for (String source :
        List.of("payments", "customers", "orders", "orderdetails", "products", "transactions")) {
      expected.add("raw." + source);
    }
    for (String zone : List.of("consolidated", "transformed", "curated", "quarantine")) {
      try (var tables = Files.list(lake.resolve(zone))) {
        tables
            .filter(t -> Files.isDirectory(t.resolve("_delta_log")))
            .forEach(t -> expected.add(zone + "." + t.getFileName()));
      }
    }
    List<WebElement> nodes = browser.findElements(By.cssSelector("#lineage g.node"));
    Set<String> drawn = new TreeSet<>();
    nodes.forEach(n -> drawn.add(n.getAttribute("data-table")));
    assertThat(nodes).hasSize(27);
    assertThat(drawn).isEqualTo(expected);

    List<String> edges = new ArrayList<>();
    for (WebElement e : browser.findElements(By.cssSelector("#lineage path.edge"))) {
      edges.add(e.getAttribute("data-from") + " -> " + e.getAttribute("data-to"));
    }
    assertThat(edges).hasSize(EDGES.size()).containsExactlyInAnyOrderElementsOf(EDGES);
    screenshot(browser.findElement(By.id("lineage")), "lineage.png");
  }

  @Test
  void clickingANodeOpensItsTablesPage() throws InterruptedException {
    open("index.html");
    browser
        .findElement(By.cssSelector("#lineage g.node[data-table='curated.customer_360']"))
        .click();
    for (int i = 0; i < 100 && browser.getCurrentUrl().endsWith("/index.html"); i++) {
      Thread.sleep(100); // the click navigates
    }
    assertThat(browser.getCurrentUrl()).endsWith("/tables/curated.customer_360.html");
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("curated.customer_360");
    // Column lineage, from the SQL: protect_name(c.customer_name) AS customer_key.
    WebElement row =
        browser.findElement(By.xpath("//table[@class='columns']//tr[td/code='customer_key']"));
    List<WebElement> cells = row.findElements(By.tagName("td"));
    assertThat(cells.get(3).getText()).isEqualTo("name (protect_name)");
    assertThat(cells.get(5).getText())
        .isEqualTo("transformed.customers.customer_name via protect_name");
  }

  @Test
  void aTablesRunChartHasAPointPerRunWithTheLoggedValues() throws Exception {
    open("tables/transformed.transactions.html");
    Map<String, String> written = new LinkedHashMap<>();
    Map<String, String> quarantined = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lake.resolve("_system/runs").toString())
            .where("table_name = 'transformed.transactions'")
            .orderBy("logged_at")
            .collectAsList()) {
      written.put(r.getAs("run_id"), String.valueOf(r.<Long>getAs("rows_written")));
      quarantined.put(r.getAs("run_id"), String.valueOf(r.<Long>getAs("rows_quarantined")));
      seconds.put(r.getAs("run_id"), r.<Double>getAs("seconds"));
    }
    assertThat(written).hasSize(2);
    assertThat(written.values()).containsExactly("200", "1"); // the sample's, then the good one
    assertThat(quarantined.values()).containsExactly("0", "2");

    assertThat(points("#table-rows circle.point[data-series='rows written']"))
        .containsExactlyEntriesOf(written);
    assertThat(points("#table-rows circle.point[data-series='rows quarantined']"))
        .containsExactlyEntriesOf(quarantined);
    Map<String, Double> drawnSeconds = new LinkedHashMap<>();
    points("#table-seconds circle.point")
        .forEach((run, v) -> drawnSeconds.put(run, Double.valueOf(v)));
    assertThat(drawnSeconds).containsExactlyEntriesOf(seconds);
    screenshot(browser.findElement(By.id("table-rows")), "table-rows-chart.png");
  }

  /** A chart's points: run id to value, in drawing order. */
  private Map<String, String> points(String css) {
    Map<String, String> out = new LinkedHashMap<>();
    for (WebElement p : browser.findElements(By.cssSelector(css))) {
      out.put(p.getAttribute("data-run"), p.getAttribute("data-value"));
    }
    return out;
  }

  @Test
  void theQualityChartShowsTheRulesThatDidNotPass() throws Exception {
    open("quality.html");
    // A series per rule that did not pass in some run: a point per run that checked it.
    Map<String, List<String>> expected = new LinkedHashMap<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lake.resolve("_system/quality").toString())
            .selectExpr(
                "concat(dataset, ': ', rule) AS series",
                "concat(run_id, '=', failed) AS point",
                "logged_at",
                "max(status <> 'passed') OVER (PARTITION BY dataset, rule) AS shown")
            .where("shown")
            .orderBy("logged_at", "series")
            .collectAsList()) {
      expected.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getString(1));
    }
    // The sample's warnings (customers missing for some payments, transactions and orders, and
    // payments older than the freshness rule allows), and the second run's negative amount.
    assertThat(expected.keySet())
        .containsExactlyInAnyOrder(
            "payments: references(customer_id)",
            "payments: freshness(payment_time)",
            "transactions: references(customer_id)",
            "orders: references(customer_id)",
            "transactions: range(amount)");
    assertThat(expected.get("transactions: range(amount)")).hasSize(2);
    assertThat(expected.get("transactions: range(amount)").get(0)).endsWith("=0");
    assertThat(expected.get("transactions: range(amount)").get(1)).endsWith("=1");
    Map<String, List<String>> drawn = new LinkedHashMap<>();
    for (WebElement p : browser.findElements(By.cssSelector("#quality-chart circle.point"))) {
      drawn
          .computeIfAbsent(p.getAttribute("data-series"), k -> new ArrayList<>())
          .add(p.getAttribute("data-run") + "=" + p.getAttribute("data-value"));
    }
    assertThat(drawn.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach((rule, points) -> assertThat(drawn.get(rule)).isEqualTo(points));
    screenshot(browser.findElement(By.id("quality-chart")), "quality-chart.png");
  }

  @Test
  void theQuarantinePageCountsTheQuarantineTable() {
    open("quarantine.html");
    List<String> drawn = new ArrayList<>();
    for (WebElement row : browser.findElements(By.cssSelector("table.quarantine tr"))) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      if (!cells.isEmpty()) {
        drawn.add(
            cells.get(0).getText()
                + " | "
                + cells.get(1).getText()
                + " | "
                + cells.get(2).getText()
                + " | "
                + cells.get(3).getText());
      }
    }
    // Counted here from the table as Delta reads it (the site reads its files directly).
    List<String> counted = new ArrayList<>();
    for (Row r :
        spark
            .read()
            .format("delta")
            .load(lake.resolve("quarantine/records").toString())
            .selectExpr(
                "stage", "dataset", "regexp_replace(reason, \"'[^']*'\", \"'...'\") AS kind")
            .groupBy("stage", "dataset", "kind")
            .count()
            .orderBy(
                org.apache.spark.sql.functions.col("stage"),
                org.apache.spark.sql.functions.col("dataset"),
                org.apache.spark.sql.functions.col("count").desc(),
                org.apache.spark.sql.functions.col("kind"))
            .collectAsList()) {
      counted.add(r.get(0) + " | " + r.get(1) + " | " + r.get(2) + " | " + r.get(3));
    }
    assertThat(drawn).isEqualTo(counted);
    // The second run's two bad transactions, by hand.
    assertThat(drawn)
        .contains("transform | transactions | range(amount) failed for '...' (allowed from 0) | 1");
    assertThat(drawn.stream().filter(l -> l.startsWith("transform | transactions | amount")))
        .singleElement()
        .satisfies(l -> assertThat(l).endsWith(" | 1"));
  }

  /** The cells of the front page's table of tables, by table: header to text. */
  private Map<String, Map<String, String>> tablesTable() {
    List<String> headers = new ArrayList<>();
    browser.findElements(By.cssSelector("table.tables th")).forEach(h -> headers.add(h.getText()));
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (WebElement row : browser.findElements(By.cssSelector("table.tables tr"))) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      if (!cells.isEmpty()) {
        Map<String, String> byHeader = new LinkedHashMap<>();
        for (int i = 0; i < cells.size(); i++) {
          byHeader.put(headers.get(i), cells.get(i).getText());
        }
        out.put(cells.get(0).getText(), byHeader);
      }
    }
    return out;
  }

  @Test
  void eachTableShowsTheFilesItKeepsOnStorage() throws Exception {
    open("index.html");
    Map<String, Map<String, String>> shown = tablesTable();
    int tables = 0;
    for (String zone : List.of("consolidated", "transformed", "curated", "quarantine", "_system")) {
      try (var folders = Files.list(lake.resolve(zone))) {
        for (Path t : folders.filter(f -> Files.isDirectory(f.resolve("_delta_log"))).toList()) {
          // Counted here: every file under the folder but the Delta log and hidden checksums.
          long files;
          try (var walk = Files.walk(t)) {
            files =
                walk.filter(Files::isRegularFile)
                    .filter(f -> !t.relativize(f).startsWith("_delta_log"))
                    .filter(f -> !f.getFileName().toString().startsWith("."))
                    .count();
          }
          String id = zone + "." + t.getFileName();
          assertThat(shown).as(id).containsKey(id);
          assertThat(shown.get(id).get("files on storage")).as(id).isEqualTo(String.valueOf(files));
          assertThat(Long.parseLong(shown.get(id).get("files").replace(",", "")))
              .as(id)
              .isLessThanOrEqualTo(files);
          tables++;
        }
      }
    }
    assertThat(tables).isEqualTo(30); // the graph's 27 nodes but the 6 raw sources; 9 logs
    // What every version of a model the second run recomputed read is still on storage (as
    // Delta's own snapshots list it), and more than its latest version reads.
    String customer360 = lake.resolve("curated/customer_360").toString();
    long versions;
    try (var log = Files.list(Path.of(customer360, "_delta_log"))) {
      versions = log.filter(f -> f.toString().endsWith(".json")).count();
    }
    assertThat(versions).isGreaterThan(1);
    Set<String> read = new HashSet<>();
    for (long v = 0; v < versions; v++) {
      for (String f :
          spark.read().format("delta").option("versionAsOf", v).load(customer360).inputFiles()) {
        read.add(Path.of(java.net.URI.create(f)).toString());
      }
    }
    Set<String> stored = new HashSet<>();
    try (var walk = Files.list(Path.of(customer360))) {
      walk.filter(f -> f.toString().endsWith(".parquet")).forEach(f -> stored.add(f.toString()));
    }
    assertThat(stored).containsAll(read);
    assertThat(Long.parseLong(shown.get("curated.customer_360").get("files on storage")))
        .isEqualTo(stored.size())
        .isGreaterThan(Long.parseLong(shown.get("curated.customer_360").get("files")));
  }

  /** {@code dpf docs} on the lake with the repository's definition and these options. */
  private CliRun docs(String... options) {
    List<String> args = new ArrayList<>(List.of("docs", "--lake", lake.toString()));
    args.addAll(List.of("--definition", Repo.root().resolve("src/pipeline.yaml").toString()));
    args.addAll(List.of(options));
    return CliRun.dpf(args.toArray(String[]::new));
  }

  /** The id of the run the run log orders first by {@code order}. */
  private String run(org.apache.spark.sql.Column order) {
    return spark
        .read()
        .format("delta")
        .load(lake.resolve("_system/runs").toString())
        .orderBy(order)
        .head()
        .getAs("run_id");
  }

  @Test
  void docsAsOfTheFirstRunShowsTheLakeAsThatRunLeftIt() throws Exception {
    String first = run(org.apache.spark.sql.functions.col("logged_at"));
    CliRun docs = docs("--as-of-run", first);
    assertThat(docs.code()).as(docs.err()).isZero();
    Path asOf = site().resolve("as-of").resolve(first);
    browser.get(asOf.resolve("index.html").toUri().toString());
    assertThat(browser.findElement(By.cssSelector(".as-of")).getText())
        .isEqualTo("as run " + first + " left it");
    // The sample's 200 transactions then; the second run added one (its good row).
    assertThat(tablesTable().get("transformed.transactions").get("rows")).isEqualTo("200");
    open("index.html");
    assertThat(browser.findElements(By.cssSelector(".as-of"))).isEmpty();
    assertThat(tablesTable().get("transformed.transactions").get("rows")).isEqualTo("201");
    // Its runs page knows only that run.
    browser.get(asOf.resolve("runs.html").toUri().toString());
    assertThat(browser.findElement(By.tagName("main")).getText())
        .contains(first)
        .doesNotContain(run(org.apache.spark.sql.functions.col("logged_at").desc()));
  }

  @Test
  void everyPageLoadsWithNoErrorNoOutsideRequestAndNoDeadLink() throws Exception {
    Deque<Path> toVisit = new ArrayDeque<>(List.of(site().resolve("index.html")));
    Set<Path> visited = new HashSet<>();
    Set<String> dead = new LinkedHashSet<>();
    List<String> errors = new ArrayList<>();
    List<String> outside = new ArrayList<>();
    browser.manage().logs().get(LogType.PERFORMANCE); // drop what earlier tests left
    browser.manage().logs().get(LogType.BROWSER);
    while (!toVisit.isEmpty()) {
      Path page = toVisit.pop().normalize();
      if (!visited.add(page)) {
        continue;
      }
      browser.get(page.toUri().toString());
      for (WebElement a : browser.findElements(By.cssSelector("a[href]"))) {
        String href = page.toUri().resolve(a.getDomAttribute("href")).toString();
        if (!href.startsWith("file:")) {
          dead.add(page.getFileName() + " links off the site: " + href);
          continue;
        }
        Path target = Path.of(java.net.URI.create(href.replaceAll("#.*", "")));
        if (!Files.isRegularFile(target)) {
          dead.add(page.getFileName() + " -> " + href);
        } else if (target.toString().endsWith(".html")) {
          toVisit.add(target);
        }
      }
      for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
        if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
          errors.add(page.getFileName() + ": " + e.getMessage());
        }
      }
      for (LogEntry e : browser.manage().logs().get(LogType.PERFORMANCE)) {
        String m = e.getMessage();
        if (m.contains("\"Network.requestWillBeSent\"")) {
          var url = java.util.regex.Pattern.compile("\"url\":\"([^\"]*)\"").matcher(m);
          while (url.find()) {
            String u = url.group(1);
            if (!u.startsWith("file:") && !u.startsWith("data:") && !u.startsWith("about:")) {
              outside.add(page.getFileName() + ": " + u);
            }
          }
        }
      }
    }
    assertThat(visited).hasSize(40); // 4 site pages, 27 nodes' pages, 9 system tables' pages
    assertThat(dead).isEmpty();
    assertThat(errors).isEmpty();
    assertThat(outside).isEmpty();
  }

  @Test
  void docsWritesTheSiteWhereToldServesItAndLeavesOtherFoldersAlone() throws Exception {
    Path out = dir.resolve("site");
    CliRun docs = docs("--out", out.toString());
    assertThat(docs.code()).as(docs.err()).isZero();
    assertThat(docs.out().lines().filter(l -> l.startsWith("Report ")))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .startsWith(
                        "Report file:" + out.resolve("index.html") + "  (40 pages, 27 tables"));
    assertThat(Files.readString(out.resolve("tables/curated.risk_flags.html")))
        .isEqualTo(Files.readString(site().resolve("tables/curated.risk_flags.html")));

    Path other = Files.createDirectories(dir.resolve("notes"));
    Files.writeString(other.resolve("todo.txt"), "mine");
    CliRun refused = docs("--out", other.toString());
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err())
        .contains(other + " holds files that are not a dpf site; nothing was written there");
    try (var files = Files.list(other)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactly("todo.txt");
    }

    var server = dev.dpf.jobs.site.DocsSite.serve(out, 0);
    try {
      var http = java.net.http.HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      var index =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).isEqualTo(Files.readString(out.resolve("index.html")));
      var outside =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(base + "/tables/..%2F..%2Fnotes/todo.txt"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(outside.statusCode()).isEqualTo(404);
    } finally {
      server.stop(0);
    }
  }
}
