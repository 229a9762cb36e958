package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.Zone;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DMS full load then CDC in one batch, through ingest and transform, into the exact current state.
 * Changes over several runs and full reloads: {@link CdcMergeTest}.
 */
class CdcTransformTest extends IngestFixture {
  private static final String SOURCE = "c: {kind: dms, path: dms/db/c, timestamp_column: ts}";
  private static final String DATASET =
      "datasets:\n  c:\n    source: c\n    key: [id]\n    columns:\n"
          + "      id: {type: int, nullable: false}\n      name: string\n";

  @Test
  void updatesDeletesReinsertsLateAndDuplicateChangesApplyInCommitOrder() throws Exception {
    String t = "2026-11-18 ";
    write(
        "dms/db/c/LOAD00000001.csv",
        "ts,id,name\n"
            + t
            + "09:00:00.000000,1,Ann\n"
            + t
            + "09:00:00.000000,2,Bo\n"
            + t
            + "09:00:00.000000,3,Cy\n");
    write(
        "dms/db/c/2026/11/18/20261118-100000000.csv",
        "Op,ts,id,name\n"
            + "U,"
            + t
            + "10:00:00.000000,1,Anna\n"
            + "U,"
            + t
            + "10:00:00.000000,1,Annie\n" // same commit time: the later row wins
            + "D,"
            + t
            + "10:00:01.000000,2,Bo\n"
            + "I,"
            + t
            + "10:00:02.000000,4,Di\n"
            + "D,"
            + t
            + "10:00:03.000000,3,Cy\n"
            + "I,"
            + t
            + "10:00:04.000000,3,Cyd\n"); // deleted, then inserted again
    write(
        "dms/db/c/2026/11/18/20261118-110000000.csv",
        "Op,ts,id,name\n"
            + "U,"
            + t
            + "09:59:59.000000,1,Late\n" // delivered late, committed before Anna
            + "I,"
            + t
            + "10:00:02.000000,4,Di\n"); // redelivered

    List<TableResult> results = ingestAndTransform(SOURCE, DATASET, "r1");

    assertThat(results)
        .filteredOn(r -> r.table().equals("transformed.c"))
        .extracting(
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined,
            TableResult::rowsSuperseded)
        .containsExactly(tuple(11L, 3L, 0L, 8L));
    DatasetAssert.diff(
        List.of(
            "1|Annie|dms/db/c/2026/11/18/20261118-100000000.csv",
            "3|Cyd|dms/db/c/2026/11/18/20261118-100000000.csv",
            "4|Di|dms/db/c/2026/11/18/20261118-110000000.csv"),
        table());
  }

  private List<String> table() {
    return DatasetAssert.rowsAsText(
        lake().read(Zone.TRANSFORMED, "c").select("id", "name", "_source_file"));
  }
}
