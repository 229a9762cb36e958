package dev.dpf.core.storage;

import dev.dpf.core.DpfException;
import dev.dpf.core.definition.Zone;
import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import scala.Option;

/**
 * The lake: one Delta table per {@code <root>/<zone>/<table>}, registered in the session's catalog
 * as {@code <zone>.<table>}. All reads and writes of tables go through here, so tests point it at a
 * temporary folder.
 */
public final class Lake {
  private final SparkSession spark;
  private final String root;
  private final java.util.Set<String> registered = new java.util.HashSet<>();

  /**
   * @param spark the session (Delta configured)
   * @param root the lake root: a local folder or a Hadoop URI such as {@code s3a://bucket/lake}
   */
  public Lake(SparkSession spark, String root) {
    this.spark = spark;
    this.root = qualify(spark, root);
  }

  /**
   * The root as an absolute URI, so the catalog never holds a path relative to some working folder.
   */
  private static String qualify(SparkSession spark, String root) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
    try {
      String q = p.getFileSystem(spark.sessionState().newHadoopConf()).makeQualified(p).toString();
      return q.endsWith("/") ? q.substring(0, q.length() - 1) : q;
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot open lake root " + root + ": " + e.getMessage(), e);
    }
  }

  public String root() {
    return root;
  }

  public String path(Zone zone, String table) {
    return root + "/" + zone.dbName() + "/" + table;
  }

  public boolean exists(Zone zone, String table) {
    return DeltaTable.isDeltaTable(spark, path(zone, table));
  }

  public Dataset<Row> read(Zone zone, String table) {
    return spark.read().format("delta").load(path(zone, table));
  }

  /** Appends rows, adding any new columns to the table's schema. */
  public long append(Zone zone, String table, Dataset<Row> rows, List<String> partitionBy) {
    rows.write()
        .format("delta")
        .mode(SaveMode.Append)
        .option("mergeSchema", "true")
        .partitionBy(partitionBy.toArray(String[]::new))
        .save(path(zone, table));
    return committed(zone, table);
  }

  /**
   * Appends rows as the table's commit {@code (appId, version)}, adding new columns to its schema.
   * Delta records the pair in the commit; if the table already holds a commit with that appId and
   * this version or a later one, nothing is written. That makes a retried write safe.
   *
   * @return rows committed now, or -1 when the write had already been committed
   */
  public long appendOnce(
      Zone zone,
      String table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String appId,
      long version) {
    // The commit carries a token of its own: if the latest commit has it, this write committed.
    String token = appId + " " + version + " " + java.util.UUID.randomUUID();
    rows.write()
        .format("delta")
        .mode(SaveMode.Append)
        .option("mergeSchema", "true")
        .option("txnAppId", appId)
        .option("txnVersion", version)
        .option("userMetadata", token)
        .partitionBy(partitionBy.toArray(String[]::new))
        .save(path(zone, table));
    Row last = lastCommit(zone, table);
    if (!token.equals(last.getString(2))) {
      registerOnce(zone, table);
      return -1;
    }
    return committed(zone, table, last);
  }

  /** The Delta table, for MERGE. */
  public DeltaTable delta(Zone zone, String table) {
    return DeltaTable.forPath(spark, path(zone, table));
  }

  /**
   * The operation metrics of the table's latest commit (for a MERGE: numTargetRowsInserted,
   * numTargetRowsUpdated, numTargetRowsDeleted, ...), registering the table.
   */
  public Map<String, String> lastMetrics(Zone zone, String table) {
    registerOnce(zone, table);
    Map<String, String> m = lastCommit(zone, table).getJavaMap(1);
    return m == null ? Map.of() : m;
  }

  /**
   * Turns on deletion vectors for the table, once: a MERGE, UPDATE or DELETE then marks the rows it
   * replaces instead of rewriting every data file that holds one (Delta 3.1+ writes them; Glue 5.0
   * ships Delta 3.3; Athena reads them).
   */
  public void enableDeletionVectors(Zone zone, String table) {
    enable(zone, table, "delta.enableDeletionVectors");
  }

  /**
   * Turns on the table's change data feed, once, so readers can ask which rows later commits
   * changed; returns false if it was on already.
   */
  public boolean enableChangeDataFeed(Zone zone, String table) {
    return enable(zone, table, "delta.enableChangeDataFeed");
  }

  private boolean enable(Zone zone, String table, String property) {
    var properties = delta(zone, table).detail().select("properties").head().getJavaMap(0);
    if ("true".equals(properties.get(property))) {
      return false;
    }
    spark.sql(
        "ALTER TABLE delta.`"
            + path(zone, table).replace("`", "``")
            + "` SET TBLPROPERTIES ('"
            + property
            + "' = 'true')");
    return true;
  }

  /**
   * The rows of the table's commits after {@code afterVersion} up to {@code toVersion}, from its
   * change data feed.
   */
  public Dataset<Row> changes(Zone zone, String table, long afterVersion, long toVersion) {
    return spark
        .read()
        .format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", afterVersion + 1)
        .option("endingVersion", toVersion)
        .load(path(zone, table));
  }

  /** The user metadata of the table's latest commit (null if none was given). */
  public String lastUserMetadata(Zone zone, String table) {
    return lastCommit(zone, table).getString(2);
  }

  /** The table's latest version. */
  public long version(Zone zone, String table) {
    return lastCommit(zone, table).getLong(0);
  }

  private Row lastCommit(Zone zone, String table) {
    return DeltaTable.forPath(spark, path(zone, table))
        .history(1)
        .select("version", "operationMetrics", "userMetadata")
        .head();
  }

  /** Replaces the table's content (and schema) with {@code rows}. */
  public long overwrite(Zone zone, String table, Dataset<Row> rows, List<String> partitionBy) {
    return overwrite(zone, table, rows, partitionBy, null);
  }

  /** As above, recording {@code userMetadata} (may be null) in the commit. */
  public long overwrite(
      Zone zone, String table, Dataset<Row> rows, List<String> partitionBy, String userMetadata) {
    var writer =
        rows.write()
            .format("delta")
            .mode(SaveMode.Overwrite)
            .option("overwriteSchema", "true")
            .partitionBy(partitionBy.toArray(String[]::new));
    if (userMetadata != null) {
      writer = writer.option("userMetadata", userMetadata);
    }
    writer.save(path(zone, table));
    return committed(zone, table);
  }

  /**
   * Atomically replaces the rows matching {@code predicate} (a condition on partition columns) with
   * {@code rows}.
   */
  public long replaceWhere(
      Zone zone, String table, Dataset<Row> rows, List<String> partitionBy, String predicate) {
    return replaceWhere(zone, table, rows, partitionBy, predicate, null);
  }

  /** As above, recording {@code userMetadata} (may be null) in the commit. */
  public long replaceWhere(
      Zone zone,
      String table,
      Dataset<Row> rows,
      List<String> partitionBy,
      String predicate,
      String userMetadata) {
    var writer = rows.write().format("delta").partitionBy(partitionBy.toArray(String[]::new));
    if (userMetadata != null) {
      writer = writer.option("userMetadata", userMetadata);
    }
    if (exists(zone, table)) {
      writer = writer.mode(SaveMode.Overwrite).option("replaceWhere", predicate);
    } else {
      writer = writer.mode(SaveMode.Append);
    }
    writer.save(path(zone, table));
    return committed(zone, table);
  }

  /**
   * Rows written by the table's latest commit, from Delta's commit metrics (no extra pass over the
   * data).
   */
  private long committed(Zone zone, String table) {
    return committed(zone, table, lastCommit(zone, table));
  }

  private long committed(Zone zone, String table, Row last) {
    Map<String, String> metrics = last.getJavaMap(1);
    String rows = metrics == null ? null : metrics.get("numOutputRows");
    if (rows == null) {
      throw new IllegalStateException(
          "Delta commit of "
              + zone.dbName()
              + "."
              + table
              + " has no numOutputRows metric: "
              + metrics);
    }
    registerOnce(zone, table);
    return Long.parseLong(rows);
  }

  /** Registers the table unless this Lake already did (writes register after every commit). */
  private void registerOnce(Zone zone, String table) {
    if (!registered.contains(zone.dbName() + "." + table)) {
      register(zone, table);
    }
  }

  /**
   * Registers {@code <zone>.<table>} in the catalog at this lake's location, re-pointing it if it
   * was registered elsewhere (for example an earlier lake in the same metastore).
   */
  public void register(Zone zone, String table) {
    registered.add(zone.dbName() + "." + table);
    String db = zone.dbName();
    String location = path(zone, table);

    createDatabase(zone);
    TableIdentifier id = new TableIdentifier(table, Option.apply(db));
    var catalog = spark.sessionState().catalog();
    if (catalog.tableExists(id)) {
      CatalogTable existing;
      try {
        existing = catalog.getTableMetadata(id);
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException
          | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException("catalog changed while registering " + db + "." + table, e);
      }
      String current = existing.location().toString();
      if (sameLocation(current, location)) {
        return;
      }
      spark.sql("DROP TABLE " + db + "." + table);
    }
    spark.sql(
        "CREATE TABLE " + db + "." + table + " USING DELTA LOCATION '" + sqlString(location) + "'");
  }

  /**
   * Creates the table empty with {@code schema} and registers it, unless it exists (then it is only
   * registered); returns whether it was created.
   */
  public boolean createEmpty(
      Zone zone,
      String table,
      java.util.function.Supplier<org.apache.spark.sql.types.StructType> schema,
      List<String> partitionBy) {
    if (exists(zone, table)) {
      register(zone, table);
      return false;
    }
    overwrite(zone, table, spark.createDataFrame(List.of(), schema.get()), partitionBy);
    return true;
  }

  /** Creates the zone's catalog database at {@code <root>/<zone>} unless it exists. */
  public void createDatabase(Zone zone) {
    spark.sql(
        "CREATE DATABASE IF NOT EXISTS "
            + zone.dbName()
            + " LOCATION '"
            + sqlString(root + "/" + zone.dbName())
            + "'");
  }

  private boolean sameLocation(String catalogUri, String location) {
    org.apache.hadoop.fs.Path a = new org.apache.hadoop.fs.Path(catalogUri);
    org.apache.hadoop.fs.Path b = new org.apache.hadoop.fs.Path(location);
    try {
      var conf = spark.sessionState().newHadoopConf();
      return a.getFileSystem(conf).makeQualified(a).equals(b.getFileSystem(conf).makeQualified(b));
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot resolve lake location " + location + ": " + e.getMessage(), e);
    }
  }

  private static String sqlString(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }
}
