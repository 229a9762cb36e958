package dev.dpf.jobs.site;

import static dev.dpf.jobs.site.Html.esc;
import static dev.dpf.jobs.site.Html.link;
import static dev.dpf.jobs.site.Html.table;

import dev.dpf.core.api.TableResult;
import dev.dpf.jobs.run.Report;
import dev.dpf.jobs.site.Site.Node;
import dev.dpf.jobs.site.Site.Page;
import dev.dpf.jobs.site.Site.QualityRow;
import dev.dpf.jobs.site.Site.Quarantined;
import dev.dpf.jobs.site.Site.RunRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders a {@link Site} as pages: file name (relative to the site's root) to HTML. */
final class Pages {
  private Pages() {}

  static Map<String, String> render(Site site) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("index.html", index(site));
    out.put("runs.html", runs(site));
    out.put("quality.html", quality(site));
    out.put("quarantine.html", quarantine(site));
    for (Page p : site.pages().values()) {
      out.put(Site.href(p.id()), TablePage.render(site, p));
    }
    return out;
  }

  private static String index(Site site) {
    StringBuilder b = new StringBuilder("<h1>Pipeline lineage</h1>");
    b.append(header(site));
    List<String> ids = site.runIds();
    String last = ids.isEmpty() ? "none yet" : ids.get(ids.size() - 1);
    long failed =
        ids.isEmpty()
            ? 0
            : site.runs().stream()
                .filter(r -> r.runId().equals(last) && r.status().equals("failed"))
                .count();
    long quarantined = site.quarantine().stream().mapToLong(Quarantined::records).sum();
    b.append("<div class=\"cards\">")
        .append(card("tables", String.valueOf(site.nodes().size() - rawCount(site))))
        .append(card("runs shown", String.valueOf(ids.size())))
        .append(card("last run", esc(Svg.shortRun(last)) + (failed > 0 ? " (failed)" : "")))
        .append(card("quarantined records", String.format(Locale.ROOT, "%,d", quarantined)))
        .append(storageCard(site))
        .append("</div>");
    b.append("<p class=\"legend-zones\">");
    for (String zone : List.of("raw", "consolidated", "transformed", "curated", "quarantine")) {
      b.append("<span style=\"background:var(--").append(zone).append(")\">").append(zone);
      b.append("</span>");
    }
    b.append(
        " <span class=\"small muted\">outline: green ok, red failed, dashed not built;"
            + " dashed edges: records sent to quarantine. Click a table for its page.</span></p>");
    b.append("<div class=\"graph\">")
        .append(Svg.lineage(site.nodes(), site.edges(), ""))
        .append("</div>");
    b.append("<h2>Tables</h2>").append(tables(site));
    return Html.page("Lineage", "Lineage", "", b.toString());
  }

  /** Every page's table with its size now and on storage. */
  private static String tables(Site site) {
    List<List<String>> rows = new ArrayList<>();
    for (Page p : site.pages().values()) {
      rows.add(
          List.of(
              link("", p.id()),
              esc(p.zone()),
              esc(status(site, p.id())),
              p.stats().map(s -> String.format(Locale.ROOT, "%,d", s.rows())).orElse(""),
              p.stats().map(s -> String.format(Locale.ROOT, "%,d", s.files())).orElse(""),
              p.stats().map(s -> bytes(s.bytes())).orElse(""),
              p.stats().map(s -> String.format(Locale.ROOT, "%,d", s.filesOnDisk())).orElse(""),
              p.stats().map(s -> bytes(s.bytesOnDisk())).orElse(""),
              p.stats().map(s -> esc(s.lastUpdate().toString())).orElse(""),
              esc(p.docs().description())));
    }
    return table(
        "tables",
        List.of(
            "table",
            "zone",
            "status",
            "#rows",
            "#files",
            "#size",
            "#files on storage",
            "#size on storage",
            "last update",
            ""),
        rows);
  }

  /**
   * The bytes every table keeps on storage against the bytes their versions shown read: what
   * maintenance ({@code dpf maintain}) can give back.
   */
  private static String storageCard(Site site) {
    long current = 0;
    long stored = 0;
    for (Page p : site.pages().values()) {
      if (p.stats().isPresent()) {
        current += Math.max(0, p.stats().get().bytes());
        stored += p.stats().get().bytesOnDisk();
      }
    }
    return card(
        "on storage",
        bytes(stored) + " <span class=\"muted small\">for " + bytes(current) + " read</span>");
  }

  private static long rawCount(Site site) {
    return site.nodes().stream().filter(n -> n.zone().equals("raw")).count();
  }

  static String status(Site site, String id) {
    return site.nodes().stream()
        .filter(n -> n.id().equals(id))
        .map(Node::status)
        .findFirst()
        .orElse("");
  }

  static String header(Site site) {
    return "<p class=\"muted small\">definition "
        + esc(site.definitionFile())
        + " · lake "
        + esc(site.lakeRoot())
        + (site.asOfRun().isEmpty()
            ? ""
            : " · <b class=\"as-of\">as run " + esc(site.asOfRun()) + " left it</b>")
        + " · made "
        + esc(site.generated().toString())
        + "</p>";
  }

  static String card(String label, String valueHtml) {
    return "<div class=\"card\"><span class=\"muted small\">"
        + esc(label)
        + "</span><b>"
        + valueHtml
        + "</b></div>";
  }

  private static final List<String> RUN_COLUMNS =
      List.of(
          "run",
          "logged",
          "stages",
          "#tables",
          "status",
          "#read",
          "#written",
          "#quarantined",
          "#superseded",
          "#seconds");

  private static String runs(Site site) {
    StringBuilder b = new StringBuilder("<h1>Runs</h1>").append(header(site));
    List<String> ids = site.runIds();
    if (ids.isEmpty()) {
      return Html.page("Runs", "Runs", "", b.append("<p>No run logged yet.</p>").toString());
    }
    Map<String, List<Double>> rows = new LinkedHashMap<>();
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    for (String metric : List.of("read", "written", "quarantined")) {
      rows.put("rows " + metric, new ArrayList<>());
    }
    seconds.put("table seconds", new ArrayList<>());
    List<List<String>> table = new ArrayList<>();
    for (String id : ids) {
      List<RunRow> of = site.runs().stream().filter(r -> r.runId().equals(id)).toList();
      long read = of.stream().mapToLong(RunRow::read).sum();
      long written = of.stream().mapToLong(RunRow::written).sum();
      long quarantined = of.stream().mapToLong(RunRow::quarantined).sum();
      double secs = of.stream().mapToDouble(RunRow::seconds).sum();
      rows.get("rows read").add((double) read);
      rows.get("rows written").add((double) written);
      rows.get("rows quarantined").add((double) quarantined);
      seconds.get("table seconds").add(Math.round(secs * 10) / 10.0);
      long failed = of.stream().filter(r -> r.status().equals("failed")).count();
      table.add(
          0,
          List.of(
              "<code>" + esc(id) + "</code>",
              esc(of.get(0).at().toString()),
              esc(of.stream().map(RunRow::stage).distinct().collect(Collectors.joining(", "))),
              String.valueOf(of.stream().filter(r -> !r.table().startsWith("(")).count()),
              failed == 0
                  ? "<span class=\"status-ok\">ok</span>"
                  : "<span class=\"status-failed\">" + failed + " failed</span>",
              String.format(Locale.ROOT, "%,d", read),
              String.format(Locale.ROOT, "%,d", written),
              String.format(Locale.ROOT, "%,d", quarantined),
              String.format(Locale.ROOT, "%,d", of.stream().mapToLong(RunRow::superseded).sum()),
              String.format(Locale.ROOT, "%.1f", secs)));
    }
    b.append("<div class=\"charts\"><figure><figcaption>Rows per run</figcaption>")
        .append(Svg.chart("runs-rows", "rows", site.onAxis(ids), rows))
        .append("</figure><figure><figcaption>Seconds per run (tables' own, summed)</figcaption>")
        .append(Svg.chart("runs-seconds", "seconds", site.onAxis(ids), seconds))
        .append("</figure></div>");
    b.append("<h2>Runs, newest first</h2>").append(table("runs", RUN_COLUMNS, table));
    b.append("<h2>Failed tables</h2>").append(failedTables(site));
    b.append(reconciliation(site, ids));
    return Html.page("Runs", "Runs", "", b.toString());
  }

  /** Every failed table of the runs shown, newest first, with its message. */
  private static String failedTables(Site site) {
    List<List<String>> failed = new ArrayList<>();
    for (RunRow r : site.runs()) {
      if (r.status().equals("failed")) {
        failed.add(
            0,
            List.of(
                "<code>" + esc(r.runId()) + "</code>",
                link("", r.table()),
                esc(r.stage()),
                "<span class=\"status-failed\">" + esc(r.note()) + "</span>"));
      }
    }
    return failed.isEmpty()
        ? "<p class=\"muted\">None in the runs shown.</p>"
        : table("failed", List.of("run", "table", "stage", "message"), failed);
  }

  /** Each run's tables written from records they counted, with the counts' check. */
  private static String reconciliation(Site site, List<String> ids) {
    StringBuilder b = new StringBuilder();
    b.append("<h2>Reconciliation</h2>")
        .append(
            "<p class=\"muted small\">Each table written from records it counted (ingest and"
                + " transform): rows read = written + quarantined + superseded.</p>");
    List<List<String>> rec = new ArrayList<>();
    for (String id : ids) {
      List<TableResult> results =
          site.runs().stream().filter(r -> r.runId().equals(id)).map(Pages::result).toList();
      for (TableResult r : Report.reconciled(results)) {
        boolean ok = r.rowsRead() == r.rowsWritten() + r.rowsQuarantined() + r.rowsSuperseded();
        rec.add(
            List.of(
                "<code>" + esc(id) + "</code>",
                link("", r.table()),
                String.format(Locale.ROOT, "%,d", r.rowsRead()),
                String.format(Locale.ROOT, "%,d", r.rowsWritten()),
                String.format(Locale.ROOT, "%,d", r.rowsQuarantined()),
                String.format(Locale.ROOT, "%,d", r.rowsSuperseded()),
                ok
                    ? "<span class=\"status-ok\">ok</span>"
                    : "<span class=\"mismatch\">MISMATCH</span>"));
      }
    }
    b.append(
        table(
            "reconciliation",
            List.of("run", "table", "#read", "#written", "#quarantined", "#superseded", "check"),
            rec));
    return b.toString();
  }

  /** A run log row as the result the run reported. */
  private static TableResult result(RunRow r) {
    TableResult.Status status =
        TableResult.Status.valueOf(r.status().toUpperCase(Locale.ROOT).replace('-', '_'));
    return new TableResult(
        dev.dpf.core.api.Stage.of(r.stage()),
        r.table(),
        status,
        r.read(),
        r.written(),
        r.quarantined(),
        r.superseded(),
        r.files(),
        r.seconds(),
        r.note());
  }

  private static String quality(Site site) {
    StringBuilder b = new StringBuilder("<h1>Quality</h1>").append(header(site));
    List<String> ids = site.runIds();
    Map<String, List<Double>> series = new LinkedHashMap<>();
    for (QualityRow q : site.quality()) {
      if (!q.status().equals("passed")) {
        series.computeIfAbsent(q.dataset() + ": " + q.rule(), k -> new ArrayList<>());
      }
    }
    for (var e : series.entrySet()) {
      for (String id : ids) {
        Double failed = null;
        for (QualityRow q : site.quality()) {
          if (q.runId().equals(id) && e.getKey().equals(q.dataset() + ": " + q.rule())) {
            failed = (double) q.failed();
          }
        }
        e.getValue().add(failed);
      }
    }
    b.append(
        "<h2>Rules that did not pass (warned, quarantined, failed): failing rows per run</h2>");
    b.append(
        series.isEmpty()
            ? "<p class=\"muted\">Every rule passed in the runs shown.</p>"
            : "<figure>"
                + Svg.chart("quality-chart", "failing rows", site.onAxis(ids), series)
                + "</figure>");
    b.append("<h2>Every result, newest run first</h2>");
    List<List<String>> rows = new ArrayList<>();
    for (QualityRow q : site.quality()) {
      rows.add(
          0,
          List.of(
              "<code>" + esc(q.runId()) + "</code>",
              esc(q.dataset()),
              esc(q.rule()),
              esc(q.action()),
              "<span class=\"status-" + esc(q.status()) + "\">" + esc(q.status()) + "</span>",
              String.format(Locale.ROOT, "%,d", q.checked()),
              String.format(Locale.ROOT, "%,d", q.failed()),
              esc(q.detail())));
    }
    b.append(
        table(
            "quality",
            List.of("run", "dataset", "rule", "action", "status", "#checked", "#failed", "detail"),
            rows));
    return Html.page("Quality", "Quality", "", b.toString());
  }

  private static String quarantine(Site site) {
    StringBuilder b = new StringBuilder("<h1>Quarantine</h1>").append(header(site));
    b.append(
        "<p class=\"muted small\">Records the stages rejected, counted by reason (quoted values"
            + " masked); one example as written. dpf quarantine replay takes a dataset's records"
            + " again after a fix.</p>");
    List<List<String>> rows = new ArrayList<>();
    for (Quarantined q : site.quarantine()) {
      rows.add(
          List.of(
              esc(q.stage()),
              esc(q.dataset()),
              esc(q.reason()),
              String.format(Locale.ROOT, "%,d", q.records()),
              "<code>" + esc(q.example()) + "</code>"));
    }
    b.append(
        rows.isEmpty()
            ? "<p>No quarantined records.</p>"
            : table(
                "quarantine", List.of("stage", "dataset", "reason", "#records", "example"), rows));
    return Html.page("Quarantine", "Quarantine", "", b.toString());
  }

  static String bytes(long n) {
    return n < 0 ? "?" : Report.bytes(n);
  }
}
