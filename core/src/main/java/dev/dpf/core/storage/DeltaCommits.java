package dev.dpf.core.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.definition.TableName;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * How a write of a lake knows its own commit: it runs under its table's lock, carries a fresh token
 * in the commit's user metadata, and then finds the commit with that token among those after the
 * version it started from; the commit's metrics count its rows. Registers each written table in the
 * catalog.
 */
final class DeltaCommits {
  private static final String USER_METADATA_CONF = "spark.databricks.delta.commitInfo.userMetadata";

  /** The key in a write's user metadata that finds its commit again. */
  private static final String WRITE_TOKEN = "dpf_write";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String root;
  private final SparkSession spark;
  private final DeltaLogFiles log;
  private final CatalogEntries catalog;
  // MERGEs run one at a time in a process (their session settings are shared).
  private final Object mergeLock = new Object();

  // Tables are written from several threads: one writer per table at a time (so a write finds its
  // own commit and never races another over the table's creation), and one MERGE at a time (a MERGE
  // takes its commit's user metadata from the session).
  private final java.util.concurrent.ConcurrentHashMap<String, Object> writeLocks =
      new java.util.concurrent.ConcurrentHashMap<>();

  DeltaCommits(SparkSession spark, String root, DeltaLogFiles log) {
    this.root = root;
    this.spark = spark;
    this.log = log;
    this.catalog = new CatalogEntries(spark, root);
  }

  String path(TableName table) {
    return CatalogEntries.tablePath(root, table);
  }

  long latestVersion(TableName table) {
    return log.latestVersion(path(table));
  }

  void register(TableName table) {
    catalog.register(table, path(table));
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

  Optional<DeltaWriter.Commit> write(
      TableName table, String userMetadata, java.util.function.Consumer<String> write) {
    return writeAfter(table, before -> userMetadata, write);
  }

  /**
   * Writes under the table's lock; {@code userMetadata} is given the table's version before the
   * write (-1 when there is no table).
   */
  Optional<DeltaWriter.Commit> writeAfter(
      TableName table,
      java.util.function.LongFunction<String> userMetadata,
      java.util.function.Consumer<String> write) {
    synchronized (lockOf(table)) {
      long before = latestVersion(table);
      String token = java.util.UUID.randomUUID().toString();
      write.accept(withToken(userMetadata.apply(before), token));
      return commitWith(table, before, token);
    }
  }

  /**
   * The commit after version {@code before} whose user metadata carries the token, if any;
   * registers the table. Reads the commits' own log entries, newest first.
   */
  Optional<DeltaWriter.Commit> commitWith(TableName table, long before, String token) {
    long latest = latestVersion(table);
    if (latest < 0) {
      return Optional.empty();
    }
    catalog.registerOnce(table, path(table));
    for (long v = latest; v > before; v--) {
      JsonNode info = log.commitInfo(path(table), v);
      if (token.equals(tokenOf(info.path("userMetadata").asText(null)))) {
        Map<String, String> metrics = new java.util.HashMap<>();
        info.path("operationMetrics")
            .fields()
            .forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asText()));
        return Optional.of(new DeltaWriter.Commit(v, metrics));
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

  /**
   * Rows a write committed, from its own commit (no extra pass over the data): the commit's {@code
   * numOutputRows} metric; 0 for a commit that added no file (Delta records no row count then: a
   * replacement by nothing); else the row counts of the files it added. 0 when it made no commit.
   */
  long rowsOf(TableName table, Optional<DeltaWriter.Commit> commit) {
    if (commit.isEmpty()) {
      return 0;
    }
    Map<String, String> metrics = commit.get().metrics();
    String rows = metrics.get("numOutputRows");
    if (rows != null) {
      return Long.parseLong(rows);
    }
    if ("0".equals(metrics.get("numFiles"))) {
      return 0;
    }
    // No metrics (spark.databricks.delta.history.metricsEnabled=false): the files' statistics.
    String dir = path(table);
    return log.addedRows(dir, commit.get().version())
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "Delta commit "
                        + commit.get().version()
                        + " of "
                        + dir
                        + " records neither a row count nor file statistics: "
                        + metrics));
  }

  Object lockOf(TableName table) {
    return writeLocks.computeIfAbsent(path(table), k -> new Object());
  }
}
