package dev.dpf.core.storage;

import dev.dpf.core.DpfException;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.net.URI;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.catalog.CatalogDatabase;
import org.apache.spark.sql.catalyst.catalog.CatalogStorageFormat;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * A lake's entries in the session's catalog.
 *
 * <p>In a dpf process the catalog is Spark's in-memory one, made anew by each process and never
 * stored: it holds a database per zone whose location is the zone's folder ({@code <root>/<zone>}),
 * which is how {@link LakeCatalog} finds the lake's tables by name. Tables are not entered there
 * (their folders are the catalog), except as a copy of their name and columns for the JDBC
 * endpoint's metadata calls ({@link #mirror}), which Spark's Thrift server answers from the session
 * catalog alone.
 *
 * <p>With a persistent metastore (the Glue Data Catalog on AWS, which Athena reads), each table is
 * registered at its folder, and re-pointed if an earlier lake in the same metastore had it.
 */
final class CatalogEntries {
  private final SparkSession spark;
  private final String root;
  private final java.util.Set<TableName> registered = new java.util.HashSet<>();
  private final java.util.Set<Zone> databases = java.util.EnumSet.noneOf(Zone.class);

  public CatalogEntries(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  /** Where a lake keeps a table: {@code <root>/<zone>/<table>}. */
  static String tablePath(String root, TableName table) {
    return root + "/" + table.zone().dbName() + "/" + table.name();
  }

  /** Whether the session's catalog is the in-memory one of this process (not a metastore). */
  public static boolean inMemory(SparkSession spark) {
    return !"hive".equals(spark.sparkContext().conf().get("spark.sql.catalogImplementation", ""));
  }

  /**
   * Whether the session's catalog finds a zone's tables in the lake's folders ({@link
   * LakeCatalog}).
   */
  static boolean resolvesFolders(SparkSession spark) {
    return LakeCatalog.class
        .getName()
        .equals(spark.conf().get("spark.sql.catalog.spark_catalog", ""));
  }

  /** As {@link #register}, once per table for this lake (writes register after every commit). */
  synchronized void registerOnce(TableName name, String location) {
    if (!registered.contains(name)) {
      register(name, location);
    }
  }

  /**
   * Makes {@code <zone>.<table>} name this lake's table: in the in-memory catalog, the zone's
   * database is pointed at this lake; in a metastore, the table is registered at its location (and
   * re-pointed if it was registered elsewhere).
   */
  public synchronized void register(TableName name, String location) {
    registered.add(name);
    createDatabase(name.zone());
    if (inMemory(spark)) {
      if (!resolvesFolders(spark)) {
        mirror(name); // a caller's own session, without SparkSetup's catalog
      }
      return;
    }
    TableIdentifier id = identifier(name);
    var catalog = spark.sessionState().catalog();
    if (catalog.tableExists(id)) {
      CatalogTable existing;
      try {
        existing = catalog.getTableMetadata(id);
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException
          | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException("catalog changed while registering " + name, e);
      }
      if (sameLocation(existing.location(), new org.apache.hadoop.fs.Path(location).toUri())) {
        return;
      }
      spark.sql("DROP TABLE " + name);
    }
    spark.sql("CREATE TABLE " + name + " USING DELTA LOCATION '" + sqlString(location) + "'");
  }

  /**
   * Makes the zone's database at {@code <root>/<zone>} unless this lake did already: in the
   * in-memory catalog it is re-pointed here if another lake had it; a metastore's is created if
   * absent.
   */
  public synchronized void createDatabase(Zone zone) {
    if (databases.contains(zone)) {
      return;
    }
    String db = zone.dbName();
    String location = root + "/" + db;
    if (!inMemory(spark)) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + db + " LOCATION '" + sqlString(location) + "'");
      databases.add(zone);
      return;
    }
    var catalog = spark.sessionState().catalog();
    URI uri = new org.apache.hadoop.fs.Path(location).toUri();
    synchronized (catalog) {
      if (!catalog.databaseExists(db)) {
        catalog.createDatabase(
            new CatalogDatabase(db, "the lake's " + db + " zone", uri, emptyMap()), true);
      } else {
        CatalogDatabase current = catalog.getDatabaseMetadata(db);
        if (!sameLocation(current.locationUri(), uri)) {
          catalog.alterDatabase(
              new CatalogDatabase(db, current.description(), uri, current.properties()));
        }
      }
    }
    databases.add(zone);
  }

  /**
   * Enters the table's name, columns and location (from its checksum file, else its snapshot) in
   * the in-memory catalog (replacing an entry that differs), for callers that list tables from it:
   * the JDBC endpoint's metadata calls. Queries do not use it ({@link LakeCatalog} reads the
   * folder).
   */
  public synchronized void mirror(TableName table) {
    String dir = tablePath(root, table);
    DeltaLogFiles log = new DeltaLogFiles(spark.sessionState().newHadoopConf());
    java.util.Optional<StructType> schema = log.schema(dir);
    java.util.Optional<java.util.List<String>> partitions = log.partitionColumns(dir);
    if (schema.isEmpty() || partitions.isEmpty()) {
      // No checksum file: the table's snapshot tells.
      var metadata =
          org.apache.spark.sql.delta.DeltaLog.forTable(spark, dir)
              .update(false, Option.empty(), Option.empty())
              .metadata();
      schema = java.util.Optional.of(metadata.schema());
      partitions = java.util.Optional.of(JavaConverters.seqAsJavaList(metadata.partitionColumns()));
    }
    mirror(table, schema.get(), partitions.get());
  }

  private void mirror(TableName table, StructType schema, java.util.List<String> partitionColumns) {
    createDatabase(table.zone());
    var catalog = spark.sessionState().catalog();
    TableIdentifier id = identifier(table);
    URI location = new org.apache.hadoop.fs.Path(tablePath(root, table)).toUri();
    if (catalog.tableExists(id)) {
      CatalogTable existing = catalog.getTempViewOrPermanentTableMetadata(id);
      if (existing.schema().equals(schema) && sameLocation(existing.location(), location)) {
        return;
      }
      catalog.dropTable(id, true, false);
    }
    CatalogTable entry = entry(id, location, schema, partitionColumns);
    catalog.createTable(entry, true, false);
  }

  /**
   * A catalog entry for the external Delta table at {@code location}: its name, columns and
   * partition columns.
   */
  static CatalogTable entry(
      TableIdentifier id,
      URI location,
      StructType schema,
      java.util.List<String> partitionColumns) {
    CatalogStorageFormat storage =
        new CatalogStorageFormat(
            Option.apply(location),
            Option.empty(),
            Option.empty(),
            Option.empty(),
            false,
            emptyMap());
    return new CatalogTable(
        id,
        CatalogTableType.EXTERNAL(),
        storage,
        schema,
        Option.apply("delta"),
        JavaConverters.asScalaBuffer(partitionColumns).toList(),
        Option.empty(),
        "",
        System.currentTimeMillis(),
        -1L,
        org.apache.spark.package$.MODULE$.SPARK_VERSION(),
        emptyMap(),
        Option.empty(),
        Option.empty(),
        Option.empty(),
        JavaConverters.asScalaBuffer(java.util.List.<String>of()).toList(),
        false,
        true,
        emptyMap(),
        Option.empty());
  }

  /** Removes the in-memory catalog's entry of a table (one that {@link #mirror} made). */
  public synchronized void unmirror(TableName table) {
    spark.sessionState().catalog().dropTable(identifier(table), true, false);
  }

  private static TableIdentifier identifier(TableName table) {
    return new TableIdentifier(table.name(), Option.apply(table.zone().dbName()));
  }

  /** The tables the in-memory catalog has entries for in the zone's database. */
  public java.util.List<String> mirrored(Zone zone) {
    var catalog = spark.sessionState().catalog();
    if (!catalog.databaseExists(zone.dbName())) {
      return java.util.List.of();
    }
    return JavaConverters.seqAsJavaList(catalog.listTables(zone.dbName())).stream()
        .map(TableIdentifier::table)
        .sorted()
        .toList();
  }

  static scala.collection.immutable.Map<String, String> emptyMap() {
    return scala.collection.immutable.Map$.MODULE$.empty();
  }

  /** Whether two locations name one folder (as URIs: a path's text would be encoded twice). */
  private boolean sameLocation(URI catalogUri, URI location) {
    org.apache.hadoop.fs.Path a = new org.apache.hadoop.fs.Path(catalogUri);
    org.apache.hadoop.fs.Path b = new org.apache.hadoop.fs.Path(location);
    try {
      var conf = spark.sessionState().newHadoopConf();
      return a.getFileSystem(conf).makeQualified(a).equals(b.getFileSystem(conf).makeQualified(b));
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot resolve lake location " + location + ": " + e.getMessage(), e);
    }
  }

  static String sqlString(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }
}
