package dev.dpf.core.transform;

import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;

import java.net.URI;
import java.sql.Timestamp;
import java.time.Instant;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/** Lineage columns added at ingest. */
public final class Lineage {
  private Lineage() {}

  /**
   * Adds {@code _source_file} (the file's key relative to the raw root), {@code _ingested_at} and
   * {@code _run_id}.
   *
   * @param rawRootPath the raw root's path part (no scheme), as {@link
   *     dev.dpf.core.lake.RawRoot#rootPath()}
   */
  public static Dataset<Row> withLineage(
      String rawRootPath, Instant ingestedAt, String runId, Dataset<Row> rows) {
    return rows.withColumn(Columns.SOURCE_FILE, relativeKey(rawRootPath).apply(input_file_name()))
        .withColumn(Columns.INGESTED_AT, lit(Timestamp.from(ingestedAt)))
        .withColumn(Columns.RUN_ID, lit(runId));
  }

  private static UserDefinedFunction relativeKey(String rootPath) {
    String prefix = rootPath + "/";
    UDF1<String, String> f =
        uri -> {
          // Spark reports the file as an encoded URI; its path part is the decoded file path.
          String path = URI.create(uri).getPath();
          return path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        };
    return udf(f, DataTypes.StringType);
  }
}
