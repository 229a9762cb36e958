package dev.dpf.jobs.site;

import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableDocs;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the docs site shows, collected once ({@link SiteData}) and then only rendered: the lineage
 * graph, one page per table, and the lake's own records of its runs.
 *
 * @param nodes the graph's nodes: each raw source, then each table of the lake (the system zone's
 *     logs aside) and each table of the definition not built yet, zone by zone
 * @param edges what the definition makes: a source's raw files feed its consolidated table, which
 *     feeds its datasets; a dataset feeds its history table and, through a references rule, the
 *     dataset checked against it; a model's SQL reads its inputs; a table whose stage can
 *     quarantine records feeds the quarantine table
 * @param asOfRun the run whose end state the site shows ({@code dpf docs --as-of-run}); empty for
 *     the lake as it is
 * @param pages every node's page, and one per system table, by id
 * @param runs the run log's rows of the newest runs, oldest first
 * @param quality the quality log's rows of those runs, oldest first
 * @param quarantine the quarantine table counted by stage, dataset and reason
 */
record Site(
    String lakeRoot,
    String definitionFile,
    Instant generated,
    String asOfRun,
    List<Node> nodes,
    List<Edge> edges,
    Map<String, Page> pages,
    List<RunRow> runs,
    List<QualityRow> quality,
    List<Quarantined> quarantine) {

  /** Zones in the order the graph draws them. */
  static final List<String> ZONES =
      List.of("raw", "consolidated", "transformed", "curated", "quarantine", "_system");

  /**
   * A node of the lineage graph.
   *
   * @param id {@code zone.table} ({@code raw.<source>} for a source's raw files)
   * @param status the table's status in the newest run that reported it; {@code source} for raw
   *     files, {@code not built} for a table of the definition the lake does not have yet, {@code
   *     not run} for one no run reported
   * @param model whether a model's SQL makes it
   */
  record Node(String id, String zone, String status, boolean model) {}

  /** An edge of the lineage graph: {@code from} feeds {@code to}. */
  record Edge(String from, String to) {}

  /** A column of a table's page. */
  record Column(
      String name,
      String type,
      boolean nullable,
      String pii,
      String description,
      List<String> lineage) {}

  /**
   * A table's size and last change, from its Delta log, and what it keeps on storage.
   *
   * @param filesOnDisk the files under its folder (its log aside): every version's that is still
   *     there, so at least {@code files} until maintenance removes the others ({@code dpf
   *     maintain})
   * @param bytesOnDisk their bytes
   */
  record Stats(
      long rows,
      long files,
      long bytes,
      long version,
      Instant lastUpdate,
      long filesOnDisk,
      long bytesOnDisk) {}

  /**
   * One table's page.
   *
   * @param stats empty for raw files and tables not built yet
   * @param sql a model's SQL, else empty
   */
  record Page(
      String id,
      String zone,
      String kind,
      TableDocs docs,
      List<Column> columns,
      List<String> rules,
      Optional<String> sql,
      List<String> upstream,
      List<String> downstream,
      Optional<Stats> stats,
      List<Lake.Change> history) {}

  /** A row of {@code _system.runs}. */
  record RunRow(
      String runId,
      String stage,
      String table,
      String status,
      long read,
      long written,
      long quarantined,
      long superseded,
      int files,
      double seconds,
      String note,
      Instant at) {}

  /** A row of {@code _system.quality}. */
  record QualityRow(
      String runId,
      String dataset,
      String rule,
      String action,
      String status,
      long checked,
      long failed,
      String detail,
      Instant at) {}

  /** Quarantined records of one stage, dataset and reason. */
  record Quarantined(String stage, String dataset, String reason, long records, String example) {}

  /** The page file of a table, relative to the site's root. */
  static String href(String id) {
    return "tables/" + id.replaceAll("[^A-Za-z0-9_.-]", "_") + ".html";
  }

  /** The run ids of the runs, oldest first, each once. */
  List<String> runIds() {
    return runs.stream().map(RunRow::runId).distinct().toList();
  }

  /** Runs {@code ids} on a chart's time axis, each at its first row's time, in that order. */
  List<Svg.Run> onAxis(List<String> ids) {
    Map<String, Instant> first = new java.util.HashMap<>();
    runs.forEach(r -> first.merge(r.runId(), r.at(), (a, b) -> a.isBefore(b) ? a : b));
    return ids.stream().map(id -> new Svg.Run(id, first.get(id))).toList();
  }
}
