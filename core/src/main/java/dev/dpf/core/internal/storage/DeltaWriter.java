package dev.dpf.core.internal.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.api.Lake;
import dev.dpf.definition.Zone;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * Every write to a lake's Delta tables: appends, overwrites, partition replacements and MERGEs,
 * each committed once (an idempotent append carries its application id and version) and known by
 * its own commit (a token in the commit's user metadata finds it, and its metrics count its rows),
 * then registered in the catalog. The operations {@link Lake} offers are documented there.
 */
public final class DeltaWriter {
  private static final String USER_METADATA_CONF = "spark.databricks.delta.commitInfo.userMetadata";

  /** The key in a write's user metadata that finds its commit again. */
  private static final String WRITE_TOKEN = "dpf_write";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Lake lake;
  private final SparkSession spark;
  private final DeltaLogFiles log;
  private final LakeCatalog catalog;
  // MERGEs run one at a time in a process (their session settings are shared).
  private final Object mergeLock = new Object();

  // Tables are written from several threads: one writer per table at a time (so a write finds its
  // own commit and never races another over the table's creation), and one MERGE at a time (a MERGE
  // takes its commit's user metadata from the session).
  private final java.util.concurrent.ConcurrentHashMap<String, Object> writeLocks =
      new java.util.concurrent.ConcurrentHashMap<>();

  public DeltaWriter(Lake lake, SparkSession spark, DeltaLogFiles log, LakeCatalog catalog) {
    this.lake = lake;
    this.spark = spark;
    this.log = log;
    this.catalog = catalog;
  }

  public long append(Zone zone, String table, Dataset<Row> rows, List<String> partitionBy) {
    return rowsOf(
        write(
            zone,
            table,
            null,
            metadata -> appender(rows, partitionBy, metadata).save(lake.path(zone, table))));
  }

  public void commitMetadataOnly(Zone zone, String table, String userMetadata) {
    // Delta records no commit for an empty write; a table property change it does record. The
    // property's value is new each time, so it always changes.
    String property = LakeCatalog.sqlString(java.util.UUID.randomUUID().toString());
    Optional<Lake.Commit> commit =
        write(
            zone,
            table,
            userMetadata,
            metadata ->
                withSessionUserMetadata(
                    metadata,
                    () ->
                        spark.sql(
                            "ALTER TABLE delta.`"
                                + lake.path(zone, table).replace("`", "``")
                                + "` SET TBLPROPERTIES ('dpf.metadataOnlyCommit' = '"
                                + property
                                + "')")));
    if (commit.isEmpty()) {
      throw new IllegalStateException("Delta made no commit of a table property to " + table);
    }
  }

  /** An append of {@code rows} that adds new columns to the table's schema. */
  static org.apache.spark.sql.DataFrameWriter<Row> appender(
      Dataset<Row> rows, List<String> partitionBy, String metadata) {
    return rows.write()
        .format("delta")
        .mode(SaveMode.Append)
        .option("mergeSchema", "true")
        .option("userMetadata", metadata)
        .partitionBy(partitionBy.toArray(String[]::new));
  }

  public long appendOnce(
      Zone zone,
      String table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String appId,
      long version) {
    return writeOnce(
        zone, table, appId, version, metadata -> appender(rows, partitionBy, metadata));
  }

  public long overwriteOnce(
      Zone zone,
      String table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String appId,
      long version) {
    return writeOnce(
        zone,
        table,
        appId,
        version,
        metadata ->
            rows.write()
                .format("delta")
                .mode(SaveMode.Overwrite)
                .option("overwriteSchema", "true")
                .option("userMetadata", metadata)
                .partitionBy(partitionBy.toArray(String[]::new)));
  }

  /** Saves {@code writer}'s write as the commit {@code (appId, version)}; -1: no commit made. */
  long writeOnce(
      Zone zone,
      String table,
      String appId,
      long version,
      java.util.function.Function<String, org.apache.spark.sql.DataFrameWriter<Row>> writer) {
    Optional<Lake.Commit> commit =
        write(
            zone,
            table,
            null,
            metadata ->
                writer
                    .apply(metadata)
                    .option("txnAppId", appId)
                    .option("txnVersion", version)
                    .save(lake.path(zone, table)));
    return commit.isEmpty() ? -1 : rowsOf(commit);
  }

  public Optional<Lake.Commit> merge(
      Zone zone, String table, java.util.function.Function<DeltaTable, DeltaMergeBuilder> merge) {
    return merge(zone, table, null, merge);
  }

  public Optional<Lake.Commit> merge(
      Zone zone,
      String table,
      String userMetadata,
      java.util.function.Function<DeltaTable, DeltaMergeBuilder> merge) {
    DeltaMergeBuilder builder = merge.apply(lake.delta(zone, table));
    Optional<Lake.Commit> commit =
        write(
            zone,
            table,
            userMetadata,
            metadata -> withSessionUserMetadata(metadata, builder::execute));
    return commit;
  }

  /**
   * Runs a write whose commit takes its user metadata from the session (a MERGE, an ALTER TABLE),
   * one at a time.
   */
  void withSessionUserMetadata(String metadata, Runnable write) {
    synchronized (mergeLock) {
      spark.conf().set(USER_METADATA_CONF, metadata);
      try {
        write.run();
      } finally {
        spark.conf().unset(USER_METADATA_CONF);
      }
    }
  }

  Optional<Lake.Commit> write(
      Zone zone, String table, String userMetadata, java.util.function.Consumer<String> write) {
    return writeAfter(zone, table, before -> userMetadata, write);
  }

  /**
   * Writes under the table's lock; {@code userMetadata} is given the table's version before the
   * write (-1 when there is no table).
   */
  Optional<Lake.Commit> writeAfter(
      Zone zone,
      String table,
      java.util.function.LongFunction<String> userMetadata,
      java.util.function.Consumer<String> write) {
    synchronized (lockOf(zone, table)) {
      long before = lake.latestVersion(zone, table);
      String token = java.util.UUID.randomUUID().toString();
      write.accept(withToken(userMetadata.apply(before), token));
      return commitWith(zone, table, before, token);
    }
  }

  public void appendLog(
      Zone zone, String table, Dataset<Row> rows, java.util.function.Consumer<ObjectNode> update) {
    writeAfter(
        zone,
        table,
        before -> {
          ObjectNode summary =
              before < 0
                  ? JSON.createObjectNode()
                  : DeltaLogFiles.summaryOf(log.commitInfo(lake.path(zone, table), before));
          if (summary == null) {
            summary = JSON.createObjectNode();
          }
          update.accept(summary);
          return JSON.createObjectNode().set(DeltaLogFiles.SUMMARY, summary).toString();
        },
        // A log's few rows in one file, not one per core.
        metadata -> appender(rows.coalesce(1), List.of(), metadata).save(lake.path(zone, table)));
  }

  public Optional<ObjectNode> logSummary(Zone zone, String table) {
    long latest = lake.latestVersion(zone, table);
    return latest < 0
        ? Optional.empty()
        : Optional.ofNullable(
            DeltaLogFiles.summaryOf(log.commitInfo(lake.path(zone, table), latest)));
  }

  /**
   * The commit after version {@code before} whose user metadata carries the token, if any;
   * registers the table. Reads the commits' own log entries, newest first.
   */
  Optional<Lake.Commit> commitWith(Zone zone, String table, long before, String token) {
    long latest = lake.latestVersion(zone, table);
    if (latest < 0) {
      return Optional.empty();
    }
    catalog.registerOnce(zone, table, lake.path(zone, table));
    for (long v = latest; v > before; v--) {
      JsonNode info = log.commitInfo(lake.path(zone, table), v);
      if (token.equals(tokenOf(info.path("userMetadata").asText(null)))) {
        Map<String, String> metrics = new java.util.HashMap<>();
        info.path("operationMetrics")
            .fields()
            .forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asText()));
        return Optional.of(new Lake.Commit(v, metrics));
      }
    }
    return Optional.empty();
  }

  static String withToken(String userMetadata, String token) {
    try {
      ObjectNode node =
          userMetadata == null ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(userMetadata);
      node.put(WRITE_TOKEN, token);
      return JSON.writeValueAsString(node);
    } catch (java.io.IOException | ClassCastException e) {
      throw new IllegalArgumentException("user metadata must be a JSON object: " + userMetadata, e);
    }
  }

  static String tokenOf(String userMetadata) {
    if (userMetadata == null || !userMetadata.startsWith("{")) {
      return null;
    }
    try {
      return JSON.readTree(userMetadata).path(WRITE_TOKEN).asText(null);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  public long overwrite(Zone zone, String table, Dataset<Row> rows, List<String> partitionBy) {
    return overwrite(zone, table, rows, partitionBy, null);
  }

  public long overwrite(
      Zone zone, String table, Dataset<Row> rows, List<String> partitionBy, String userMetadata) {
    return rowsOf(
        write(
            zone,
            table,
            userMetadata,
            metadata ->
                rows.write()
                    .format("delta")
                    .mode(SaveMode.Overwrite)
                    .option("overwriteSchema", "true")
                    .option("userMetadata", metadata)
                    .partitionBy(partitionBy.toArray(String[]::new))
                    .save(lake.path(zone, table))));
  }

  public long replaceWhere(
      Zone zone, String table, Dataset<Row> rows, List<String> partitionBy, String predicate) {
    return replaceWhere(zone, table, rows, partitionBy, predicate, null);
  }

  public long replaceWhere(
      Zone zone,
      String table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String predicate,
      String userMetadata) {
    boolean exists = lake.exists(zone, table);
    return rowsOf(
        write(
            zone,
            table,
            userMetadata,
            metadata -> {
              var writer =
                  rows.write()
                      .format("delta")
                      .option("userMetadata", metadata)
                      .option("mergeSchema", "true")
                      .partitionBy(partitionBy.toArray(String[]::new));
              writer =
                  exists
                      ? writer.mode(SaveMode.Overwrite).option("replaceWhere", predicate)
                      : writer.mode(SaveMode.Append);
              writer.save(lake.path(zone, table));
            }));
  }

  /**
   * Rows a write committed, from its own commit's metrics (no extra pass over the data); 0 when it
   * made no commit. Registers the table.
   */
  long rowsOf(Optional<Lake.Commit> commit) {
    if (commit.isEmpty()) {
      return 0;
    }
    String rows = commit.get().metrics().get("numOutputRows");
    if (rows == null) {
      throw new IllegalStateException(
          "Delta commit "
              + commit.get().version()
              + " has no numOutputRows metric: "
              + commit.get().metrics());
    }
    return Long.parseLong(rows);
  }

  public void enableDeletionVectors(Zone zone, String table) {
    enable(zone, table, "delta.enableDeletionVectors");
  }

  public boolean enableChangeDataFeed(Zone zone, String table) {
    return enable(zone, table, "delta.enableChangeDataFeed");
  }

  Object lockOf(Zone zone, String table) {
    return writeLocks.computeIfAbsent(lake.path(zone, table), k -> new Object());
  }

  private boolean enable(Zone zone, String table, String property) {
    synchronized (lockOf(zone, table)) {
      return enableLocked(zone, table, property);
    }
  }

  private boolean enableLocked(Zone zone, String table, String property) {
    if (log.checksumMetadata(lake.path(zone, table))
        .map(m -> "true".equals(m.path("configuration").path(property).asText(null)))
        .orElse(false)) {
      return false; // read from the checksum file alone: no Delta snapshot to load
    }
    // The snapshot's metadata comes from the latest commit's checksum file when there is one: no
    // Spark job, unlike DESCRIBE DETAIL, which rebuilds the table's state to count its files.
    scala.Option<String> value =
        org.apache.spark.sql.delta.DeltaLog.forTable(spark, lake.path(zone, table))
            .update(false, Option.empty(), Option.empty())
            .metadata()
            .configuration()
            .get(property);
    if (value.isDefined() && "true".equals(value.get())) {
      return false;
    }
    spark.sql(
        "ALTER TABLE delta.`"
            + lake.path(zone, table).replace("`", "``")
            + "` SET TBLPROPERTIES ('"
            + property
            + "' = 'true')");
    return true;
  }
}
