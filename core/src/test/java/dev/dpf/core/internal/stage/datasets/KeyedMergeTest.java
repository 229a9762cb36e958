package dev.dpf.core.internal.stage.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.DmsChanges;
import dev.dpf.core.testing.DmsChanges.Change;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DMS changes written to a real Delta table, batch after batch, as the transform hands them over
 * (conformed rows with their lineage): a first batch rebuilds the table, later ones MERGE. Checked
 * against a plain replay of every change seen so far ({@link DmsChanges#replay}). Reading the raw
 * files and choosing between rebuild and MERGE: {@link CdcMergeTest}.
 */
class KeyedMergeTest {
  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  private static final DatasetDef DATASET = DmsChanges.DATASET;

  @Test
  void aLoadAndItsChangesInOneBatchRebuildTheLatestStateAndRememberTheDeletedKeys() {
    String t = "2026-11-18 ";
    String load = "dms/t/LOAD00000001.csv";
    String cdc1 = "dms/t/2026/11/18/20261118-100000000.csv";
    String cdc2 = "dms/t/2026/11/18/20261118-110000000.csv";
    List<Change> batch =
        List.of(
            new Change(1, "Ann", load, 1, 1, null, t + "09:00:00.000000"),
            new Change(2, "Bo", load, 2, 1, null, t + "09:00:00.000000"),
            new Change(3, "Cy", load, 3, 1, null, t + "09:00:00.000000"),
            new Change(1, "Anna", cdc1, 1, 1, "U", t + "10:00:00.000000"),
            // Same commit time: the later row wins.
            new Change(1, "Annie", cdc1, 2, 1, "U", t + "10:00:00.000000"),
            new Change(2, "Bo", cdc1, 3, 1, "D", t + "10:00:01.000000"),
            new Change(4, "Di", cdc1, 4, 1, "I", t + "10:00:02.000000"),
            // Deleted, then inserted again.
            new Change(3, "Cy", cdc1, 5, 1, "D", t + "10:00:03.000000"),
            new Change(3, "Cyd", cdc1, 6, 1, "I", t + "10:00:04.000000"),
            // Delivered late: committed before Anna.
            new Change(1, "Late", cdc2, 1, 1, "U", t + "09:59:59.000000"),
            // Redelivered.
            new Change(4, "Di", cdc2, 2, 1, "I", t + "10:00:02.000000"));

    KeyedMerge.Applied applied =
        new KeyedMerge(lake(), new DeltaWriter(lake())).rebuild(DATASET, frame(batch), List.of());

    // 11 rows: 3 keys live (1 Annie, 3 Cyd, 4 Di from its redelivery), 8 superseded; 2 deleted.
    assertThat(applied).isEqualTo(new KeyedMerge.Applied(3, 8, 3, "; 1 deleted key(s) remembered"));
    DatasetAssert.diff(
        List.of("1|Annie|" + cdc1, "3|Cyd|" + cdc1, "4|Di|" + cdc2),
        DatasetAssert.rowsAsText(
            lake().read(TableName.of("transformed.t")).select("id", "v", Columns.SOURCE_FILE)));
    DatasetAssert.diff(
        List.of("2"),
        DatasetAssert.rowsAsText(
            lake().read(new TableName(Zone.SYSTEM, "deleted_t")).select("id")));
  }

  /**
   * A seeded scenario of more than 1,000 changes over five batches after the full load: ties on the
   * commit time, late changes (up to a minute older than their file), deletes, re-inserts and
   * redelivered duplicates; the state after every batch is the replay's.
   */
  @Test
  void everyMergedBatchLeavesTheStateOfAReplayInCommitOrder() {
    SplittableRandom r = new SplittableRandom(20261125);
    List<Change> all = new ArrayList<>();
    String load = "dms/t/LOAD00000001.csv";
    for (int id = 0; id < 60; id++) {
      all.add(new Change(id, "load-" + id, load, id + 1, 1, null, "2026-11-18 09:00:00.000000"));
    }
    KeyedMerge merges = new KeyedMerge(lake(), new DeltaWriter(lake()));
    merges.rebuild(DATASET, frame(all), List.of());
    assertState(all);

    int file = 0;
    for (long batch = 2; batch <= 6; batch++) {
      List<Change> changes = new ArrayList<>();
      for (int f = 0; f < 3; f++, file++) {
        String name = String.format("dms/t/2026/11/18/20261118-1%02d000000.csv", file);
        int rows = 60 + r.nextInt(30);
        long row = 0;
        for (int i = 0; i < rows; i++) {
          int id = r.nextInt(80);
          String op = new String[] {"I", "U", "U", "D"}[r.nextInt(4)];
          // Mostly in order; one in ten is late, committed up to a few files earlier.
          int second = file * 10 + r.nextInt(5) - (r.nextInt(10) == 0 ? r.nextInt(60) : 0);
          second = Math.max(second, 0);
          String ts = String.format("2026-11-18 10:%02d:%02d.000000", second / 60, second % 60);
          int copies = r.nextInt(25) == 0 ? 2 : 1; // delivered twice
          for (int c = 0; c < copies; c++) {
            changes.add(new Change(id, "v" + file + "-" + i, name, ++row, batch, op, ts));
          }
        }
      }
      all.addAll(changes);
      merges.merge(DATASET, frame(changes), List.of(), "test", batch, changes.size());
      assertState(all);
    }
    assertThat(all).hasSizeGreaterThan(1000);
  }

  /**
   * A batch whose changes are all of keys the table has no live row of (new keys, a deleted key
   * inserted again, a delete of a key never seen) is appended, not MERGEd; a batch with an update
   * is MERGEd; the same batch again (a retried run) writes nothing. The state is the replay's.
   */
  @Test
  void aBatchOfOnlyNewKeysIsAppendedAndARetryWritesNothing() {
    String load = "dms/t/LOAD00000001.csv";
    String t = "2026-11-18 ";
    List<Change> all = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      all.add(new Change(id, "load-" + id, load, id, 1, null, t + "09:00:00.000000"));
    }
    all.add(new Change(2, "Bo", "dms/t/20261118-100000000.csv", 1, 1, "D", t + "10:00:00.000000"));
    KeyedMerge merges = new KeyedMerge(lake(), new DeltaWriter(lake()));
    merges.rebuild(DATASET, frame(all), List.of());

    String cdc = "dms/t/20261118-110000000.csv";
    List<Change> fresh =
        List.of(
            new Change(5, "Eve", cdc, 1, 2, "I", t + "11:00:00.000000"),
            new Change(2, "Bob", cdc, 2, 2, "I", t + "11:00:01.000000"),
            new Change(9, "Zed", cdc, 3, 2, "D", t + "11:00:02.000000"));
    all.addAll(fresh);
    KeyedMerge.Applied appended = merges.merge(DATASET, frame(fresh), List.of(), "test", 2, 3);
    // 2 rows written (5 and 2); the delete of 9 is remembered, not written.
    assertThat(appended.written()).isEqualTo(2);
    assertThat(appended.note()).isEqualTo("; 0 deleted, 1 late or unchanged");
    assertThat(lastOperation()).isEqualTo("WRITE");
    assertState(all);
    long version = lake().latestVersion(TableName.of("transformed.t"));

    KeyedMerge.Applied again = merges.merge(DATASET, frame(fresh), List.of(), "test", 2, 3);
    assertThat(again.written()).isZero();
    assertThat(lake().latestVersion(TableName.of("transformed.t"))).isEqualTo(version);
    assertState(all);

    List<Change> update =
        List.of(
            new Change(6, "Fay", "dms/t/20261118-120000000.csv", 1, 3, "I", t + "12:00:00.000000"),
            new Change(5, "Evy", "dms/t/20261118-120000000.csv", 2, 3, "U", t + "12:00:01.000000"));
    all.addAll(update);
    assertThat(merges.merge(DATASET, frame(update), List.of(), "test", 3, 2).written())
        .isEqualTo(2);
    assertThat(lastOperation()).isEqualTo("MERGE");
    assertState(all);
  }

  private String lastOperation() {
    return io.delta.tables.DeltaTable.forPath(spark, lake().path(TableName.of("transformed.t")))
        .history(1)
        .select("operation")
        .head()
        .getString(0);
  }

  private Lake lake() {
    return new Lake(spark, dir.toString());
  }

  private Dataset<Row> frame(List<Change> changes) {
    return DmsChanges.frame(spark, changes);
  }

  /** The table holds the replay's state, and the deleted keys are the replay's. */
  private void assertState(List<Change> changes) {
    DatasetAssert.diff(
        DmsChanges.replay(changes),
        DatasetAssert.rowsAsText(lake().read(TableName.of("transformed.t")).select("id", "v")));
    DatasetAssert.diff(
        DmsChanges.deletedKeys(changes),
        DatasetAssert.rowsAsText(
            lake().read(new TableName(Zone.SYSTEM, "deleted_t")).select("id")));
  }
}
