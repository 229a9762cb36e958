package dev.dpf.jobs.site;

import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.api.LineageGraph;
import dev.dpf.core.api.Protect;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import dev.dpf.jobs.site.Site.Column;
import dev.dpf.jobs.site.Site.Edge;
import dev.dpf.jobs.site.Site.Node;
import dev.dpf.jobs.site.Site.Page;
import dev.dpf.jobs.site.Site.RunRow;
import dev.dpf.jobs.site.Site.Stats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Collects what the docs site shows from the definition and the lake; reads, never writes. */
final class SiteData {
  /** The Delta commits a table's page lists, newest. */
  static final int VERSIONS = 20;

  private final PipelineDefinition definition;
  private final Lake lake;
  private final Map<String, Map<String, Set<ColumnOrigin>>> lineage;
  private final Map<String, ColumnDef> datasetColumns = new LinkedHashMap<>(); // table.column ->
  private final LineageGraph graph;

  private SiteData(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      Map<String, Map<String, Set<ColumnOrigin>>> lineage) {
    this.definition = definition;
    this.lake = lake;
    this.lineage = lineage;
    for (DatasetDef d : definition.datasets()) {
      for (ColumnDef c : d.columns()) {
        datasetColumns.put(d.table() + "." + c.name().toLowerCase(Locale.ROOT), c);
        datasetColumns.put(
            Zone.TRANSFORMED.dbName()
                + "."
                + d.historyTable()
                + "."
                + c.name().toLowerCase(Locale.ROOT),
            c);
      }
    }
    this.graph = LineageGraph.of(spark, definition);
  }

  /**
   * Everything the site shows.
   *
   * @param lineage each model's columns and the table columns each comes from ({@code
   *     Pipeline.columnLineage})
   */
  static Site collect(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      String asOfRun,
      Map<String, Map<String, Set<ColumnOrigin>>> lineage) {
    return new SiteData(spark, definition, lake, lineage).collect(asOfRun);
  }

  private Site collect(String asOfRun) {
    List<RunRow> runs = SiteLogs.runs(lake);
    Map<String, String> status = new LinkedHashMap<>();
    runs.forEach(r -> status.put(r.table(), r.status())); // the newest wins
    List<Edge> edges = edges();
    List<Node> nodes = new ArrayList<>();
    Map<String, Page> pages = new LinkedHashMap<>();
    List<String> tables = tables(); // lists the lake's folders: once
    for (SourceDef s : definition.sources()) {
      nodes.add(new Node("raw." + s.name(), "raw", "source", false));
    }
    for (String id : tables) {
      boolean built = exists(id);
      Zone zone = TableName.of(id).zone();
      if (zone != Zone.SYSTEM) {
        nodes.add(
            new Node(
                id,
                zone.dbName(),
                !built
                    // a table whose first build failed is drawn failed, not waiting to be built
                    ? ("failed".equals(status.get(id)) ? "failed" : "not built")
                    : status.getOrDefault(id, logs(id) ? "ok" : "not run"),
                definition.models().stream().anyMatch(m -> m.table().equals(id))));
      }
    }
    for (SourceDef s : definition.sources()) {
      pages.put("raw." + s.name(), rawPage(s, edges));
    }
    for (String id : tables) {
      pages.put(id, page(id, edges));
    }
    return new Site(
        lake.root(),
        definition.file(),
        Instant.now(),
        asOfRun,
        nodes,
        edges,
        pages,
        runs,
        SiteLogs.quality(lake, runs),
        SiteLogs.quarantine(lake));
  }

  /** The definition's tables, then the lake's others, zone by zone. */
  private List<String> tables() {
    Map<Zone, Set<String>> byZone = new LinkedHashMap<>();
    for (Zone z : Zone.values()) {
      byZone.put(z, new LinkedHashSet<>());
    }
    definition.sources().forEach(s -> byZone.get(Zone.CONSOLIDATED).add(s.table()));
    for (DatasetDef d : definition.datasets()) {
      byZone.get(Zone.TRANSFORMED).add(d.table());
      if (d.history() != DatasetDef.History.NONE) {
        byZone.get(Zone.TRANSFORMED).add(d.qualifiedHistoryTable());
      }
    }
    definition.models().forEach(m -> byZone.get(m.zone()).add(m.table()));
    byZone.get(Zone.QUARANTINE).add(quarantineTable());
    for (Zone z : Zone.values()) {
      lake.tables(z).forEach(t -> byZone.get(z).add(t.toString()));
    }
    return byZone.values().stream().flatMap(Set::stream).toList();
  }

