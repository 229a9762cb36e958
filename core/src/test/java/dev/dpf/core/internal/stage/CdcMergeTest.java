package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.system.TransformLog;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * DMS changes applied run after run with MERGE: each run reads only the new ingest batch; deletes,
 * late changes, re-inserts and redelivered changes give the exact current state and SCD2 history;
 * applying a batch again changes nothing. The MERGE alone, on more than 1,000 seeded changes
 * checked against a replay: {@link KeyedMergeTest}.
 */
class CdcMergeTest extends IngestFixture {
  private static final String SOURCE = "c: {kind: dms, path: dms/db/c, timestamp_column: ts}";
  private static final String DATASET =
      "datasets:\n  c:\n    source: c\n    key: [id]\n    history: scd2\n    columns:\n"
          + "      id: {type: int, nullable: false}\n      name: string\n";
  private static final String CHECKED =
      DATASET
          + "    quality:\n"
          + "      - {rule: regex, column: name, pattern: \"[A-Za-z-]+\", action: quarantine}\n";
  private static final String T = "2026-11-18 ";
  private static final String CDC = "dms/db/c/2026/11/18/";

  @Test
  void changesApplyRunAfterRunWithDeletesLateChangesAndReinserts() throws Exception {
    write(
        "dms/db/c/LOAD00000001.csv",
        "ts,id,name\n"
            + T
            + "09:00:00.000000,1,Ann\n"
            + T
            + "09:00:00.000000,2,Bo\n"
            + T
            + "09:00:00.000000,3,Cy\n");
    assertThat(counts(ingestAndTransform(SOURCE, CHECKED, "r1"))).isEqualTo(tuple(3L, 3L, 0L, 0L));
    assertThat(note(transform(SOURCE, CHECKED, "r1b"))).startsWith("no consolidated.c rows");

    write(
        CDC + "20261118-100000000.csv",
        "Op,ts,id,name\n"
            + ("U," + T + "10:00:00.000000,1,Anna\n")
            + ("U," + T + "10:00:00.000000,1,Annie\n") // same commit time: the later row wins
            + ("D," + T + "10:00:01.000000,2,Bo\n")
            + ("I," + T + "10:00:02.000000,4,Di\n")
            + ("U," + T + "10:00:03.000000,3,C3PO\n") // fails the regex: quarantined
            + ("I," + T + "10:00:04.000000,9,N1ne\n")); // so is this insert
    List<TableResult> r2 = ingestAndTransform(SOURCE, CHECKED, "r2");
    // 6 read: Annie updates 1, Di inserts 4 (2 written); Anna lost to Annie, the delete removes 2;
    // 3's update and 9's insert quarantined: 3 stays Cy, and 9 is nowhere.
    assertThat(counts(r2)).isEqualTo(tuple(6L, 2L, 2L, 2L));
    assertThat(note(r2))
        .isEqualTo("merged batches 2..2 from consolidated.c; 1 deleted, 0 late or unchanged");
    assertThat(current()).containsExactly("1|Annie", "3|Cy", "4|Di");
    assertThat(currentVersions()).isEqualTo(current());

    write(
        CDC + "20261118-110000000.csv",
        "Op,ts,id,name\n"
            + ("U," + T + "10:00:00.500000,2,Late-Bo\n") // committed before 2 was deleted
            + ("U," + T + "09:59:59.000000,1,Late\n") // committed before Annie
            + ("D," + T + "11:00:00.000000,3,Cy\n")
            + ("U," + T + "11:00:01.000000,4,Dina\n"));
    assertThat(counts(ingestAndTransform(SOURCE, CHECKED, "r3"))).isEqualTo(tuple(4L, 1L, 0L, 3L));
    assertThat(current()).containsExactly("1|Annie", "4|Dina");
    assertThat(currentVersions()).isEqualTo(current());
    assertThat(deleted()).containsExactly("2|2026-11-18 10:00:01", "3|2026-11-18 11:00:00");

    write(
        CDC + "20261118-120000000.csv",
        "Op,ts,id,name\n"
            + ("I," + T + "12:00:00.000000,3,Cyd\n") // inserted again after its delete
            + ("I," + T + "10:00:02.000000,4,Di\n") // run 2's insert, delivered again
            + ("I," + T + "12:00:01.000000,x,Bad\n")); // not an int: quarantined
    assertThat(counts(ingestAndTransform(SOURCE, CHECKED, "r4"))).isEqualTo(tuple(3L, 1L, 1L, 1L));
    List<String> state = List.of("1|Annie", "3|Cyd", "4|Dina");
    assertThat(current()).isEqualTo(state);
    assertThat(currentVersions()).isEqualTo(state);
    assertThat(deleted()).containsExactly("2|2026-11-18 10:00:01");
    assertThat(history()).containsExactlyInAnyOrderElementsOf(HISTORY);

    // A run killed after its MERGE but before logging it: the next run applies batch 4 again.
    spark.sql("DELETE FROM delta.`" + lake().path(TransformLog.TABLE) + "` WHERE batch_to = 4");
    List<TableResult> again = transform(SOURCE, CHECKED, "r5");
    assertThat(counts(again)).isEqualTo(tuple(3L, 0L, 1L, 2L));
    assertThat(note(again)).endsWith("0 deleted, 2 late or unchanged");
    assertThat(current()).isEqualTo(state);
    assertThat(currentVersions()).isEqualTo(state);
    assertThat(history()).containsExactlyInAnyOrderElementsOf(HISTORY);
    assertThat(
            lake().read(TableName.of("quarantine.records")).filter("stage = 'transform'").count())
        .as("quarantined once")
        .isEqualTo(3);
  }

