package dev.dpf.core.internal.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.DmsChanges;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.DatasetDef;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * SCD2 versions ({@link History#versions}) of a few hand-written changes, with every version's
 * validity worked out by hand.
 */
class HistoryTest {
  private final SparkSession spark = SparkExtension.session();

  private static final DatasetDef DATASET = DmsChanges.DATASET;

  private static final StructType FILES =
      DmsChanges.LINEAGE.add(Columns.INGESTED_AT, DataTypes.TimestampType);

  private static final StructType DMS =
      FILES.add(Columns.OP, DataTypes.StringType).add(Columns.COMMIT_TS, DataTypes.StringType);

  private static Timestamp at(String time) {
    return Timestamp.valueOf("2026-11-18 " + time);
  }

  /** Each version as {@code id|v|valid_from|valid_to|is_current|file}, sorted. */
  private static List<String> versions(Dataset<Row> valid) {
    return History.versions(DATASET, valid)
        .select(
            col("id"),
            col("v"),
            date_format(col(History.VALID_FROM), "HH:mm"),
            date_format(col(History.VALID_TO), "HH:mm"),
            col(History.IS_CURRENT),
            col(Columns.SOURCE_FILE))
        .collectAsList()
        .stream()
        .map(r -> r.mkString("|"))
        .sorted()
        .toList();
  }

  @Test
  void aKeysVersionsRunFromItsIngestTimeToTheNextChangeAndARepeatAddsNone() {
    Dataset<Row> valid =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1, "a", "files/t/f1.csv", 1L, 1L, at("10:00:00")),
                RowFactory.create(2, "x", "files/t/f1.csv", 2L, 1L, at("10:00:00")),
                RowFactory.create(1, "a", "files/t/f2.csv", 1L, 2L, at("11:00:00")), // a repeat
                RowFactory.create(3, "z", "files/t/f2.csv", 2L, 2L, at("11:00:00")),
                RowFactory.create(1, "b", "files/t/f3.csv", 1L, 3L, at("12:00:00")),
                RowFactory.create(2, "y", "files/t/f3.csv", 2L, 3L, at("12:00:00"))),
            FILES);

    assertThat(versions(valid))
        .containsExactly(
            "1|a|10:00|12:00|false|files/t/f1.csv",
            "1|b|12:00|null|true|files/t/f3.csv",
            "2|x|10:00|12:00|false|files/t/f1.csv",
            "2|y|12:00|null|true|files/t/f3.csv",
            "3|z|11:00|null|true|files/t/f2.csv");
  }

  @Test
  void aDmsDeleteClosesTheKeysVersionAndAReinsertOpensANewOne() {
    String first = "dms/t/2026/11/18/20261118-100000000.csv";
    String second = "dms/t/2026/11/18/20261118-120000000.csv";
    Dataset<Row> valid =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    7, "p", first, 1L, 1L, at("13:00:00"), "I", "2026-11-18 10:00:00"),
                RowFactory.create(
                    7, "q", first, 2L, 1L, at("13:00:00"), "U", "2026-11-18 11:00:00"),
                RowFactory.create(
                    8, "k", first, 3L, 1L, at("13:00:00"), "I", "2026-11-18 10:30:00"),
                RowFactory.create(
                    7, "q", second, 1L, 2L, at("14:00:00"), "D", "2026-11-18 12:00:00"),
                RowFactory.create(
                    7, "r", second, 2L, 2L, at("14:00:00"), "I", "2026-11-18 12:30:00")),
            DMS);

    // The delete is no version of its own: it ends q's, and r starts over at the reinsert. The
    // commit time, not the ingest time, says when each version began.
    assertThat(versions(valid))
        .containsExactly(
            "7|p|10:00|11:00|false|" + first,
            "7|q|11:00|12:00|false|" + first,
            "7|r|12:30|null|true|" + second,
            "8|k|10:30|null|true|" + first);
  }
}
