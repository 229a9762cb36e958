package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.LakeRuns;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code maintain} after 20 small runs of a DMS source (one customer changed per run, one deleted
 * in the fifth): storage drops to what the kept runs read, every kept run is still restorable and
 * readable as it was, older ones are refused with one line, and the deleted customer's row is in no
 * data file any more (the Parquet files read directly).
 */
class MaintainTest {
  private static final String DEFINITION =
      """
      sources:
        customers: {kind: dms, path: dms/customers, timestamp_column: ts}
      datasets:
        customers:
          source: customers
          key: [customer_id]
          columns:
            customer_id: {from: customerNumber, type: int, nullable: false}
            name:        {type: string}
            limit_usd:   {type: int}
      maintenance: {keep_runs: %d, keep_days: 0, target_file_size: 1MB}
      """;

  private static final TableName CUSTOMERS = new TableName(Zone.TRANSFORMED, "customers");

  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  @Test
  void maintenanceKeepsWhatKeptRunsReadAndRemovesTheRest() throws IOException {
    Lake lake = new Lake(spark, dir.resolve("lake").toString());
    StringBuilder load = new StringBuilder("ts,customerNumber,name,limit_usd\n");
    for (int id = 1; id <= 5; id++) {
      load.append("2026-11-18 09:00:00.000000,")
          .append(id)
          .append(",Name")
          .append(id)
          .append(",100\n");
    }
    load.append("2026-11-18 09:00:00.000000,9,Zebedee Quartermaine,100\n");
    write("dms/customers/LOAD00000001.csv", load.toString());
    List<String> runs = new ArrayList<>();
    Map<TableName, List<String>> atRun18 = null;
    for (int n = 1; n <= 20; n++) {
      if (n > 1) {
        String change =
            n == 5
                ? "D,2026-11-19 00:00:05.000000,9,Zebedee Quartermaine,100\n"
                : "U,2026-11-19 00:00:%02d.000000,%d,Name%d,%d\n"
                    .formatted(n, 1 + n % 5, 1 + n % 5, 100 + n);
        write(
            "dms/customers/2026/11/19/20261119-%02d0000000.csv".formatted(n),
            "Op,ts,customerNumber,name,limit_usd\n" + change);
      }
      pipeline(3, lake, "r" + n).run(raw());
      runs.add("r" + n);
      if (n == 18) {
        atRun18 = RunVersionsTest.state(lake);
      }
    }
    long filesBefore = filesOnDisk(lake);
    // Deleted in run 5 through a deletion vector: still in a data file of the table.
    assertThat(dataFilesHolding("transformed/customers", "Quartermaine"))
        .as("before maintenance")
        .isNotEmpty();

    List<TableResult> maintained = pipeline(3, lake, "m1").maintain();

    assertThat(maintained).extracting(r -> r.stage().label()).containsOnly("maintain");
    // What the latest versions and the kept runs' versions read remains; of the rest, at most
    // what a version after the oldest kept one read: nothing older.
    LakeRuns lakeRuns = new LakeRuns(lake);
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        long latest = lake.latestVersion(table);
        Set<String> needed = new HashSet<>(filesOf(lake, table, latest));
        long oldest = latest;
        for (String run : List.of("r18", "r19", "r20")) {
          Long v = lakeRuns.versionsAt(run).get(table);
          if (v != null) {
            needed.addAll(filesOf(lake, table, v));
            oldest = Math.min(oldest, v);
          }
        }
        Set<String> allowed = new HashSet<>(needed);
        for (long v = oldest; v <= latest; v++) {
          allowed.addAll(filesOf(lake, table, v));
        }
        Set<String> onDisk = dataFilesOnDisk(lake, table);
        onDisk.removeIf(p -> p.contains("deletion_vector_") || p.contains("_change_data"));
        assertThat(onDisk).as(table.toString()).containsAll(needed);
        if (!table.toString().equals("_system.runs")
            && !table.toString().equals("_system.manifests")) {
          // (The two logs the maintenance run itself appends to after its VACUUM.)
          assertThat(allowed).as(table.toString()).containsAll(onDisk);
        }
      }
    }
    assertThat(filesOnDisk(lake)).isLessThan(filesBefore);
    // Every kept run is restorable and reads as it was; older ones are refused.
    for (String run : List.of("r18", "r19", "r20")) {
      assertThat(pipeline(3, lake, "plan").planRestore(run)).isNotEmpty();
    }
    lakeRuns.pin("r18");
    try {
      for (var e : atRun18.entrySet()) {
        if (!e.getKey().toString().startsWith("_system.")) {
          DatasetAssert.diff(
              e.getValue(), DatasetAssert.rowsAsText(spark.table(e.getKey().toString())));
        }
      }
    } finally {
      lakeRuns.unpin();
    }
    assertThatThrownBy(() -> pipeline(3, lake, "plan").planRestore("r10"))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith("Cannot restore to run r10: ")
        .hasMessageContaining("removed by maintenance");
    // The customer deleted in run 5 is in no data file of the table any more.
    assertThat(dataFilesHolding("transformed/customers", "Quartermaine")).isEmpty();
    assertThat(lakeRuns.runs().where("run_id = 'r10'").head().<Boolean>getAs("restorable"))
        .isFalse();
    assertThat(lakeRuns.runs().where("run_id = 'r18'").head().<Boolean>getAs("restorable"))
        .isTrue();

    // A run with nothing new after maintenance is up to date everywhere: it looks past the
    // maintenance's commits and writes nothing.
    long commits = lake.latestVersion(CUSTOMERS);
    assertThat(pipeline(3, lake, "r21").run(raw()))
        .allMatch(r -> r.status() == TableResult.Status.UP_TO_DATE, "up to date");
    assertThat(lake.latestVersion(CUSTOMERS)).isEqualTo(commits);

    // A run that leaves small files, then maintenance keeping only the newest run: every table
    // keeps exactly its latest version's files (the run's state recorded again at the compacted
    // versions), but the two logs the maintenance run appends to after its VACUUM; the lake is
    // within twice the latest versions' files.
    write(
        "dms/customers/2026/11/19/20261119-220000000.csv",
        "Op,ts,customerNumber,name,limit_usd\nU,2026-11-19 00:00:22.000000,2,Name2,222\n");
    pipeline(3, lake, "r22").run(raw());
    pipeline(1, lake, "m2").maintain();
    long current = 0;
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        current += lake.fileCount(table).getAsLong();
        if (!table.toString().equals("_system.runs")
            && !table.toString().equals("_system.manifests")) {
          assertThat(dataFilesOnDisk(lake, table))
              .as(table.toString())
              .containsExactlyInAnyOrderElementsOf(filesOf(lake, table, lake.latestVersion(table)));
        }
      }
    }
    assertThat(filesOnDisk(lake)).isLessThanOrEqualTo(2 * current);
    assertThat(pipeline(1, lake, "plan").planRestore("r22")).isNotEmpty();
    assertThat(spark.sql("SELECT count(*) FROM transformed.customers").head().getLong(0))
        .isEqualTo(5);
  }

  /**
   * The data files of the table in the lake's folder {@code table} whose bytes contain {@code text}
   * (Parquet keeps short strings plain); its Delta log aside.
   */
  private List<Path> dataFilesHolding(String table, String text) throws IOException {
    List<Path> out = new ArrayList<>();
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(dir.resolve("lake").resolve(table))) {
      for (Path f :
          files
              .filter(
                  p -> p.toString().endsWith(".parquet") && !p.toString().contains("_delta_log"))
              .toList()) {
        if (indexOf(Files.readAllBytes(f), needle) >= 0) {
          out.add(f);
        }
      }
    }
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The table's files on storage (its log aside), deletion vectors and change data included. */
  private static Set<String> dataFilesOnDisk(Lake lake, TableName table) {
    Set<String> out = new HashSet<>();
    lake.dataFiles(table).forEach(f -> out.add(f.path()));
    return out;
  }

  private static long filesOnDisk(Lake lake) {
    long n = 0;
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        n +=
            lake.dataFiles(table).stream()
                .filter(f -> !f.path().contains("deletion_vector_"))
                .count();
      }
    }
    return n;
  }

  /** The qualified paths of the data files the table's version reads (Delta's own snapshot). */
  private List<String> filesOf(Lake lake, TableName table, long version) {
    String root = lake.path(table);
    return spark
                .read()
                .format("delta")
                .option("versionAsOf", version)
                .load(root)
                .inputFiles()
                .length
            == 0
        ? List.of()
        : java.util.Arrays.stream(
                spark.read().format("delta").option("versionAsOf", version).load(root).inputFiles())
            .map(p -> new org.apache.hadoop.fs.Path(p).toString())
            .toList();
  }

  private Pipeline pipeline(int keepRuns, Lake lake, String runId) throws IOException {
    Files.writeString(dir.resolve("pipeline.yaml"), DEFINITION.formatted(keepRuns));
    PipelineDefinition definition = Definitions.load(dir.resolve("pipeline.yaml"));
    return Pipeline.builder(spark, definition, lake).run(runId, Instant.now()).build();
  }

  private RawRoot raw() {
    return RawRoot.open(dir.resolve("raw").toString(), spark.sparkContext().hadoopConfiguration());
  }

  private void write(String path, String content) throws IOException {
    Path p = dir.resolve("raw").resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }
}