  /** Whether a table is a log the stages write as they go (no run reports it as a table). */
  private static boolean logs(String id) {
    return id.equals(quarantineTable());
  }

  private static String quarantineTable() {
    return SystemTables.QUARANTINE.toString();
  }

  /** The edges the definition makes, each once, in the definition's order. */
  private List<Edge> edges() {
    Set<Edge> out = new LinkedHashSet<>();
    String quarantine = quarantineTable();
    for (SourceDef s : definition.sources()) {
      out.add(new Edge("raw." + s.name(), s.table()));
      out.add(new Edge(s.table(), quarantine)); // records that do not parse
    }
    for (DatasetDef d : definition.datasets()) {
      graph.inputs(d.table()).forEach(from -> out.add(new Edge(from, d.table())));
      graph.historyOf(d.table()).ifPresent(h -> out.add(new Edge(d.table(), h)));
      out.add(new Edge(d.table(), quarantine)); // values that do not conform, rules that quarantine
    }
    for (ModelDef m : definition.models()) {
      graph.inputs(m.table()).forEach(ref -> out.add(new Edge(ref, m.table())));
      if (m.quality().stream().anyMatch(r -> r.action() == QualityRule.Action.QUARANTINE)) {
        out.add(new Edge(m.table(), quarantine));
      }
    }
    return List.copyOf(out);
  }

  private boolean exists(String id) {
    return TableName.parse(id).map(lake::exists).orElse(false);
  }

  private Page rawPage(SourceDef s, List<Edge> edges) {
    String id = "raw." + s.name();
    return new Page(
        id,
        "raw",
        "raw files of the source "
            + s.name()
            + ": "
            + s.kind().label()
            + " under "
            + s.path()
            + " (format "
            + s.format().name().toLowerCase(Locale.ROOT)
            + ")",
        definition.docs(s.table()),
        List.of(),
        List.of(),
        Optional.empty(),
        List.of(),
        downstream(id, edges),
        Optional.empty(),
        List.of());
  }

  private Page page(String id, List<Edge> edges) {
    TableName table = TableName.of(id);
    Optional<ModelDef> model =
        definition.models().stream().filter(m -> m.table().equals(id)).findFirst();
    Optional<DatasetDef> dataset =
        definition.datasets().stream()
            .filter(
                d ->
                    d.table().equals(id)
                        || (d.history() != DatasetDef.History.NONE
                            && id.equals(d.qualifiedHistoryTable())))
            .findFirst();
    List<String> rules = new ArrayList<>();
    List<QualityRule> declared =
        model.map(ModelDef::quality).or(() -> dataset.map(DatasetDef::quality)).orElse(List.of());
    if (dataset.isEmpty() || dataset.get().table().equals(id)) {
      for (QualityRule r : declared) {
        rules.add(r.label() + ", " + r.action().name().toLowerCase(Locale.ROOT));
      }
    }
    boolean built = lake.exists(table);
    Optional<Stats> stats = Optional.empty();
    List<Lake.Change> history = List.of();
    List<Column> columns = new ArrayList<>();
    if (built) {
      history = lake.history(table, VERSIONS);
      stats = Optional.of(stats(table, history));
      StructType schema =
          lake.schemaJson(table)
              .map(json -> (StructType) DataType.fromJson(json))
              .orElseGet(() -> lake.read(table).schema());
      for (StructField f : schema.fields()) {
        columns.add(column(id, f, dataset, model));
      }
    }
    return new Page(
        id,
        table.zone().dbName(),
        kind(id, table.zone(), dataset, model),
        definition.docs(id),
        columns,
        rules,
        model.map(ModelDef::sql),
        upstream(id, edges),
        downstream(id, edges),
        stats,
        history);
  }