  /** Each version, in commit-time order per key; late changes take their place in time. */
  private static final List<String> HISTORY =
      List.of(
          "1|Ann|2026-11-18 09:00:00|2026-11-18 09:59:59|false",
          "1|Late|2026-11-18 09:59:59|2026-11-18 10:00:00|false",
          "1|Anna|2026-11-18 10:00:00|2026-11-18 10:00:00|false",
          "1|Annie|2026-11-18 10:00:00|NULL|true",
          "2|Bo|2026-11-18 09:00:00|2026-11-18 10:00:00.5|false",
          "2|Late-Bo|2026-11-18 10:00:00.5|2026-11-18 10:00:01|false",
          "3|Cy|2026-11-18 09:00:00|2026-11-18 11:00:00|false",
          "3|Cyd|2026-11-18 12:00:00|NULL|true",
          "4|Di|2026-11-18 10:00:02|2026-11-18 11:00:01|false",
          "4|Dina|2026-11-18 11:00:01|NULL|true");

  @Test
  void aFullReloadClosesTheKeysItNoLongerHas() throws Exception {
    write(
        "dms/db/c/LOAD00000001.csv",
        "ts,id,name\n" + T + "09:00:00.000000,1,Ann\n" + T + "09:00:00.000000,2,Bo\n");
    write("dms/db/c/20261118-100000000.csv", "Op,ts,id,name\nU," + T + "10:00:00.000000,2,Bob\n");
    ingestAndTransform(SOURCE, DATASET, "r1");

    write(
        "dms/db/c/LOAD00000001.csv",
        "ts,id,name\n" + T + "12:00:00.000000,1,Ann\n" + T + "12:00:00.000000,3,Cy\n");
    java.nio.file.Files.setLastModifiedTime(
        raw.resolve("dms/db/c/LOAD00000001.csv"),
        java.nio.file.attribute.FileTime.fromMillis(1_800_000_000_000L));
    write("dms/db/c/20261118-130000000.csv", "Op,ts,id,name\nU," + T + "13:00:00.000000,3,Cyd\n");
    List<TableResult> r2 = ingestAndTransform(SOURCE, DATASET, "r2");

    assertThat(note(r2)).startsWith("rebuilt (DMS full reload)");
    // All 6 rows read again: Ann from the reload and 3's update win; the 3 rows before the reload
    // and Cy lose.
    assertThat(counts(r2)).isEqualTo(tuple(6L, 2L, 0L, 4L));
    assertThat(current()).containsExactly("1|Ann", "3|Cyd");
    assertThat(history())
        .containsExactlyInAnyOrder(
            "1|Ann|2026-11-18 09:00:00|NULL|true",
            "2|Bo|2026-11-18 09:00:00|2026-11-18 10:00:00|false",
            "2|Bob|2026-11-18 10:00:00|2026-11-18 12:00:00|false",
            "3|Cy|2026-11-18 12:00:00|2026-11-18 13:00:00|false",
            "3|Cyd|2026-11-18 13:00:00|NULL|true");
    assertThat(r2)
        .filteredOn(r -> r.table().equals("transformed.c_history"))
        .extracting(TableResult::rowsRead, TableResult::rowsWritten, TableResult::rowsSuperseded)
        .containsExactly(tuple(6L, 5L, 1L));
  }

  @Test
  void withoutCommitTimesALateCdcFileNeverUndoesTheNewerStateItArrivesAfter() throws Exception {
    String source = "c: {kind: dms, path: dms/db/c}";
    String dataset = DATASET.replace("name: string", "credit: \"decimal(10,2)\"");
    write("dms/db/c/LOAD00000001.csv", "id,credit\n1,500.00\n2,700.00\n");
    write(CDC + "20261118-120000000.csv", "Op,id,credit\nU,1,25000.00\n");
    ingestAndTransform(source, dataset, "r1");

    // Written at 11:00, an hour before the change already applied, but delivered only now.
    write(CDC + "20261118-110000000.csv", "Op,id,credit\nU,1,1.00\nU,2,800.00\n");
    List<TableResult> r2 = ingestAndTransform(source, dataset, "r2");

    assertThat(counts(r2)).isEqualTo(tuple(2L, 1L, 0L, 1L));
    assertThat(sorted(lake().read(TableName.of("transformed.c")).selectExpr("id", "credit")))
        .containsExactly("1|25000.00", "2|800.00");
    assertThat(
            sorted(
                lake()
                    .read(TableName.of("transformed.c_history"))
                    .filter("is_current")
                    .selectExpr("id", "credit")))
        .containsExactly("1|25000.00", "2|800.00");
  }

