package dev.dpf.core.internal.system;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import dev.dpf.core.api.Protect;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.internal.transform.KeyColumns;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.SourceDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@link SystemTables#ERASED}: the keys of every row {@code dpf erase} removed, per dataset, each
 * as a keyed hash under the lake's PII hashing key (the key itself is never stored), with the run
 * that erased it and an identifier of the hashing key. An ingest reads it to withhold later
 * deliveries of an erased subject: a record whose key, or whose reference to another dataset's key,
 * hashes to an erased one is not written anywhere.
 */
public final class ErasedLog {
  /** Separates the dataset and the key's values in the hashed text. */
  private static final String SEP = "\u001f";

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final String key;
  private final Map<String, Set<String>> hashes; // dataset -> erased key hashes, under this key
  private final long otherKeys; // erasures recorded under another hashing key

  private ErasedLog(
      SparkSession spark,
      PipelineDefinition definition,
      String key,
      Map<String, Set<String>> hashes,
      long otherKeys) {
    this.spark = spark;
    this.definition = definition;
    this.key = key;
    this.hashes = hashes;
    this.otherKeys = otherKeys;
  }

  /** No erasures. */
  public static ErasedLog none(PipelineDefinition definition) {
    return new ErasedLog(null, definition, null, Map.of(), 0);
  }

  /** The lake's erasures as hashed under {@code key} (none when the lake has no erased log). */
  public static ErasedLog read(Lake lake, PipelineDefinition definition, String key) {
    Map<String, Set<String>> hashes = new HashMap<>();
    long other = 0;
    if (lake.exists(SystemTables.ERASED)) {
      String id = keyId(key);
      for (Row r :
          lake.read(SystemTables.ERASED)
              .select("dataset", "key_hash", "hash_key_id")
              .collectAsList()) {
        if (id.equals(r.getString(2))) {
          hashes.computeIfAbsent(r.getString(0), d -> new HashSet<>()).add(r.getString(1));
        } else {
          other++;
        }
      }
    }
    return new ErasedLog(lake.spark(), definition, key, hashes, other);
  }

  /** How many erased keys were hashed under another PII hashing key (they cannot be matched). */
  public long underOtherKeys() {
    return otherKeys;
  }

  /**
   * A condition over a batch of {@code source}'s consolidated rows (columns {@code rawColumns}):
   * true for a record of an erased subject, false otherwise (never null); empty when the lake
   * erased nothing the source's records could carry.
   */
  public Optional<Column> withheld(SourceDef source, List<String> rawColumns) {
    List<Column> any = new ArrayList<>();
    for (DatasetDef d : definition.datasets()) {
      if (!d.source().equals(source.name())) {
        continue;
      }
      if (hashes.containsKey(d.name())) {
        any.add(
            hashOf(key, d.name(), KeyColumns.key(d, KeyColumns.Kind.RAW, rawColumns))
                .isin(hashes.get(d.name()).toArray()));
      }
      for (QualityRule.References ref : KeyColumns.references(definition, d)) {
        if (hashes.containsKey(ref.dataset())) {
          Column value =
              KeyColumns.value(KeyColumns.column(d, ref.column()), KeyColumns.Kind.RAW, rawColumns);
          any.add(
              hashOf(key, ref.dataset(), List.of(value)).isin(hashes.get(ref.dataset()).toArray()));
        }
      }
    }
    return any.stream().reduce(Column::or).map(c -> coalesce(c, lit(false)));
  }

  /** The keyed hash of a dataset's key, from its typed values (in key order). */
  private static Column hashOf(String key, String dataset, List<Column> typed) {
    List<Column> parts = new ArrayList<>();
    parts.add(lit(dataset));
    typed.forEach(t -> parts.add(t.cast("string")));
    UDF1<String, String> hmac = v -> Protect.hmac(key, v);
    // Null when a value is missing: such a record carries no key to match.
    Column all = typed.stream().map(Column::isNotNull).reduce(lit(true), Column::and);
    return org.apache.spark.sql.functions.when(
        all,
        org.apache
            .spark
            .sql
            .functions
            .udf(hmac, DataTypes.StringType)
            .apply(concat_ws(SEP, parts.toArray(Column[]::new))));
  }

  /**
   * Appends the erased keys, hashed under {@code key}, to the log as {@code runId}'s: {@code keys}
   * maps each dataset to its keys' typed values in key order.
   */
  public static long append(
      SparkSession spark,
      DeltaWriter writer,
      Map<DatasetDef, ? extends Iterable<List<Object>>> keys,
      String key,
      String runId) {
    Dataset<Row> all = null;
    for (Map.Entry<DatasetDef, ? extends Iterable<List<Object>>> e : keys.entrySet()) {
      DatasetDef d = e.getKey();
      List<StructField> fields = new ArrayList<>();
      for (String k : d.key()) {
        ColumnDef c = KeyColumns.column(d, k);
        fields.add(DataTypes.createStructField(c.name(), DataType.fromDDL(c.type().sql()), true));
      }
      List<Row> rows = new ArrayList<>();
      e.getValue().forEach(v -> rows.add(RowFactory.create(v.toArray())));
      Dataset<Row> typed =
          spark.createDataFrame(rows, new StructType(fields.toArray(StructField[]::new)));
      Dataset<Row> hashed =
          typed.select(
              lit(d.name()).as("dataset"),
              hashOf(key, d.name(), d.key().stream().map(k -> col(Conform.quote(k))).toList())
                  .as("key_hash"),
              lit(keyId(key)).as("hash_key_id"),
              lit(runId).as("run_id"),
              current_timestamp().as("erased_at"));
      all = all == null ? hashed : all.unionByName(hashed);
    }
    if (all == null) {
      return 0;
    }
    return writer.append(SystemTables.ERASED, all, List.of());
  }

  /** Names the hashing key without revealing it: what tells a rotated key's erasures apart. */
  static String keyId(String key) {
    return Protect.hmac(key, "dpf erased-key identifier").substring(0, 16);
  }
}
