package dev.dpf.core.internal.stage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.SparkSetup;
import dev.dpf.core.testing.CrashAt;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.JavaProcess;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM running the ingest is killed with SIGKILL at each fault point (after
 * planning, while reading, while writing the consolidated table, after that commit, after the
 * quarantine commit but before the ingest log marks the batch done); a re-run must leave exactly
 * the tables a clean run leaves: no duplicates, no loss.
 */
class IngestCrashTest {
  static final String DEFINITION =
      "sources:\n"
          + "  payments: {kind: firehose-json, path: streaming/payments}\n"
          + "  customers: {kind: dms, path: dms/db/customers}\n"
          + "  transactions: {kind: csv-files, path: files/transactions}\n";

  private static final List<String> POINTS =
      List.of(
          "ingest:planned",
          "ingest:reading",
          "ingest:writing",
          "ingest:written",
          "ingest:quarantined");

  private final SparkSession spark = SparkExtension.session();

  @Test
  void aRunKilledAtAnyPointThenRerunLeavesExactlyTheTablesOfACleanRun(@TempDir Path dir)
      throws Exception {
    Path raw = dir.resolve("raw");
    fixture(raw);
    // Two JVMs at a time: the next child starts while this one's re-run runs in this JVM.
    Process child = start(dir, raw, POINTS.get(0));
    try {
      Path clean = dir.resolve("clean");
      ingest(raw, clean, "clean");
      List<String> expected = snapshot(clean);
      assertThat(expected).anyMatch(r -> r.startsWith("quarantine|")).hasSizeGreaterThan(20);
      for (int i = 0; i < POINTS.size(); i++) {
        String point = POINTS.get(i);
        Path out = output(dir, point);
        awaitMarker(child, out, point);
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out, UTF_8)).doesNotContain("INGEST DONE");
        child = i + 1 < POINTS.size() ? start(dir, raw, POINTS.get(i + 1)) : null;

        Path lakeDir = lake(dir, point);
        ingest(raw, lakeDir, "rerun");
        try {
          DatasetAssert.diff(expected, snapshot(lakeDir));
        } catch (AssertionError e) {
          throw new AssertionError("killed at " + point + ", then re-run: " + e.getMessage(), e);
        }
      }
    } finally {
      if (child != null) {
        child.destroyForcibly();
      }
    }
  }

  private static Process start(Path dir, Path raw, String point) throws Exception {
    return JavaProcess.start(
        dir,
        output(dir, point),
        IngestChild.class.getName(),
        raw.toString(),
        lake(dir, point).toString(),
        point);
  }

  private static Path output(Path dir, String point) {
    return dir.resolve(point.replace(':', '-') + ".out");
  }

  private static Path lake(Path dir, String point) {
    return dir.resolve(point.replace(':', '-'));
  }

  private static void awaitMarker(Process child, Path out, String point) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      String text = Files.readString(out, UTF_8);
      if (text.contains(CrashAt.MARKER + point)) {
        return;
      }
      if (!child.isAlive()) {
        throw new AssertionError(
            "child ended (" + child.exitValue() + ") before " + point + ":\n" + text);
      }
      Thread.sleep(200);
    }
    child.destroyForcibly();
    throw new AssertionError("child never reached " + point);
  }

  /** Everything the ingest writes that a re-run must reproduce, as comparable text. */
  private List<String> snapshot(Path lakeDir) {
    Lake lake = new Lake(spark, lakeDir.toString());
    List<String> rows = new ArrayList<>();
    for (String source : List.of("payments", "customers", "transactions")) {
      var t = lake.read(new TableName(Zone.CONSOLIDATED, source)).drop("_ingested_at", "_run_id");
      DatasetAssert.rowsAsText(t).forEach(r -> rows.add(source + "|" + r));
    }
    DatasetAssert.rowsAsText(
            lake.read(TableName.of("quarantine.records"))
                .select("dataset", "reason", "record", "_source_file", "_row_number", "_line"))
        .forEach(r -> rows.add("quarantine|" + r));
    DatasetAssert.rowsAsText(
            lake.read(SystemTables.INGEST_FILES)
                .filter("state = 'committed'")
                .select("source", "batch_id", "file", "records", "written", "quarantined"))
        .forEach(r -> rows.add("log|" + r));
    return rows;
  }

  private void ingest(Path raw, Path lakeDir, String runId) {
    run(spark, raw.toString(), lakeDir.toString(), runId);
  }

  static void run(SparkSession spark, String raw, String lake, String runId) {
    run(spark, raw, lake, runId, IngestHooks.NONE);
  }

  static void run(SparkSession spark, String raw, String lake, String runId, IngestHooks hooks) {
    PipelineDefinition d = Definitions.parse("crash.yaml", DEFINITION, f -> null);
    Pipeline.builder(spark, d, new Lake(spark, lake))
        .run(runId, Instant.now())
        .hooks(hooks)
        .build()
        .ingest(RawRoot.open(raw, spark.sparkContext().hadoopConfiguration()));
  }

  private static void fixture(Path raw) throws Exception {
    for (int f = 0; f < 6; f++) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < 50; i++) {
        s.append("{\"payment_id\":\"p")
            .append(f)
            .append('-')
            .append(i)
            .append("\",\"amount\":")
            .append(i)
            .append(".25}");
        if (i == 7) {
          s.append("{\"broken\":}"); // a bad record in every file
        }
      }
      write(raw.resolve("streaming/payments/2026/11/18/1" + f + "/obj-" + f), s.toString());
    }
    StringBuilder c = new StringBuilder("id,name\n");
    for (int i = 0; i < 40; i++) {
      c.append(i).append(",\"Name ").append(i).append("\"\n");
    }
    c.append("41\n");
    write(raw.resolve("dms/db/customers/LOAD00000001.csv"), c.toString());
    write(raw.resolve("files/transactions/t.csv"), "id,amount\r\n1,10.00\r\n2,11.00,extra\r\n");
  }

  private static void write(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  /** The child JVM: ingests the fixture with its own session; the test kills it midway. */
  public static final class IngestChild {
    public static void main(String[] args) {
      SparkSession spark =
          SparkSetup.smallLocal(
                  SparkSetup.delta(
                      SparkSession.builder().appName("ingest-child").master("local[2]")))
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      run(spark, args[0], args[1], "killed", new CrashAt(args[2]));
      System.out.println("INGEST DONE");
      spark.stop();
    }
  }
}
