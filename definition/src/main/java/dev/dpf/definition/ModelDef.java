package dev.dpf.definition;

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
 * @param quality the rules checked on the rows each run writes (row rules) and on the table
 */
public record ModelDef(
    String name,
    Zone zone,
    String file,
    String sql,
    List<String> partitionBy,
    List<String> piiInClear,
    Optional<Incremental> incremental,
    List<QualityRule> quality) {
  public ModelDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(sql, "sql");
    partitionBy = List.copyOf(partitionBy);
    piiInClear = List.copyOf(piiInClear);
    Objects.requireNonNull(incremental, "incremental");
    quality = List.copyOf(quality);
  }

  /** A model rebuilt on every run, with no personal data allowed in clear. */
  public ModelDef(String name, Zone zone, String file, String sql, List<String> partitionBy) {
    this(name, zone, file, sql, partitionBy, List.of(), Optional.empty(), List.of());
  }

  /** How messages name the model: {@code Model 'transactions' (models/transactions.sql)}. */
  public String label() {
    return "Model '" + name + "' (" + file + ")";
  }

  /** The table this model writes, for example {@code curated.transactions}. */
  public TableName tableName() {
    return new TableName(zone, name);
  }

  /** {@link #tableName} as text. */
  public String table() {
    return tableName().toString();
  }

  /**
   * A model over a large fact table recomputed only where the fact changed: in the partitions its
   * changed rows touch ({@code partition}), or for the keys its changed rows carry ({@code key}).
   * Exactly one of the two is set.
   *
   * @param changesOf the fact table, {@code zone.table}, whose changed rows say what to recompute
   * @param partition SQL expression over a row of {@code changesOf}: the value of the model's
   *     partition column that row contributes to; null when by key
   * @param key a column of both {@code changesOf} and the model: the model's rows of a key depend
   *     only on the fact's rows of that key (and on its other inputs in full); null when by
   *     partition
   */
  public record Incremental(String changesOf, String partition, String key) {
    public Incremental {
      Objects.requireNonNull(changesOf, "changesOf");
      if ((partition == null) == (key == null)) {
        throw new IllegalArgumentException("exactly one of partition and key");
      }
    }

    /** Recomputed by partition. */
    public static Incremental byPartition(String changesOf, String partition) {
      return new Incremental(changesOf, partition, null);
    }

    /** Recomputed by key. */
    public static Incremental byKey(String changesOf, String key) {
      return new Incremental(changesOf, null, key);
    }
  }
}
