package dev.dpf.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each write's count comes from its own Delta commit: a write that changes nothing makes no commit,
 * and then reports 0 rather than the rows of whichever commit is the table's latest.
 */
class LakeWritesTest {
  private final SparkSession spark = SparkExtension.session();

  private Dataset<Row> rows(String stage, int n) {
    return spark.sql(
        "select '" + stage + "' as stage, cast(id as string) as v from range(" + n + ")");
  }

  @Test
  void aWriteThatCommitsNothingCountsZeroNotTheLatestCommitsRows(@TempDir Path dir) {
    Lake lake = new Lake(spark, dir.toString());
    List<String> parts = List.of("stage");

    assertThat(new DeltaWriter(lake).append(TableName.of("quarantine.q"), rows("ingest", 3), parts))
        .isEqualTo(3);
    // Nothing to replace in partition 'transform', nothing to add: Delta skips the commit.
    assertThat(
            new DeltaWriter(lake)
                .replaceWhere(
                    TableName.of("quarantine.q"),
                    rows("transform", 0),
                    parts,
                    "stage = 'transform'"))
        .isZero();
    assertThat(new DeltaWriter(lake).append(TableName.of("quarantine.q"), rows("ingest", 0), parts))
        .isZero();
    assertThat(lake.version(TableName.of("quarantine.q"))).as("no commit made").isZero();

    assertThat(
            new DeltaWriter(lake)
                .replaceWhere(
                    TableName.of("quarantine.q"),
                    rows("transform", 2),
                    parts,
                    "stage = 'transform'"))
        .isEqualTo(2);
    assertThat(
            new DeltaWriter(lake)
                .appendOnce(TableName.of("quarantine.q"), rows("ingest", 4), parts, "app", 1))
        .isEqualTo(4);
    assertThat(
            new DeltaWriter(lake)
                .appendOnce(TableName.of("quarantine.q"), rows("ingest", 4), parts, "app", 1))
        .as("committed before")
        .isEqualTo(-1);
    assertThat(lake.read(TableName.of("quarantine.q")).count()).isEqualTo(9);
  }

  @Test
  void theLastBatchAnAppendRecordedIsReadFromTheLogUntilAnotherWriteChangesRows(@TempDir Path dir) {
    Lake lake = new Lake(spark, dir.toString());
    List<String> none = List.of();
    assertThat(lake.lastAppendOnce(TableName.of("consolidated.c"), "ingest-c"))
        .as("no table")
        .isEmpty();

    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.c"), rows("a", 2), none, "ingest-c", 1);
    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.c"), rows("a", 3), none, "ingest-c", 2);
    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.c"), rows("a", 0), none, "ingest-c", 3); // no rows
    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.c"), rows("a", 1), none, "other", 9);
    assertThat(lake.lastAppendOnce(TableName.of("consolidated.c"), "ingest-c"))
        .as("another writer added rows after batch 2: only the data can tell")
        .isEmpty();

    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.d"), rows("a", 2), none, "ingest-d", 1);
    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.d"), rows("a", 3), none, "ingest-d", 2);
    new DeltaWriter(lake)
        .appendOnce(TableName.of("consolidated.d"), rows("a", 0), none, "ingest-d", 3);
    new DeltaWriter(lake)
        .enableChangeDataFeed(TableName.of("consolidated.d")); // a commit without rows
    assertThat(lake.lastAppendOnce(TableName.of("consolidated.d"), "ingest-d"))
        .as("batch 3 added no rows; the property change none")
        .hasValue(2);

    new DeltaWriter(lake).overwrite(TableName.of("consolidated.d"), rows("b", 1), none);
    assertThat(lake.lastAppendOnce(TableName.of("consolidated.d"), "ingest-d")).isEmpty();
  }

  @Test
  void aTablesSizeIsTheBytesOfTheDataFilesItsLatestCommitKeeps(@TempDir Path dir)
      throws java.io.IOException {
    Lake lake = new Lake(spark, dir.toString());
    assertThat(lake.sizeBytes(TableName.of("curated.s"))).as("no table").hasValue(0);

    new DeltaWriter(lake).append(TableName.of("curated.s"), rows("a", 5), List.of());
    new DeltaWriter(lake).append(TableName.of("curated.s"), rows("b", 7), List.of());
    long appended = parquetBytes(dir.resolve("curated/s"));
    assertThat(lake.sizeBytes(TableName.of("curated.s"))).hasValue(appended);

    new DeltaWriter(lake).overwrite(TableName.of("curated.s"), rows("c", 2), List.of());
    long detail =
        spark
            .sql("describe detail delta.`" + dir.resolve("curated/s") + "`")
            .select("sizeInBytes")
            .head()
            .getLong(0);
    assertThat(detail).as("the replaced files stay on disk, out of the table").isLessThan(appended);
    assertThat(lake.sizeBytes(TableName.of("curated.s"))).hasValue(detail);
  }

