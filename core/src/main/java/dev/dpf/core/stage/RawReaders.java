package dev.dpf.core.stage;

import dev.dpf.core.definition.SourceDef;
import dev.dpf.core.transform.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reads raw files of one source into rows of text columns (nothing typed yet, nothing dropped). */
final class RawReaders {
  private RawReaders() {}

  static Dataset<Row> read(SparkSession spark, SourceDef source, String[] files) {
    return switch (source.kind()) {
      case FIREHOSE_JSON ->
          spark
              .read()
              .option("primitivesAsString", "true")
              .option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", Columns.CORRUPT_RECORD)
              .json(files);
      case DMS, CSV_FILES ->
          spark
              .read()
              .option("header", "true")
              .option("mode", "PERMISSIVE")
              .option("encoding", "UTF-8")
              .csv(files);
    };
  }
}
