package dev.dpf.core.internal.stage;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.api.TableResult;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.definition.TableName;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every raw format the ingest reads, and every malformation it quarantines, with exact expected
 * consolidated rows and quarantine reasons.
 */
class IngestFormatsTest extends IngestFixture {
  @Test
  void firehoseObjectsConcatenatedNewlineDelimitedGzipAndDynamicPrefixes() throws Exception {
    write(
        "streaming/p/2026/11/18/10/s-1-aaa",
        "{\"id\":\"a1\",\"amount\":12.50}" + "{\"id\":\"a2\",\"amount\":3,\"meta\":{\"k\":[1,2]}}");
    write(
        "streaming/p/2026/11/18/11/s-1-bbb.gz",
        gzip("{\"id\":\"b1\",\"amount\":null}\n{\"id\":\"b2\",\"note\":\"x\"}\n"));
    // GZIP recognised by its magic bytes, not its name.
    write(
        "streaming/p/2026/11/18/12/s-1-ccc",
        gzip("{\"id\":\"c1\"}{\"id\":\"c2\"}\r\n{\"id\":\"c3\"}"));
    write("streaming/p/customer_id=7/2026/11/18/13/s-1-ddd", "{\"id\":\"d1\",\"customer_id\":7}");
    // UTF-8 byte-order marks: at the start of an object, and before each record of another.
    String bom = "\uFEFF";
    write("streaming/p/2026/11/18/14/s-1-eee", bom + "{\"id\":\"e1\"}\n");
    write(
        "streaming/p/2026/11/18/14/s-1-fff",
        gzip(bom + "{\"id\":\"e2\"}" + bom + "{\"id\":\"e3\"}\n" + bom));

    List<TableResult> results = ingest("p: {kind: firehose-json, path: streaming/p}");

    assertThat(results)
        .extracting(
            TableResult::rowsRead,
            TableResult::rowsWritten,
            TableResult::rowsQuarantined,
            TableResult::files)
        .containsExactly(tuple(11L, 11L, 0L, 6));
    Lake lake = lake();
    assertThat(lake.read(TableName.of("consolidated.p")).columns())
        .containsExactly(
            "id",
            "amount",
            "meta",
            "note",
            "customer_id",
            "_source_file",
            "_row_number",
            "_batch_id",
            "_ingested_at",
            "_run_id");
    String a = "streaming/p/2026/11/18/10/s-1-aaa";
    String b = "streaming/p/2026/11/18/11/s-1-bbb.gz";
    String c = "streaming/p/2026/11/18/12/s-1-ccc";
    DatasetAssert.diff(
        List.of(
            "a1|12.50|NULL|NULL|NULL|" + a + "|1|1|r1",
            "a2|3|{\"k\":[1,2]}|NULL|NULL|" + a + "|2|1|r1",
            "b1|NULL|NULL|NULL|NULL|" + b + "|1|1|r1",
            "b2|NULL|NULL|x|NULL|" + b + "|2|1|r1",
            "c1|NULL|NULL|NULL|NULL|" + c + "|1|1|r1",
            "c2|NULL|NULL|NULL|NULL|" + c + "|2|1|r1",
            "c3|NULL|NULL|NULL|NULL|" + c + "|3|1|r1",
            "d1|NULL|NULL|NULL|7|streaming/p/customer_id=7/2026/11/18/13/s-1-ddd|1|1|r1",
            "e1|NULL|NULL|NULL|NULL|streaming/p/2026/11/18/14/s-1-eee|1|1|r1",
            "e2|NULL|NULL|NULL|NULL|streaming/p/2026/11/18/14/s-1-fff|1|1|r1",
            "e3|NULL|NULL|NULL|NULL|streaming/p/2026/11/18/14/s-1-fff|2|1|r1"),
        rows(
            "p",
            "id",
            "amount",
            "meta",
            "note",
            "customer_id",
            "_source_file",
            "_row_number",
            "_batch_id",
            "_run_id"));
  }

