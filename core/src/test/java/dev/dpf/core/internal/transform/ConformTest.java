package dev.dpf.core.internal.transform;

import static dev.dpf.core.testing.DatasetAssert.assertRows;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.Definitions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkExtension.class)
class ConformTest {
  private static final DatasetDef DATASET =
      Definitions.parse(
              "t.yaml",
              """
              sources: {raw: {kind: csv-files, path: files/raw}}
              datasets:
                typed:
                  source: raw
                  columns:
                    id: {from: ID, type: int, nullable: false}
                    amount: decimal(6,2)
                    day: {type: date, format: M/d/yyyy}
                    ok: boolean
                    at: timestamp
                    big: long
                    text: string
              """,
              Map.<String, String>of()::get)
          .datasets()
          .get(0);

  private static final List<String> RAW_COLUMNS =
      List.of("ID", "amount", "day", "ok", "at", "big", "text", Columns.SOURCE_FILE);

  private static Dataset<Row> raw(SparkSession spark, String[]... rows) {
    StructType schema =
        new StructType(
            RAW_COLUMNS.stream()
                .map(
                    c ->
                        new StructField(
                            c,
                            DataTypes.StringType,
                            true,
                            org.apache.spark.sql.types.Metadata.empty()))
                .toArray(StructField[]::new));
    List<Row> list = Arrays.stream(rows).map(r -> RowFactory.create((Object[]) r)).toList();
    return spark.createDataFrame(list, schema);
  }

  @Test
  void parsesValidValues(SparkSession spark) {
    Dataset<Row> in =
        raw(
            spark,
            new String[] {
              "1", "12.5", "2/4/2021", "TRUE", "2026-11-18T10:15:30.123Z", "9000000000", " x ", "f1"
            },
            new String[] {
              " +7 ", "-0.01", "12/31/2020", "false", "2026-11-18 23:59:59", null, null, "f2"
            },
            new String[] {"8", null, null, null, null, "-3", "", "f3"});

    Dataset<Row> conformed = Conform.withConformed(DATASET, in);

    assertRows(
        Conform.selectValid(DATASET, conformed),
        List.of("id", "amount", "day", "ok", "at", "big", "text", Columns.SOURCE_FILE),
        List.of(
            "1|12.50|2021-02-04|true|2026-11-18T10:15:30.123Z|9000000000| x |f1",
            "7|-0.01|2020-12-31|false|2026-11-18T23:59:59Z|NULL|NULL|f2",
            "8|NULL|NULL|NULL|NULL|-3||f3"));
    assertRows(
        Conform.selectRejected(DATASET, conformed, RAW_COLUMNS, "r1").select("reason"),
        List.of("reason"),
        List.of());
  }

  @Test
  void rejectsValuesThatDoNotParseWithTheirReasons(SparkSession spark) {
    Dataset<Row> in =
        raw(
            spark,
            // An int with a fraction, an amount with too many digits after the point, a day that
            // does not exist.
            new String[] {"12.5", "1.234", "2/30/2021", "yes", "2026-13-01", "1e3", "t", "f1"},
            // Too many digits for decimal(6,2), a missing non-nullable id, a comma decimal.
            new String[] {
              null, "12345.00", "4/31/2021", "TRUE", "x", "99999999999999999999", "t", "f2"
            },
            new String[] {"3", "12,34", "2021-02-04", "TRUE", null, null, null, "f3"});

    Dataset<Row> conformed = Conform.withConformed(DATASET, in);

    assertRows(
        Conform.selectValid(DATASET, conformed),
        List.of("id", "amount", "day", "ok", "at", "big", "text", Columns.SOURCE_FILE),
        List.of());
    assertRows(
        Conform.selectRejected(DATASET, conformed, RAW_COLUMNS, "r1")
            .select("stage", "dataset", "reason", "record", Columns.SOURCE_FILE, Columns.RUN_ID),
        List.of("stage", "dataset", "reason", "record", Columns.SOURCE_FILE, Columns.RUN_ID),
        List.of(
            "transform|typed|id: cannot parse '12.5' as int; amount: cannot parse '1.234' as decimal(6,2);"
                + " day: cannot parse '2/30/2021' as date (format M/d/yyyy); ok: cannot parse 'yes' as boolean;"
                + " at: cannot parse '2026-13-01' as timestamp; big: cannot parse '1e3' as long"
                + "|{\"ID\":\"12.5\",\"amount\":\"1.234\",\"day\":\"2/30/2021\",\"ok\":\"yes\",\"at\":\"2026-13-01\","
                + "\"big\":\"1e3\",\"text\":\"t\",\"_source_file\":\"f1\"}|f1|r1",
            "transform|typed|id: missing value in a non-nullable column; amount: cannot parse '12345.00' as"
                + " decimal(6,2); day: cannot parse '4/31/2021' as date (format M/d/yyyy); at: cannot parse 'x'"
                + " as timestamp; big: cannot parse '99999999999999999999' as long"
                + "|{\"amount\":\"12345.00\",\"day\":\"4/31/2021\",\"ok\":\"TRUE\",\"at\":\"x\","
                + "\"big\":\"99999999999999999999\",\"text\":\"t\",\"_source_file\":\"f2\"}|f2|r1",
            "transform|typed|amount: cannot parse '12,34' as decimal(6,2); day: cannot parse '2021-02-04' as"
                + " date (format M/d/yyyy)"
                + "|{\"ID\":\"3\",\"amount\":\"12,34\",\"day\":\"2021-02-04\",\"ok\":\"TRUE\","
                + "\"_source_file\":\"f3\"}|f3|r1"));
  }

