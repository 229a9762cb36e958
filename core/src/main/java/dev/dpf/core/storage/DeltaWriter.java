package dev.dpf.core.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.definition.TableName;
import io.delta.tables.DeltaMergeBuilder;
import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * Every write to a lake's Delta tables: appends, overwrites, partition replacements and MERGEs,
 * each committed once (an idempotent append carries its application id and version) and known by
 * its own commit ({@link DeltaCommits}), then registered in the catalog. A run's stages share one
 * writer ({@code RunContext}), so its writes share their locks; the api's {@code Lake} only reads.
 */
public final class DeltaWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final DeltaLogFiles log;
  private final DeltaCommits commits;

  /**
   * The writer of {@code lake}. A run makes one and passes it to every stage, so that its writes
   * share their locks.
   */
  public DeltaWriter(Lake lake) {
    this.spark = lake.spark();
    this.log = new DeltaLogFiles(spark.sessionState().newHadoopConf());
    this.commits = new DeltaCommits(spark, lake.root(), log);
  }

  /** Appends rows, adding any new columns to the table's schema; returns the rows committed. */
  public long append(TableName table, Dataset<Row> rows, List<String> partitionBy) {
    return commits.rowsOf(
        table,
        commits.write(
            table,
            null,
            metadata -> appender(rows, partitionBy, metadata).save(commits.path(table))));
  }

  /**
   * Records {@code userMetadata} (a JSON object) in a commit that changes no data: for a write that
   * found nothing to change but must still say what it was computed from.
   */
  public void commitMetadataOnly(TableName table, String userMetadata) {
    // Delta records no commit for an empty write; a table property change it does record. The
    // property's value is new each time, so it always changes.
    String property = CatalogEntries.sqlString(java.util.UUID.randomUUID().toString());
    Optional<Commit> commit =
        commits.write(
            table,
            userMetadata,
            metadata ->
                commits.withSessionUserMetadata(
                    metadata,
                    () ->
                        spark.sql(
                            "ALTER TABLE delta.`"
                                + commits.path(table).replace("`", "``")
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

  /**
   * Appends rows as the table's commit {@code (appId, version)}, adding new columns to its schema.
   * Delta records the pair in the commit; if the table already holds a commit with that appId and
   * this version or a later one, nothing is written. That makes a retried write safe.
   *
   * @return rows committed now, or -1 when this write made no commit (it had been committed before,
   *     or there was nothing to write)
   */
  public long appendOnce(
      TableName table, Dataset<Row> rows, List<String> partitionBy, String appId, long version) {
    return writeOnce(table, appId, version, metadata -> appender(rows, partitionBy, metadata));
  }

  /**
   * Replaces the table's rows and schema with {@code rows} as its commit {@code (appId, version)}:
   * as {@link #appendOnce}, nothing is written when the table holds that commit or a later one.
   *
   * @return rows committed now, or -1 when this write made no commit
   */
  public long overwriteOnce(
      TableName table, Dataset<Row> rows, List<String> partitionBy, String appId, long version) {
    return writeOnce(table, appId, version, metadata -> overwriter(rows, partitionBy, metadata));
  }

  /** A write of {@code rows} that replaces the table's rows and schema. */
  static org.apache.spark.sql.DataFrameWriter<Row> overwriter(
      Dataset<Row> rows, List<String> partitionBy, String metadata) {
    return rows.write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("overwriteSchema", "true")
        .option("userMetadata", metadata)
        .partitionBy(partitionBy.toArray(String[]::new));
  }

  /** Saves {@code writer}'s write as the commit {@code (appId, version)}; -1: no commit made. */
  long writeOnce(
      TableName table,
      String appId,
      long version,
      java.util.function.Function<String, org.apache.spark.sql.DataFrameWriter<Row>> writer) {
    Optional<Commit> commit =
        commits.write(
            table,
            null,
            metadata ->
                writer
                    .apply(metadata)
                    .option("txnAppId", appId)
                    .option("txnVersion", version)
                    .save(commits.path(table)));
    return commit.isEmpty() ? -1 : commits.rowsOf(table, commit);
  }

  /**
   * Runs a MERGE built on the table and returns its commit, empty when it changed nothing (Delta
   * records no commit then). Its operation metrics say what it did: numTargetRowsInserted,
   * numTargetRowsUpdated, numTargetRowsDeleted, ...
   */
  public Optional<Commit> merge(
      TableName table, java.util.function.Function<DeltaTable, DeltaMergeBuilder> merge) {
    return merge(table, null, merge);
  }

  /** As above, recording {@code userMetadata} (a JSON object, or null) in the commit. */
  public Optional<Commit> merge(
      TableName table,
      String userMetadata,
      java.util.function.Function<DeltaTable, DeltaMergeBuilder> merge) {
    DeltaMergeBuilder builder = merge.apply(DeltaTable.forPath(spark, commits.path(table)));
    Optional<Commit> commit =
        commits.write(
            table,
            userMetadata,
            metadata -> commits.withSessionUserMetadata(metadata, builder::execute));
    return commit;
  }

  /**
   * Deletes the table's rows matching {@code condition} (Delta's DELETE, recording {@code
   * userMetadata}, a JSON object or null, in the commit) and returns its commit; empty when no row
   * matched. Its metric {@code numDeletedRows} says how many went.
   */
  public Optional<Commit> delete(TableName table, Column condition, String userMetadata) {
    DeltaTable delta = DeltaTable.forPath(spark, commits.path(table));
    return commits.write(
        table,
        userMetadata,
        metadata -> commits.withSessionUserMetadata(metadata, () -> delta.delete(condition)));
  }

  /**
   * Appends rows to a log table (a system table only ever appended to); the commit's user metadata
   * carries the log's summary: the summary of the table's latest commit with {@code update}
   * applied, or a new one when that commit carries none. A reader then learns what the whole log
   * says about a key from its latest commit alone ({@link #logSummary}), without reading its rows.
   */
  public void appendLog(
      TableName table, Dataset<Row> rows, java.util.function.Consumer<ObjectNode> update) {
    commits.writeAfter(
        table,
        before -> {
          ObjectNode summary =
              before < 0
                  ? JSON.createObjectNode()
                  : DeltaLogFiles.summaryOf(
                      log.commitInfo(
                          commits.path(table), log.lastWriteVersion(commits.path(table))));
          if (summary == null) {
            summary = JSON.createObjectNode();
          }
          update.accept(summary);
          return JSON.createObjectNode().set(DeltaLogFiles.SUMMARY, summary).toString();
        },
        // A log's few rows in one file, not one per core.
        metadata -> appender(rows.coalesce(1), List.of(), metadata).save(commits.path(table)));
  }

  /**
   * The summary the log table's latest commit carries ({@link #appendLog}); empty when there is no
   * table or that commit carries none (another kind of write made it): then only the rows can tell.
   */
  public Optional<ObjectNode> logSummary(TableName table) {
    long latest = log.lastWriteVersion(commits.path(table));
    return latest < 0
        ? Optional.empty()
        : Optional.ofNullable(DeltaLogFiles.summaryOf(log.commitInfo(commits.path(table), latest)));
  }

  /** Replaces the table's content (and schema) with {@code rows}; returns the rows committed. */
  public long overwrite(TableName table, Dataset<Row> rows, List<String> partitionBy) {
    return overwrite(table, rows, partitionBy, null);
  }

  /** As above, recording {@code userMetadata} (a JSON object, or null) in the commit. */
  public long overwrite(
      TableName table, Dataset<Row> rows, List<String> partitionBy, String userMetadata) {
    return commits.rowsOf(
        table,
        commits.write(
            table,
            userMetadata,
            metadata -> overwriter(rows, partitionBy, metadata).save(commits.path(table))));
  }

  /**
   * Atomically replaces the rows matching {@code predicate} (a condition on partition columns) with
   * {@code rows}; returns the rows committed.
   */
  public long replaceWhere(
      TableName table, Dataset<Row> rows, List<String> partitionBy, String predicate) {
    return replaceWhere(table, rows, partitionBy, predicate, null);
  }

  /** As above, recording {@code userMetadata} (a JSON object, or null) in the commit. */
  public long replaceWhere(
      TableName table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String predicate,
      String userMetadata) {
    return commits.rowsOf(
        table, replaceWhereCommit(table, rows, partitionBy, predicate, userMetadata));
  }

  /**
   * As {@link #replaceWhere}, returning its commit (the table's version it made, and its metrics);
   * empty when Delta made none.
   */
  public Optional<Commit> replaceWhereCommit(
      TableName table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String predicate,
      String userMetadata) {
    boolean exists = commits.latestVersion(table) >= 0;
    return commits.write(
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
          writer.save(commits.path(table));
        });
  }

  /**
   * Undoes a write of the rows matching {@code predicate}: replaces them with the rows that matched
   * it as of the table's version {@code version} (none when it is -1: the table did not exist).
   */
  public void restoreWhere(
      TableName table, List<String> partitionBy, String predicate, long version) {
    Dataset<Row> latest = spark.read().format("delta").load(commits.path(table));
    Dataset<Row> before =
        version < 0
            ? latest.limit(0)
            : spark
                .read()
                .format("delta")
                .option("versionAsOf", version)
                .load(commits.path(table))
                .where(predicate);
    replaceWhere(table, before, partitionBy, predicate);
  }

  /**
   * Turns on deletion vectors for the table, once: a MERGE, UPDATE or DELETE then marks the rows it
   * replaces instead of rewriting every data file that holds one (Delta 3.1+ writes them; Glue 5.0
   * ships Delta 3.3; Athena reads them).
   */
  public void enableDeletionVectors(TableName table) {
    enable(table, "delta.enableDeletionVectors");
  }

  /**
   * Turns on the table's change data feed, once, so readers can ask which rows later commits
   * changed; returns false if it was on already.
   */
  public boolean enableChangeDataFeed(TableName table) {
    return enable(table, "delta.enableChangeDataFeed");
  }

  private boolean enable(TableName table, String property) {
    synchronized (commits.lockOf(table)) {
      return enableLocked(table, property);
    }
  }

  private boolean enableLocked(TableName table, String property) {
    if (log.checksumMetadata(commits.path(table))
        .map(m -> "true".equals(m.path("configuration").path(property).asText(null)))
        .orElse(false)) {
      return false; // read from the checksum file alone: no Delta snapshot to load
    }
    // The snapshot's metadata comes from the latest commit's checksum file when there is one: no
    // Spark job, unlike DESCRIBE DETAIL, which rebuilds the table's state to count its files.
    scala.Option<String> value =
        org.apache.spark.sql.delta.DeltaLog.forTable(spark, commits.path(table))
            .update(false, Option.empty(), Option.empty())
            .metadata()
            .configuration()
            .get(property);
    if (value.isDefined() && "true".equals(value.get())) {
      return false;
    }
    spark.sql(
        "ALTER TABLE delta.`"
            + commits.path(table).replace("`", "``")
            + "` SET TBLPROPERTIES ('"
            + property
            + "' = 'true')");
    return true;
  }

  /**
   * One commit a write of this lake made.
   *
   * @param version the table version it created
   * @param metrics its operation metrics (numOutputRows, numTargetRowsInserted, ...)
   */
  public record Commit(long version, Map<String, String> metrics) {
    /**
     * A metric's value, 0 when the commit does not report it (Delta leaves out what did not
     * happen).
     *
     * @throws DpfException when the commit records no metrics at all
     */
    public long metric(String name) {
      if (metrics.isEmpty()) {
        throw new dev.dpf.core.DpfException(
            "Delta commit "
                + version
                + " records no operation metrics, which dpf counts rows with. Leave"
                + " spark.databricks.delta.history.metricsEnabled on (its default)");
      }
      String v = metrics.get(name);
      return v == null ? 0 : Long.parseLong(v);
    }
  }

  /**
   * Creates the table empty with {@code schema} and registers it, unless it exists (then it is only
   * registered); returns whether it was created.
   */
  public boolean createEmpty(
      TableName table,
      java.util.function.Supplier<org.apache.spark.sql.types.StructType> schema,
      List<String> partitionBy) {
    if (commits.latestVersion(table) >= 0) {
      commits.register(table);
      return false;
    }
    overwrite(table, spark.createDataFrame(List.of(), schema.get()), partitionBy);
    return true;
  }

  /** The key of a restore's closing commit's user metadata ({@link #restore}). */
  public static final String RESTORED = "dpf_restored";

  /**
   * Puts the table's content back as it was at {@code version} (-1: no rows, for a table made after
   * it) with new commits: Delta's RESTORE (or a delete of every row), then a closing commit that
   * sets each idempotent write's id ({@link #appendOnce}) back to the version it had then, so that
   * writes after the restore are not taken for ones already made, and records {@code marker} under
   * {@link #RESTORED} with the log summary the table had then ({@link #appendLog}). Repeated after
   * it was stopped, it finishes what is left: nothing when the latest commit is that closing commit
   * already, only the closing commit after the RESTORE. {@code between} runs between the two.
   *
   * @return whether it committed anything
   */
  public boolean restore(TableName table, long version, ObjectNode marker, Runnable between) {
    String path = commits.path(table);
    long latest = commits.latestVersion(table);
    if (latest < 0) {
      throw new IllegalStateException("no table " + table + " to restore");
    }
    if (latest == version) {
      return false;
    }
    JsonNode last = log.commitInfo(path, log.lastWriteVersion(path));
    if (restoredBy(last, marker)) {
      return false;
    }
    boolean restored =
        "RESTORE".equals(last.path("operation").asText())
            && String.valueOf(version)
                .equals(last.path("operationParameters").path("version").asText());
    if (version >= 0 && !restored) {
      DeltaTable.forPath(spark, path).restoreToVersion(version);
    } else if (version < 0 && !"DELETE".equals(last.path("operation").asText())) {
      DeltaTable.forPath(spark, path).delete();
    }
    between.run();
    ObjectNode metadata = JSON.createObjectNode();
    metadata.set(RESTORED, marker.deepCopy());
    if (version >= 0) {
      ObjectNode summary = DeltaLogFiles.summaryOf(log.commitInfo(path, version));
      if (summary != null) {
        metadata.set(DeltaLogFiles.SUMMARY, summary);
      }
    }
    commits.withSessionUserMetadata(metadata.toString(), () -> resetTransactions(path, version));
    return true;
  }

  /** Whether the commit is the closing commit of the restore {@code marker} tells. */
  private static boolean restoredBy(JsonNode commitInfo, ObjectNode marker) {
    String metadata = commitInfo.path("userMetadata").asText(null);
    if (metadata == null || !metadata.startsWith("{")) {
      return false;
    }
    try {
      // As text: a number read back is an int where the marker's may be a long.
      return marker.toString().equals(JSON.readTree(metadata).path(RESTORED).toString());
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Commits each idempotent write id of the table at the version it had at {@code version} (-1 when
   * it had none then), in one commit that changes no data (Delta keeps an id's last value).
   */
  private void resetTransactions(String path, long version) {
    org.apache.spark.sql.delta.DeltaLog deltaLog =
        org.apache.spark.sql.delta.DeltaLog.forTable(spark, path);
    Map<String, Long> then = new java.util.HashMap<>();
    if (version >= 0) {
      then = transactions(deltaLog.getSnapshotAt(version, Option.empty(), Option.empty()));
    }
    org.apache.spark.sql.delta.OptimisticTransaction txn = deltaLog.startTransaction();
    List<org.apache.spark.sql.delta.actions.Action> actions = new java.util.ArrayList<>();
    for (Map.Entry<String, Long> now : transactions(txn.snapshot()).entrySet()) {
      long was = then.getOrDefault(now.getKey(), -1L);
      if (was != now.getValue()) {
        actions.add(
            new org.apache.spark.sql.delta.actions.SetTransaction(
                now.getKey(), was, Option.apply(System.currentTimeMillis())));
      }
    }
    txn.commit(
        scala.collection.JavaConverters.asScalaBuffer(actions).toSeq(),
        org.apache.spark.sql.delta.DeltaOperations.ManualUpdate$.MODULE$);
  }

  /** The snapshot's idempotent write ids and their versions. */
  private static Map<String, Long> transactions(org.apache.spark.sql.delta.Snapshot snapshot) {
    Map<String, Long> out = new java.util.HashMap<>();
    for (org.apache.spark.sql.delta.actions.SetTransaction t :
        scala.collection.JavaConverters.seqAsJavaList(snapshot.setTransactions())) {
      out.put(t.appId(), t.version());
    }
    return out;
  }

  /**
   * Compacts the table's files smaller than {@code targetBytes} into files of about that size
   * (Delta's OPTIMIZE; nothing when there are not two such files), then rewrites the files that
   * carry deletion vectors without their deleted rows (REORG ... APPLY (PURGE)), so that a deleted
   * row leaves storage once the files before are vacuumed. Changes no row.
   */
  public void compact(TableName table, long targetBytes) {
    String path = commits.path(table);
    String quoted = "delta.`" + path.replace("`", "``") + "`";
    synchronized (commits.lockOf(table)) {
      if (log.fileCount(path).orElse(2) >= 2) {
        withSettings(
            Map.of(
                "spark.databricks.delta.optimize.maxFileSize", String.valueOf(targetBytes),
                "spark.databricks.delta.optimize.minFileSize", String.valueOf(targetBytes)),
            () -> spark.sql("OPTIMIZE " + quoted).collect());
      }
      purgeDeletedRows(table);
    }
  }

  /**
   * Rewrites the table's files that carry deletion vectors without their deleted rows (REORG ...
   * APPLY (PURGE)), so that a deleted row leaves storage once the files before are vacuumed.
   */
  public void purgeDeletedRows(TableName table) {
    String path = commits.path(table);
    synchronized (commits.lockOf(table)) {
      if (log.hasDeletionVectors(path).orElse(true)) {
        spark.sql("REORG TABLE delta.`" + path.replace("`", "``") + "` APPLY (PURGE)").collect();
      }
    }
  }

  /**
   * Removes the files of the table that its latest version does not read and that left it before
   * {@code cutoff} (Delta's VACUUM, told that time exactly: its retention argument counts whole
   * hours, so it is given one hour and a clock an hour past the cutoff).
   */
  public void vacuum(TableName table, java.time.Instant cutoff) {
    String path = commits.path(table);
    synchronized (commits.lockOf(table)) {
      // VACUUM lists the table's folders in as many tasks as partition discovery may use (10,000
      // by default: 100,000 tasks for a small table); the cores are enough.
      withSettings(
          Map.of(
              "spark.databricks.delta.retentionDurationCheck.enabled",
              "false",
              "spark.sql.sources.parallelPartitionDiscovery.parallelism",
              String.valueOf(Math.max(1, spark.sparkContext().defaultParallelism()))),
          () ->
              org.apache.spark.sql.delta.commands.VacuumCommand.gc(
                  spark,
                  org.apache.spark.sql.delta.DeltaLog.forTable(spark, path),
                  false,
                  Option.apply(1.0),
                  Option.empty(),
                  Option.empty(),
                  scala.collection.immutable.Map$.MODULE$.empty(),
                  new org.apache.spark.util.ManualClock(cutoff.toEpochMilli() + 3_600_000L)));
    }
  }

  private static final java.util.regex.Pattern LOG_FILE =
      java.util.regex.Pattern.compile("([0-9]{20})\\.(json|crc|checkpoint\\..*parquet)");

  /**
   * Leaves in the table's Delta log no value of a row its latest version does not hold, for after a
   * purge (its earlier versions vacuumed, so no longer readable): writes a checkpoint of the latest
   * version; deletes the earlier checkpoints and version checksums (their file lists carry every
   * file's column statistics); keeps, of the statistics in each commit's actions, only the row
   * count (their minimum and maximum values are values of rows); and replaces the predicates of the
   * erase's deletes (which name the erased keys) by a mark.
   */
  public void scrubLog(TableName table) {
    String path = commits.path(table);
    synchronized (commits.lockOf(table)) {
      org.apache.spark.sql.delta.DeltaLog delta =
          org.apache.spark.sql.delta.DeltaLog.forTable(spark, path);
      org.apache.spark.sql.delta.Snapshot latest =
          delta.update(false, Option.empty(), Option.empty());
      delta.checkpoint(latest, Option.empty());
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(path, "_delta_log");
      try {
        org.apache.hadoop.fs.FileSystem fs =
            dir.getFileSystem(spark.sessionState().newHadoopConf());
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
          java.util.regex.Matcher m = LOG_FILE.matcher(f.getPath().getName());
          if (!m.matches()) {
            continue;
          }
          if (m.group(2).equals("json")) {
            scrubCommit(fs, f.getPath());
          } else if (Long.parseLong(m.group(1)) < latest.version()) {
            fs.delete(f.getPath(), false);
          }
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("Cannot scrub the Delta log of " + table, e);
      }
    }
  }

  private static void scrubCommit(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path p)
      throws java.io.IOException {
    List<String> lines;
    try (var in = fs.open(p)) {
      lines =
          List.of(
              new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n"));
    }
    StringBuilder out = new StringBuilder();
    boolean changed = false;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode action = JSON.readTree(line);
      changed |= scrubAction(action);
      out.append(JSON.writeValueAsString(action)).append('\n');
    }
    if (changed) {
      try (var o = fs.create(p, true)) {
        o.write(out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  /** Scrubs one action of a commit (see {@link #scrubLog}); whether it changed it. */
  private static boolean scrubAction(JsonNode action) throws java.io.IOException {
    for (String kind : List.of("add", "remove", "cdc")) {
      JsonNode file = action.path(kind);
      if (file.isObject() && file.hasNonNull("stats")) {
        JsonNode stats = JSON.readTree(file.get("stats").asText());
        if (stats.size() > 1 || !stats.has("numRecords")) {
          ObjectNode kept = JSON.createObjectNode();
          if (stats.has("numRecords")) {
            kept.set("numRecords", stats.get("numRecords"));
          }
          ((ObjectNode) file).put("stats", kept.toString());
          return true;
        }
      }
    }
    JsonNode parameters = action.path("commitInfo").path("operationParameters");
    if (parameters.isObject() && parameters.has("predicate")) {
      ((ObjectNode) parameters).put("predicate", "(scrubbed)");
      return true;
    }
    return false;
  }

  /**
   * Guards the session settings {@link #withSettings} changes: two tables maintained side by side
   * must not restore each other's settings in the middle of their work.
   */
  private static final Object SETTINGS = new Object();

  /** Runs {@code work} with these session settings, restoring the ones it replaced. */
  private void withSettings(Map<String, String> settings, Runnable work) {
    synchronized (SETTINGS) {
      withSettingsHeld(settings, work);
    }
  }

  private void withSettingsHeld(Map<String, String> settings, Runnable work) {
    Map<String, Optional<String>> before = new java.util.HashMap<>();
    settings.forEach(
        (k, v) -> {
          before.put(k, Optional.ofNullable(spark.conf().get(k, null)));
          spark.conf().set(k, v);
        });
    try {
      work.run();
    } finally {
      before.forEach(
          (k, v) -> {
            if (v.isPresent()) {
              spark.conf().set(k, v.get());
            } else {
              spark.conf().unset(k);
            }
          });
    }
  }

  /** Delta's default time a table's log keeps old commits (time travel needs them). */
  private static final java.time.Duration LOG_RETENTION = java.time.Duration.ofDays(30);

  /**
   * Makes the table's Delta log keep its commits for at least {@code wanted} (a table property, set
   * only when that is longer than what it keeps now), so that the versions maintenance keeps can
   * still be read.
   */
  public void keepLog(TableName table, java.time.Duration wanted) {
    if (wanted.compareTo(LOG_RETENTION) <= 0) {
      return;
    }
    long days = wanted.toDays() + 1;
    String now =
        log.checksumMetadata(commits.path(table))
            .map(m -> m.path("configuration").path("delta.logRetentionDuration").asText(""))
            .orElse("");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("interval ([0-9]+) days").matcher(now);
    if (m.matches() && Long.parseLong(m.group(1)) >= days) {
      return;
    }
    spark.sql(
        "ALTER TABLE delta.`"
            + commits.path(table).replace("`", "``")
            + "` SET TBLPROPERTIES ('delta.logRetentionDuration' = 'interval "
            + days
            + " days')");
  }
}
