package dev.dpf.core.internal.stage;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;

/** A raw root and a lake in temporary folders, and ways to fill the one and read the other. */
abstract class IngestFixture {
  final SparkSession spark = SparkExtension.session();
  @TempDir Path raw;
  @TempDir Path lakeDir;

  List<TableResult> ingest(String sources) {
    return ingest(sources, "", "r1");
  }

  /** The stage's results, in definition order (as the stage returns them). */
  List<TableResult> ingest(String sources, String datasets, String runId) {
    return pipeline(sources, datasets, runId)
        .ingest(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));
  }

  /** Ingest, then transform; the results of both. */
  List<TableResult> ingestAndTransform(String sources, String datasets, String runId) {
    Pipeline p = pipeline(sources, datasets, runId);
    List<TableResult> results =
        new ArrayList<>(
            p.ingest(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration())));
    results.addAll(p.transform());
    return results;
  }

  /**
   * All three stages of a definition whose models read their SQL from {@code files} (file name to
   * text); the results.
   */
  List<TableResult> run(String sources, String rest, String runId, Map<String, String> files) {
    return pipeline(sources, rest, runId, files)
        .run(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()));
  }

  /** Transform only; its results. */
  List<TableResult> transform(String sources, String datasets, String runId) {
    return pipeline(sources, datasets, runId).transform();
  }

  /**
   * Transform and curate with the pipeline's options set by {@code options}, of a definition whose
   * models read their SQL from {@code files}; their results.
   */
  List<TableResult> transformAndCurate(
      String sources,
      String rest,
      String runId,
      Map<String, String> files,
      java.util.function.UnaryOperator<Pipeline.Builder> options) {
    Pipeline p = options.apply(builder(sources, rest, runId, files)).build();
    List<TableResult> results = new ArrayList<>(p.transform());
    results.addAll(p.curate());
    return results;
  }

  /** The pipeline of a definition, to run stages on and read its quality results after. */
  Pipeline pipelineOf(String sources, String datasets, String runId) {
    return pipeline(sources, datasets, runId);
  }

  private Pipeline pipeline(String sources, String datasets, String runId) {
    return pipeline(sources, datasets, runId, Map.of());
  }

  Pipeline pipeline(String sources, String datasets, String runId, Map<String, String> files) {
    return builder(sources, datasets, runId, files).build();
  }

  Pipeline.Builder builder(
      String sources, String datasets, String runId, Map<String, String> files) {
    return Pipeline.builder(spark, definition(sources, datasets, files), lake())
        .run(runId, Instant.parse("2026-11-24T00:00:00Z"));
  }

  static PipelineDefinition definition(String sources, String datasets, Map<String, String> files) {
    return Definitions.parse("test.yaml", "sources:\n  " + sources + "\n" + datasets, files::get);
  }

  RawRoot rawRoot() {
    return RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration());
  }

  Lake lake() {
    return new Lake(spark, lakeDir.toString());
  }

  List<String> rows(String table, String... columns) {
    return DatasetAssert.rowsAsText(
        lake()
            .read(new TableName(Zone.CONSOLIDATED, table))
            .select(columns[0], Arrays.copyOfRange(columns, 1, columns.length)));
  }

  List<String> quarantine(String source) {
    Lake lake = lake();
    if (!lake.exists(TableName.of("quarantine.records"))) {
      return List.of();
    }
    return DatasetAssert.rowsAsText(
        lake.read(TableName.of("quarantine.records"))
            .filter("stage = 'ingest' and dataset = '" + source + "'")
            .select("reason", "record", "_source_file", "_row_number", "_line", "_byte_offset"));
  }

  void write(String key, String text) throws Exception {
    write(key, text.getBytes(UTF_8));
  }

  void write(String key, byte[] bytes) throws Exception {
    Path file = raw.resolve(key);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
  }

  void parquet(String key, String sql) throws Exception {
    Path tmp = Files.createTempDirectory(lakeDir, "pq");
    spark.sql(sql).coalesce(1).write().mode("overwrite").parquet(tmp.resolve("out").toString());
    try (var s = Files.list(tmp.resolve("out"))) {
      Path part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().get();
      write(key, Files.readAllBytes(part));
    }
  }

  static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(text.getBytes(UTF_8));
    }
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
  }
}
