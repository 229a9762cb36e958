package dev.dpf.core.storage;

import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.delta.DeltaTimeTravelSpec;
import org.apache.spark.sql.delta.catalog.DeltaCatalog;
import org.apache.spark.sql.delta.catalog.DeltaTableV2;
import org.apache.spark.sql.types.StructType;

/**
 * The session's catalog ({@code spark_catalog}): Delta's, with a lake's zones resolved from the
 * lake's own folders. {@code curated.customer_360} is the Delta table at {@code
 * <lake>/curated/customer_360} when that folder holds one, found when a statement names it (a
 * listing of its log, nothing read before), so a table a writer made after this process started is
 * found, a copied or moved lake reads only its own files, and no location is stored anywhere.
 *
 * <p>Which lake: the location of the zone's database in the process's in-memory session catalog,
 * which {@link CatalogEntries} points at {@code <lake>/<zone>}. With a persistent metastore (the
 * Glue Data Catalog on AWS) names resolve as that metastore registers them, as in Delta's own
 * catalog.
 */
public class LakeCatalog extends DeltaCatalog {
  /**
   * The session setting that pins the lake's tables to versions ({@link #pinVersions}): {@code
   * zone.table=version} pairs separated by commas.
   */
  static final String PINNED = "spark.dpf.pinnedVersions";

  /**
   * Makes the session's SQL read each of the lake's tables at the version {@code versions} gives
   * it, and find no zone table it does not name: the state a run left, read as one. Empty: the
   * latest versions again. Statements that write fail on a pinned table (Delta writes no old
   * version).
   */
  public static void pinVersions(
      org.apache.spark.sql.SparkSession spark, java.util.Map<TableName, Long> versions) {
    // In the session's settings, and in the context's, which sessions made later start from (the
    // JDBC endpoint's, one per connection).
    if (versions.isEmpty()) {
      spark.conf().unset(PINNED);
      spark.sparkContext().conf().remove(PINNED);
      return;
    }
    StringBuilder text = new StringBuilder();
    versions.forEach(
        (table, version) ->
            text.append(text.length() == 0 ? "" : ",").append(table).append('=').append(version));
    spark.conf().set(PINNED, text.toString());
    spark.sparkContext().conf().set(PINNED, text.toString());
  }

  /** The pinned versions, by {@code zone.table}; null when the session reads the latest. */
  private java.util.Map<String, Long> pinned() {
    String text = spark().conf().get(PINNED, null);
    if (text == null) {
      return null;
    }
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    for (String pair : text.split(",")) {
      int eq = pair.lastIndexOf('=');
      out.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
    }
    return out;
  }

  /** The session's file system settings, as they are now, for reading Delta logs. */
  private DeltaLogFiles deltaLogs() {
    return new DeltaLogFiles(spark().sessionState().newHadoopConf());
  }

  /** The folder a zone's table name stands for, when it holds a Delta table. */
  private Optional<String> folderTable(Identifier ident, DeltaLogFiles log) {
    Optional<String> zoneFolder = zoneFolder(ident.namespace());
    if (zoneFolder.isEmpty()) {
      return Optional.empty();
    }
    java.util.Map<String, Long> pinned = pinned();
    for (String name :
        new LinkedHashSet<>(
            java.util.List.of(ident.name(), ident.name().toLowerCase(Locale.ROOT)))) {
      String path = zoneFolder.get() + "/" + name;
      if (pinned != null && !pinned.containsKey(qualified(ident, name))) {
        continue; // not a table of the state pinned
      }
      if (log.latestVersion(path) >= 0) {
        return Optional.of(path);
      }
    }
    return Optional.empty();
  }

  /**
   * The folder of the zone a one-part namespace names, from its database's location; empty for
   * other namespaces, a zone with no database yet, or a persistent metastore.
   */
  private Optional<String> zoneFolder(String[] namespace) {
    if (namespace.length != 1 || !CatalogEntries.inMemory(spark())) {
      return Optional.empty();
    }
    String db = namespace[0].toLowerCase(Locale.ROOT);
    boolean zone = false;
    for (Zone z : Zone.values()) {
      zone |= z.dbName().equals(db);
    }
    if (!zone || !catalog().databaseExists(db)) {
      return Optional.empty();
    }
    try {
      // As a path's text (decoded: a folder with a space in its name stays one), not the URI's.
      return Optional.of(
          new org.apache.hadoop.fs.Path(catalog().getDatabaseMetadata(db).locationUri())
              .toString());
    } catch (RuntimeException e) {
      return Optional.empty(); // dropped meanwhile
    }
  }

  /**
   * The zone's table in its folder, as a Delta table that keeps its name ({@code zone.table}) for
   * plans, messages and column lineage; else as Delta's catalog finds it.
   */
  @Override
  public Table loadTable(Identifier ident) {
    DeltaLogFiles log = deltaLogs();
    Optional<String> path = folderTable(ident, log);
    if (path.isEmpty()) {
      return super.loadTable(ident);
    }
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(path.get());
    TableIdentifier name =
        new TableIdentifier(
            folder.getName(), scala.Option.apply(ident.namespace()[0].toLowerCase(Locale.ROOT)));
    // Its columns and partitions as its latest checksum file records them (no Spark job), for
    // tools that read a table's catalog entry; Delta itself reads them from the log.
    CatalogTable entry =
        CatalogEntries.entry(
            name,
            folder.toUri(),
            log.schema(path.get()).orElseGet(StructType::new),
            log.partitionColumns(path.get()).orElse(java.util.List.of()));
    java.util.Map<String, Long> pinned = pinned();
    scala.Option<DeltaTimeTravelSpec> version =
        pinned == null
            ? scala.Option.empty()
            : scala.Option.apply(
                new DeltaTimeTravelSpec(
                    scala.Option.empty(),
                    scala.Option.apply(pinned.get(qualified(ident, folder.getName()))),
                    scala.Option.apply("dpf pinned version")));
    return new DeltaTableV2(
        spark(),
        folder,
        scala.Option.apply(entry),
        scala.Option.apply(name.unquotedString()),
        version,
        CatalogEntries.emptyMap());
  }

  /** {@code zone.table} of a table {@code name} in the zone {@code ident} names. */
  private static String qualified(Identifier ident, String name) {
    return ident.namespace()[0].toLowerCase(Locale.ROOT) + "." + name;
  }

  @Override
  public boolean tableExists(Identifier ident) {
    return folderTable(ident, deltaLogs()).isPresent() || super.tableExists(ident);
  }

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    Set<Identifier> out = new LinkedHashSet<>();
    Optional<String> zoneFolder = zoneFolder(namespace);
    if (zoneFolder.isPresent()) {
      java.util.Map<String, Long> pinned = pinned();
      for (String table : deltaLogs().tablesIn(zoneFolder.get())) {
        if (pinned == null
            || pinned.containsKey(qualified(Identifier.of(namespace, table), table))) {
          out.add(Identifier.of(namespace, table));
        }
      }
    }
    try {
      for (Identifier registered : super.listTables(namespace)) {
        out.add(Identifier.of(namespace, registered.name()));
      }
    } catch (NoSuchNamespaceException e) {
      if (zoneFolder.isEmpty()) {
        throw e;
      }
    }
    return out.stream()
        .sorted(java.util.Comparator.comparing(Identifier::name))
        .toArray(Identifier[]::new);
  }
}
