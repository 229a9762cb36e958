package dev.dpf.jobs.site;

import static dev.dpf.jobs.site.Html.esc;

import dev.dpf.jobs.site.Site.Edge;
import dev.dpf.jobs.site.Site.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The site's pictures as inline SVG, drawn here: no script library, nothing fetched. */
final class Svg {
  private static final int NODE_W = 200;
  private static final int NODE_H = 46;
  private static final int COL_GAP = 76;
  private static final int ROW_GAP = 16;
  private static final int PAD = 24;

  private Svg() {}

  /**
   * The lineage graph: a column per zone (raw, consolidated, transformed, curated; a model reading
   * a model to the right of it), the quarantine table below; each node a link to its page ({@code
   * prefix} + its page file), coloured by zone, outlined by status.
   */
  static String lineage(List<Node> nodes, List<Edge> edges, String prefix) {
    Layout layout = layout(nodes, edges);
    Map<String, int[]> at = layout.at();
    int width = layout.width();
    int height = layout.height();
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg id=\"lineage\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"lineage graph\">",
            width,
            height,
            width,
            height));
    s.append(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\""
            + " markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
            + "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#7a8594\"/></marker></defs>");
    edges(s, edges, at);
    nodes(s, nodes, at, prefix);
    return s.append("</svg>").toString();
  }

  /** Where each node's box is (its top left corner), and the drawing's size. */
  private record Layout(Map<String, int[]> at, int width, int height) {}

  /** A column per zone, a row per table in it; the quarantine tables in a row below. */
  private static Layout layout(List<Node> nodes, List<Edge> edges) {
    Map<String, Integer> column = columns(nodes, edges);
    Map<Integer, Integer> filled = new HashMap<>();
    Map<String, int[]> at = new HashMap<>();
    int width = 0;
    int height = 0;
    List<Node> bottom = new ArrayList<>();
    for (Node n : nodes) {
      if (n.zone().equals("quarantine")) {
        bottom.add(n);
        continue;
      }
      int c = column.get(n.id());
      int row = filled.merge(c, 1, Integer::sum) - 1;
      int x = PAD + c * (NODE_W + COL_GAP);
      int y = PAD + row * (NODE_H + ROW_GAP);
      at.put(n.id(), new int[] {x, y});
      width = Math.max(width, x + NODE_W + PAD);
      height = Math.max(height, y + NODE_H);
    }
    int y = height + 70;
    for (int i = 0; i < bottom.size(); i++) {
      int x = Math.max(PAD, (width - NODE_W) / 2) + i * (NODE_W + COL_GAP);
      at.put(bottom.get(i).id(), new int[] {x, y});
      width = Math.max(width, x + NODE_W + PAD);
    }
    height = (bottom.isEmpty() ? height : y + NODE_H) + PAD;
    return new Layout(at, width, height);
  }

  /** An arrow per edge between two drawn nodes; those into quarantine marked. */
  private static void edges(StringBuilder s, List<Edge> edges, Map<String, int[]> at) {
    for (Edge e : edges) {
      int[] a = at.get(e.from());
      int[] b = at.get(e.to());
      if (a == null || b == null) {
        continue;
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<path class=\"edge%s\" data-from=\"%s\" data-to=\"%s\" d=\"%s\""
                  + " marker-end=\"url(#arrow)\"/>",
              toQuarantine(e) ? " to-quarantine" : "",
              esc(e.from()),
              esc(e.to()),
              path(a, b, toQuarantine(e))));
    }
  }

  /** A box per node, linked to its page, with its name, zone and status. */
  private static void nodes(
      StringBuilder s, List<Node> nodes, Map<String, int[]> at, String prefix) {
    for (Node n : nodes) {
      int[] p = at.get(n.id());
      String name = n.id().substring(n.id().indexOf('.') + 1);
      s.append(
          String.format(
              Locale.ROOT,
              "<a href=\"%s\"><g class=\"node zone-%s status-%s\" data-table=\"%s\""
                  + " data-status=\"%s\" transform=\"translate(%d,%d)\">"
                  + "<title>%s: %s</title>"
                  + "<rect width=\"%d\" height=\"%d\" rx=\"7\"/>"
                  + "<text class=\"name\" x=\"12\" y=\"20\">%s</text>"
                  + "<text class=\"sub\" x=\"12\" y=\"37\">%s · %s</text></g></a>",
              esc(prefix + Site.href(n.id())),
              n.zone().replace("_", ""),
              n.status().replace(' ', '-'),
              esc(n.id()),
              esc(n.status()),
              p[0],
              p[1],
              esc(n.id()),
              esc(n.status()),
              NODE_W,
              NODE_H,
              esc(name.length() > 24 ? name.substring(0, 23) + "…" : name),
              esc(n.zone()),
              esc(n.status())));
    }
  }

  /** Each node's column: its zone's; a model's right of every table it reads. */
  private static Map<String, Integer> columns(List<Node> nodes, List<Edge> edges) {
    Map<String, Integer> column = new HashMap<>();
    java.util.Set<String> models = new java.util.HashSet<>();
    nodes.stream().filter(Node::model).forEach(n -> models.add(n.id()));
    for (Node n : nodes) {
      column.put(n.id(), Math.min(3, Math.max(0, Site.ZONES.indexOf(n.zone()))));
    }
    // Nodes come in an order where a model follows what it reads: one pass per node settles them.
    for (int pass = 0; pass < nodes.size(); pass++) {
      boolean moved = false;
      for (Edge e : edges) {
        if (!models.contains(e.to()) || !column.containsKey(e.from())) {
          continue;
        }
        int want = column.get(e.from()) + 1;
        if (column.get(e.to()) < want) {
          column.put(e.to(), want);
          moved = true;
        }
      }
      if (!moved) {
        break;
      }
    }
    return column;
  }

  private static String path(int[] a, int[] b, boolean down) {
    if (down) { // out to the right, into the gap between columns, then down
      int x1 = a[0] + NODE_W;
      int y1 = a[1] + NODE_H / 2;
      int x2 = b[0] + NODE_W / 2;
      int y2 = b[1];
      return String.format(
          Locale.ROOT,
          "M %d %d C %d %d, %d %d, %d %d",
          x1,
          y1,
          x1 + COL_GAP / 2,
          y1,
          x2,
          y2 - 80,
          x2,
          y2);
    }
    if (a[0] == b[0]) { // the same column: a loop out to the right
      int x = a[0] + NODE_W;
      int y1 = a[1] + NODE_H / 2;
      int y2 = b[1] + NODE_H / 2;
      return String.format(
          Locale.ROOT, "M %d %d C %d %d, %d %d, %d %d", x, y1, x + 45, y1, x + 45, y2, x, y2);
    }
    int x1 = a[0] + NODE_W;
    int y1 = a[1] + NODE_H / 2;
    int x2 = b[0];
    int y2 = b[1] + NODE_H / 2;
    int mid = (x1 + x2) / 2;
    return String.format(
        Locale.ROOT, "M %d %d C %d %d, %d %d, %d %d", x1, y1, mid, y1, mid, y2, x2, y2);
  }

  /** A run on a chart's time axis: its id and when it started. */
  record Run(String id, Instant at) {}

  /**
   * A line chart of values per run over time: one series per name, one point per run where the
   * series has a value (a {@code circle.point} with the run and the value as data attributes and a
   * tooltip), its line broken where a run has none (a table the run left up to date is a gap, not a
   * zero). The x axis is time, with a few labels however many runs there are.
   *
   * @param runs the x axis, oldest first
   * @param series by name, a value per run (null where none)
   */
  static String chart(String id, String unit, List<Run> runs, Map<String, List<Double>> series) {
    double max = 0;
    for (List<Double> values : series.values()) {
      for (Double v : values) {
        max = v == null ? max : Math.max(max, v);
      }
    }
    // A legend line per series below the plot.
    Plot plot =
        new Plot(640, 210 + 16 * series.size(), 64, 16, 26, 36 + 16 * series.size(), nice(max));
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg class=\"chart\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
            esc(id),
            plot.w(),
            plot.h(),
            plot.w(),
            plot.h(),
            esc(id)));
    grid(s, plot, unit);
    TimeAxis axis = new TimeAxis(runs, plot.left(), plot.plotW());
    ticks(s, plot, axis);
    int k = 0;
    for (var e : series.entrySet()) {
      series(s, plot, axis, runs, k, e.getKey(), e.getValue());
      k++;
    }
    return s.append("</svg>").toString();
  }

  /** A chart's size, margins and the value at the top of its scale. */
  private record Plot(int w, int h, int left, int right, int top, int bottom, double scale) {
    int plotW() {
      return w - left - right;
    }

    int plotH() {
      return h - top - bottom;
    }

    /** The y of a value. */
    int y(double v) {
      return top + plotH() - (int) Math.round(scale == 0 ? 0 : plotH() * v / scale);
    }
  }

  /** Five grid lines with their values, and the unit above them. */
  private static void grid(StringBuilder s, Plot plot, String unit) {
    for (int i = 0; i <= 4; i++) {
      double v = plot.scale() * i / 4;
      int y = plot.top() + plot.plotH() - (int) Math.round(plot.plotH() * i / 4.0);
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                  + "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
              plot.left(),
              y,
              plot.w() - plot.right(),
              y,
              plot.left() - 6,
              y + 4,
              esc(number(v))));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axis\" x=\"%d\" y=\"%d\">%s</text>",
            4,
            plot.top() - 12,
            esc(unit)));
  }

  /** The time axis' labelled ticks that fit. */
  private static void ticks(StringBuilder s, Plot plot, TimeAxis axis) {
    int base = plot.top() + plot.plotH();
    for (TimeAxis.Tick t : axis.ticks(plot.plotW() / TICK_SPACING + 1)) {
      s.append(
          String.format(
              Locale.ROOT,
              "<line class=\"tick\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                  + "<text class=\"axis x-label\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">%s</text>",
              t.x(),
              base,
              t.x(),
              base + 4,
              t.x(),
              plot.h() - plot.bottom() + 16,
              t.anchor(),
              esc(t.label())));
    }
  }

  /**
   * Series {@code k}: a line through its values, broken where a run has none, a dot per value, and
   * its legend line.
   */
  private static void series(
      StringBuilder s,
      Plot plot,
      TimeAxis axis,
      List<Run> runs,
      int k,
      String name,
      List<Double> values) {
    int n = runs.size();
    StringBuilder lines = new StringBuilder();
    List<String> segment = new ArrayList<>();
    StringBuilder dots = new StringBuilder();
    for (int i = 0; i <= n; i++) {
      Double v = i < n ? values.get(i) : null;
      if (v == null) { // a gap: the line so far ends here
        if (segment.size() > 1) {
          lines.append(
              String.format(
                  Locale.ROOT,
                  "<polyline class=\"line series-%d\" points=\"%s\"/>",
                  k,
                  String.join(" ", segment)));
        }
        segment.clear();
        continue;
      }
      int x = axis.x(i);
      int y = plot.y(v);
      segment.add(x + "," + y);
      dots.append(
          String.format(
              Locale.ROOT,
              "<circle class=\"point series-%d\" cx=\"%d\" cy=\"%d\" r=\"4\" data-series=\"%s\""
                  + " data-run=\"%s\" data-value=\"%s\"><title>%s, run %s: %s</title></circle>",
              k,
              x,
              y,
              esc(name),
              esc(runs.get(i).id()),
              esc(raw(v)),
              esc(name),
              esc(runs.get(i).id()),
              esc(number(v))));
    }
    s.append(lines).append(dots);
    s.append(
        String.format(
            Locale.ROOT,
            "<text class=\"legend series-%d\" x=\"%d\" y=\"%d\">● %s</text>",
            k,
            plot.left(),
            plot.h() - plot.bottom() + 36 + 16 * k,
            esc(name)));
  }

  /** Pixels between two time labels at least: a label is about 80 pixels wide. */
  private static final int TICK_SPACING = 110;

  /**
   * Runs placed by their time on a chart's x axis (evenly, when they all share one time), and the
   * labelled ticks that fit.
   */
  static final class TimeAxis {
    private final List<Run> runs;
    private final int left;
    private final int width;
    private final long from;
    private final long to;

    /** A labelled tick: its x, label and text anchor. */
    record Tick(int x, String label, String anchor) {}

    TimeAxis(List<Run> runs, int left, int width) {
      this.runs = runs;
      this.left = left;
      this.width = width;
      this.from = runs.isEmpty() ? 0 : runs.get(0).at().toEpochMilli();
      this.to = runs.isEmpty() ? 0 : runs.get(runs.size() - 1).at().toEpochMilli();
    }

    /** The x of run {@code i}. */
    int x(int i) {
      if (to > from) {
        return left
            + (int)
                Math.round(width * (runs.get(i).at().toEpochMilli() - from) / (double) (to - from));
      }
      return left
          + (runs.size() <= 1
              ? width / 2
              : (int) Math.round(width * i / (double) (runs.size() - 1)));
    }

    /** At most {@code most} ticks, evenly over the span, labelled at the precision it needs. */
    List<Tick> ticks(int most) {
      List<Tick> out = new ArrayList<>();
      if (runs.isEmpty()) {
        return out;
      }
      if (to <= from) {
        out.add(new Tick(x(0), format(runs.get(0).at(), 0), "middle"));
        return out;
      }
      int count = Math.max(2, Math.min(most, 6));
      for (int j = 0; j < count; j++) {
        long t = from + (to - from) * j / (count - 1);
        int x = left + (int) Math.round(width * j / (double) (count - 1));
        String anchor = j == 0 ? "start" : j == count - 1 ? "end" : "middle";
        out.add(new Tick(x, format(Instant.ofEpochMilli(t), to - from), anchor));
      }
      return out;
    }

    /** A time as precisely as a span of {@code spanMillis} needs: a day, a minute or a second. */
    static String format(Instant at, long spanMillis) {
      String iso = at.toString(); // 2026-12-01T07:20:07.123Z
      if (spanMillis >= 3L * 24 * 3600 * 1000) {
        return iso.substring(0, 10);
      }
      if (spanMillis >= 10L * 60 * 1000) {
        return iso.substring(5, 10) + " " + iso.substring(11, 16);
      }
      return iso.substring(11, 19);
    }
  }

  /** The axis maximum: 1, 2 or 5 times a power of ten at or above {@code max}. */
  static double nice(double max) {
    if (max <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(max)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= max) {
        return m * p;
      }
    }
    return 10 * p;
  }

  /** A value as logged: a whole number without decimals. */
  static String raw(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  private static String number(double v) {
    return v == Math.rint(v)
        ? String.format(Locale.ROOT, "%,d", (long) v)
        : String.format(Locale.ROOT, "%,.1f", v);
  }

  /** A run id's time ({@code 20261201T072007Z-1a2b3c4d} shows as {@code 12-01 07:20:07}). */
  static String shortRun(String runId) {
    if (runId.length() >= 16 && runId.charAt(8) == 'T') {
      return runId.substring(4, 6)
          + "-"
          + runId.substring(6, 8)
          + " "
          + runId.substring(9, 11)
          + ":"
          + runId.substring(11, 13)
          + ":"
          + runId.substring(13, 15);
    }
    return runId;
  }

  /** Whether an edge goes into the quarantine zone. */
  private static boolean toQuarantine(Edge e) {
    return dev.dpf.definition.TableName.parse(e.to())
        .map(t -> t.zone() == dev.dpf.definition.Zone.QUARANTINE)
        .orElse(false);
  }
}
