package dev.dpf.jobs.site;

import java.util.List;

/**
 * The site's page shell and HTML helpers. Style and script are inline in every page, so a page
 * opens from the file system, alone, with nothing fetched.
 */
final class Html {
  private Html() {}

  private static final String STYLE =
      """
      :root { --ink:#1d2733; --muted:#5c6b7a; --line:#d8dee6; --bg:#f6f8fa;
        --raw:#eef0f3; --consolidated:#e3efff; --transformed:#e2f6ea; --curated:#fff1d6;
        --quarantine:#fde4e4; --system:#ece8f8; --ok:#1f883d; --failed:#cf222e; --warn:#bf8700; }
      * { box-sizing: border-box; }
      body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
        color:var(--ink); background:#fff; }
      header { background:#14202e; color:#fff; padding:10px 24px; display:flex; gap:24px;
        align-items:center; flex-wrap:wrap; }
      header .brand { font-weight:700; font-size:16px; }
      header a { color:#c9d7e6; text-decoration:none; }
      header a:hover, header a.here { color:#fff; text-decoration:underline; }
      main { padding:18px 24px 40px; max-width:1400px; }
      h1 { font-size:22px; margin:4px 0 6px; } h2 { font-size:17px; margin:26px 0 8px; }
      .muted { color:var(--muted); } .small { font-size:12px; }
      table { border-collapse:collapse; margin:6px 0 12px; }
      th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:left;
        vertical-align:top; }
      table { max-width:100%; } td { overflow-wrap:anywhere; } th, td.n { white-space:nowrap; }
      th { background:var(--bg); font-weight:600; } td.n, th.n { text-align:right;
        font-variant-numeric:tabular-nums; }
      code, pre { font-family:ui-monospace, "SFMono-Regular", Menlo, monospace; font-size:12.5px; }
      pre { background:var(--bg); border:1px solid var(--line); padding:10px; overflow:auto; }
      .cards { display:flex; gap:12px; flex-wrap:wrap; margin:10px 0; }
      .card { border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:150px; }
      .card b { display:block; font-size:18px; }
      .tag { display:inline-block; background:var(--bg); border:1px solid var(--line);
        border-radius:10px; padding:0 8px; margin-right:4px; font-size:12px; }
      .status-ok, .status-up-to-date { color:var(--ok); } .status-failed { color:var(--failed); }
      .status-warned { color:var(--warn); } .mismatch { color:var(--failed); font-weight:700; }
      .graph { overflow:auto; border:1px solid var(--line); border-radius:8px; background:#fcfdfe; }
      svg text { font-family:system-ui, sans-serif; }
      .node rect { stroke:#9aa7b5; stroke-width:1.2; }
      .node .name { font-size:13px; font-weight:600; fill:var(--ink); }
      .node .sub { font-size:11px; fill:var(--muted); }
      .zone-raw rect { fill:var(--raw); } .zone-consolidated rect { fill:var(--consolidated); }
      .zone-transformed rect { fill:var(--transformed); } .zone-curated rect { fill:var(--curated); }
      .zone-quarantine rect { fill:var(--quarantine); } .zone-system rect { fill:var(--system); }
      .node.status-ok rect, .node.status-up-to-date rect { stroke:var(--ok); stroke-width:2; }
      .node.status-failed rect { stroke:var(--failed); stroke-width:3; }
      .node.status-not-built rect { stroke-dasharray:5 4; }
      .node:hover rect, .node.lit rect { stroke:#0969da; stroke-width:3; }
      .edge { fill:none; stroke:#9aa7b5; stroke-width:1.4; }
      .edge.to-quarantine { stroke:#e5a0a0; stroke-dasharray:5 4; opacity:.6; }
      .edge.lit { stroke:#0969da; stroke-width:2.4; }
      .legend-zones span { display:inline-block; padding:1px 10px; border:1px solid #9aa7b5;
        border-radius:6px; margin-right:6px; font-size:12px; }
      .chart .grid { stroke:#e6eaef; } .chart .axis { font-size:11px; fill:var(--muted); }
      .chart .tick { stroke:#9aa7b5; }
      .chart .line { fill:none; stroke-width:2; } .chart .legend { font-size:12px; }
      .series-0 { stroke:#0969da; fill:#0969da; } .series-1 { stroke:#1f883d; fill:#1f883d; }
      .series-2 { stroke:#cf222e; fill:#cf222e; } .series-3 { stroke:#8250df; fill:#8250df; }
      .series-4 { stroke:#bf8700; fill:#bf8700; } .series-5 { stroke:#57606a; fill:#57606a; }
      .chart .line { fill:none; } .chart text.legend { stroke:none; }
      .charts { display:flex; gap:18px; flex-wrap:wrap; }
      figure { margin:0 0 10px; } figcaption { font-weight:600; margin-bottom:2px; }
      """;