  @Test
  void aTablesRowsComeFromItsChecksumLessDeletedRowsOrFromTheDataWhenItDoesNotListTheFiles(
      @TempDir Path dir) throws java.io.IOException {
    Lake lake = new Lake(spark, dir.toString());
    assertThat(lake.rowCount(TableName.of("curated.r"))).as("no table").isEmpty();

    new DeltaWriter(lake).append(TableName.of("curated.r"), rows("a", 5).coalesce(1), List.of());
    new DeltaWriter(lake).append(TableName.of("curated.r"), rows("b", 7).coalesce(1), List.of());
    assertThat(lake.rowCount(TableName.of("curated.r"))).hasValue(12);

    // Delete 2 of b's 7 rows through a deletion vector: its file stays, 2 of its rows less.
    new DeltaWriter(lake).enableDeletionVectors(TableName.of("curated.r"));
    lake.delta(TableName.of("curated.r")).delete("stage = 'b' and v in ('0', '4')");
    String checksum =
        java.nio.file.Files.readString(
            dir.resolve(
                String.format(
                    "curated/r/_delta_log/%020d.crc",
                    lake.latestVersion(TableName.of("curated.r")))));
    assertThat(checksum)
        .as("the delete left a deletion vector")
        .contains("\"numDeletedRecordsOpt\":2,\"numDeletionVectorsOpt\":1");
    assertThat(lake.rowCount(TableName.of("curated.r"))).hasValue(10);
    assertThat(lake.rows(TableName.of("curated.r"))).isEqualTo(10);

    // A table of more files than Delta lists in a checksum: only the data can tell.
    String threshold = "spark.databricks.delta.allFilesInCrc.thresholdNumFiles";
    spark.conf().set(threshold, "2");
    try {
      new DeltaWriter(lake)
          .append(TableName.of("curated.r"), rows("c", 4).repartition(2), List.of());
    } finally {
      spark.conf().unset(threshold);
    }
    assertThat(lake.rowCount(TableName.of("curated.r"))).isEmpty();
    assertThat(lake.rows(TableName.of("curated.r"))).isEqualTo(14);
  }

  @Test
  void aColumnsNewestValueComesFromTheFilesStatisticsWhenTheyTellItExactly(@TempDir Path dir) {
    Lake lake = new Lake(spark, dir.toString());
    DeltaWriter writer = new DeltaWriter(lake);
    writer.append(
        TableName.of("curated.f"),
        spark
            .sql(
                "SELECT * FROM VALUES (1, timestamp'2026-11-20 13:00:00.25', date'2026-11-19'),"
                    + " (2, timestamp'2026-11-21 08:30:00', date'2026-11-18') AS v(id, at, day)")
            .repartition(2),
        List.of());

    assertThat(lake.newest(TableName.of("curated.f"), "at"))
        .hasValue(java.time.Instant.parse("2026-11-21T08:30:00Z"));
    assertThat(lake.newest(TableName.of("curated.f"), "day"))
        .hasValue(java.time.Instant.parse("2026-11-19T00:00:00Z"));
    assertThat(lake.newest(TableName.of("curated.f"), "id")).as("not a date or time").isEmpty();

    // A deleted row still counts in its file's statistics: they cannot tell any more.
    writer.enableDeletionVectors(TableName.of("curated.f"));
    lake.delta(TableName.of("curated.f")).delete("id = 2");
    assertThat(lake.newest(TableName.of("curated.f"), "at")).isEmpty();
  }

