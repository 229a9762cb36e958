package dev.dpf.jobs.site;

import static dev.dpf.jobs.site.Html.esc;
import static dev.dpf.jobs.site.Html.link;
import static dev.dpf.jobs.site.Html.table;

import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.site.Site.Column;
import dev.dpf.jobs.site.Site.Page;
import dev.dpf.jobs.site.Site.RunRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A table's page: what it is, its size, upstream and downstream, columns with PII and lineage,
 * quality rules, SQL, its runs and its Delta versions.
 */
final class TablePage {
  private TablePage() {}

  static String render(Site site, Page p) {
    String root = "../";
    StringBuilder b = new StringBuilder("<h1>").append(esc(p.id())).append("</h1>");
    b.append("<p class=\"kind\">").append(esc(p.kind())).append("</p>");
    if (!p.docs().description().isEmpty()) {
      b.append("<p class=\"description\">").append(esc(p.docs().description())).append("</p>");
    }
    if (!p.docs().owner().isEmpty() || !p.docs().tags().isEmpty()) {
      b.append("<p>");
      if (!p.docs().owner().isEmpty()) {
        b.append("owner <b class=\"owner\">").append(esc(p.docs().owner())).append("</b> ");
      }
      p.docs()
          .tags()
          .forEach(t -> b.append("<span class=\"tag\">").append(esc(t)).append("</span>"));
      b.append("</p>");
    }
    p.stats()
        .ifPresent(
            s ->
                b.append("<div class=\"cards\">")
                    .append(Pages.card("status", esc(Pages.status(site, p.id()))))
                    .append(Pages.card("rows", String.format(Locale.ROOT, "%,d", s.rows())))
                    .append(Pages.card("files", String.format(Locale.ROOT, "%,d", s.files())))
                    .append(Pages.card("size", Pages.bytes(s.bytes())))
                    .append(
                        Pages.card(
                            "on storage",
                            String.format(Locale.ROOT, "%,d files, ", s.filesOnDisk())
                                + Pages.bytes(s.bytesOnDisk())))
                    .append(Pages.card("version", String.valueOf(s.version())))
                    .append(Pages.card("last update", esc(s.lastUpdate().toString())))
                    .append("</div>"));
    b.append("<p>upstream: ")
        .append(links(root, p.upstream()))
        .append("<br>downstream: ")
        .append(links(root, p.downstream()))
        .append("</p>");
    if (!p.columns().isEmpty()) {
      b.append("<h2>Columns</h2>").append(columns(p));
    }
    if (!p.rules().isEmpty()) {
      b.append("<h2>Quality rules</h2><ul class=\"rules\">");
      p.rules().forEach(r -> b.append("<li><code>").append(esc(r)).append("</code></li>"));
      b.append("</ul>");
    }
    p.sql()
        .ifPresent(
            sql -> b.append("<h2>SQL</h2><pre class=\"sql\">").append(esc(sql)).append("</pre>"));
    b.append(history(site, p));
    if (!p.history().isEmpty()) {
      b.append("<h2>Delta versions, newest first</h2>").append(versions(p));
    }
    return Html.page(p.id(), "", root, b.toString());
  }

  /** The table's columns: name, type, nullability, PII tag, description and lineage. */
  private static String columns(Page p) {
    List<List<String>> rows = new ArrayList<>();
    for (Column c : p.columns()) {
      rows.add(
          List.of(
              "<code>" + esc(c.name()) + "</code>",
              esc(c.type()),
              c.nullable() ? "" : "not null",
              esc(c.pii()),
              esc(c.description()),
              c.lineage().stream()
                  .map(l -> "<code>" + esc(l) + "</code>")
                  .collect(Collectors.joining("<br>"))));
    }
    return table(
        "columns", List.of("column", "type", "nullable", "PII", "description", "comes from"), rows);
  }

  /** The table's Delta versions, newest first, with each commit's metrics. */
  private static String versions(Page p) {
    List<List<String>> rows = new ArrayList<>();
    for (Lake.Change c : p.history()) {
      rows.add(
          List.of(
              String.valueOf(c.version()),
              esc(c.at().toString()),
              esc(c.operation()),
              esc(
                  c.metrics().entrySet().stream()
                      .map(e -> e.getKey() + "=" + e.getValue())
                      .collect(Collectors.joining(", ")))));
    }
    return table("versions", List.of("#version", "time", "operation", "metrics"), rows);
  }

  /**
   * A count of each run, null (a gap in the chart) for a run that left the table as it was: up to
   * date, skipped, not selected.
   */
  private static List<Double> counts(
      Map<String, RunRow> byRun, java.util.function.ToLongFunction<RunRow> count) {
    List<Double> out = new ArrayList<>();
    for (RunRow r : byRun.values()) {
      boolean wrote = r.status().equals("ok") || r.status().equals("failed");
      out.add(wrote ? (double) count.applyAsLong(r) : null);
    }
    return out;
  }

  /** A table's runs: a chart of rows and one of seconds, a point per run that logged it. */
  private static String history(Site site, Page p) {
    Map<String, RunRow> byRun = new LinkedHashMap<>();
    site.runs().stream()
        .filter(r -> r.table().equals(p.id()))
        .forEach(r -> byRun.put(r.runId(), r));
    if (byRun.isEmpty()) {
      return "";
    }
    List<String> ids = List.copyOf(byRun.keySet());
    Map<String, List<Double>> rows = new LinkedHashMap<>();
    rows.put("rows read", counts(byRun, RunRow::read));
    rows.put("rows written", counts(byRun, RunRow::written));
    rows.put("rows quarantined", counts(byRun, RunRow::quarantined));
    Map<String, List<Double>> secs =
        Map.of("seconds", byRun.values().stream().map(RunRow::seconds).toList());
    StringBuilder b = new StringBuilder("<h2>Runs</h2><div class=\"charts\">");
    b.append("<figure><figcaption>Rows per run</figcaption>")
        .append(Svg.chart("table-rows", "rows", site.onAxis(ids), rows))
        .append("</figure><figure><figcaption>Seconds per run</figcaption>")
        .append(Svg.chart("table-seconds", "seconds", site.onAxis(ids), secs))
        .append("</figure></div>");
    List<List<String>> table = new ArrayList<>();
    for (RunRow r : byRun.values()) {
      table.add(
          0,
          List.of(
              "<code>" + esc(r.runId()) + "</code>",
              esc(r.stage()),
              "<span class=\"status-" + esc(r.status()) + "\">" + esc(r.status()) + "</span>",
              String.format(Locale.ROOT, "%,d", r.read()),
              String.format(Locale.ROOT, "%,d", r.written()),
              String.format(Locale.ROOT, "%,d", r.quarantined()),
              String.format(Locale.ROOT, "%.1f", r.seconds()),
              esc(r.note())));
    }
    return b.append(
            table(
                "table-runs",
                List.of(
                    "run",
                    "stage",
                    "status",
                    "#read",
                    "#written",
                    "#quarantined",
                    "#seconds",
                    "note"),
                table))
        .toString();
  }

  private static String links(String root, List<String> ids) {
    return ids.isEmpty()
        ? "-"
        : ids.stream().map(id -> link(root, id)).collect(Collectors.joining(", "));
  }
}
