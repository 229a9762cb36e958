package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.ingest.FileParser;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.SourceKind;
import dev.dpf.definition.TableName;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Incremental, exactly-once ingestion across runs: what a run reads is judged from the ingest log
 * and recorded in the run log; drift and failing sources.
 */
class IngestRunsTest extends IngestFixture {
  private static final String CSV = "t: {kind: csv-files, path: files/t}";

  @Test
  void aRerunReadsNothingNewFilesOnlyTheyAndARedeliveredFileAgain() throws Exception {
    write("files/t/a.csv", "id,v\n1,x\n2,y\n");
    assertThat(ingest(CSV, "", "r1"))
        .extracting(TableResult::status, TableResult::rowsRead, TableResult::files)
        .containsExactly(tuple(TableResult.Status.OK, 2L, 1));

    long runsBefore = lake().version(SystemTables.RUNS);
    long filesBefore = lake().version(SystemTables.INGEST_FILES);
    assertThat(ingest(CSV, "", "r2"))
        .extracting(
            TableResult::status, TableResult::rowsRead, TableResult::files, TableResult::note)
        .containsExactly(tuple(TableResult.Status.UP_TO_DATE, 0L, 0, "1 file(s) already ingested"));
    // A run that found nothing new wrote nothing: neither the run log nor the ingest log.
    assertThat(lake().version(SystemTables.RUNS)).isEqualTo(runsBefore);
    assertThat(lake().version(SystemTables.INGEST_FILES)).isEqualTo(filesBefore);

    write("files/t/b.csv", "id,v\n3,z\n");
    write("files/t/a.csv", "id,v\n1,x\n2,y\n4,w\n"); // re-delivered with other content
    Files.setLastModifiedTime(
        raw.resolve("files/t/a.csv"), FileTime.fromMillis(1_700_000_000_000L));
    assertThat(ingest(CSV, "", "r3"))
        .extracting(TableResult::status, TableResult::rowsRead, TableResult::files)
        .containsExactly(tuple(TableResult.Status.OK, 4L, 2));

    // The run log says what each run read; r2 changed nothing and left no row.
    DatasetAssert.diff(
        List.of("r1|ingest|consolidated.t|ok|2|2|0|1", "r3|ingest|consolidated.t|ok|4|4|0|2"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.RUNS)
                .select(
                    "run_id",
                    "stage",
                    "table_name",
                    "status",
                    "rows_read",
                    "rows_written",
                    "rows_quarantined",
                    "files")));
    // The ingest log: each batch planned, then committed with per-file counts; r2 added nothing.
    DatasetAssert.diff(
        List.of(
            "t|1|planned|files/t/a.csv|r1|NULL|NULL|NULL",
            "t|1|committed|files/t/a.csv|r1|2|2|0",
            "t|2|planned|files/t/a.csv|r3|NULL|NULL|NULL",
            "t|2|planned|files/t/b.csv|r3|NULL|NULL|NULL",
            "t|2|committed|files/t/a.csv|r3|3|3|0",
            "t|2|committed|files/t/b.csv|r3|1|1|0"),
        DatasetAssert.rowsAsText(
            lake()
                .read(SystemTables.INGEST_FILES)
                .select(
                    "source",
                    "batch_id",
                    "state",
                    "file",
                    "run_id",
                    "records",
                    "written",
                    "quarantined")));
    DatasetAssert.diff(
        List.of(
            "1|x|files/t/a.csv|1",
            "2|y|files/t/a.csv|1",
            "1|x|files/t/a.csv|2",
            "2|y|files/t/a.csv|2",
            "4|w|files/t/a.csv|2",
            "3|z|files/t/b.csv|2"),
        rows("t", "id", "v", "_source_file", "_batch_id"));
  }

  @Test
  void theLastCommitTellsASourceUpToDateOnlyForTheListingItsBatchClosed() throws Exception {
    write("files/t/a.csv", "id,v\n1,x\n");
    write("files/t/b.csv", "id,v\n2,y\n");
    ingest(CSV, "", "r1");
    RawRoot root = RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration());
    assertThat(
            new IngestLog(spark, lake(), new DeltaWriter(lake()))
                .allIngested("t", root.list("files/t")))
        .isTrue();

    // A file removed from the raw zone after its ingest: the rows tell, and nothing is read.
    Files.delete(raw.resolve("files/t/b.csv"));
    assertThat(
            new IngestLog(spark, lake(), new DeltaWriter(lake()))
                .allIngested("t", root.list("files/t")))
        .isFalse();
    assertThat(ingest(CSV, "", "r2"))
        .extracting(TableResult::status, TableResult::note)
        .containsExactly(tuple(TableResult.Status.UP_TO_DATE, "1 file(s) already ingested"));

    // A new file: read, and the listing it was planned from is the new one to match.
    write("files/t/c.csv", "id,v\n3,z\n");
    assertThat(
            new IngestLog(spark, lake(), new DeltaWriter(lake()))
                .allIngested("t", root.list("files/t")))
        .isFalse();
    assertThat(ingest(CSV, "", "r3"))
        .extracting(TableResult::status, TableResult::rowsRead)
        .containsExactly(tuple(TableResult.Status.OK, 1L));
    assertThat(
            new IngestLog(spark, lake(), new DeltaWriter(lake()))
                .allIngested("t", root.list("files/t")))
        .isTrue();
    assertThat(
            new IngestLog(spark, lake(), new DeltaWriter(lake()))
                .allIngested("other", root.list("files/t")))
        .isFalse();
    DatasetAssert.diff(List.of("1|x|1", "2|y|1", "3|z|2"), rows("t", "id", "v", "_batch_id"));
  }

  /**
   * A Firehose source is listed from a day before the newest hour folder it ingested: a new object
   * and one in a folder not named by time are read, an object arriving late in an older hour is not
   * (and nothing says it is there) until the next full listing, 24 hours after the last. A run with
   * nothing new is told up to date by the pruned listing alone.
   */
  @Test
  void aSourceLaidOutByTimeIsListedFromADayBeforeItsNewestHourAndInFullOnceADay() throws Exception {
    String source = "p: {kind: firehose-json, path: streaming/p}";
    write("streaming/p/2026/11/18/10/a", "{\"id\":\"a\"}\n");
    write("streaming/p/2026/11/20/09/b", "{\"id\":\"b\"}\n");
    TableResult first = ingestAt(source, "r1", "2026-11-24T00:00:00Z");
    assertThat(first.rowsRead()).isEqualTo(2);
    assertThat(first.note()).isEqualTo("2 new file(s), 22 bytes");

    write("streaming/p/2026/11/20/10/c", "{\"id\":\"c\"}\n");
    write("streaming/p/resent/d", "{\"id\":\"d\"}\n");
    write("streaming/p/2026/11/18/11/late", "{\"id\":\"late\"}\n");
    // Listed: the root (2026/, resent/), 2026/ (11/), 11/ (18/ skipped, 20/ after the mark,
    // listed whole: 20/, 09/, 10/), and resent/: 7 folders.
    TableResult second = ingestAt(source, "r2", "2026-11-24T01:00:00Z");
    assertThat(second.rowsRead()).isEqualTo(2);
    assertThat(second.note())
        .isEqualTo("2 new file(s), 22 bytes; listed from 2026/11/19/09/ (7 folder listing(s))");

    TableResult third = ingestAt(source, "r3", "2026-11-24T23:59:59Z");
    assertThat(third)
        .extracting(TableResult::status, TableResult::note)
        .containsExactly(
            TableResult.Status.UP_TO_DATE,
            "3 file(s) already ingested; listed from 2026/11/19/10/ (7 folder listing(s))");

    TableResult fourth = ingestAt(source, "r4", "2026-11-25T00:00:00Z");
    assertThat(fourth.rowsRead()).isEqualTo(1);
    assertThat(fourth.note()).isEqualTo("1 new file(s), 14 bytes");
    DatasetAssert.diff(List.of("a|1", "b|1", "c|2", "d|2", "late|3"), rows("p", "id", "_batch_id"));
  }

  private TableResult ingestAt(String source, String runId, String at) {
    return builder(source, "", runId, java.util.Map.of())
        .run(runId, java.time.Instant.parse(at))
        .build()
        .ingest(RawRoot.open(raw.toString(), spark.sparkContext().hadoopConfiguration()))
        .get(0);
  }

  @Test
  void newFieldsAreKeptMissingOnesReadAsNullAndBothReported() throws Exception {
    String datasets =
        "datasets:\n  p:\n    source: p\n    columns:\n      id: string\n      amount: string\n"
            + "      currency: string\n";
    String source = "p: {kind: firehose-json, path: streaming/p}";
    String o1 = "{\"id\":\"1\",\"amount\":\"2.00\"}";
    write("streaming/p/2026/11/18/10/o1", o1);
    TableResult first = ingest(source, datasets, "r1").get(0);
    assertThat(first.note())
        .isEqualTo(
            "1 new file(s), "
                + o1.length()
                + " bytes; declared field(s) absent, read as null: currency");

    String o2 = "{\"id\":\"2\",\"amount\":\"3.00\",\"currency\":\"EUR\",\"channel\":\"app\"}";
    write("streaming/p/2026/11/18/11/o2", o2);
    TableResult second = ingest(source, datasets, "r2").get(0);
    assertThat(second.note())
        .isEqualTo(
            "1 new file(s), "
                + o2.length()
                + " bytes; new field(s) kept: channel; listed from 2026/11/17/10/ (6 folder listing(s))");

    DatasetAssert.diff(
        List.of("1|2.00|NULL|NULL", "2|3.00|EUR|app"),
        rows("p", "id", "amount", "currency", "channel"));
  }

  @Test
  void aSourceSetToFailStopsTheRunNamingTheRecordAndCommitsNothing() throws Exception {
    String source = "t: {kind: csv-files, path: files/t, on_error: fail}";
    write("files/t/a.csv", "id,v\n1,x\n2\n");

    assertThatThrownBy(() -> ingest(source, "", "r1"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Source 't' has 1 bad record(s) and is set to fail on them (on_error: fail). First:"
                + " files/t/a.csv line 3: expected 2 fields (as in the header), found 1. Fix or"
                + " remove the file, or set on_error: quarantine");
    assertThat(lake().exists(TableName.of("consolidated.t"))).isFalse();

    write("files/t/a.csv", "id,v\n1,x\n2,y\n"); // fixed and re-delivered
    assertThat(ingest(source, "", "r2"))
        .extracting(TableResult::status, TableResult::rowsWritten)
        .containsExactly(tuple(TableResult.Status.OK, 2L));
  }

  @Test
  void aFileDeletedAfterListingIsOneBadRecord() throws Exception {
    SourceDef source = new SourceDef("t", SourceKind.CSV_FILES, "files/t");
    RawRoot.RawFile gone =
        new RawRoot.RawFile(
            "files/t/gone.csv", raw.resolve("files/t/gone.csv").toUri().toString(), 10, 0);

    List<Row> rows = new java.util.ArrayList<>();
    new FileParser(source, new org.apache.hadoop.conf.Configuration())
        .call(gone)
        .forEachRemaining(rows::add);

    assertThat(rows).hasSize(1);
    Row r = rows.get(0);
    assertThat(List.of(r.getString(0), r.getLong(1), r.getString(7)))
        .containsExactly(
            "files/t/gone.csv", 1L, "file not found: it was deleted after it was listed");
  }

  @Test
  void theRawTextOfAHugeBadRecordIsCutAndSaysHowMuch() throws Exception {
    String huge = "{\"id\":\"" + "x".repeat(25_000) + "\",,}";
    write("streaming/p/2026/11/18/10/big", huge);
    SourceDef source = new SourceDef("p", SourceKind.FIREHOSE_JSON, "streaming/p");
    RawRoot.RawFile big =
        new RawRoot.RawFile(
            "streaming/p/2026/11/18/10/big",
            raw.resolve("streaming/p/2026/11/18/10/big").toUri().toString(),
            huge.length(),
            0);

    List<Row> rows = new java.util.ArrayList<>();
    new FileParser(source, new org.apache.hadoop.conf.Configuration())
        .call(big)
        .forEachRemaining(rows::add);

    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).getString(8))
        .isEqualTo(
            huge.substring(0, 10_000) + "... (" + (huge.length() - 10_000) + " more characters)");
  }
}