  @Test
  void whetherAPartitionHoldsRowsComesFromTheChecksumOrElseFromTheData(@TempDir Path dir) {
    Lake lake = new Lake(spark, dir.toString());
    assertThat(lake.holdsRowsIn(TableName.of("quarantine.q"), Map.of("stage", "a"))).isFalse();
    new DeltaWriter(lake)
        .append(TableName.of("quarantine.q"), rows("a", 2).union(rows("b", 1)), List.of("stage"));

    assertThat(lake.holdsRowsIn(TableName.of("quarantine.q"), Map.of("stage", "a"))).isTrue();
    assertThat(lake.holdsRowsIn(TableName.of("quarantine.q"), Map.of("stage", "c"))).isFalse();
    // The checksum no longer lists the files: the data tells the same.
    String threshold = "spark.databricks.delta.allFilesInCrc.thresholdNumFiles";
    spark.conf().set(threshold, "1");
    try {
      new DeltaWriter(lake).append(TableName.of("quarantine.q"), rows("d", 1), List.of("stage"));
    } finally {
      spark.conf().unset(threshold);
    }
    assertThat(lake.holdsRowsIn(TableName.of("quarantine.q"), Map.of("stage", "d"))).isTrue();
    assertThat(lake.holdsRowsIn(TableName.of("quarantine.q"), Map.of("stage", "c"))).isFalse();
  }

  /** The bytes of every Parquet data file under {@code table}, counted from the file system. */
  private static long parquetBytes(Path table) throws java.io.IOException {
    try (var files = java.nio.file.Files.walk(table)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".parquet"))
          .mapToLong(
              f -> {
                try {
                  return java.nio.file.Files.size(f);
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .sum();
    }
  }

  @Test
  void aLogSummaryIsCarriedFromCommitToCommitAndNeverPastAnotherKindOfWrite(@TempDir Path dir) {
    Lake lake = new Lake(spark, dir.toString());
    assertThat(new DeltaWriter(lake).logSummary(new TableName(Zone.SYSTEM, "log")))
        .as("no table")
        .isEmpty();

    new DeltaWriter(lake)
        .appendLog(new TableName(Zone.SYSTEM, "log"), rows("a", 1), s -> s.put("a", 1));
    new DeltaWriter(lake)
        .appendLog(new TableName(Zone.SYSTEM, "log"), rows("b", 2), s -> s.put("b", 2));
    new DeltaWriter(lake)
        .appendLog(new TableName(Zone.SYSTEM, "log"), rows("a", 1), s -> s.put("a", 3));
    assertThat(
            new DeltaWriter(lake)
                .logSummary(new TableName(Zone.SYSTEM, "log"))
                .orElseThrow()
                .toString())
        .isEqualTo("{\"a\":3,\"b\":2}");
    new DeltaWriter(lake)
        .appendLog(new TableName(Zone.SYSTEM, "log"), rows("b", 1), s -> s.remove("b"));
    assertThat(
            new DeltaWriter(lake)
                .logSummary(new TableName(Zone.SYSTEM, "log"))
                .orElseThrow()
                .toString())
        .isEqualTo("{\"a\":3}");
    assertThat(lake.read(new TableName(Zone.SYSTEM, "log")).count()).isEqualTo(5);

    // Another kind of write leaves no summary, and the next one starts afresh: what it does not
    // name, only the rows can tell.
    new DeltaWriter(lake).append(new TableName(Zone.SYSTEM, "log"), rows("c", 1), List.of());
    assertThat(new DeltaWriter(lake).logSummary(new TableName(Zone.SYSTEM, "log"))).isEmpty();
    new DeltaWriter(lake)
        .appendLog(new TableName(Zone.SYSTEM, "log"), rows("c", 1), s -> s.put("c", 4));
    assertThat(
            new DeltaWriter(lake)
                .logSummary(new TableName(Zone.SYSTEM, "log"))
                .orElseThrow()
                .toString())
        .isEqualTo("{\"c\":4}");
  }

  @Test
  void aMergeThatChangesNothingHasNoCommit(@TempDir Path dir) {
    DeltaWriter writer = new DeltaWriter(new Lake(spark, dir.toString()));
    writer.overwrite(
        TableName.of("transformed.t"), spark.sql("select id from range(3)"), List.of());
    java.util.function.Function<String, Optional<DeltaWriter.Commit>> deleteMatching =
        ids ->
            writer.merge(
                TableName.of("transformed.t"),
                t ->
                    t.as("t")
                        .merge(spark.sql("select id from " + ids).as("s"), "t.id = s.id")
                        .whenMatched()
                        .delete());

    var none = deleteMatching.apply("range(10, 12)");
    var some = deleteMatching.apply("range(1, 12)");

    assertThat(none).isEmpty();
    assertThat(some).get().extracting(c -> c.metric("numTargetRowsDeleted")).isEqualTo(2L);
    assertThat(some.get().version()).isEqualTo(1);
  }
}
