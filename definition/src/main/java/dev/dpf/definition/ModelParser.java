package dev.dpf.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Parses one entry under {@code models}: its SQL file, zone, partitions and incremental plan. */
final class ModelParser {
  /** Every key a model takes. */
  static final Set<String> KEYS =
      DatasetParser.union(
          Set.of(
              "zone", "sql", "partition_by", "pii_in_clear", "incremental", "quality", "columns"),
          DefinitionParser.DOC_KEYS);

  /** Every key of a model's {@code incremental}. */
  static final Set<String> INCREMENTAL_KEYS = Set.of("changes_of", "partition", "key");

  private final YamlNodes y;
  private final Function<String, String> reader;
  private final QualityRuleParser rules;

  /**
   * @param reader reads a file named relative to the definition; null when it does not exist
   */
  ModelParser(YamlNodes y, Function<String, String> reader) {
    this.y = y;
    this.reader = reader;
    this.rules = new QualityRuleParser(y);
  }

  ModelDef model(String name, JsonNode node, String at) {
    y.name(name, at);
    y.object(node, at);
    y.keys(node, at, KEYS);
    String zoneText = y.string(node, "zone", at).orElse(Zone.CURATED.dbName());
    Zone zone;
    if (zoneText.equals(Zone.TRANSFORMED.dbName())) {
      zone = Zone.TRANSFORMED;
    } else if (zoneText.equals(Zone.CURATED.dbName())) {
      zone = Zone.CURATED;
    } else {
      throw y.fail(at + ".zone", "unknown zone '" + zoneText + "'. Use transformed or curated");
    }
    String sqlFile =
        y.string(node, "sql", at)
            .orElseThrow(
                () -> y.missing(at, "sql", "the SQL file, for example models/" + name + ".sql"));
    String sql = reader.apply(sqlFile);
    if (sql == null) {
      throw y.fail(
          at + ".sql",
          "file '"
              + sqlFile
              + "' not found (relative to the definition). Create it or fix the path");
    }
    sql = sql.strip();
    while (sql.endsWith(";")) {
      sql = sql.substring(0, sql.length() - 1).strip();
    }
    if (sql.isEmpty()) {
      throw y.fail(
          at + ".sql", "file '" + sqlFile + "' is empty. Write one SELECT statement in it");
    }
    List<String> partitionBy = y.columnList(node, "partition_by", at, null, null);
    List<String> piiInClear = y.columnList(node, "pii_in_clear", at, null, null);
    return new ModelDef(
        name,
        zone,
        sqlFile,
        sql,
        partitionBy,
        piiInClear,
        incremental(node, at, partitionBy),
        rules.rules(node, at, null));
  }

  private Optional<ModelDef.Incremental> incremental(
      JsonNode node, String at, List<String> partitionBy) {
    JsonNode n = node.get("incremental");
    if (n == null) {
      return Optional.empty();
    }
    String where = at + ".incremental";
    y.object(n, where);
    y.keys(n, where, INCREMENTAL_KEYS);
    String table =
        y.string(n, "changes_of", where)
            .orElseThrow(
                () ->
                    y.missing(
                        where,
                        "changes_of",
                        "the fact table whose changed rows say what to recompute,"
                            + " for example transformed.payments"));
    if (!table.matches("(consolidated|transformed|curated)\\.[A-Za-z0-9_]+")) {
      throw y.fail(
          where + ".changes_of",
          "'" + table + "' is not a zone.table name. For example transformed.payments");
    }
    Optional<String> key = y.string(n, "key", where).filter(x -> !x.isBlank());
    Optional<String> partition = y.string(n, "partition", where).filter(x -> !x.isBlank());
    if (key.isPresent() && partition.isPresent()) {
      throw y.fail(
          where,
          "set either partition (recompute the partitions changed rows touch) or key (recompute"
              + " the keys changed rows carry), not both");
    }
    if (key.isPresent()) {
      if (!key.get().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw y.fail(
            where + ".key", "'" + key.get() + "' is not a column name. For example customer_id");
      }
      return Optional.of(ModelDef.Incremental.byKey(table, key.get()));
    }
    if (partition.isEmpty()) {
      throw y.missing(
          where,
          "partition",
          "a SQL expression over a row of "
              + table
              + " giving the partition it touches, for example to_date(payment_time); or key:"
              + " a column of "
              + table
              + " and of the model whose rows depend only on that key's rows");
    }
    if (partitionBy.size() != 1) {
      throw y.fail(
          at + ".partition_by",
          "an incremental model needs exactly one partition column (the one"
              + " incremental.partition computes), got "
              + partitionBy
              + ". Set partition_by: [<column>]");
    }
    return Optional.of(ModelDef.Incremental.byPartition(table, partition.get()));
  }
}
