package dev.dpf.core.api;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.regexp_replace;

import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The tables the pipeline keeps about itself: its run, quality and ingest logs in the {@code
 * system} zone and the rejected records in the {@code quarantine} zone. Read them with {@link
 * Lake#read}; only the pipeline writes them.
 */
public final class SystemTables {
  /** One row per table per stage per run, with rows read, written and quarantined. */
  public static final TableName RUNS = new TableName(Zone.SYSTEM, "runs");

  /** Every quality rule's result in every run. */
  public static final TableName QUALITY = new TableName(Zone.SYSTEM, "quality");

  /** Which raw files each ingest batch read, with their counts. */
  public static final TableName INGEST_FILES = new TableName(Zone.SYSTEM, "ingest_files");

  /** The consolidated ingest batches each transform applied. */
  public static final TableName TRANSFORM_LOG = new TableName(Zone.SYSTEM, "transform_log");

  /**
   * The version of every table of the lake at the end of each stage of each run that changed
   * something: what {@code --as-of-run}, {@code diff} and {@code restore} read a run's state from.
   */
  public static final TableName MANIFESTS = new TableName(Zone.SYSTEM, "manifests");

  /**
   * The data subjects {@code dpf erase} removed: per dataset, each erased key as a keyed hash
   * (under the lake's PII hashing key, never the key in clear), so that an ingest withholds later
   * deliveries of them.
   */
  public static final TableName ERASED = new TableName(Zone.SYSTEM, "erased");

  /** Every rejected record with its stage, dataset, reason and the record as text. */
  public static final TableName QUARANTINE = new TableName(Zone.QUARANTINE, "records");

  private SystemTables() {}

  /**
   * {@link #QUARANTINE}'s records counted by stage, dataset and reason, with the quoted values in
   * reasons masked ({@code '...'}) so that records failing the same way count together; the most
   * common reason first within a dataset. Columns: stage, dataset, reason, records, first and last
   * (when quarantined), example (one reason as written).
   */
  public static Dataset<Row> quarantineByReason(Dataset<Row> records) {
    return records
        .withColumn("kind", regexp_replace(col("reason"), "'[^']*'", "'...'"))
        .groupBy(col("stage"), col("dataset"), col("kind").as("reason"))
        .agg(
            count(lit(1)).as("records"),
            min("_quarantined_at").as("first"),
            max("_quarantined_at").as("last"),
            min(col("reason")).as("example"))
        .orderBy(col("stage"), col("dataset"), col("records").desc(), col("reason"));
  }
}
