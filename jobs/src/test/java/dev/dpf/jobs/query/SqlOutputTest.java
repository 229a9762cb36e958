package dev.dpf.jobs.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class SqlOutputTest {
  private static final String[] COLUMNS = {"id", "name", "amount", "at", "ok"};
  private static final List<Row> ROWS =
      List.of(
          RowFactory.create(
              1,
              "Dragon Souveniers, Ltd.",
              new BigDecimal("12.50"),
              Timestamp.from(Instant.parse("2026-11-18T10:15:30Z")),
              true),
          RowFactory.create(2L, null, null, null, null));

  private static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("name", DataTypes.StringType)
          .add("amount", DataTypes.createDecimalType(12, 2))
          .add("at", DataTypes.TimestampType)
          .add("ok", DataTypes.BooleanType);

  @Test
  void csvHasAHeaderThenQuotedFieldsAndEmptyNulls() {
    assertThat(SqlOutput.csv(SCHEMA, ROWS))
        .isEqualTo(
            "id,name,amount,at,ok\n1,\"Dragon Souveniers, Ltd.\",12.50,2026-11-18 10:15:30,true\n"
                + "2,,,,\n");
  }

  @Test
  void nestedAndBinaryValuesReadAsSparkSqlPrintsThem() {
    Dataset<Row> result =
        SparkExtension.session()
            .sql(
                "SELECT map('k', 1) AS m, named_struct('a', 1, 'b', 'z') AS s, array(1, 2) AS a,"
                    + " CAST('AB' AS BINARY) AS b, map('k', array(named_struct('x', 'y'))) AS deep");
    List<Row> rows = result.collectAsList();

    assertThat(SqlOutput.csv(result.schema(), rows))
        .isEqualTo(
            "m,s,a,b,deep\n"
                + "\"{\"\"k\"\":1}\",\"{\"\"a\"\":1,\"\"b\"\":\"\"z\"\"}\",\"[1,2]\",AB,"
                + "\"{\"\"k\"\":[{\"\"x\"\":\"\"y\"\"}]}\"\n");
    assertThat(SqlOutput.table(result.schema(), rows))
        .contains("| {\"k\":1} | {\"a\":1,\"b\":\"z\"} | [1,2] | AB | {\"k\":[{\"x\":\"y\"}]} |");
  }

  @Test
  void jsonIsOneObjectPerLineWithTypedValues() {
    assertThat(SqlOutput.json(COLUMNS, ROWS))
        .isEqualTo(
            "{\"id\":1,\"name\":\"Dragon Souveniers, Ltd.\",\"amount\":12.50,\"at\":\"2026-11-18T10:15:30Z\","
                + "\"ok\":true}\n{\"id\":2,\"name\":null,\"amount\":null,\"at\":null,\"ok\":null}\n");
  }

  @Test
  void tableAlignsColumnsAndCountsRows() {
    assertThat(
            SqlOutput.table(
                new StructType().add("id", DataTypes.IntegerType).add("name", DataTypes.StringType),
                List.of(RowFactory.create(1, "ab"), RowFactory.create(22, null))))
        .isEqualTo(
            """
            +----+------+
            | id | name |
            +----+------+
            | 1  | ab   |
            | 22 | NULL |
            +----+------+
            2 rows
            """);
  }

  @Test
  void arraysAndStructsReadAsLists() {
    assertThat(
            SqlOutput.text(
                scala.collection.JavaConverters.asScalaBuffer(List.of("'102'", "'103'"))))
        .isEqualTo("['102', '103']");
    assertThat(SqlOutput.text(RowFactory.create("2026-11-18 10:00:00", 2L, null)))
        .isEqualTo("{2026-11-18 10:00:00, 2, NULL}");
  }
}
