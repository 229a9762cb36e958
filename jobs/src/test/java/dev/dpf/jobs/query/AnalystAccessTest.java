package dev.dpf.jobs.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What analysts use besides dpf sql: the JDBC endpoint, queried with the Hive JDBC driver, and dpf
 * describe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalystAccessTest {
  private static final String DEFINITION =
      """
      sources:
        people_src: {kind: dms, path: dms/people}
      datasets:
        people:
          description: Everyone we know
          owner: crm-team
          tags: [people, pii]
          source: people_src
          key: [id]
          columns:
            id:   {type: int, nullable: false}
            name: {type: string, pii: name, description: as they write it}
            city: {type: string, description: where they live}
      models:
        people_by_city:
          sql: models/people_by_city.sql
      """;

  private final SparkSession spark = SparkExtension.session();
  @TempDir static Path dir;
  private Lake lake;
  private PipelineDefinition definition;

  @BeforeAll
  void lakeWithOneCuratedTable() throws Exception {
    lake = new Lake(spark, dir.resolve("lake").toString());
    Files.createDirectories(dir.resolve("models"));
    Files.writeString(
        dir.resolve("models/people_by_city.sql"),
        "SELECT city, count(*) AS people FROM transformed.people GROUP BY city");
    Files.writeString(dir.resolve("pipeline.yaml"), DEFINITION);
    definition = Definitions.load(dir.resolve("pipeline.yaml"));
    Dataset<Row> people =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1, "Ann", "London"),
                RowFactory.create(2, "Bo", "NYC"),
                RowFactory.create(3, "Cy", "London")),
            new StructType()
                .add("id", DataTypes.IntegerType)
                .add("name", DataTypes.StringType)
                .add("city", DataTypes.StringType));
    // Tables as the pipeline leaves them: Delta at the lake's paths, registered in the catalog.
    people.write().format("delta").save(lake.path(TableName.of("transformed.people")));
    lake.register(TableName.of("transformed.people"));
    spark
        .sql("SELECT city, count(*) AS people FROM transformed.people GROUP BY city")
        .write()
        .format("delta")
        .save(lake.path(TableName.of("curated.people_by_city")));
    lake.register(TableName.of("curated.people_by_city"));
  }

  @Test
  void aHiveJdbcClientQueriesTheCuratedTables() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (JdbcEndpoint endpoint =
        JdbcEndpoint.start(spark, lake, "127.0.0.1", port, java.time.Duration.ofSeconds(1))) {
      assertThat(endpoint.url()).isEqualTo("jdbc:hive2://127.0.0.1:" + port + "/curated");
      Class.forName("org.apache.hive.jdbc.HiveDriver");
      List<String> rows = new ArrayList<>();
      List<String> tables = new ArrayList<>();
      try (Connection c = DriverManager.getConnection(endpoint.url(), "analyst", "");
          Statement st = c.createStatement()) {
        try (ResultSet rs =
            st.executeQuery("SELECT city, people FROM people_by_city ORDER BY city")) {
          while (rs.next()) {
            rows.add(rs.getString(1) + "=" + rs.getLong(2));
          }
        }
        try (ResultSet rs = c.getMetaData().getTables(null, "curated", "%", null)) {
          while (rs.next()) {
            tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
          }
        }
      }
      assertThat(rows).containsExactly("London=2", "NYC=1");
      assertThat(tables).contains("curated.people_by_city");
    }
  }

  @Test
  void describeSaysWhatATableIsAndWhereItComesFrom() {
    String text = TableDescription.text(spark, definition, lake, "transformed.people");
    assertThat(text)
        .startsWith(
            "transformed.people\n"
                + "  description  Everyone we know\n"
                + "  owner        crm-team\n"
                + "  tags         people, pii\n"
                + "  kind         dataset, key id, 0 quality rule(s)\n"
                + "  upstream     consolidated.people_src\n"
                + "  downstream   curated.people_by_city\n"
                + "  location     ")
        .contains("  rows         3\n", "  partitioned  -\n", "version 0  WRITE\n")
        .endsWith(
            "  columns\n"
                + "    id                           int              not null\n"
                + "    name                         string                     pii: name; as they"
                + " write it\n"
                + "    city                         string                     where they live\n");

    assertThat(TableDescription.text(spark, definition, lake, "curated.people_by_city"))
        .contains(
            "  kind         curated model, models/people_by_city.sql (rebuilt when an input changes)\n"
                + "  upstream     transformed.people\n"
                + "  downstream   -\n");

    assertThatThrownBy(() -> TableDescription.text(spark, definition, lake, "people"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "'people' is not a table name. Name tables as zone.table, for example"
                + " curated.customer_360 (dpf tables lists them)");
    assertThatThrownBy(() -> TableDescription.text(spark, definition, lake, "curated.nope"))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith("No table curated.nope in the lake at ")
        .hasMessageEndingWith(". dpf tables lists the tables");
    assertThatThrownBy(
            () -> TableDescription.text(spark, definition, lake, "curated.people_by_cty"))
        .hasMessageEndingWith(
            ". Did you mean 'curated.people_by_city'? dpf tables lists the tables");
  }
}
