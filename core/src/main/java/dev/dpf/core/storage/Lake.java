package dev.dpf.core.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpf.core.DpfException;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import io.delta.tables.DeltaTable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The lake: one Delta table per {@code <root>/<zone>/<table>}, which the session's SQL names {@code
 * <zone>.<table>} (found in its folder when a statement names it: {@link #useInSql}). Where its
 * tables are, what their Delta logs say, their rows, and the catalog: every reader of a lake goes
 * through here, so tests point it at a temporary folder. The pipeline's stages write its tables;
 * callers of the api read them.
 *
 * <p>Zones and table names are never null; a table that may be absent is asked with {@link #exists}
 * first, and sizes and counts of a table not there are empty optionals. A root that cannot be
 * opened or listed is a {@link dev.dpf.core.DpfException} naming the path.
 */
public final class Lake {

  private final SparkSession spark;
  private final String root;
  private final org.apache.hadoop.conf.Configuration hadoopConf; // reads of Delta logs
  private final DeltaLogFiles log;
  private final CatalogEntries catalog;
  private final boolean pinned;

  /**
   * @param spark the session (Delta configured)
   * @param root the lake root: a local folder or a Hadoop URI such as {@code s3a://bucket/lake}
   */
  public Lake(SparkSession spark, String root) {
    this.spark = spark;
    this.hadoopConf = spark.sessionState().newHadoopConf();
    this.log = new DeltaLogFiles(hadoopConf);
    this.root = qualify(spark, root);
    this.catalog = new CatalogEntries(spark, this.root);
    this.pinned = false;
  }

  private Lake(Lake lake, DeltaLogFiles log) {
    this.spark = lake.spark;
    this.hadoopConf = lake.hadoopConf;
    this.log = log;
    this.root = lake.root;
    this.catalog = lake.catalog;
    this.pinned = true;
  }

  /**
   * This lake as it was when its tables were at {@code versions} (a run's manifest): its tables are
   * those named, each read, counted and described at its version there ({@link #read}, {@link
   * #rows}, {@link #history}, ...). Only for reading; the files on storage ({@link #dataFiles}) are
   * today's.
   */
  public Lake asOf(Map<TableName, Long> versions) {
    Map<String, Long> byFolder = new java.util.HashMap<>();
    versions.forEach((table, version) -> byFolder.put(path(table), version));
    return new Lake(this, log.pinned(byFolder));
  }

  /** Whether this is a lake as it was ({@link #asOf}). */
  public boolean pinned() {
    return pinned;
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

  /** The session this lake reads with. */
  public SparkSession spark() {
    return spark;
  }

  public String root() {
    return root;
  }

  public String path(TableName table) {
    return CatalogEntries.tablePath(root, table);
  }

  /**
   * The table's schema, as JSON, as its latest commit's checksum file records it (Delta writes one
   * after each commit): no Spark job. Empty when there is no table or no such file.
   */
  public Optional<String> schemaJson(TableName table) {
    return log.schemaJson(path(table));
  }

  /** The bytes of the table's data files (checksum file): 0 with no table, empty if unknown. */
  public OptionalLong sizeBytes(TableName table) {
    return log.sizeBytes(path(table));
  }

  /** The table's rows as its checksum file counts them; empty when it cannot ({@link #rows}). */
  public OptionalLong rowCount(TableName table) {
    return log.rowCount(path(table));
  }

  /**
   * The newest value of a date or timestamp column from the table's file statistics, with no Spark
   * job; empty when the statistics cannot tell exactly (then only the data can).
   */
  public Optional<java.time.Instant> newest(TableName table, String column) {
    return log.newest(path(table), column);
  }

  /**
   * Whether the table holds rows in the partition with these values ({@code partition column ->
   * value}): from its checksum file's list of data files where it has one (no Spark job), else
   * read. False when there is no table.
   */
  public boolean holdsRowsIn(TableName table, java.util.Map<String, String> partition) {
    if (!exists(table)) {
      return false;
    }
    return log.hasFilesIn(path(table), partition)
        .orElseGet(
            () -> {
              org.apache.spark.sql.Column where = org.apache.spark.sql.functions.lit(true);
              for (var e : partition.entrySet()) {
                where =
                    where.and(org.apache.spark.sql.functions.col(e.getKey()).equalTo(e.getValue()));
              }
              return !read(table).where(where).isEmpty();
            });
  }

  /** The table's data files (checksum file): 0 with no table, empty if unknown. */
  public OptionalLong fileCount(TableName table) {
    return log.fileCount(path(table));
  }

  /**
   * The table's latest version not made by maintenance (compaction, vacuum, the settings of how
   * long files stay); -1 when there is no log.
   */
  public long lastWriteVersion(TableName table) {
    return log.lastWriteVersion(path(table));
  }

  /** The table's latest version, from its Delta log's file names; -1 when there is no log. */
  public long latestVersion(TableName table) {
    return log.latestVersion(path(table));
  }

  /**
   * The {@code version} of the newest idempotent append as {@code appId} that added rows, from the
   * Delta log alone; empty when the log cannot tell.
   */
  public OptionalLong lastAppendOnce(TableName table, String appId) {
    return log.lastAppendOnce(path(table), appId);
  }

  /** The table's newest {@code limit} commits, newest first, from the log's own files. */
  public List<Change> history(TableName table, int limit) {
    return log.history(path(table), limit).stream()
        .map(c -> new Change(c.version(), c.at(), c.operation(), c.metrics()))
        .toList();
  }

  /** Whether the table exists: its Delta log holds a commit (a listing; no Spark job). */
  public boolean exists(TableName table) {
    return latestVersion(table) >= 0;
  }

  /**
   * The table's rows: from its checksum file when that lists every data file ({@link #rowCount}, no
   * Spark job), else counted.
   */
  public long rows(TableName table) {
    OptionalLong fromLog = rowCount(table);
    return fromLog.isPresent() ? fromLog.getAsLong() : read(table).count();
  }

  /**
   * A small table's rows read straight from the data files its latest checksum file lists: no Delta
   * log replay, which for a table of a few files costs more than its data. Only when the file lists
   * every data file, none with a deletion vector, and the table has no partition columns or column
   * mapping; otherwise (and when there is no such file) as {@link #read}.
   */
  public Dataset<Row> readSmall(TableName table) {
    return log.readSmall(spark, path(table)).orElseGet(() -> read(table));
  }

  public Dataset<Row> read(TableName table) {
    return pinned ? readAt(table, version(table)) : spark.read().format("delta").load(path(table));
  }

  /** The Delta table, for reading its history and details. */
  public DeltaTable delta(TableName table) {
    return DeltaTable.forPath(spark, path(table));
  }

  /** The zone's tables (folders with a Delta log), by name. */
  public List<TableName> tables(Zone zone) {
    return log.tablesIn(root + "/" + zone.dbName()).stream()
        .map(name -> new TableName(zone, name))
        .toList();
  }

  /**
   * One commit of a table's Delta log, as {@code DESCRIBE HISTORY} tells it.
   *
   * @param metrics the operation's metrics (rows, files, bytes written), by name
   */
  public record Change(
      long version, java.time.Instant at, String operation, Map<String, String> metrics) {}

  /**
   * The rows of the table's commits after {@code afterVersion} up to {@code toVersion}, from its
   * change data feed.
   */
  public Dataset<Row> changes(TableName table, long afterVersion, long toVersion) {
    return spark
        .read()
        .format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", afterVersion + 1)
        .option("endingVersion", toVersion)
        .load(path(table));
  }

  /**
   * The user metadata of the table's latest commit (null if none was given): what the write that
   * left the table's data as it is recorded, if that was a write of this lake. Table property
   * changes without user metadata (turning on the change data feed) change no data and are passed
   * over.
   */
  public String lastUserMetadata(TableName table) {
    for (long v = log.lastWriteVersion(path(table)); v >= 0; v--) {
      JsonNode info = log.commitInfo(path(table), v);
      if (DeltaLogFiles.maintenance(info)) {
        continue;
      }
      String metadata = info.path("userMetadata").asText(null);
      if (metadata != null || !"SET TBLPROPERTIES".equals(info.path("operation").asText())) {
        return metadata;
      }
    }
    return null;
  }

  /** The table's latest version. */
  public long version(TableName table) {
    long v = latestVersion(table);
    if (v < 0) {
      throw new DpfException("No Delta table at " + path(table));
    }
    return v;
  }

  /**
   * Makes {@code <zone>.<table>} name this lake's table in the session's SQL: the zone's database
   * points at this lake's folder (and, with a persistent metastore such as the Glue Data Catalog,
   * the table is registered there at its location).
   */
  public void register(TableName table) {
    catalog.register(table, path(table));
  }

  /**
   * Makes the session's SQL resolve {@code <zone>.<table>} to this lake's folders, for every zone
   * the lake has a folder of (with a metastore: creates their databases). Reads nothing but the
   * zone folders' existence; tables are found when a statement names them.
   */
  public void useInSql() {
    for (Zone zone : Zone.values()) {
      if (hasFolder(zone)) {
        catalog.createDatabase(zone);
      }
    }
  }

  /** Creates the zone's catalog database at {@code <root>/<zone>} unless it exists. */
  public void createDatabase(Zone zone) {
    catalog.createDatabase(zone);
  }

  /**
   * Enters the table's name and columns (from its checksum file, else its snapshot) in the
   * session's in-memory catalog, for tools that list tables from there (the JDBC endpoint's
   * metadata calls); queries never need it.
   */
  public void mirror(TableName table) {
    catalog.mirror(table);
  }

  /** Removes a table's entry that {@link #mirror} made. */
  public void unmirror(TableName table) {
    catalog.unmirror(table);
  }

  /** The zone's tables with an entry in the session's in-memory catalog ({@link #mirror}). */
  public List<TableName> mirrored(Zone zone) {
    return catalog.mirrored(zone).stream().map(name -> new TableName(zone, name)).toList();
  }

  private boolean hasFolder(Zone zone) {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root + "/" + zone.dbName());
    try {
      return dir.getFileSystem(hadoopConf).isDirectory(dir);
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The table's rows at {@code version} (time travel; a count Delta answers from statistics). */
  public long rowsAt(TableName table, long version) {
    OptionalLong fromLog = log.rowCount(path(table), version);
    return fromLog.isPresent() ? fromLog.getAsLong() : readAt(table, version).count();
  }

  /**
   * What of the table's {@code version} is gone, if anything: the version is no longer in its Delta
   * log, or data files it reads are no longer on storage (removed by VACUUM). One listing of the
   * table's folder; empty when the version can still be read whole.
   */
  public Optional<String> missingAt(TableName table, long version) {
    // The checksum file's list when no file has a deletion vector; else the snapshot's files and
    // the deletion vectors' own files.
    Optional<List<String>> files =
        log.hasDeletionVectorsAt(path(table), version).orElse(true)
            ? Optional.empty()
            : log.dataFiles(path(table), version);
    if (files.isEmpty()) {
      try {
        List<String> out = new java.util.ArrayList<>();
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(path(table));
        for (org.apache.spark.sql.delta.actions.AddFile add :
            org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table))
                .getSnapshotAt(version, scala.Option.empty(), scala.Option.empty())
                .allFiles()
                .collectAsList()) {
          out.add(add.path());
          var dv = add.deletionVector();
          if (dv != null && dv.isOnDisk()) {
            out.add(dv.absolutePath(dir).toUri().toString());
          }
        }
        files = Optional.of(out);
      } catch (RuntimeException e) {
        return Optional.of("version " + version + " is no longer in its Delta log");
      }
    }
    java.util.Set<String> onDisk = new java.util.HashSet<>();
    for (DataFile f : dataFiles(table)) {
      onDisk.add(f.path());
    }
    long missing =
        files.get().stream().filter(p -> !onDisk.contains(dataFilePath(table, p))).count();
    return missing == 0
        ? Optional.empty()
        : Optional.of(
            "version " + version + " reads " + missing + " data file(s) no longer on storage");
  }

  /**
   * A file under a table's folder that is not part of its Delta log: a data file or a deletion
   * vector, of any version.
   *
   * @param path its qualified path
   * @param bytes its size
   */
  public record DataFile(String path, long bytes) {}

  /** Every file under the table's folder but its Delta log: what it keeps on storage. */
  public List<DataFile> dataFiles(TableName table) {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(path(table));
    List<DataFile> out = new java.util.ArrayList<>();
    try {
      org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(hadoopConf);
      var files = fs.listFiles(dir, true);
      String logPrefix = fs.makeQualified(new org.apache.hadoop.fs.Path(dir, "_delta_log")) + "/";
      while (files.hasNext()) {
        var f = files.next();
        String p = f.getPath().toString();
        if (!p.startsWith(logPrefix) && !f.getPath().getName().startsWith(".")) {
          out.add(new DataFile(p, f.getLen()));
        }
      }
    } catch (java.io.FileNotFoundException e) {
      return List.of();
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The qualified path of a data file the table's log names ({@code path} of an add action). */
  private String dataFilePath(TableName table, String logged) {
    java.net.URI uri = java.net.URI.create(logged);
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(path(table));
    org.apache.hadoop.fs.Path file =
        uri.isAbsolute()
            ? new org.apache.hadoop.fs.Path(uri)
            : new org.apache.hadoop.fs.Path(dir, new org.apache.hadoop.fs.Path(uri.getPath()));
    try {
      return file.getFileSystem(hadoopConf).makeQualified(file).toString();
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot resolve " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether the table's change data feed was on at {@code version}, as that version's checksum file
   * records its settings; false when there is no such file.
   */
  public boolean changeFeedAt(TableName table, long version) {
    return "true"
        .equals(
            log.checksum(path(table), version)
                .path("metadata")
                .path("configuration")
                .path("delta.enableChangeDataFeed")
                .asText(null));
  }

  /** The table's rows at {@code version} (time travel). */
  public Dataset<Row> readAt(TableName table, long version) {
    return spark.read().format("delta").option("versionAsOf", version).load(path(table));
  }

  /**
   * When the table's {@code version} was committed, from its commit's record; the log file's time
   * when the record is gone.
   */
  public java.time.Instant commitTime(TableName table, long version) {
    JsonNode info = log.commitInfo(path(table), version);
    if (info.path("timestamp").canConvertToLong()) {
      return java.time.Instant.ofEpochMilli(info.path("timestamp").asLong());
    }
    throw new DpfException(
        "The commit time of version " + version + " of " + table + " is unknown");
  }

  /**
   * The earliest time a file that the table's {@code version} reads left it (the earliest removal
   * of the commits after it); empty when none did, null when a commit after it is no longer in its
   * log.
   */
  public Optional<java.time.Instant> earliestRemovalAfter(TableName table, long version) {
    return log.earliestRemovalAfter(path(table), version);
  }
}
