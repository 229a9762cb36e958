package dev.dpf.core.internal.stage.sources;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.internal.ingest.Digests;
import dev.dpf.core.internal.ingest.FileParser;
import dev.dpf.core.internal.ingest.ParquetRecords;
import dev.dpf.core.internal.ingest.ParsedRecord;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.system.IngestState;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ingest batch's raw files: parses them into records (text formats on the executors,
 * Parquet with Spark's reader), counts them per file, and tells files delivered again unchanged
 * apart from new ones by their SHA-256.
 */
public final class BatchReader {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final IngestLog log;
  private final String runId;
  private final Instant startedAt;
  private final IngestHooks hooks;

  BatchReader(RunContext run, IngestLog log) {
    this.spark = run.spark();
    this.definition = run.definition();
    this.log = log;
    this.runId = run.runId();
    this.startedAt = run.startedAt();
    this.hooks = run.options().hooks();
  }

  /**
   * Files delivered again under a key already ingested, with the content of its latest delivery
   * (same size and SHA-256) but another modification time: a re-upload, a sync tool's copy, a
   * replication. They are the same delivery, not read again: {@link #logUnchanged} logs them.
   *
   * @return each such file's key and SHA-256, in {@code fresh}'s order
   */
  Map<RawRoot.RawFile, String> unchanged(IngestState state, List<RawRoot.RawFile> fresh) {
    Map<RawRoot.RawFile, String> out = new java.util.LinkedHashMap<>();
    for (RawRoot.RawFile f : fresh) {
      var before = state.sameSizeAs(f);
      if (before.isPresent()) {
        String sha = Digests.sha256(f, spark.sparkContext().hadoopConfiguration());
        if (sha.equals(before.get().sha256())) {
          out.put(f, sha);
        }
      }
    }
    return out;
  }

  /**
   * Logs the files {@link #unchanged} found as batch {@code batchId} without reading them, so a DMS
   * full-load file copied again is never taken for a reload; {@code fresh}: the files found new by
   * their listing, {@code listed}: the listing.
   */
  void logUnchanged(
      SourceDef source,
      IngestState state,
      Map<RawRoot.RawFile, String> unchanged,
      List<RawRoot.RawFile> fresh,
      long batchId,
      RawRoot.Listing listed) {
    List<RawRoot.RawFile> out = new ArrayList<>(unchanged.keySet());
    Map<String, String> digests = new HashMap<>();
    Map<String, String> notes = new HashMap<>();
    for (var e : unchanged.entrySet()) {
      digests.put(e.getKey().key(), e.getValue());
      notes.put(
          e.getKey().key(),
          "delivered again unchanged (the content of batch "
              + state.sameSizeAs(e.getKey()).get().batch()
              + "): not read again");
    }
    log.unchanged(
        source.name(),
        new IngestLog.Batch(batchId, runId, startedAt, out),
        digests,
        notes,
        // The listing is all ingested once these are logged only if nothing else is fresh.
        out.size() == fresh.size() ? listed : null);
    LOG.info(
        "consolidated.{}: {} file(s) delivered again unchanged: {}",
        source.name(),
        out.size(),
        out.stream().map(RawRoot.RawFile::key).toList());
  }

  static Map<String, String> digestsOf(CollectionAccumulator<String> digests) {
    Map<String, String> out = new HashMap<>();
    for (String d : digests.value()) {
      int tab = d.lastIndexOf('\t');
      out.put(d.substring(0, tab), d.substring(tab + 1));
    }
    return out;
  }

  /** The batch's files as parsed records, text formats and Parquet alike. */
  Dataset<Row> parse(
      SourceDef source, List<RawRoot.RawFile> files, CollectionAccumulator<String> digests) {
    if (source.format() == SourceDef.Format.PARQUET) {
      return ParquetRecords.read(spark, source, files, digests);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
    JavaRDD<Row> rows =
        jsc.parallelize(files, slices)
            .flatMap(
                new FileParser(
                        source,
                        ConsolidatedColumns.declaredFields(definition, source),
                        spark.sparkContext().hadoopConfiguration())
                    .withDigests(digests)
                    .withHooks(hooks));
    return spark.createDataFrame(rows, ParsedRecord.SCHEMA);
  }

  static Map<String, IngestLog.FileCounts> countPerFile(Dataset<Row> parsed) {
    Map<String, IngestLog.FileCounts> out = new HashMap<>();
    for (Row r :
        parsed
            .groupBy(ParsedRecord.FILE)
            .agg(
                count(lit(1)),
                sum(when(col(ParsedRecord.ERROR).isNotNull(), 1).otherwise(0)).cast("long"))
            .collectAsList()) {
      long records = r.getLong(1);
      long bad = r.getLong(2);
      out.put(r.getString(0), new IngestLog.FileCounts(records, records - bad, bad));
    }
    return out;
  }

  /** Rows committed must be the rows read as good (or the write was already committed). */
  static void checkCommitted(long committed, long expected, String table, IngestLog.Batch batch) {
    if (committed >= 0 && committed != expected) {
      throw new DpfException(
          "Reconciliation failed for "
              + table
              + " in ingest batch "
              + batch.id()
              + ": expected to commit "
              + expected
              + " row(s) but Delta committed "
              + committed
              + ". No rows may be lost; report this as a bug");
    }
  }
}