  @Test
  void firehoseMalformedRecordsAndErrorPrefixesAreQuarantinedWithTheirPlace() throws Exception {
    String line1 = "{\"id\":\"e1\"}{\"id\":\"e2\",,}{\"id\":\"e3\"}";
    write(
        "streaming/p/2026/11/18/10/mixed",
        line1 + "\nnot json\n{\"id\":\"e4\",\"id\":\"dup\"}\n[1,2]\n");
    String f1 = "{\"id\":\"f1\",\"name\":\"café\"}";
    byte[] f2 =
        concat(
            "{\"id\":\"f2\",\"name\":\"bad".getBytes(UTF_8),
            new byte[] {(byte) 0xff},
            "\"}\n".getBytes(UTF_8));
    write("streaming/p/2026/11/18/11/utf", concat((f1 + "\n").getBytes(UTF_8), f2));
    write("streaming/p/2026/11/18/12/empty", "");
    write(
        "streaming/p/processing-failed/2026/11/18/10/err",
        "{\"attemptsMade\":4,\"arrivalTimestamp\":1763460000000,\"errorCode\":\"Lambda.FunctionError\","
            + "\"errorMessage\":\"The Lambda function returned an error.\",\"attemptEndingTimestamp\":"
            + "1763460100000,\"rawData\":\""
            + b64("{\"id\":\"h1\"}")
            + "\",\"lambdaArn\":"
            + "\"arn:aws:lambda:eu-west-1:111122223333:function:f\"}\n");
    write(
        "streaming/p/format-conversion-failed/2026/11/18/10/err",
        "{\"attemptsMade\":1,\"arrivalTimestamp\":1763460000000,\"lastErrorCode\":"
            + "\"DataFormatConversion.MalformedData\",\"lastErrorMessage\":\"The data could not be"
            + " parsed.\",\"attemptEndingTimestamp\":1763460000500,\"rawData\":\""
            + b64("garbage")
            + "\",\"sequenceNumber\":\"1\",\"subSequenceNumber\":null,\"dataCatalogTable\":{}}");

    List<TableResult> results = ingest("p: {kind: firehose-json, path: streaming/p}");

    assertThat(results)
        .extracting(TableResult::rowsRead, TableResult::rowsWritten, TableResult::rowsQuarantined)
        .containsExactly(tuple(11L, 3L, 8L));
    String mixed = "streaming/p/2026/11/18/10/mixed";
    String utf = "streaming/p/2026/11/18/11/utf";
    DatasetAssert.diff(
        List.of("e1|NULL|" + mixed + "|1", "e3|NULL|" + mixed + "|3", "f1|café|" + utf + "|1"),
        rows("p", "id", "name", "_source_file", "_row_number"));
    int e2At = "{\"id\":\"e1\"}".length();
    int textAt = line1.length() + 1;
    int dupAt = textAt + "not json\n".length();
    int arrayAt = dupAt + "{\"id\":\"e4\",\"id\":\"dup\"}\n".length();
    DatasetAssert.diff(
        List.of(
            "malformed JSON: Unexpected character (',' (code 44)): was expecting double-quote to"
                + " start field name|{\"id\":\"e2\",,}|"
                + mixed
                + "|2|1|"
                + e2At,
            "not a JSON object|not json|" + mixed + "|4|2|" + textAt,
            "malformed JSON: Duplicate field 'id'|{\"id\":\"e4\",\"id\":\"dup\"}|"
                + mixed
                + "|5|3|"
                + dupAt,
            "a JSON array, not an object|[1,2]|" + mixed + "|6|4|" + arrayAt,
            "bytes that are not valid UTF-8|{\"id\":\"f2\",\"name\":\"bad\uFFFD\"}|"
                + utf
                + "|2|2|"
                + (f1.getBytes(UTF_8).length + 1),
            "empty file (no records)||streaming/p/2026/11/18/12/empty|1|NULL|NULL",
            "firehose format-conversion-failed: DataFormatConversion.MalformedData: The data could"
                + " not be parsed.|garbage|streaming/p/format-conversion-failed/2026/11/18/10/err|1|1|0",
            "firehose processing-failed: Lambda.FunctionError: The Lambda function returned an"
                + " error.|{\"id\":\"h1\"}|streaming/p/processing-failed/2026/11/18/10/err|1|1|0"),
        quarantine("p"));
  }

