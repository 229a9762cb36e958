package dev.dpf.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.Zone;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkExtension.class)
class ModelSqlTest {
  private static ModelDef model(String sql) {
    return new ModelDef("m", Zone.CURATED, "models/m.sql", sql, List.of());
  }

  @Test
  void findsTablesInJoinsCtesAndSubqueries(SparkSession spark) {
    String sql =
        """
        WITH recent AS (SELECT * FROM transformed.payments WHERE payment_time > '2026-01-01')
        SELECT c.customer_id, (SELECT max(amount) FROM transformed.transactions t WHERE t.customer_id = c.customer_id)
        FROM recent r JOIN transformed.customers c ON c.customer_id = r.customer_id
        WHERE c.customer_id IN (SELECT customer_id FROM curated.risk_flags)
        """;

    assertThat(ModelSql.references(spark, model(sql)))
        .containsExactly(
            "curated.risk_flags",
            "transformed.customers",
            "transformed.payments",
            "transformed.transactions");
  }

  @Test
  void rejectsUnqualifiedTables(SparkSession spark) {
    assertThatThrownBy(() -> ModelSql.references(spark, model("SELECT * FROM payments")))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Model 'm' (models/m.sql) refers to table 'payments': name tables as zone.table, for example"
                + " transformed.customers");
  }

  @Test
  void reportsSyntaxErrorsWithTheFile(SparkSession spark) {
    assertThatThrownBy(() -> ModelSql.references(spark, model("SELEC * FROM transformed.payments")))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith("Model 'm' (models/m.sql) has a SQL syntax error: ")
        .hasMessageContaining("'SELEC'")
        .hasMessageEndingWith(". Fix the SQL file");
  }
}
