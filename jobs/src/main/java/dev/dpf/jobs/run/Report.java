package dev.dpf.jobs.run;

import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.definition.Zone;
import java.util.List;
import java.util.Locale;

/** Text for progress lines and the end-of-run summary. */
public final class Report {
  private Report() {}

  /**
   * A run's listener that prints {@link #line} of each table as it finishes to {@code out} (one
   * line at a time, from whichever thread finished it).
   */
  public static java.util.function.Consumer<TableResult> printer(java.io.PrintWriter out) {
    return r -> {
      synchronized (out) {
        out.println(line(r));
        out.flush();
      }
    };
  }

  /** One progress line, printed as each table finishes. */
  public static String line(TableResult r) {
    if (r.status() != TableResult.Status.OK) {
      return String.format(
          Locale.ROOT, "  %-9s %-36s %-10s %s", r.stage(), r.table(), label(r.status()), r.note());
    }
    return String.format(
        Locale.ROOT,
        "  %-9s %-36s %,9d read %,9d written %,7d quarantined %,7d superseded %6.1fs  %s",
        r.stage(),
        r.table(),
        r.rowsRead(),
        r.rowsWritten(),
        r.rowsQuarantined(),
        r.rowsSuperseded(),
        r.seconds(),
        r.note());
  }

  /** A plan's line for one table: stage, table, what a run would do, and why. */
  static String planned(dev.dpf.core.api.Planned p) {
    return String.format(
        Locale.ROOT, "  %-9s %-36s %-12s %s", p.stage(), p.table(), p.action().label(), p.why());
  }

  /** The summary table: one row per table, then totals. */
  static String summary(List<TableResult> results, double wallSeconds) {
    StringBuilder s = new StringBuilder("Summary\n");
    String format = "  %-9s %-36s %-10s %10s %10s %11s %10s %8s%n";
    s.append(
        String.format(
            Locale.ROOT,
            format,
            "stage",
            "table",
            "status",
            "read",
            "written",
            "quarantined",
            "superseded",
            "seconds"));
    long read = 0;
    long written = 0;
    long quarantined = 0;
    long superseded = 0;
    int skipped = 0;
    for (TableResult r : results) {
      s.append(
          String.format(
              Locale.ROOT,
              format,
              r.stage(),
              r.table(),
              label(r.status()),
              String.format(Locale.ROOT, "%,d", r.rowsRead()),
              String.format(Locale.ROOT, "%,d", r.rowsWritten()),
              String.format(Locale.ROOT, "%,d", r.rowsQuarantined()),
              String.format(Locale.ROOT, "%,d", r.rowsSuperseded()),
              String.format(Locale.ROOT, "%.1f", r.seconds())));
      read += r.rowsRead();
      written += r.rowsWritten();
      quarantined += r.rowsQuarantined();
      superseded += r.rowsSuperseded();
      skipped += r.status() == TableResult.Status.SKIPPED ? 1 : 0;
    }
    s.append(
        String.format(
            Locale.ROOT,
            format,
            "total",
            results.size() + " table(s), " + skipped + " skipped",
            "",
            String.format(Locale.ROOT, "%,d", read),
            String.format(Locale.ROOT, "%,d", written),
            String.format(Locale.ROOT, "%,d", quarantined),
            String.format(Locale.ROOT, "%,d", superseded),
            String.format(Locale.ROOT, "%.1f", wallSeconds)));
    return s.toString();
  }

  /**
   * Reconciliation of each table the run wrote from an input it counted (ingest and transform):
   * rows read = written + quarantined + superseded. The stages stop on a mismatch; this shows the
   * arithmetic.
   */
  static String reconciliation(List<TableResult> results) {
    StringBuilder s =
        new StringBuilder("Reconciliation (read = written + quarantined + superseded)\n");
    int n = 0;
    for (TableResult r : reconciled(results)) {
      long sum = r.rowsWritten() + r.rowsQuarantined() + r.rowsSuperseded();
      s.append(
          String.format(
              Locale.ROOT,
              "  %-36s %,9d = %,d + %,d + %,d  %s%n",
              r.table(),
              r.rowsRead(),
              r.rowsWritten(),
              r.rowsQuarantined(),
              r.rowsSuperseded(),
              sum == r.rowsRead() ? "ok" : "MISMATCH"));
      n++;
    }
    return n == 0 ? "" : s.toString();
  }

  /**
   * The results that reconcile: tables written in ingest or transform from records they counted
   * (not models, which read tables).
   */
  public static List<TableResult> reconciled(List<TableResult> results) {
    return results.stream()
        .filter(r -> r.status() == TableResult.Status.OK)
        .filter(r -> r.stage() != Stage.CURATE && r.rowsRead() != 0)
        .filter(r -> !(zoneOf(r.table()) == Zone.TRANSFORMED && r.note().startsWith("from ")))
        .toList();
  }

  /** The quality rules' results: one line per rule, failing values for those that failed. */
  static String quality(List<QualityResult> results) {
    if (results.isEmpty()) {
      return "";
    }
    StringBuilder s = new StringBuilder("Quality\n");
    String format = "  %-13s %-34s %-10s %-11s %9s %9s  %s%n";
    s.append(
        String.format(
            Locale.ROOT, format, "dataset", "rule", "action", "status", "checked", "failed", ""));
    for (QualityResult r : results) {
      String detail =
          String.join(
              "; ",
              java.util.stream.Stream.of(
                      r.samples().isEmpty() ? "" : "e.g. " + String.join(", ", r.samples()),
                      r.failed() == 0 && r.rule().kind().rowLevel() ? "" : r.detail())
                  .filter(x -> !x.isEmpty())
                  .toList());
      s.append(
          String.format(
              Locale.ROOT,
              format,
              r.dataset(),
              r.rule().label(),
              r.rule().action().name().toLowerCase(Locale.ROOT),
              r.status(),
              String.format(Locale.ROOT, "%,d", r.checked()),
              String.format(Locale.ROOT, "%,d", r.failed()),
              detail));
    }
    return s.toString();
  }

  /** A size in bytes for people: {@code 512 B}, {@code 1.5 KB}, {@code 2.0 MB}. */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KB", n / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MB", n / (1024.0 * 1024));
  }

  static String label(TableResult.Status status) {
    return status == TableResult.Status.NOT_SELECTED
        ? "not selected"
        : status.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The zone of a result's table; null for a row that names no table (a run's or a stage's). */
  private static Zone zoneOf(String table) {
    return dev.dpf.definition.TableName.parse(table)
        .map(dev.dpf.definition.TableName::zone)
        .orElse(null);
  }
}
