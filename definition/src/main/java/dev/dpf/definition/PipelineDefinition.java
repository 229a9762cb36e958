package dev.dpf.definition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated pipeline definition: what the lake contains. Loaded by {@link Definitions}.
 *
 * @param file where it was read from, for messages
 * @param sources raw sources in definition order
 * @param datasets transformed datasets in definition order
 * @param models SQL models in definition order
 * @param docs descriptions, owners, tags and column descriptions by {@code zone.table}
 */
public record PipelineDefinition(
    String file,
    List<SourceDef> sources,
    List<DatasetDef> datasets,
    List<ModelDef> models,
    Map<String, TableDocs> docs,
    Maintenance maintenance) {
  public PipelineDefinition {
    java.util.Objects.requireNonNull(maintenance, "maintenance");
    sources = List.copyOf(sources);
    datasets = List.copyOf(datasets);
    models = List.copyOf(models);
    // In the definition's order, the same in every JVM (see TableDocs).
    docs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(docs));
  }

  /** A definition with the default {@link Maintenance}. */
  public PipelineDefinition(
      String file,
      List<SourceDef> sources,
      List<DatasetDef> datasets,
      List<ModelDef> models,
      Map<String, TableDocs> docs) {
    this(file, sources, datasets, models, docs, Maintenance.DEFAULT);
  }

  /** A definition whose tables say nothing for people. */
  public PipelineDefinition(
      String file, List<SourceDef> sources, List<DatasetDef> datasets, List<ModelDef> models) {
    this(file, sources, datasets, models, Map.of());
  }

  /**
   * What the definition says of the table {@code zone.table} for people; a dataset's history table
   * says what its dataset says.
   */
  public TableDocs docs(String table) {
    TableDocs d = docs.get(table);
    if (d == null) {
      for (DatasetDef ds : datasets) {
        if (table.equals(ds.qualifiedHistoryTable())) {
          return docs.getOrDefault(ds.table(), TableDocs.NONE);
        }
      }
    }
    return d == null ? TableDocs.NONE : d;
  }

  public Optional<SourceDef> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public List<ModelDef> models(Zone zone) {
    return models.stream().filter(m -> m.zone() == zone).toList();
  }

  /**
   * A table the definition makes.
   *
   * @param zone its zone
   * @param name its name in the zone
   * @param madeBy what makes it, for descriptions: {@code source payments}, {@code dataset
   *     customers}, {@code history of dataset customers}, {@code model customer_360
   *     (models/customer_360.sql)}
   */
  public record Table(Zone zone, String name, String madeBy) {
    /** Its name in the lake. */
    public TableName tableName() {
      return new TableName(zone, name);
    }

    /** {@code zone.table}, as SQL names it. */
    public String qualified() {
      return tableName().toString();
    }
  }

  /**
   * Every table the definition makes, in order: a consolidated table per source, a transformed
   * table per dataset (and its history table), a table per model.
   */
  public List<Table> tables() {
    List<Table> out = new ArrayList<>();
    for (SourceDef s : sources) {
      out.add(new Table(Zone.CONSOLIDATED, s.name(), "source " + s.name()));
    }
    for (DatasetDef d : datasets) {
      out.add(new Table(Zone.TRANSFORMED, d.name(), "dataset " + d.name()));
      if (d.history() != DatasetDef.History.NONE) {
        out.add(new Table(Zone.TRANSFORMED, d.historyTable(), "history of dataset " + d.name()));
      }
    }
    for (ModelDef m : models) {
      out.add(new Table(m.zone(), m.name(), "model " + m.name() + " (" + m.file() + ")"));
    }
    return out;
  }
}
