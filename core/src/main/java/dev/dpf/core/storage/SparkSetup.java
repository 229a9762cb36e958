package dev.dpf.core.storage;

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
        // Delta's catalog, with each zone's tables found in the lake's folders by name.
        .config("spark.sql.catalog.spark_catalog", LakeCatalog.class.getName())
        .config("spark.sql.session.timeZone", "UTC")
        // A date that does not parse is an error we report, not a silent legacy re-interpretation.
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        // Stages keep their working rows on disk (see StageLog.WORKING_SET); compressing them by
        // column first took 39 % of the executors' time transforming 10 million payment events.
        .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
        // Tables run side by side, each in a scheduler pool of its own (TableScheduler): FAIR lets
        // a
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
   * The catalog of a process on a local or {@code s3a://} lake: Spark's in-memory one, made anew by
   * each process, in which {@link Lake#useInSql} points each zone's database at the lake's folder
   * and {@link LakeCatalog} finds tables there by name. Nothing is stored, in the lake or beside
   * it, so any number of processes read a lake at once and a copied lake reads its own files. The
   * default database (which holds nothing of the lake) is under a temporary folder of this process.
   */
  public static SparkSession.Builder localCatalog(SparkSession.Builder builder) {
    java.nio.file.Path warehouse;
    try {
      warehouse = java.nio.file.Files.createTempDirectory("dpf-warehouse");
    } catch (java.io.IOException e) {
      throw new dev.dpf.core.DpfException(
          "Cannot create a temporary folder for the session catalog: " + e.getMessage(), e);
    }
    warehouse.toFile().deleteOnExit();
    return builder
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", warehouse.toUri().toString());
  }
}