  @Test
  void aTruncatedGzipKeepsTheRecordsBeforeTheBreakAndQuarantinesTheRest() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 2000; i++) {
      text.append("{\"id\":\"g")
          .append(i)
          .append("\",\"pad\":\"")
          .append(i * 7919 % 10007)
          .append("\"}\n");
    }
    byte[] whole = gzip(text.toString());
    write("streaming/p/2026/11/18/10/cut.gz", Arrays.copyOf(whole, whole.length / 2));

    TableResult r = ingest("p: {kind: firehose-json, path: streaming/p}").get(0);

    List<String> ids =
        lake()
            .read(TableName.of("consolidated.p"))
            .orderBy("_row_number")
            .select("id")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(ids).isNotEmpty().hasSizeLessThan(2000);
    for (int i = 0; i < ids.size(); i++) {
      assertThat(ids.get(i)).isEqualTo("g" + (i + 1)); // a prefix, in order, nothing skipped
    }
    List<String> q = quarantine("p");
    assertThat(q).hasSize(1);
    assertThat(q.get(0))
        .startsWith("file unreadable after byte ")
        .contains("EOFException: Unexpected end of ZLIB input stream")
        .contains("|streaming/p/2026/11/18/10/cut.gz|" + (ids.size() + 1) + "|");
    assertThat(r.rowsRead()).isEqualTo(ids.size() + 1L);
  }

  @Test
  void dmsCsvFullLoadAndCdcWithOpTimestampAndNullMarker() throws Exception {
    write(
        "dms/db/customers/LOAD00000001.csv",
        "ts,id,name,city\n2026-11-18 10:00:00.000000,1,Ann,NULL\n"
            + "2026-11-18 10:00:00.000000,2,\"Bo, Jr\",\n");
    write(
        "dms/db/customers/2026/11/18/20261118-120000123.csv",
        "Op,ts,id,name,city\nU,2026-11-18 12:00:00.123456,1,Ann,Paris\n"
            + "D,2026-11-18 12:00:00.123456,2,\"Bo, Jr\",\"\"\nX,2026-11-18 12:00:01.000000,3,Cy,Rome\n");
    write("dms/db/customers/notes.txt", "hello\n");

    List<TableResult> results =
        ingest(
            "customers: {kind: dms, path: dms/db/customers, timestamp_column: ts,"
                + " null_value: \"NULL\"}");

    assertThat(results)
        .extracting(TableResult::rowsRead, TableResult::rowsWritten, TableResult::rowsQuarantined)
        .containsExactly(tuple(6L, 4L, 2L));
    assertThat(lake().read(TableName.of("consolidated.customers")).columns())
        .containsExactly(
            "id",
            "name",
            "city",
            "_op",
            "_commit_ts",
            "_source_file",
            "_row_number",
            "_batch_id",
            "_ingested_at",
            "_run_id");
    String cdc = "dms/db/customers/2026/11/18/20261118-120000123.csv";
    String load = "dms/db/customers/LOAD00000001.csv";
    DatasetAssert.diff(
        List.of(
            "1|Ann|Paris|U|2026-11-18 12:00:00.123456|" + cdc + "|1",
            "2|Bo, Jr||D|2026-11-18 12:00:00.123456|" + cdc + "|2",
            "1|Ann|NULL|I|2026-11-18 10:00:00.000000|" + load + "|1",
            "2|Bo, Jr||I|2026-11-18 10:00:00.000000|" + load + "|2"),
        rows(
            "customers", "id", "name", "city", "_op", "_commit_ts", "_source_file", "_row_number"));
    DatasetAssert.diff(
        List.of(
            "unknown Op code 'X' (expected I, U or D)|X,2026-11-18 12:00:01.000000,3,Cy,Rome|"
                + cdc
                + "|3|4|NULL",
            "not a DMS data file name: expected LOAD<hex>.csv (full load) or"
                + " yyyyMMdd-HHmmssSSS....csv (CDC), optionally .gz||dms/db/customers/notes.txt|1|NULL"
                + "|NULL"),
        quarantine("customers"));
  }

  @Test
  void dmsCsvWithoutHeaderTakesTheColumnOrderFromTheDefinition() throws Exception {
    write(
        "dms/db/orders/LOAD00000001.csv.gz",
        gzip("I,2026-11-18 10:00:00.000000,10,NEW\nI,2026-11-18 10:00:00.000000,11\n"));
    write("dms/db/orders/20261118-130000000.csv", "D,2026-11-18 13:00:00.000000,10,NEW\n");

    ingest(
        "orders: {kind: dms, path: dms/db/orders, header: false, include_op_for_full_load: true,"
            + " timestamp_column: ts, columns: [id, status]}");

    DatasetAssert.diff(
        List.of(
            "10|NEW|I|2026-11-18 10:00:00.000000|dms/db/orders/LOAD00000001.csv.gz|1",
            "10|NEW|D|2026-11-18 13:00:00.000000|dms/db/orders/20261118-130000000.csv|1"),
        rows("orders", "id", "status", "_op", "_commit_ts", "_source_file", "_row_number"));
    DatasetAssert.diff(
        List.of(
            "expected 4 fields (as in the definition), found 3|I,2026-11-18 10:00:00.000000,11|"
                + "dms/db/orders/LOAD00000001.csv.gz|2|2|NULL"),
        quarantine("orders"));
  }

  @Test
  void dmsParquetFilesWithOpAndUnreadableFiles() throws Exception {
    parquet(
        "dms/db/items/LOAD00000001.parquet",
        "select 1 as id, 'Ann' as name, timestamp'2026-11-18 10:00:00' as ts");
    parquet(
        "dms/db/items/20261118-140000000.parquet",
        "select * from values ('U', 1, 'Anna', timestamp'2026-11-18 14:00:00'),"
            + " ('Z', 2, 'Bo', timestamp'2026-11-18 14:00:00') as t(Op, id, name, ts)");
    write("dms/db/items/LOAD00000002.parquet", "not parquet");
    // After a DDL change at the source, id is text: the files of either type are read.
    parquet(
        "dms/db/items/20261118-150000000.parquet",
        "select 'I' as op, 'x3' as id, 'Cy' as name, timestamp'2026-11-18 15:00:00' as ts");

    List<TableResult> results =
        ingest("items: {kind: dms, path: dms/db/items, format: parquet, timestamp_column: ts}");

    assertThat(quarantine("items")).hasSize(2);
    assertThat(results)
        .extracting(TableResult::rowsRead, TableResult::rowsWritten, TableResult::rowsQuarantined)
        .containsExactly(tuple(5L, 3L, 2L));
    DatasetAssert.diff(
        List.of(
            "1|Ann|I|2026-11-18 10:00:00|dms/db/items/LOAD00000001.parquet|1",
            "1|Anna|U|2026-11-18 14:00:00|dms/db/items/20261118-140000000.parquet|1",
            "x3|Cy|I|2026-11-18 15:00:00|dms/db/items/20261118-150000000.parquet|1"),
        rows("items", "id", "name", "_op", "_commit_ts", "_source_file", "_row_number"));
    List<String> q = quarantine("items");
    assertThat(q).hasSize(2);
    assertThat(q)
        .contains(
            "unknown Op code 'Z' (expected I, U or D)|{\"Op\":\"Z\",\"id\":2,\"name\":\"Bo\","
                + "\"ts\":\"2026-11-18T14:00:00.000Z\"}|dms/db/items/20261118-140000000.parquet|2|NULL|NULL");
    assertThat(q)
        .anySatisfy(
            r ->
                assertThat(r)
                    .startsWith("not a readable Parquet file: ")
                    .endsWith("|dms/db/items/LOAD00000002.parquet|1|NULL|NULL"));
  }

  @Test
  void flatFilesWithBomCrlfQuotingGzipAndBadRows() throws Exception {
    byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
    write(
        "files/t/a.csv",
        concat(
            bom,
            ("id,text,n\r\n1,\"a, b\",x\r\n2,\"say \"\"hi\"\"\",y\r\n3,\"two\r\nlines\",z\r\n"
                    + "4,short\r\n5,too,many,fields\r\n6,caf")
                .getBytes(UTF_8),
            new byte[] {(byte) 0xff},
            ",w\r\n7,\"open,q\r\n".getBytes(UTF_8)));
    write("files/t/b.csv.gz", gzip("id,text,n\n8,gz,v\n"));
    write("files/t/c.csv", "");
    write("files/s/s.csv", "id;name\n1;'Zoë; the ''first'''\n".getBytes(ISO_8859_1));

    List<TableResult> results =
        ingest(
            "t: {kind: csv-files, path: files/t}\n"
                + "  s: {kind: csv-files, path: files/s, delimiter: \";\", quote: \"'\", escape: \"'\","
                + " encoding: ISO-8859-1}");

    assertThat(results)
        .extracting(TableResult::rowsRead, TableResult::rowsWritten, TableResult::rowsQuarantined)
        .containsExactly(tuple(9L, 4L, 5L), tuple(1L, 1L, 0L));
    String a = "files/t/a.csv";
    DatasetAssert.diff(
        List.of(
            "1|a, b|x|" + a + "|1",
            "2|say \"hi\"|y|" + a + "|2",
            "3|two\r\nlines|z|" + a + "|3",
            "8|gz|v|files/t/b.csv.gz|1"),
        rows("t", "id", "text", "n", "_source_file", "_row_number"));
    DatasetAssert.diff(
        List.of(
            "expected 3 fields (as in the header), found 2|4,short|" + a + "|4|6|NULL",
            "expected 3 fields (as in the header), found 4|5,too,many,fields|" + a + "|5|7|NULL",
            "bytes that are not valid UTF-8|6,caf\uFFFD,w|" + a + "|6|8|NULL",
            "unterminated quoted field (no closing \")|7,\"open,q\r\n|" + a + "|7|9|NULL",
            "empty file (no records)||files/t/c.csv|1|NULL|NULL"),
        quarantine("t"));
    DatasetAssert.diff(List.of("1|Zoë; the 'first'"), rows("s", "id", "name"));
  }
}
