package dev.dpf.core.definition;

import java.util.List;
import java.util.Objects;

/**
 * A SQL model: one {@code SELECT} over tables named {@code <zone>.<table>}, materialized as a Delta
 * table.
 *
 * @param name model name, also its table name
 * @param zone the zone it is written to (transformed or curated)
 * @param file the SQL file, as written in the definition (relative to the definition file)
 * @param sql the statement
 * @param partitionBy partition columns, possibly empty
 */
public record ModelDef(String name, Zone zone, String file, String sql, List<String> partitionBy) {
  public ModelDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(sql, "sql");
    partitionBy = List.copyOf(partitionBy);
  }

  /** The table this model writes, for example {@code curated.transactions}. */
  public String table() {
    return zone.dbName() + "." + name;
  }
}
