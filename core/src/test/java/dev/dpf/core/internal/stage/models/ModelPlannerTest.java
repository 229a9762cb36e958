package dev.dpf.core.internal.stage.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.Planned;
import dev.dpf.core.api.Stage;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableName;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a model's run would do ({@link ModelPlanner}), from its input's Delta versions and the
 * record in its own last commit, on a two-version input table made here.
 */
class ModelPlannerTest {
  private final SparkSession spark = SparkExtension.session();
  @TempDir Path dir;

  private static final String DEFINITION =
      """
      sources: {s: {kind: csv-files, path: files/s}}
      datasets:
        d:
          source: s
          columns: {id: int, day: date, amount: "decimal(8,2)"}
      models:
        daily:
          sql: models/daily.sql
          partition_by: [day]
          incremental: {changes_of: transformed.d, partition: day}
      """;

  private static PipelineDefinition definition(String sql) {
    return Definitions.parse("p.yaml", DEFINITION, Map.of("models/daily.sql", sql)::get);
  }

  private static final StructType D =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("day", DataTypes.DateType)
          .add("amount", DataTypes.createDecimalType(8, 2));

  private Dataset<Row> rows(Object[]... rows) {
    return spark.createDataFrame(List.of(rows).stream().map(RowFactory::create).toList(), D);
  }

  private static ModelPlanner planner(SparkSession spark, PipelineDefinition d, Lake lake) {
    ModelGraph graph = new ModelGraph(spark, d);
    ModelCompiler compiler = new ModelCompiler(spark, d, lake, graph, () -> "k".repeat(32));
    return new ModelPlanner(lake, graph, compiler, new PiiPolicy(d, graph, compiler), Map.of());
  }

  @Test
  void firstRunThenUpToDateThenThePartitionsNewRowsTouchThenARebuildForANewSql() {
    Lake lake = new Lake(spark, dir.resolve("lake").toString());
    Date day1 = Date.valueOf("2026-11-01");
    Date day2 = Date.valueOf("2026-11-02");
    Date day3 = Date.valueOf("2026-11-03");
    new DeltaWriter(lake)
        .overwrite(
            TableName.of("transformed.d"),
            rows(
                new Object[] {1, day1, new BigDecimal("1.00")},
                new Object[] {2, day2, new BigDecimal("2.00")}),
            List.of());
    new DeltaWriter(lake).enableChangeDataFeed(TableName.of("transformed.d"));
    assertThat(lake.version(TableName.of("transformed.d"))).isEqualTo(1); // the write, the property

    String sql = "SELECT day, sum(amount) AS total FROM transformed.d GROUP BY day";
    PipelineDefinition d = definition(sql);
    ModelDef model = d.models().get(0);
    ModelPlanner planner = planner(spark, d, lake);
    String fingerprint = planner.fingerprint(model);
    Map<String, Long> v1 = Map.of("transformed.d", 1L);
    String partitionsWhy = "the partitions that changed rows of transformed.d touch";

    Decision first = planner.decide(model, Set.of(), false);
    assertThat(first).isEqualTo(new Decision.Rebuild("first run"));
    assertThat(planner.scope(model, first)).isEqualTo(ModelPlanner.Plan.rebuild("first run"));
    assertThat(first.planned(Stage.CURATE, TableName.of("curated.daily")))
        .isEqualTo(
            new Planned(
                Stage.CURATE, TableName.of("curated.daily"), Planned.Action.REBUILD, "first run"));

    // The model written from v1: its commit records the fingerprint and v1.
    new DeltaWriter(lake)
        .overwrite(
            TableName.of("curated.daily"),
            spark.sql("SELECT DATE'2026-11-01' AS day, 1.00 AS total"),
            List.of("day"),
            ModelPlanner.metadata(fingerprint, v1, ""));
    assertThat(planner.decide(model, Set.of(), false))
        .isEqualTo(new Decision.UpToDate("inputs unchanged since the last run"));
    assertThat(planner.recorded(model).pii()).contains("");
    // A plan in which the same run writes transformed.d first: its partitions, versions unknown.
    assertThat(planner.decide(model, Set.of("transformed.d"), false))
        .isEqualTo(new Decision.Recompute("transformed.d", -1, -1, partitionsWhy));

    // New rows of days 1 and 3 (version 2): only those partitions are recomputed.
    new DeltaWriter(lake)
        .append(
            TableName.of("transformed.d"),
            rows(
                new Object[] {3, day3, new BigDecimal("3.00")},
                new Object[] {4, day1, new BigDecimal("4.00")}),
            List.of());
    Decision recompute = planner.decide(model, Set.of(), false);
    assertThat(recompute).isEqualTo(new Decision.Recompute("transformed.d", 1, 2, partitionsWhy));
    ModelPlanner.Plan scope = planner.scope(model, recompute);
    assertThat(scope.rebuilds()).isFalse();
    assertThat(scope.keys()).isNull();
    assertThat(scope.partitions().stream().map(Object::toString).sorted().toList())
        .containsExactly("2026-11-01", "2026-11-03");
    assertThat(scope.reason()).isEqualTo("(v2-v2)");

    // Another SQL is another model: rebuilt, whatever the versions say.
    PipelineDefinition changed = definition(sql + " HAVING count(*) > 0");
    ModelPlanner other = planner(spark, changed, lake);
    assertThat(other.decide(changed.models().get(0), Set.of(), false))
        .isEqualTo(new Decision.Rebuild("definition or SQL changed"));

    assertThat(planner.decide(model, Set.of(), true))
        .isEqualTo(new Decision.Rebuild("full refresh"));

    // A model a lake recorded before the canonical fingerprint is not rebuilt for it.
    assertThat(planner.legacyFingerprint(model)).isNotEqualTo(fingerprint).hasSize(32);
    new DeltaWriter(lake)
        .overwrite(
            TableName.of("curated.daily"),
            spark.sql("SELECT DATE'2026-11-01' AS day, 1.00 AS total"),
            List.of("day"),
            ModelPlanner.metadata(
                planner.legacyFingerprint(model), Map.of("transformed.d", 2L), ""));
    assertThat(planner.decide(model, Set.of(), false))
        .isEqualTo(new Decision.UpToDate("inputs unchanged since the last run"));
  }
}
