package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A seeded scenario of more than 1,000 DMS changes over five ingest batches, each applied by an
 * incremental transform (MERGE), compared after every batch with a plain replay: a Java map
 * applying every change seen so far, one by one, in commit order.
 */
class CdcReplayTest extends IngestFixture {
  private static final String SOURCE = "c: {kind: dms, path: dms/db/c, timestamp_column: ts}";
  private static final String DATASET =
      "datasets:\n  c:\n    source: c\n    key: [id]\n    columns:\n"
          + "      id: {type: int, nullable: false}\n      v: string\n";

  /** One change as written to a DMS file. */
  record Change(String op, String ts, int id, String v, String file, int row) {}

  @Test
  void everyBatchLeavesTheStateOfAReplayInCommitOrder() throws Exception {
    SplittableRandom r = new SplittableRandom(20261125);
    List<Change> all = new ArrayList<>();
    StringBuilder load = new StringBuilder("ts,id,v\n");
    for (int id = 0; id < 60; id++) {
      load.append("2026-11-18 09:00:00.000000,")
          .append(id)
          .append(",load-")
          .append(id)
          .append('\n');
      all.add(
          new Change(
              "I", "2026-11-18 09:00:00.000000", id, "load-" + id, "LOAD00000001.csv", id + 1));
    }
    write("dms/db/c/LOAD00000001.csv", load.toString());
    ingestAndTransform(SOURCE, DATASET, "r0");
    assertState(all);

    int file = 0;
    int changes = 0;
    for (int batch = 1; batch <= 5; batch++) {
      for (int f = 0; f < 3; f++, file++) {
        String name = String.format("20261118-1%02d000000.csv", file);
        StringBuilder csv = new StringBuilder("Op,ts,id,v\n");
        int rows = 60 + r.nextInt(30);
        int row = 0;
        for (int i = 0; i < rows; i++) {
          int id = r.nextInt(80);
          String op = new String[] {"I", "U", "U", "D"}[r.nextInt(4)];
          // Mostly in order; one in ten is late, committed up to a few files earlier.
          int second = file * 10 + r.nextInt(5) - (r.nextInt(10) == 0 ? r.nextInt(60) : 0);
          second = Math.max(second, 0);
          String ts = String.format("2026-11-18 10:%02d:%02d.000000", second / 60, second % 60);
          String v = "v" + file + "-" + i;
          int copies = r.nextInt(25) == 0 ? 2 : 1; // delivered twice
          for (int c = 0; c < copies; c++) {
            csv.append(op)
                .append(',')
                .append(ts)
                .append(',')
                .append(id)
                .append(',')
                .append(v)
                .append('\n');
            all.add(new Change(op, ts, id, v, name, ++row));
            changes++;
          }
        }
        write("dms/db/c/2026/11/18/" + name, csv.toString());
      }
      List<TableResult> results = ingestAndTransform(SOURCE, DATASET, "r" + batch);
      assertThat(
              results.stream()
                  .filter(x -> x.table().equals("transformed.c"))
                  .findFirst()
                  .get()
                  .note())
          .startsWith("merged batches " + (batch + 1) + ".." + (batch + 1));
      assertState(all);
    }
    assertThat(changes).isGreaterThan(1000);
  }

  private void assertState(List<Change> changes) {
    List<Change> ordered = new ArrayList<>(changes);
    ordered.sort(
        Comparator.comparing(Change::ts)
            .thenComparingInt(c -> c.file().startsWith("LOAD") ? 0 : 1)
            .thenComparing(Change::file)
            .thenComparingInt(Change::row));
    Map<Integer, String> state = new TreeMap<>();
    for (Change c : ordered) {
      if (c.op().equals("D")) {
        state.remove(c.id());
      } else {
        state.put(c.id(), c.v());
      }
    }
    DatasetAssert.diff(
        state.entrySet().stream().map(e -> e.getKey() + "|" + e.getValue()).toList(),
        DatasetAssert.rowsAsText(lake().read(Zone.TRANSFORMED, "c").select("id", "v")));
  }
}
