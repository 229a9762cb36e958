package dev.dpf.core.internal.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.api.RawRoot;
import dev.dpf.definition.SourceDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * DMS Parquet output ({@code DataFormat=parquet}) as parsed records: values as text, the Op and
 * timestamp columns lifted out, the row's position from Spark's {@code _metadata.row_index}. A file
 * whose footer cannot be read (truncated, not Parquet, deleted) becomes one bad record.
 */
public final class ParquetRecords {
  private ParquetRecords() {}

  /**
   * The files' rows as parsed records; each readable file's SHA-256 goes to {@code digests} (as
   * {@code key<TAB>hex}).
   */
  public static Dataset<Row> read(
      SparkSession spark,
      SourceDef source,
      List<RawRoot.RawFile> files,
      org.apache.spark.util.CollectionAccumulator<String> digests) {
    Map<String, String> conf = new HashMap<>();
    spark.sparkContext().hadoopConfiguration().forEach(e -> conf.put(e.getKey(), e.getValue()));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Check each footer on the executors; unreadable files become bad records.
    List<Row> checked =
        jsc.parallelize(files, Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4)))
            .map(
                f -> {
                  String[] footer = footer(f, conf);
                  String problem = footer[0];
                  if (problem == null) {
                    Configuration c = new Configuration(false);
                    conf.forEach(c::set);
                    try {
                      digests.add(f.key() + "\t" + Digests.sha256(f, c));
                    } catch (RuntimeException e) {
                      // Without a digest the file is compared by its size and time only.
                    }
                  }
                  return RowFactory.create(f.key(), f.uri(), problem, footer[1]);
                })
            .collect();
    List<Row> broken = new ArrayList<>();
    // Files by their schema: a column whose type changed (a DDL change at the source) must not
    // stop the files before or after it from being read.
    Map<String, List<String>> readable = new java.util.TreeMap<>();
    Map<String, String> keyOf = new HashMap<>();
    for (Row r : checked) {
      String name = r.getString(0).substring(r.getString(0).lastIndexOf('/') + 1);
      String problem = r.getString(2);
      if (problem == null
          && CsvRecords.dmsFile(name.replace(".parquet", ".csv")) == CsvRecords.DmsFile.UNKNOWN) {
        problem =
            "not a DMS data file name: expected LOAD<hex>.parquet (full load) or"
                + " yyyyMMdd-HHmmssSSS....parquet (CDC)";
      }
      if (problem != null) {
        broken.add(
            ParsedRecord.bad(
                r.getString(0), 1, new ParsedRecord.Position(null, null), problem, ""));
      } else {
        readable.computeIfAbsent(r.getString(3), k -> new ArrayList<>()).add(r.getString(1));
        keyOf.put(new Path(r.getString(1)).toUri().getPath(), r.getString(0));
      }
    }
    Dataset<Row> out = spark.createDataFrame(broken, ParsedRecord.SCHEMA);
    for (List<String> sameSchema : readable.values()) {
      out =
          out.unionByName(
              records(source, spark.read().parquet(sameSchema.toArray(String[]::new)), keyOf));
    }
    return out;
  }

  /** The rows of Parquet files of one schema as parsed records. */
  private static Dataset<Row> records(SourceDef source, Dataset<Row> p, Map<String, String> keyOf) {
    String ts = source.dms().timestampColumn();
    List<Column> entries = new ArrayList<>();
    boolean hasOp = false;
    boolean hasTs = false;
    String op0 = null;
    String ts0 = null;
    for (String c : p.columns()) {
      if (c.equalsIgnoreCase("Op")) {
        hasOp = true;
        op0 = c;
      } else if (c.equalsIgnoreCase(ts)) {
        hasTs = true;
        ts0 = c;
      } else {
        entries.add(lit(c));
        entries.add(col("`" + c + "`").cast("string"));
      }
    }
    Column path = col("_metadata.file_path");
    Column key = keyUdf(keyOf).apply(path);
    Column fullLoad = key.rlike("(^|/)LOAD[^/]*$");
    // Full-load rows carry no Op (or, merged with CDC files' schema, a null one): they are inserts.
    Column loadOp = when(fullLoad, lit("I")).otherwise(lit(null).cast("string"));
    Column op =
        hasOp ? org.apache.spark.sql.functions.coalesce(col("`" + op0 + "`"), loadOp) : loadOp;
    Column error =
        when(op.isNull(), lit("CDC row without an Op column"))
            .when(
                op.isin("I", "U", "D").unary_$bang(),
                concat(lit("unknown Op code '"), op, lit("' (expected I, U or D)")));
    Column ok = error.isNull();
    Dataset<Row> rows =
        p.select(
            key.as(ParsedRecord.FILE),
            col("_metadata.row_index").plus(1).as(ParsedRecord.ROW_NUMBER),
            lit(null).cast("long").as(ParsedRecord.LINE),
            lit(null).cast("long").as(ParsedRecord.BYTE_OFFSET),
            when(ok, org.apache.spark.sql.functions.map(entries.toArray(Column[]::new)))
                .as(ParsedRecord.FIELDS),
            when(ok, op).as(ParsedRecord.OP),
            when(ok, hasTs ? col("`" + ts0 + "`").cast("string") : lit(null).cast("string"))
                .as(ParsedRecord.COMMIT_TS),
            error.as(ParsedRecord.ERROR),
            when(ok.unary_$bang(), to_json(struct(col("*")))).as(ParsedRecord.RAW));
    return rows;
  }

  private static org.apache.spark.sql.expressions.UserDefinedFunction keyUdf(
      Map<String, String> keyOf) {
    org.apache.spark.sql.api.java.UDF1<String, String> f =
        uri -> {
          String k = keyOf.get(java.net.URI.create(uri).getPath());
          return k == null ? uri : k;
        };
    return org.apache.spark.sql.functions.udf(f, org.apache.spark.sql.types.DataTypes.StringType);
  }

  /**
   * Why the file's Parquet footer cannot be read (null when it can), and the schema it gives (null
   * when it cannot).
   */
  private static String[] footer(RawRoot.RawFile f, Map<String, String> settings) {
    Configuration conf = new Configuration(false);
    settings.forEach(conf::set);
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f.uri()), conf))) {
      return new String[] {null, r.getFooter().getFileMetaData().getSchema().toString()};
    } catch (java.io.FileNotFoundException e) {
      return new String[] {"file not found: it was deleted after it was listed", null};
    } catch (Exception e) {
      // The message names the file by its location; the record already carries its key.
      return new String[] {
        "not a readable Parquet file: " + RecordSink.describe(e).replace(f.uri(), f.key()), null
      };
    }
  }
}
