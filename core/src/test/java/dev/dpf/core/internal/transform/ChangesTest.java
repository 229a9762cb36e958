package dev.dpf.core.internal.transform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.DmsChanges;
import dev.dpf.core.testing.DmsChanges.Change;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.DatasetDef;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The latest change per key, checked against a plain replay ({@link DmsChanges#replay}). */
class ChangesTest {
  private final SparkSession spark = SparkExtension.session();
  private static final DatasetDef DATASET = DmsChanges.DATASET;

  @Test
  void aSeededScenarioOfThousandsOfChangesMatchesAReplay() {
    SplittableRandom r = new SplittableRandom(20261125);
    List<Change> changes = new ArrayList<>();
    // A full load of keys 0..59 without Op, then CDC files over three batches with ties on the
    // commit timestamp, late deliveries (older timestamps in later files), deletes, re-inserts and
    // redelivered duplicates.
    for (int id = 0; id < 60; id++) {
      changes.add(
          new Change(
              id,
              "load-" + id,
              "dms/t/LOAD00000001.csv",
              id + 1,
              1,
              "I",
              "2026-11-18 09:00:00.000000"));
    }
    int file = 0;
    for (long batch = 1; batch <= 3; batch++) {
      for (int f = 0; f < 6; f++, file++) {
        String name = String.format("dms/t/2026/11/18/20261118-1%02d000000.csv", file);
        int rows = 50 + r.nextInt(30);
        for (int row = 1; row <= rows; row++) {
          int id = r.nextInt(80);
          String op = new String[] {"I", "U", "U", "D"}[r.nextInt(4)];
          int second = file * 10 + r.nextInt(r.nextInt(10) == 0 ? 60 : 5); // some late ones
          String ts = String.format("2026-11-18 10:%02d:%02d.000000", second / 60, second % 60);
          Change c = new Change(id, "v" + file + "-" + row, name, row, batch, op, ts);
          changes.add(c);
          if (r.nextInt(25) == 0) {
            changes.add(c); // delivered twice
          }
        }
      }
    }
    assertThat(changes).hasSizeGreaterThan(1000);

    Dataset<Row> valid = DmsChanges.frame(spark, changes);
    Dataset<Row> ranked = Changes.ranked(DATASET, valid);
    List<String> current = DatasetAssert.rowsAsText(Changes.current(ranked).select("id", "v"));
    long superseded = Changes.superseded(ranked).count();

    List<String> replay = DmsChanges.replay(changes);
    DatasetAssert.diff(replay, current);
    assertThat(superseded).isEqualTo(changes.size() - replay.size());
  }

  @Test
  void withoutCommitTimestampsTheFileNamesTimeOrdersChangesWhateverBatchDeliveredThem() {
    SplittableRandom r = new SplittableRandom(20261130);
    List<Change> changes = new ArrayList<>();
    for (int id = 0; id < 40; id++) {
      changes.add(new Change(id, "load-" + id, "dms/t/LOAD00000001.csv", id + 1, 1, "I", null));
    }
    // CDC files written at minutes 0..17, delivered over batches 1..4 in a shuffled order: a file
    // written earlier often arrives in a later batch than one written after it.
    for (int minute = 0; minute < 18; minute++) {
      String name = String.format("dms/t/2026/11/18/20261118-10%02d00000.csv", minute);
      long batch = 1 + r.nextInt(4);
      for (int row = 1; row <= 20; row++) {
        String op = new String[] {"I", "U", "U", "D"}[r.nextInt(4)];
        changes.add(
            new Change(r.nextInt(50), "m" + minute + "-" + row, name, row, batch, op, null));
      }
    }

    Dataset<Row> valid = DmsChanges.frame(spark, changes);
    Dataset<Row> ranked = Changes.ranked(DATASET, valid);

    List<String> replay = DmsChanges.replay(changes);
    DatasetAssert.diff(replay, DatasetAssert.rowsAsText(Changes.current(ranked).select("id", "v")));
    assertThat(Changes.superseded(ranked).count()).isEqualTo(changes.size() - replay.size());
  }

  @Test
  void withoutDmsColumnsTheLastDeliveredDuplicateWinsAndNoKeyKeepsEveryRow() {
    Dataset<Row> valid =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1, "a", "s/2026/11/18/10/o1", 1L, 1L),
                RowFactory.create(1, "a", "s/2026/11/18/11/o2", 4L, 2L),
                RowFactory.create(2, "b", "s/2026/11/18/10/o1", 2L, 1L)),
            DmsChanges.LINEAGE);

    Dataset<Row> ranked = Changes.ranked(DATASET, valid);
    DatasetAssert.diff(
        List.of("1|a|s/2026/11/18/11/o2", "2|b|s/2026/11/18/10/o1"),
        DatasetAssert.rowsAsText(Changes.current(ranked).select("id", "v", Columns.SOURCE_FILE)));
    assertThat(Changes.superseded(ranked).count()).isEqualTo(1);

    DatasetDef noKey = new DatasetDef("t", "t", List.of(), DATASET.columns(), List.of());
    assertThat(Changes.current(Changes.ranked(noKey, valid)).count()).isEqualTo(3);
  }
}