  @Test
  void aFullLoadDeliveredAgainUnchangedChangesNothingAndAReloadKeepsLaterChanges()
      throws Exception {
    String load = "ts,id,name\n" + T + "09:00:00.000000,1,Ann\n" + T + "09:00:00.000000,2,Bo\n";
    write("dms/db/c/LOAD00000001.csv", load);
    write(
        CDC + "20261118-100000000.csv",
        "Op,ts,id,name\nU,"
            + T
            + "10:00:00.000000,2,Bob\nI,"
            + T
            + "10:00:00.000000,3,Cy\nU,yesterday,1,Bad\n");
    List<TableResult> r1 = ingestAndTransform(SOURCE, DATASET, "r1");
    assertThat(counts(r1)).isEqualTo(tuple(5L, 3L, 1L, 1L));
    assertThat(
            lake()
                .read(TableName.of("quarantine.records"))
                .filter("stage = 'transform'")
                .select("reason")
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList())
        .containsExactly(
            "_commit_ts: cannot parse 'yesterday' as the DMS commit timestamp"
                + " (yyyy-MM-dd HH:mm:ss.SSSSSS)");

    // The same full-load file copied again (a new modification time), and a later change.
    write("dms/db/c/LOAD00000001.csv", load);
    java.nio.file.Files.setLastModifiedTime(
        raw.resolve("dms/db/c/LOAD00000001.csv"),
        java.nio.file.attribute.FileTime.fromMillis(1_800_000_000_000L));
    write(CDC + "20261118-123000000.csv", "Op,ts,id,name\nU," + T + "12:30:00.000000,1,Annie\n");
    List<TableResult> r2 = ingestAndTransform(SOURCE, DATASET, "r2");
    assertThat(r2.get(0).note())
        .isEqualTo(
            "1 new file(s), 51 bytes; 1 file(s) delivered again unchanged, not read again;"
                + " listed from 2026/11/17/ (4 folder listing(s))");
    assertThat(counts(r2)).isEqualTo(tuple(1L, 1L, 0L, 0L));
    assertThat(current()).containsExactly("1|Annie", "2|Bob", "3|Cy");

    // A genuine reload: a snapshot taken at 12:00, after 3 was deleted and before Annie (12:30).
    write(
        "dms/db/c/LOAD00000001.csv",
        "ts,id,name\n"
            + (T + "12:00:00.000000,1,Ann\n")
            + (T + "12:00:00.000000,2,Bob\n")
            + (T + "12:00:00.000000,4,Di\n"));
    List<TableResult> r3 = ingestAndTransform(SOURCE, DATASET, "r3");
    assertThat(note(r3)).startsWith("rebuilt (DMS full reload)");
    assertThat(counts(r3)).isEqualTo(tuple(9L, 3L, 1L, 5L));
    assertThat(current()).containsExactly("1|Annie", "2|Bob", "4|Di");
    assertThat(history())
        .containsExactlyInAnyOrder(
            "1|Ann|2026-11-18 09:00:00|2026-11-18 12:30:00|false",
            "1|Annie|2026-11-18 12:30:00|NULL|true",
            "2|Bo|2026-11-18 09:00:00|2026-11-18 10:00:00|false",
            "2|Bob|2026-11-18 10:00:00|NULL|true",
            "3|Cy|2026-11-18 10:00:00|2026-11-18 12:00:00|false",
            "4|Di|2026-11-18 12:00:00|NULL|true");
  }

  private static Tuple counts(List<TableResult> results) {
    TableResult r = main(results);
    return tuple(r.rowsRead(), r.rowsWritten(), r.rowsQuarantined(), r.rowsSuperseded());
  }

  private static String note(List<TableResult> results) {
    return main(results).note();
  }

  private static TableResult main(List<TableResult> results) {
    return results.stream().filter(r -> r.table().equals("transformed.c")).findFirst().get();
  }

  private List<String> current() {
    return sorted(lake().read(TableName.of("transformed.c")).select("id", "name"));
  }

  private List<String> deleted() {
    return sorted(
        lake()
            .read(new TableName(Zone.SYSTEM, "deleted_c"))
            .selectExpr("id", "cast(_seq.commit_ts as string)"));
  }

  /** The current versions of the SCD2 history: the rows that passed, as the table holds them. */
  private List<String> currentVersions() {
    return sorted(
        lake()
            .read(TableName.of("transformed.c_history"))
            .filter("is_current")
            .select("id", "name"));
  }

  private List<String> history() {
    return sorted(
        lake()
            .read(TableName.of("transformed.c_history"))
            .selectExpr(
                "id",
                "name",
                "cast(valid_from as string)",
                "cast(valid_to as string)",
                "is_current"));
  }

  private static List<String> sorted(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows) {
    return DatasetAssert.rowsAsText(rows).stream().sorted().toList();
  }
}
