package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.DatasetAssert;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.TableName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curate stage's PII policy: a curated model shows a tagged column only through its own protect
 * function or where its definition allows it, however the SQL reaches the column.
 */
class CuratedModelsTest {
  private static final String KEY = "a test key of sixteen+ characters";
  private static final String DATASETS =
      """
      sources:
        people_src: {kind: dms, path: dms/people}
      datasets:
        people:
          source: people_src
          key: [id]
          columns:
            id:    {type: int, nullable: false}
            name:  {from: fullName, type: string, pii: name}
            phone: {type: string, pii: phone}
            ip:    {type: string, pii: ipv4}
            city:  {type: string}
      models:
        people_view:
          zone: transformed
          sql: models/people_view.sql
      """;

  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;
  private Lake lake;

  @BeforeEach
  void lakeWithPeople() throws IOException {
    lake = new Lake(spark, dir.resolve("lake").toString());
    StructType people =
        new StructType()
            .add("id", DataTypes.IntegerType)
            .add("name", DataTypes.StringType)
            .add("phone", DataTypes.StringType)
            .add("ip", DataTypes.StringType)
            .add("city", DataTypes.StringType);
    Dataset<Row> rows =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1, "Ann Lee", "(171) 555-0199", "10.1.2.3", "London"),
                RowFactory.create(2, "Bo Young", "212 5550", "192.168.7.70", "NYC")),
            people);
    new DeltaWriter(lake).overwrite(TableName.of("transformed.people"), rows, List.of());
    new DeltaWriter(lake).overwrite(TableName.of("transformed.people_view"), rows, List.of());
    new DeltaWriter(lake)
        .overwrite(
            TableName.of("consolidated.people_src"),
            rows.withColumnRenamed("name", "fullName"),
            List.of());
    Files.createDirectories(dir.resolve("models"));
    Files.writeString(
        dir.resolve("models/people_view.sql"), "SELECT id, name, city FROM transformed.people");
  }

  /** Runs the curate stage with these curated models (name to SQL) and extra model settings. */
  private List<TableResult> curate(Map<String, String> models, String settings) throws IOException {
    return curate(DATASETS, models, settings);
  }

  private List<TableResult> curate(String datasets, Map<String, String> models, String settings)
      throws IOException {
    StringBuilder yaml = new StringBuilder(datasets);
    for (var m : models.entrySet()) {
      Files.writeString(dir.resolve("models/" + m.getKey() + ".sql"), m.getValue());
      yaml.append("  ")
          .append(m.getKey())
          .append(":\n    sql: models/")
          .append(m.getKey())
          .append(".sql\n")
          .append(settings);
    }
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, yaml.toString());
    List<TableResult> results = new ArrayList<>();
    Pipeline.builder(spark, Definitions.load(file), lake)
        .run("r", Instant.now())
        .listener(results::add)
        .piiKey(KEY)
        .build()
        .curate();
    return results;
  }

  private void assertRejected(String sql, String... clearColumns) {
    var failure =
        assertThatThrownBy(() -> curate(Map.of("leak", sql), ""))
            .isInstanceOf(DpfException.class)
            .hasMessageStartingWith("Model 'leak' (models/leak.sql) breaks the PII policy: ")
            .hasMessageEndingWith(
                ". Protect the column in the SQL, or allow it for this model only with"
                    + " models.leak.pii_in_clear");
    for (String c : clearColumns) {
      failure.hasMessageContaining(c);
    }
  }

  @Test
  void aTaggedColumnInClearIsRefusedWithTheFix() {
    assertRejected(
        "SELECT id, name FROM transformed.people",
        "column 'name' shows transformed.people.name (pii: name) in clear"
            + " (select protect_name(name) instead)");
  }

  @Test
  void clearValuesAreFoundThroughExpressionsCtesUnionsSubqueriesModelsAndRawTables() {
    assertRejected(
        """
        WITH p AS (SELECT id, upper(name) AS shout FROM transformed.people)
        SELECT
          p.shout,
          concat('tel ', q.phone) AS tel,
          (SELECT max(ip) FROM transformed.people) AS top_ip,
          v.name AS view_name,
          s.fullName AS raw_name,
          protect_phone(q.name) AS wrong_function
        FROM p
        JOIN (SELECT id, phone, name FROM transformed.people
              UNION ALL SELECT id, 'none', city FROM transformed.people) q ON q.id = p.id
        JOIN transformed.people_view v ON v.id = p.id
        JOIN consolidated.people_src s ON s.id = p.id
        """,
        "column 'shout' shows transformed.people.name (pii: name)",
        "column 'tel' shows transformed.people.phone (pii: phone)",
        "column 'top_ip' shows transformed.people.ip (pii: ipv4)",
        "column 'view_name' shows transformed.people.name (pii: name)",
        "column 'raw_name' shows transformed.people.name (pii: name)",
        "column 'wrong_function' shows transformed.people.name (pii: name)");
  }

  @Test
  void protectedFormsCountsAndFiltersPass() throws IOException {
    List<TableResult> results =
        curate(
            Map.of(
                "safe",
                """
                SELECT
                  protect_name(name) AS name_key,
                  protect_phone(phone) AS phone,
                  protect_ipv4(ip) AS network,
                  count(name) OVER () AS named,
                  name IS NULL AS no_name,
                  city
                FROM transformed.people
                WHERE name <> 'nobody'
                """),
            "");

    assertThat(results).extracting(TableResult::status).containsExactly(TableResult.Status.OK);
    DatasetAssert.assertRows(
        spark.table("curated.safe"),
        List.of("name_key", "phone", "network", "named", "no_name", "city"),
        List.of(
            dev.dpf.core.api.Protect.value(dev.dpf.definition.Pii.NAME, "Ann Lee", KEY)
                + "|(***) ***-**99|10.1.2.0/24|2|false|London",
            dev.dpf.core.api.Protect.value(dev.dpf.definition.Pii.NAME, "Bo Young", KEY)
                + "|*** **50|192.168.7.0/24|2|false|NYC"));
  }

  @Test
  void theDefinitionMayAllowAColumnInClearForOneModel() throws IOException {
    Map<String, String> models = new LinkedHashMap<>();
    models.put("contacts", "SELECT id, name FROM transformed.people");
    List<TableResult> results = curate(models, "    pii_in_clear: [name]\n");

    assertThat(results.get(0).note()).endsWith("; personal data in clear: name");
    assertThat(spark.table("curated.contacts").where("name = 'Ann Lee'").count()).isEqualTo(1);

    assertThatThrownBy(
            () ->
                curate(
                    Map.of("contacts", "SELECT id, city FROM transformed.people"),
                    "    pii_in_clear: [city]\n"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "models.contacts.pii_in_clear lists 'city', but the model (models/contacts.sql) has no"
                + " such column showing personal data (columns: [id, city]). Remove it from the list");
  }

  @Test
  void aModelWithUnchangedInputsIsCheckedAgainWhenThePolicyOrTheTagsChange() throws IOException {
    Map<String, String> models =
        Map.of("contacts", "SELECT id, name, city FROM transformed.people");
    String allowName = "    pii_in_clear: [name]\n";
    assertThat(curate(models, allowName))
        .extracting(TableResult::status)
        .containsExactly(TableResult.Status.OK);
    assertThat(curate(models, allowName))
        .extracting(TableResult::status, TableResult::note)
        .containsExactly(
            tuple(
                TableResult.Status.UP_TO_DATE,
                "from transformed.people; inputs unchanged since the last run;"
                    + " personal data in clear: name"));

    // The model may no longer show the name: nothing it reads changed, but it is refused.
    assertThatThrownBy(() -> curate(models, ""))
        .isInstanceOf(DpfException.class)
        .hasMessageContaining("column 'name' shows transformed.people.name (pii: name) in clear");
    // The city is tagged now: the same model and policy are refused.
    String cityTagged =
        DATASETS.replace("city:  {type: string}", "city:  {type: string, pii: address}");
    assertThatThrownBy(() -> curate(cityTagged, models, allowName))
        .isInstanceOf(DpfException.class)
        .hasMessageContaining(
            "column 'city' shows transformed.people.city (pii: address) in clear");
  }

  @Test
  void brokenModelsFailNamingTheFile() {
    assertThatThrownBy(() -> curate(Map.of("m", "SELECT nope FROM transformed.people"), ""))
        .isInstanceOf(DpfException.class)
        .hasMessageStartingWith(
            "Model 'm' (models/m.sql) does not compile: [UNRESOLVED_COLUMN.WITH_SUGGESTION]")
        .hasMessageEndingWith(". Fix the SQL file");
    assertThatThrownBy(() -> curate(Map.of("m", "SELECT * FROM transformed.peple"), ""))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Model 'm' (models/m.sql) reads transformed.peple, which no source, dataset or model of"
                + " the definition makes. Did you mean 'transformed.people'? Fix the table name in"
                + " the SQL file");
    assertThatThrownBy(
            () ->
                curate(
                    Map.of("m", "SELECT id FROM transformed.people"), "    partition_by: [city]\n"))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Model 'm' is partitioned by 'city' but its SQL (models/m.sql) has no such column"
                + " (columns: [id]). Fix models.m.partition_by or the SQL");

    Map<String, String> cycle = new LinkedHashMap<>();
    cycle.put("a", "SELECT * FROM curated.b");
    cycle.put("b", "SELECT * FROM curated.a");
    assertThatThrownBy(() -> curate(cycle, ""))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Models refer to each other in a cycle: a (models/a.sql) -> b (models/b.sql) -> a"
                + " (models/a.sql). Break the cycle in one of these SQL files");
  }

  @Test
  void aModelRunsAfterTheModelsItReadsWhateverTheirOrderInTheDefinition() throws IOException {
    Map<String, String> models = new LinkedHashMap<>();
    models.put("top_city", "SELECT city FROM curated.cities ORDER BY people DESC, city LIMIT 1");
    models.put("cities", "SELECT city, count(*) AS people FROM transformed.people GROUP BY city");

    List<TableResult> results = curate(models, "");

    assertThat(results)
        .extracting(TableResult::table)
        .containsExactly("curated.cities", "curated.top_city");
    assertThat(spark.table("curated.top_city").head().getString(0)).isEqualTo("London");
  }
}
