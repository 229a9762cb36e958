package dev.dpf.core.definition;

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
 */
public record DatasetDef(
    String name,
    String source,
    List<String> key,
    List<ColumnDef> columns,
    List<String> partitionBy,
    NewColumns onNewColumns) {
  public DatasetDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    key = List.copyOf(key);
    columns = List.copyOf(columns);
    partitionBy = List.copyOf(partitionBy);
    Objects.requireNonNull(onNewColumns, "onNewColumns");
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
