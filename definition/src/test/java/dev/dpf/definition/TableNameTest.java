package dev.dpf.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableNameTest {
  @Test
  void parsesZoneDotNameAndWritesItBack() {
    assertThat(TableName.parse("transformed.payments"))
        .contains(new TableName(Zone.TRANSFORMED, "payments"));
    assertThat(TableName.parse("_system.runs")).contains(new TableName(Zone.SYSTEM, "runs"));
    assertThat(new TableName(Zone.CURATED, "customer_360")).hasToString("curated.customer_360");
  }

  @Test
  void anythingElseIsNoTableName() {
    for (String text :
        new String[] {"payments", "transformed.", "gold.x", "curated.a.b", ".x", ""}) {
      assertThat(TableName.parse(text)).as(text).isEmpty();
    }
    assertThatThrownBy(() -> new TableName(Zone.CURATED, "a.b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TableName.of("gold.x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a zone.table name: gold.x");
    assertThat(TableName.of("curated.m")).isEqualTo(new TableName(Zone.CURATED, "m"));
  }

  @Test
  void aDatasetNamesItsTables() {
    DatasetDef d =
        new DatasetDef(
            "orders", "orders_src", java.util.List.of(), java.util.List.of(), java.util.List.of());
    assertThat(d.table()).isEqualTo("transformed.orders");
    assertThat(d.sourceTable()).isEqualTo("consolidated.orders_src");
    assertThat(d.qualifiedHistoryTable()).isEqualTo("transformed.orders_history");
    assertThat(d.tableName()).isEqualTo(new TableName(Zone.TRANSFORMED, "orders"));
    assertThat(d.sourceTableName()).isEqualTo(new TableName(Zone.CONSOLIDATED, "orders_src"));
    assertThat(d.historyTableName()).isEqualTo(new TableName(Zone.TRANSFORMED, "orders_history"));
  }
}
