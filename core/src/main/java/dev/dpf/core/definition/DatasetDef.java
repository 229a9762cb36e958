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
 */
public record DatasetDef(
    String name,
    String source,
    List<String> key,
    List<ColumnDef> columns,
    List<String> partitionBy) {
  public DatasetDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    key = List.copyOf(key);
    columns = List.copyOf(columns);
    partitionBy = List.copyOf(partitionBy);
  }
}
