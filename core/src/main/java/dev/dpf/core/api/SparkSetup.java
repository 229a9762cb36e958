package dev.dpf.core.api;

import dev.dpf.core.internal.storage.LocalFiles;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The session settings every dpf process needs; entry points and tests apply them to their builder.
 * Each method returns the builder it was given, with settings added.
 */
public final class SparkSetup {
  private SparkSetup() {}

  /** Delta Lake, UTC, and strict date parsing. Never sets a master. */
  public static SparkSession.Builder delta(SparkSession.Builder builder) {
    return builder
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config(
            "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        // A date that does not parse is an error we report, not a silent legacy re-interpretation.
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        // Stages keep their working rows on disk (see StageLog.WORKING_SET); compressing them by
        // column first took 39 % of the executors' time transforming 10 million payment events.
        .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
        // Tables run side by side, each in a scheduler pool of its own (TableGraph): FAIR lets a
        // small table's tasks run between a large one's rather than after all of them.
        .config("spark.scheduler.mode", "FAIR");
  }

  /**
   * Settings for a single-machine session over small tables: few shuffle partitions, few partitions
   * when Delta rebuilds a table's state from its log (the default, 50, costs seconds per table on
   * two cores), no UI.
   */
  public static SparkSession.Builder smallLocal(SparkSession.Builder builder) {
    return builder
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config(localFiles());
  }

  /**
   * Local files through {@link LocalFiles} (no process forked per file written or renamed), as
   * {@code spark.hadoop.*} session settings.
   */
  private static java.util.Map<String, Object> localFiles() {
    java.util.Map<String, Object> out = new java.util.HashMap<>();
    LocalFiles.HADOOP_SETTINGS.forEach((k, v) -> out.put("spark.hadoop." + k, v));
    return out;
  }

  /**
   * Where the embedded metastore's log belongs: {@code <lake>/_system/derby.log}. Derby reads it
   * from the JVM property {@value #DERBY_LOG_PROPERTY}, which the process sets before its session
   * starts (a library does not set JVM properties).
   */
  public static Path derbyLog(Path lakeRoot) {
    return lakeRoot.toAbsolutePath().resolve("_system").resolve("derby.log");
  }

  /** The JVM property naming Derby's log file. */
  public static final String DERBY_LOG_PROPERTY = "derby.stream.error.file";

  /**
   * The local catalog: an embedded (Derby) Hive metastore under {@code
   * <lake>/_system/metastore_db}, so that a later process resolves {@code
   * curated.customer_data_usa} by name. Its log goes where {@value #DERBY_LOG_PROPERTY} says (see
   * {@link #derbyLog}).
   */
  public static SparkSession.Builder localCatalog(SparkSession.Builder builder, Path lakeRoot) {
    Path system = lakeRoot.toAbsolutePath().resolve("_system");
    try {
      java.nio.file.Files.createDirectories(system);
    } catch (java.io.IOException e) {
      throw new dev.dpf.core.DpfException(
          "Cannot create the lake's catalog folder " + system + ": " + e.getMessage(), e);
    }
    return builder
        .config(localFiles())
        .enableHiveSupport()
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            "jdbc:derby:;databaseName=" + system.resolve("metastore_db") + ";create=true")
        .config("spark.sql.warehouse.dir", system.resolve("warehouse").toUri().toString());
  }
}
