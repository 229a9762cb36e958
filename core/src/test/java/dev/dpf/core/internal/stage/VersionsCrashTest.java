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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore and a maintenance killed (SIGKILL) midway, then run again: the restore finishes with
 * every table as the run left it, and the next run converges; the maintenance finishes with every
 * table's rows as they were and every kept run still restorable.
 */
class VersionsCrashTest {
  private static final String DEFINITION =
      """
      sources:
        a: {kind: csv-files, path: files/a}
      datasets:
        a: {source: a, key: [id], columns: {id: {type: int, nullable: false}, x: int}}
      models:
        total: {sql: models/total.sql}
      maintenance: {keep_runs: 2, keep_days: 0}
      """;

  private static final Set<TableName> LOGS =
      Set.of(SystemTables.RUNS, SystemTables.QUALITY, SystemTables.MANIFESTS);

  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  @Test
  void aKilledRestoreOrMaintenanceRunAgainLeavesTheLakeWhole() throws Exception {
    Path raw = dir.resolve("raw/files/a");
    Files.createDirectories(raw);
    Files.writeString(raw.resolve("1.csv"), "id,x\n1,10\n2,20\n");
    Lake lake = new Lake(spark, dir.resolve("lake").toString());
    pipeline(spark, lake, "r1", IngestHooks.NONE).run(raw());
    Map<TableName, List<String>> atR1 = RunVersionsTest.state(lake);
    Files.writeString(raw.resolve("2.csv"), "id,x\n1,11\n3,30\n");
    pipeline(spark, lake, "r2", IngestHooks.NONE).run(raw());
    Map<TableName, List<String>> atR2 = RunVersionsTest.state(lake);

    killAt("restore", "restore:transformed.a");
    pipeline(spark, lake, "again", IngestHooks.NONE).restore("r1");
    assertSame(atR1, RunVersionsTest.state(lake), "restored after a kill");
    pipeline(spark, lake, "r3", IngestHooks.NONE).run(raw());
    DatasetAssert.diff(
        atR2.get(TableName.of("transformed.a")).stream().map(VersionsCrashTest::data).toList(),
        RunVersionsTest.state(lake).get(TableName.of("transformed.a")).stream()
            .map(VersionsCrashTest::data)
            .toList());

    Map<TableName, List<String>> before = RunVersionsTest.state(lake);
    killAt("maintain", "maintain:vacuumed transformed.a");
    pipeline(spark, lake, "m", IngestHooks.NONE).maintain();
    assertSame(before, RunVersionsTest.state(lake), "maintained after a kill");
    for (String kept : List.of("r3", "m")) {
      assertThat(pipeline(spark, lake, "plan", IngestHooks.NONE).planRestore(kept)).isNotEmpty();
    }
  }

  /** {@code id|x} of a transformed row (its lineage columns differ from run to run). */
  private static String data(String row) {
    String[] cells = row.split("\\|");
    return cells[0] + "|" + cells[1];
  }

  /** Asserts every table but the logs of what happened holds the same rows. */
  private static void assertSame(
      Map<TableName, List<String>> expected, Map<TableName, List<String>> actual, String when) {
    for (var e : expected.entrySet()) {
      if (LOGS.contains(e.getKey())) {
        continue;
      }
      try {
        DatasetAssert.diff(e.getValue(), actual.get(e.getKey()));
      } catch (AssertionError a) {
        throw new AssertionError(when + ", " + e.getKey() + ": " + a.getMessage(), a);
      }
    }
  }

  /** Runs {@code command} in a child JVM and kills it when it reaches {@code point}. */
  private void killAt(String command, String point) throws Exception {
    Path out = dir.resolve(command + ".out");
    Process child =
        JavaProcess.start(
            dir,
            out,
            Child.class.getName(),
            dir.resolve("raw").toString(),
            dir.resolve("lake").toString(),
            command,
            point);
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!Files.readString(out, UTF_8).contains(CrashAt.MARKER + point)) {
        if (!child.isAlive() || System.nanoTime() > deadline) {
          throw new AssertionError(
              "child ended or stalled before " + point + ":\n" + Files.readString(out, UTF_8));
        }
        Thread.sleep(200);
      }
    } finally {
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.readString(out, UTF_8)).doesNotContain("CHILD DONE");
  }

  private RawRoot raw() {
    return RawRoot.open(dir.resolve("raw").toString(), spark.sparkContext().hadoopConfiguration());
  }

  static Pipeline pipeline(SparkSession spark, Lake lake, String runId, IngestHooks hooks) {
    PipelineDefinition d =
        Definitions.parse(
            "crash.yaml",
            DEFINITION,
            f ->
                f.equals("models/total.sql")
                    ? "SELECT count(*) AS n, sum(x) AS x FROM transformed.a"
                    : null);
    return Pipeline.builder(spark, d, lake).run(runId, Instant.now()).hooks(hooks).build();
  }

  /** The child JVM: a restore to r1, or a maintenance, that the test kills at a point. */
  public static final class Child {
    public static void main(String[] args) {
      SparkSession spark =
          SparkSetup.smallLocal(
                  SparkSetup.delta(
                      SparkSession.builder().appName("crash-child").master("local[2]")))
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      Pipeline p = pipeline(spark, new Lake(spark, args[1]), "killed", new CrashAt(args[3]));
      if (args[2].equals("restore")) {
        p.restore("r1");
      } else {
        p.maintain();
      }
      System.out.println("CHILD DONE");
      spark.stop();
    }
  }
}
