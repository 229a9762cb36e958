package dev.dpf.core.api;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Pii;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Each PII tag's protected form, against hand-written expected values. */
class ProtectTest {
  private final SparkSession spark = SparkExtension.session();

  @Test
  void keyedHashIsHmacSha256() {
    // RFC 4231, test case 2.
    assertThat(Protect.hmac("Jefe", "what do ya want for nothing?"))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assertThat(Protect.hmac("Jefe", null)).isNull();
  }

  @Test
  void eachTagHidesTheClearValue() {
    Dataset<Row> rows =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    "what do ya want for nothing?", "+81 33 8546-7", "192.168.17.201", "0012345"),
                RowFactory.create(null, "12", "not an address", "123"),
                RowFactory.create("x", null, null, null)),
            new StructType()
                .add("name", DataTypes.StringType)
                .add("phone", DataTypes.StringType)
                .add("ip", DataTypes.StringType)
                .add("account", DataTypes.StringType));

    Protect.register(spark, "Jefe");
    List<String> out =
        DatasetAssert.rowsAsText(
            rows.select(
                Protect.column(Pii.NAME, col("name")),
                Protect.column(Pii.PHONE, col("phone")),
                Protect.column(Pii.IPV4, col("ip")),
                Protect.column(Pii.ACCOUNT_NUMBER, col("account"))));

    List<String> expected = new ArrayList<>();
    expected.add(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843|+** ** ***6-7|192.168.17.0/24|****2345");
    expected.add("NULL|12|NULL|****");
    // "12": two digits, both kept; "not an address" is not IPv4: null, never clear.
    expected.add(Protect.hmac("Jefe", "x") + "|NULL|NULL|NULL");
    DatasetAssert.diff(expected, out);
  }

  @Test
  void anEmptyKeyIsRefused() {
    assertThatThrownBy(() -> Protect.register(spark, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the PII hashing key is empty");
  }
}
