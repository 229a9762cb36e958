package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.Lake;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.ColumnType;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.Zone;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DMS changes written to a real Delta table, batch after batch, as the transform hands them over
 * (conformed rows with their lineage): a first batch rebuilds the table, later ones MERGE. Checked
 * against a plain replay: a Java map applying every change seen so far, one by one, in commit
 * order. Reading the raw files and choosing between rebuild and MERGE: {@link CdcMergeTest}.
 */
class KeyedMergeTest {
  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  /** {@code c}: key {@code id} (int), value {@code v} (string). */
  private static final DatasetDef DATASET =
      new DatasetDef(
          "c",
          "c",
          List.of("id"),
          List.of(
              new ColumnDef(
                  "id", "id", new ColumnType(ColumnType.Base.INT, 0, 0), Optional.empty(), false),
              new ColumnDef(
                  "v", "v", new ColumnType(ColumnType.Base.STRING, 0, 0), Optional.empty(), true)),
          List.of());

  private static final StructType VALID =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("v", DataTypes.StringType)
          .add(Columns.SOURCE_FILE, DataTypes.StringType)
          .add(Columns.ROW_NUMBER, DataTypes.LongType)
          .add(Columns.BATCH_ID, DataTypes.LongType)
          .add(Columns.OP, DataTypes.StringType)
          .add(Columns.COMMIT_TS, DataTypes.StringType);

  /** One change as a DMS file holds it; a full-load row has no Op. */
  record Change(String op, String ts, int id, String v, String file, long row, long batch) {
    Row toRow() {
      return RowFactory.create(id, v, "dms/db/c/" + file, row, batch, op, ts);
    }
  }

  @Test
  void aLoadAndItsChangesInOneBatchRebuildTheLatestStateAndRememberTheDeletedKeys() {
    String t = "2026-11-18 ";
    String cdc1 = "2026/11/18/20261118-100000000.csv";
    String cdc2 = "2026/11/18/20261118-110000000.csv";
    List<Change> batch =
        List.of(
            new Change(null, t + "09:00:00.000000", 1, "Ann", "LOAD00000001.csv", 1, 1),
            new Change(null, t + "09:00:00.000000", 2, "Bo", "LOAD00000001.csv", 2, 1),
            new Change(null, t + "09:00:00.000000", 3, "Cy", "LOAD00000001.csv", 3, 1),
            new Change("U", t + "10:00:00.000000", 1, "Anna", cdc1, 1, 1),
            // Same commit time: the later row wins.
            new Change("U", t + "10:00:00.000000", 1, "Annie", cdc1, 2, 1),
            new Change("D", t + "10:00:01.000000", 2, "Bo", cdc1, 3, 1),
            new Change("I", t + "10:00:02.000000", 4, "Di", cdc1, 4, 1),
            // Deleted, then inserted again.
            new Change("D", t + "10:00:03.000000", 3, "Cy", cdc1, 5, 1),
            new Change("I", t + "10:00:04.000000", 3, "Cyd", cdc1, 6, 1),
            // Delivered late: committed before Anna.
            new Change("U", t + "09:59:59.000000", 1, "Late", cdc2, 1, 1),
            // Redelivered.
            new Change("I", t + "10:00:02.000000", 4, "Di", cdc2, 2, 1));

    KeyedMerge.Applied applied = new KeyedMerge(lake()).rebuild(DATASET, frame(batch), List.of());

    // 11 rows: 3 keys live (1 Annie, 3 Cyd, 4 Di from its redelivery), 8 superseded; 2 deleted.
    assertThat(applied).isEqualTo(new KeyedMerge.Applied(3, 8, 3, "; 1 deleted key(s) remembered"));
    DatasetAssert.diff(
        List.of("1|Annie|dms/db/c/" + cdc1, "3|Cyd|dms/db/c/" + cdc1, "4|Di|dms/db/c/" + cdc2),
        DatasetAssert.rowsAsText(
            lake().read(Zone.TRANSFORMED, "c").select("id", "v", Columns.SOURCE_FILE)));
    DatasetAssert.diff(
        List.of("2"), DatasetAssert.rowsAsText(lake().read(Zone.SYSTEM, "deleted_c").select("id")));
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
    for (int id = 0; id < 60; id++) {
      all.add(
          new Change(
              null, "2026-11-18 09:00:00.000000", id, "load-" + id, "LOAD00000001.csv", id + 1, 1));
    }
    KeyedMerge merges = new KeyedMerge(lake());
    merges.rebuild(DATASET, frame(all), List.of());
    assertState(all);

    int file = 0;
    for (long batch = 2; batch <= 6; batch++) {
      List<Change> changes = new ArrayList<>();
      for (int f = 0; f < 3; f++, file++) {
        String name = String.format("2026/11/18/20261118-1%02d000000.csv", file);
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
            changes.add(new Change(op, ts, id, "v" + file + "-" + i, name, ++row, batch));
          }
        }
      }
      all.addAll(changes);
      merges.merge(DATASET, frame(changes), List.of(), "test", batch, changes.size());
      assertState(all);
    }
    assertThat(all).hasSizeGreaterThan(1000);
  }

  private Lake lake() {
    return new Lake(spark, dir.toString());
  }

  private Dataset<Row> frame(List<Change> changes) {
    return spark.createDataFrame(changes.stream().map(Change::toRow).toList(), VALID);
  }

  /**
   * The table holds what applying every change one by one in commit order leaves, and the deleted
   * keys are those whose last change is a delete.
   */
  private void assertState(List<Change> changes) {
    List<Change> ordered = new ArrayList<>(changes);
    ordered.sort(
        Comparator.comparing(Change::ts)
            .thenComparingInt(c -> c.file().startsWith("LOAD") ? 0 : 1)
            .thenComparing(Change::file)
            .thenComparingLong(Change::row));
    Map<Integer, String> state = new TreeMap<>();
    Map<Integer, String> lastOp = new TreeMap<>();
    for (Change c : ordered) {
      if ("D".equals(c.op())) {
        state.remove(c.id());
      } else {
        state.put(c.id(), c.v());
      }
      lastOp.put(c.id(), String.valueOf(c.op()));
    }
    DatasetAssert.diff(
        state.entrySet().stream().map(e -> e.getKey() + "|" + e.getValue()).toList(),
        DatasetAssert.rowsAsText(lake().read(Zone.TRANSFORMED, "c").select("id", "v")));
    DatasetAssert.diff(
        lastOp.entrySet().stream()
            .filter(e -> e.getValue().equals("D"))
            .map(e -> String.valueOf(e.getKey()))
            .toList(),
        DatasetAssert.rowsAsText(lake().read(Zone.SYSTEM, "deleted_c").select("id")));
  }
}