  @Test
  void readsAbsentColumnsAsNullAndRejectsThemWhereNotNullable(SparkSession spark) {
    Dataset<Row> in =
        raw(spark, new String[] {"1", "1.00", null, "true", null, null, "t", "f1"})
            .drop("amount", "ID");

    Dataset<Row> conformed = Conform.withConformed(DATASET, in);

    assertThat(Conform.missingColumns(DATASET, in)).containsExactly("ID", "amount");
    assertRows(
        Conform.selectRejected(DATASET, conformed, List.of("day", "ok"), "r1")
            .select("reason", "record"),
        List.of("reason", "record"),
        List.of("id: missing value in a non-nullable column|{\"ok\":\"true\"}"));
  }

  @Test
  void aDmsCommitTimestampThatIsNotOneIsARowError(SparkSession spark) {
    StructType schema =
        new StructType()
            .add("ID", DataTypes.StringType)
            .add(Columns.COMMIT_TS, DataTypes.StringType)
            .add(Columns.SOURCE_FILE, DataTypes.StringType);
    Dataset<Row> in =
        spark.createDataFrame(
            List.of(
                RowFactory.create("1", "2026-11-18 10:00:00.123456", "f"),
                RowFactory.create("2", "yesterday", "f"),
                RowFactory.create("3", "2026-11-18", "f"),
                RowFactory.create("4", "2026-13-18 10:00:00", "f"),
                RowFactory.create("5", null, "f"),
                RowFactory.create("6", " ", "f")),
            schema);
    DatasetDef ids =
        Definitions.parse(
                "t.yaml",
                "sources: {raw: {kind: dms, path: p}}\n"
                    + "datasets: {t: {source: raw, columns: {id: {from: ID, type: int}}}}\n",
                Map.<String, String>of()::get)
            .datasets()
            .get(0);

    Dataset<Row> conformed = Conform.withConformed(ids, in);

    assertRows(
        conformed.select(
            col("ID"),
            Changes.commitTime().cast("string").as("commit_time"),
            array_join(col(Columns.ERRORS), ";").as("errors")),
        List.of("ID", "commit_time", "errors"),
        List.of(
            "1|2026-11-18 10:00:00.123456|",
            "2|NULL|_commit_ts: cannot parse 'yesterday' as the DMS commit timestamp"
                + " (yyyy-MM-dd HH:mm:ss.SSSSSS)",
            "3|NULL|_commit_ts: cannot parse '2026-11-18' as the DMS commit timestamp"
                + " (yyyy-MM-dd HH:mm:ss.SSSSSS)",
            "4|NULL|_commit_ts: cannot parse '2026-13-18 10:00:00' as the DMS commit timestamp"
                + " (yyyy-MM-dd HH:mm:ss.SSSSSS)",
            "5|NULL|",
            "6|NULL|"));
  }

  @Test
  void timesInUtcReadAsSparkReadsThemWithTheirZone(SparkSession spark) {
    // The reference is Spark's own cast of the whole text, zone included.
    String[] texts = {
      "2026-11-19T17:29:57.226Z",
      " 2026-11-19 17:29:57Z ",
      "2026-11-19T17:29Z",
      "2026-11-19T17:29:57.123456789Z",
      "2026-11-19T23:59:59.9999999Z",
      "2026-02-30T10:00:00Z",
      "2026-11-19T24:00:00Z",
      "2026-11-19T17:29:57+01:00",
      "2026-11-19T17:29:57z",
      "2026-11-19Z",
      "Z",
      "2026-11-19T17:29:57",
      "2026-11-19T17:29:57.Z",
      "2026-11-19T7:29:57Z",
      "2026-11-19T17:29:60Z"
    };
    String[][] rows =
        Arrays.stream(texts)
            .map(t -> new String[] {"1", null, null, null, t, null, null, "f"})
            .toArray(String[][]::new);
    List<String> got =
        Conform.withConformed(DATASET, raw(spark, rows))
            .select(
                col("at").as("text"),
                Conform.typed(DATASET.columns().get(4)).cast("string").as("read"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .expr("CAST(try_cast(trim(at) AS timestamp) AS string)")
                    .as("spark"))
            .collectAsList()
            .stream()
            .map(r -> r.getString(0) + " -> " + r.getString(1) + " / " + r.getString(2))
            .toList();
    assertThat(got).hasSize(texts.length);
    for (String line : got) {
      String[] parts = line.split(" -> ")[1].split(" / ");
      assertThat(parts[0]).as(line).isEqualTo(parts[1]);
    }
    assertThat(got.get(0)).endsWith("-> 2026-11-19 17:29:57.226 / 2026-11-19 17:29:57.226");
  }
}
