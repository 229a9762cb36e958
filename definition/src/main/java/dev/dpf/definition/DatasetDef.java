package dev.dpf.definition;

import java.util.List;
import java.util.Objects;

/**
 * A typed dataset in the transformed zone, conformed from one consolidated source table.
 *
 * @param name dataset name, also the transformed table name
 * @param source the source whose consolidated table it reads
 * @param key primary key columns (target names)
 * @param columns target columns in output order
 * @param partitionBy partition columns (target names), possibly empty
 * @param onNewColumns what raw columns the dataset does not declare do
 * @param ordering columns that order the changes of a key before the lineage does (latest wins)
 * @param history whether a history table is kept besides the current state
 * @param quality the rules checked on every run
 */
public record DatasetDef(
    String name,
    String source,
    List<String> key,
    List<ColumnDef> columns,
    List<String> partitionBy,
    NewColumns onNewColumns,
    List<String> ordering,
    History history,
    List<QualityRule> quality) {
  public DatasetDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    key = List.copyOf(key);
    columns = List.copyOf(columns);
    partitionBy = List.copyOf(partitionBy);
    Objects.requireNonNull(onNewColumns, "onNewColumns");
    ordering = List.copyOf(ordering);
    Objects.requireNonNull(history, "history");
    quality = List.copyOf(quality);
  }

  /** A dataset with no ordering columns, history or quality rules. */
  public DatasetDef(
      String name,
      String source,
      List<String> key,
      List<ColumnDef> columns,
      List<String> partitionBy,
      NewColumns onNewColumns) {
    this(name, source, key, columns, partitionBy, onNewColumns, List.of(), History.NONE, List.of());
  }

  /** This dataset with other columns. */
  public DatasetDef withColumns(List<ColumnDef> newColumns) {
    return new DatasetDef(
        name, source, key, newColumns, partitionBy, onNewColumns, ordering, history, quality);
  }

  /** The table this dataset is conformed into, {@code transformed.<name>}. */
  public TableName tableName() {
    return new TableName(Zone.TRANSFORMED, name);
  }

  /** {@link #tableName} as text. */
  public String table() {
    return tableName().toString();
  }

  /**
   * The datasets its {@code references} rules read, in rule order, once each; itself included when
   * a rule refers back to it.
   */
  public List<String> referencedDatasets() {
    return quality.stream()
        .filter(r -> r instanceof QualityRule.References)
        .map(r -> ((QualityRule.References) r).dataset())
        .distinct()
        .toList();
  }

  /** The table that keeps the dataset's history, when it has one. */
  public String historyTable() {
    return name + "_history";
  }

  /** The consolidated table it reads, {@code consolidated.<source>}. */
  public TableName sourceTableName() {
    return new TableName(Zone.CONSOLIDATED, source);
  }

  /** {@link #sourceTableName} as text. */
  public String sourceTable() {
    return sourceTableName().toString();
  }

  /** The tables of {@link #referencedDatasets}, {@code transformed.<dataset>}. */
  public List<String> referencedTables() {
    return referencedDatasets().stream()
        .map(d -> new TableName(Zone.TRANSFORMED, d).toString())
        .toList();
  }

  /** The table that keeps the dataset's history, {@code transformed.<name>_history}. */
  public TableName historyTableName() {
    return new TableName(Zone.TRANSFORMED, historyTable());
  }

  /** {@link #historyTableName} as text. */
  public String qualifiedHistoryTable() {
    return historyTableName().toString();
  }

  /** A dataset that ignores undeclared raw columns. */
  public DatasetDef(
      String name,
      String source,
      List<String> key,
      List<ColumnDef> columns,
      List<String> partitionBy) {
    this(name, source, key, columns, partitionBy, NewColumns.IGNORE);
  }

  /** What the transform keeps besides each key's current state. */
  public enum History {
    /** Only the current state. */
    NONE,
    /**
     * Also a slowly changing dimension of type 2: every version of a row, with {@code valid_from},
     * {@code valid_to} and {@code is_current}.
     */
    SCD2
  }

  /** Schema-evolution policy: what a raw column the dataset does not declare does. */
  public enum NewColumns {
    /** Left in the consolidated table only (the default). */
    IGNORE,
    /** Added to the transformed table as text, under its raw name. */
    ADD,
    /** Stops the run, naming the columns, until the definition declares or ignores them. */
    FAIL
  }
}