  /** Lights a node's edges and neighbours while the pointer is on it. */
  private static final String SCRIPT =
      """
      document.querySelectorAll('#lineage .node').forEach(function (node) {
        var id = node.getAttribute('data-table');
        function light(on) {
          document.querySelectorAll('#lineage .edge').forEach(function (e) {
            var from = e.getAttribute('data-from'), to = e.getAttribute('data-to');
            if (from === id || to === id) {
              e.classList.toggle('lit', on);
              var other = from === id ? to : from;
              var n = document.querySelector('#lineage .node[data-table="' + other + '"]');
              if (n) { n.classList.toggle('lit', on); }
            }
          });
        }
        node.addEventListener('mouseenter', function () { light(true); });
        node.addEventListener('mouseleave', function () { light(false); });
      });
      """;

  /** A whole page; {@code root} leads from the page back to the site's root ("" or "../"). */
  static String page(String title, String here, String root, String body) {
    StringBuilder s = new StringBuilder();
    s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>")
        .append(esc(title))
        .append(" · dpf</title><style>")
        .append(STYLE)
        .append("</style></head><body><header><span class=\"brand\">dpf</span>");
    for (String[] link :
        List.of(
            new String[] {"index.html", "Lineage"},
            new String[] {"runs.html", "Runs"},
            new String[] {"quality.html", "Quality"},
            new String[] {"quarantine.html", "Quarantine"})) {
      s.append("<a href=\"")
          .append(root)
          .append(link[0])
          .append("\"")
          .append(link[1].equals(here) ? " class=\"here\"" : "")
          .append(">")
          .append(link[1])
          .append("</a>");
    }
    return s.append("</header><main>")
        .append(body)
        .append("</main><script>")
        .append(SCRIPT)
        .append("</script></body></html>\n")
        .toString();
  }

  /** Text as HTML: {@code & < > " '} escaped. */
  static String esc(String text) {
    StringBuilder s = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> s.append("&amp;");
        case '<' -> s.append("&lt;");
        case '>' -> s.append("&gt;");
        case '"' -> s.append("&quot;");
        case '\'' -> s.append("&#39;");
        default -> s.append(c);
      }
    }
    return s.toString();
  }

  /** A table with a header row; cells are HTML already; a header starting '#' is numeric. */
  static String table(String cssClass, List<String> headers, List<List<String>> rows) {
    StringBuilder s = new StringBuilder("<table class=\"").append(cssClass).append("\"><tr>");
    for (String h : headers) {
      boolean n = h.startsWith("#");
      s.append(n ? "<th class=\"n\">" : "<th>").append(esc(n ? h.substring(1) : h)).append("</th>");
    }
    s.append("</tr>");
    for (List<String> row : rows) {
      s.append("<tr>");
      for (int i = 0; i < row.size(); i++) {
        s.append(headers.get(i).startsWith("#") ? "<td class=\"n\">" : "<td>")
            .append(row.get(i))
            .append("</td>");
      }
      s.append("</tr>");
    }
    return s.append("</table>").toString();
  }

  /**
   * A link to the page of table {@code id} (from a page {@code root} away from the site's root); a
   * run log's row about a whole stage or run ({@code (run)}, {@code (curate stage)}) has no page,
   * and is plain text.
   */
  static String link(String root, String id) {
    if (id.startsWith("(")) {
      return esc(id);
    }
    return "<a href=\"" + esc(root + Site.href(id)) + "\">" + esc(id) + "</a>";
  }
}
