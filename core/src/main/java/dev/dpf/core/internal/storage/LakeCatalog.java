package dev.dpf.core.internal.storage;

import dev.dpf.core.DpfException;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import scala.Option;

/**
 * The session catalog's view of a lake: a database per zone at {@code <root>/<zone>}, and each
 * table registered at its folder (re-pointed if an earlier lake in the same metastore had it).
 */
public final class LakeCatalog {
  private final SparkSession spark;
  private final String root;
  private final java.util.Set<TableName> registered = new java.util.HashSet<>();
  private final java.util.Set<Zone> databases = java.util.EnumSet.noneOf(Zone.class);

  public LakeCatalog(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  /** Where a lake keeps a table: {@code <root>/<zone>/<table>}. */
  public static String tablePath(String root, Zone zone, String table) {
    return root + "/" + zone.dbName() + "/" + table;
  }

  /** Registers the table unless this Lake already did (writes register after every commit). */
  synchronized void registerOnce(Zone zone, String table, String location) {
    if (!registered.contains(new TableName(zone, table))) {
      register(zone, table, location);
    }
  }

  /**
   * Registers {@code <zone>.<table>} in the catalog at this lake's location, re-pointing it if it
   * was registered elsewhere (for example an earlier lake in the same metastore).
   */
  public synchronized void register(Zone zone, String table, String location) {
    TableName name = new TableName(zone, table);
    registered.add(name);
    String db = zone.dbName();

    createDatabase(zone);
    TableIdentifier id = new TableIdentifier(table, Option.apply(db));
    var catalog = spark.sessionState().catalog();
    if (catalog.tableExists(id)) {
      CatalogTable existing;
      try {
        existing = catalog.getTableMetadata(id);
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException
          | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException("catalog changed while registering " + name, e);
      }
      String current = existing.location().toString();
      if (sameLocation(current, location)) {
        return;
      }
      spark.sql("DROP TABLE " + name);
    }
    spark.sql("CREATE TABLE " + name + " USING DELTA LOCATION '" + sqlString(location) + "'");
  }

  /** Creates the zone's catalog database at {@code <root>/<zone>} unless it exists. */
  public synchronized void createDatabase(Zone zone) {
    if (databases.contains(zone)) {
      return; // this Lake made sure of it already
    }
    spark.sql(
        "CREATE DATABASE IF NOT EXISTS "
            + zone.dbName()
            + " LOCATION '"
            + sqlString(root + "/" + zone.dbName())
            + "'");
    databases.add(zone);
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

  static String sqlString(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }
}
