package dev.dpf.core.definition;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A SQL model: one {@code SELECT} over tables named {@code <zone>.<table>}, materialized as a Delta
 * table.
 *
 * @param name model name, also its table name
 * @param zone the zone it is written to (transformed or curated)
 * @param file the SQL file, as written in the definition (relative to the definition file)
 * @param sql the statement
 * @param partitionBy partition columns, possibly empty
 * @param piiInClear output columns allowed to show tagged personal data in clear (curated models)
 * @param incremental how to recompute only the partitions new data touched; empty: rebuilt
 */
public record ModelDef(
    String name,
    Zone zone,
    String file,
    String sql,
    List<String> partitionBy,
    List<String> piiInClear,
    Optional<Incremental> incremental) {
  public ModelDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(sql, "sql");
    partitionBy = List.copyOf(partitionBy);
    piiInClear = List.copyOf(piiInClear);
    Objects.requireNonNull(incremental, "incremental");
  }

  /** A model rebuilt on every run, with no personal data allowed in clear. */
  public ModelDef(String name, Zone zone, String file, String sql, List<String> partitionBy) {
    this(name, zone, file, sql, partitionBy, List.of(), Optional.empty());
  }

  /** How messages name the model: {@code Model 'transactions' (models/transactions.sql)}. */
  public String label() {
    return "Model '" + name + "' (" + file + ")";
  }

  /** The table this model writes, for example {@code curated.transactions}. */
  public String table() {
    return zone.dbName() + "." + name;
  }

  /**
   * A model over a large fact table whose partitions are recomputed only where the fact changed.
   *
   * @param changesOf the fact table, {@code zone.table}, whose changed rows say what to recompute
   * @param partition SQL expression over a row of {@code changesOf}: the value of the model's
   *     partition column that row contributes to
   */
  public record Incremental(String changesOf, String partition) {
    public Incremental {
      Objects.requireNonNull(changesOf, "changesOf");
      Objects.requireNonNull(partition, "partition");
    }
  }
}