  /** A built table's size and versions, and when its data last changed (of {@code history}). */
  private Stats stats(TableName table, List<Lake.Change> history) {
    Instant last =
        history.stream()
            .filter(c -> !c.operation().equals("SET TBLPROPERTIES"))
            .map(Lake.Change::at)
            .findFirst()
            .orElse(history.isEmpty() ? Instant.EPOCH : history.get(0).at());
    long filesOnDisk = 0;
    long bytesOnDisk = 0;
    for (Lake.DataFile f : lake.dataFiles(table)) {
      filesOnDisk++;
      bytesOnDisk += f.bytes();
    }
    return new Stats(
        lake.rows(table),
        lake.fileCount(table).orElseGet(() -> lake.read(table).inputFiles().length),
        lake.sizeBytes(table).orElse(-1),
        lake.latestVersion(table),
        last,
        filesOnDisk,
        bytesOnDisk);
  }

  private static String kind(
      String id, Zone zone, Optional<DatasetDef> dataset, Optional<ModelDef> model) {
    if (model.isPresent()) {
      ModelDef m = model.get();
      return zone.dbName()
          + " model "
          + m.file()
          + m.incremental()
              .map(i -> ", incremental on the changes of " + i.changesOf())
              .orElse(", rebuilt when an input changes");
    }
    if (dataset.isPresent()) {
      DatasetDef d = dataset.get();
      return d.table().equals(id)
          ? "dataset of the source "
              + d.source()
              + (d.key().isEmpty() ? ", no key" : ", key " + String.join(", ", d.key()))
          : "SCD2 history of " + d.table() + ": every version of each key";
    }
    return switch (zone) {
      case CONSOLIDATED -> "consolidated: every raw record as text, with lineage columns";
      case QUARANTINE -> "rejected records with their reasons";
      case SYSTEM -> "the pipeline's own log";
      default -> "not in the definition";
    };
  }

  private Column column(
      String id, StructField f, Optional<DatasetDef> dataset, Optional<ModelDef> model) {
    String lower = f.name().toLowerCase(Locale.ROOT);
    String pii = "";
    List<String> from = new ArrayList<>();
    ColumnDef declared = datasetColumns.get(id + "." + lower);
    if (declared != null) {
      pii = declared.pii().map(p -> p.key()).orElse("");
      dataset.ifPresent(d -> from.add(d.sourceTable() + "." + declared.from()));
    }
    if (model.isPresent()) {
      Set<ColumnOrigin> origins = origins(id, lower, new LinkedHashSet<>());
      Set<String> tags = new TreeSet<>();
      for (ColumnOrigin o : origins) {
        from.add(o.toString());
        ColumnDef c = datasetColumns.get(o.table() + "." + o.column());
        if (c != null && c.pii().isPresent()) {
          String fn = Protect.function(c.pii().get());
          tags.add(c.pii().get().key() + (o.via().contains(fn) ? " (" + fn + ")" : " (in clear)"));
        }
      }
      pii = String.join(", ", tags);
    }
    return new Column(
        f.name(),
        f.dataType().simpleString(),
        f.nullable(),
        pii,
        definition.docs(id).columns().getOrDefault(f.name(), ""),
        from);
  }

  /**
   * The dataset and consolidated columns a model column comes from, through the models it reads: a
   * model's origin in another model is replaced by that column's own origins.
   */
  private Set<ColumnOrigin> origins(String model, String column, Set<String> seen) {
    Set<ColumnOrigin> out = new TreeSet<>();
    Map<String, Set<ColumnOrigin>> columns = lineage.get(model);
    if (columns == null || !seen.add(model + "." + column)) {
      return out;
    }
    for (var e : columns.entrySet()) {
      if (!e.getKey().equalsIgnoreCase(column)) {
        continue;
      }
      for (ColumnOrigin o : e.getValue()) {
        if (lineage.containsKey(o.table())) {
          for (ColumnOrigin deeper : origins(o.table(), o.column(), seen)) {
            Set<String> via = new TreeSet<>(deeper.via());
            via.addAll(o.via());
            out.add(new ColumnOrigin(deeper.table(), deeper.column(), via));
          }
        } else {
          out.add(o);
        }
      }
    }
    return out;
  }

  private static List<String> upstream(String id, List<Edge> edges) {
    return edges.stream().filter(e -> e.to().equals(id)).map(Edge::from).toList();
  }

  private static List<String> downstream(String id, List<Edge> edges) {
    return edges.stream().filter(e -> e.from().equals(id)).map(Edge::to).toList();
  }
}
