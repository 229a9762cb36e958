package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation compiles every model and expect rule against the declared schemas, with no data: the
 * repository's definition passes, and every kind of mistake is reported at once, naming its file.
 */
class ValidateTest {
  private final SparkSession spark = SparkExtension.session();
  @TempDir Path lakeDir;

  private List<String> validate(PipelineDefinition d) {
    return Pipeline.builder(spark, d, new Lake(spark, lakeDir.toString()))
        .run("v", Instant.parse("2026-12-01T00:00:00Z"))
        .build()
        .validate();
  }

  @Test
  void theRepositoryDefinitionCompilesWithoutDataAndWritesNothing() throws Exception {
    assertThat(validate(Definitions.load(Repo.root().resolve("src/pipeline.yaml")))).isEmpty();
    try (var files = Files.list(lakeDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aCycleIsToldAsARunTellsItAndTheModelsOutsideItAreStillCompiled() {
    // lead reads a, which reads b, which reads a; apart reads the dataset only.
    String yaml =
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t: {source: t, columns: {id: int}}
        models:
          lead: {sql: lead.sql}
          a: {sql: a.sql}
          b: {sql: b.sql}
          apart: {sql: apart.sql}
        """;
    Map<String, String> sql =
        Map.of(
            "lead.sql", "SELECT * FROM curated.a",
            "a.sql", "SELECT * FROM curated.b",
            "b.sql", "SELECT * FROM curated.a",
            "apart.sql", "SELECT idd FROM transformed.t");
    PipelineDefinition d = Definitions.parse("p.yaml", yaml, sql::get);

    List<String> problems = validate(d);

    assertThat(problems).hasSize(3);
    assertThat(problems.get(0))
        .startsWith("Model 'lead' (lead.sql) was not compiled: it reads curated.a");
    assertThat(problems.get(1))
        .startsWith("Model 'apart' (apart.sql) does not compile: [UNRESOLVED_COLUMN");
    assertThat(problems.get(2))
        .isEqualTo(
            "Models refer to each other in a cycle: lead (lead.sql) -> a (a.sql) -> b (b.sql) -> a"
                + " (a.sql). Break the cycle in one of these SQL files");
  }

  @Test
  void aRunCompilesAgainstTheColumnsTheLakeHasBeyondTheDeclaredOnes() throws Exception {
    // A raw field no dataset declares, which the consolidated table keeps and a model reads.
    String yaml =
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t: {source: t, columns: {id: int}}
        models:
          m: {sql: m.sql}
        """;
    PipelineDefinition d =
        Definitions.parse(
            "p.yaml", yaml, Map.of("m.sql", "SELECT channel FROM consolidated.t")::get);
    assertThat(validate(d))
        .singleElement()
        .asString()
        .startsWith("Model 'm' (m.sql) does not compile: [UNRESOLVED_COLUMN.WITH_SUGGESTION]");
    spark
        .sql("SELECT '1' AS id, 'web' AS channel, 'f.csv' AS _source_file, 1L AS _batch_id")
        .write()
        .format("delta")
        .save(lakeDir.resolve("consolidated/t").toString());

    Pipeline p =
        Pipeline.builder(spark, d, new Lake(spark, lakeDir.toString()))
            .run("v", Instant.parse("2026-12-01T00:00:00Z"))
            .build();

    assertThat(p.validateOnce()).isEmpty();
    try (var files = Files.list(lakeDir.resolve("_system/validated"))) {
      assertThat(files.filter(f -> !f.getFileName().toString().startsWith("."))).hasSize(1);
    }
  }

  @Test
  void reportsEveryModelAndRuleThatDoesNotCompileAtOnce() {
    String yaml =
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t:
            source: t
            columns:
              id: int
              name: {type: string, pii: name}
              amount: "decimal(12,2)"
            quality:
              - {rule: expect, name: positive, expression: "amount > 0", action: warn}
              - {rule: expect, name: typo, expression: "amont > 0", action: warn}
              - {rule: expect, name: not_boolean, expression: "amount + 1", action: warn}
        models:
          ok: {zone: transformed, sql: ok.sql}
          unknown_column: {sql: unknown_column.sql}
          downstream: {sql: downstream.sql}
          leak:
            sql: leak.sql
            quality:
              - {rule: not_null, column: nn, action: warn}
          early: {zone: transformed, sql: early.sql}
          checked:
            sql: checked.sql
            quality:
              - {rule: not_null, column: nope, action: warn}
              - {rule: expect, name: sure, expression: "idd > 0", action: warn}
          a: {sql: a.sql}
          b: {sql: b.sql}
        """;
    Map<String, String> sql =
        Map.of(
            "ok.sql", "SELECT id, amount FROM transformed.t",
            "unknown_column.sql", "SELECT id, amout FROM transformed.ok",
            "downstream.sql", "SELECT * FROM curated.unknown_column",
            "leak.sql", "SELECT upper(name) AS n FROM transformed.t",
            "early.sql", "SELECT * FROM curated.checked",
            "checked.sql", "SELECT o.id FROM transformed.ok o",
            "a.sql", "SELECT * FROM curated.b",
            "b.sql", "SELECT * FROM curated.a");

    List<String> problems = validate(Definitions.parse("p.yaml", yaml, sql::get));

    assertThat(problems)
        .containsExactly(
            "Quality rule expect(typo) of 't' reads column 'amont', which datasets.t does not"
                + " have (columns: amount, id, name). Did you mean 'amount'? Fix its expression in"
                + " datasets.t.quality",
            "Quality rule expect(not_boolean) of 't': 'amount + 1' is decimal(13,2), not a"
                + " boolean. Write a comparison, for example amount > 0, in datasets.t.quality",
            "Model 'early' (early.sql) is in the transformed zone but reads the curated model"
                + " curated.checked, which the curate stage makes after it. Move it to zone:"
                + " curated, or read transformed tables only",
            "Model 'unknown_column' (unknown_column.sql) does not compile:"
                + " [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `amout` cannot be resolved. Did you mean one of the"
                + " following? [`amount`, `id`].; line 1 pos 11. Fix the SQL file",
            "Model 'downstream' (downstream.sql) was not compiled: it reads"
                + " curated.unknown_column, whose model has a problem above",
            "Model 'leak' (leak.sql) breaks the PII policy: column 'n' shows"
                + " transformed.t.name (pii: name) in clear (select protect_name(name) instead)."
                + " Protect the column in the SQL, or allow it for this model only with"
                + " models.leak.pii_in_clear",
            // Each of a model's problems, not the first alone.
            "A quality rule of 'leak' names column 'nn', which it does not have (columns: n)."
                + " Fix the rule in models.leak.quality",
            "A quality rule of 'checked' names column 'nope', which it does not have (columns:"
                + " id). Fix the rule in models.checked.quality",
            "Quality rule expect(sure) of 'checked' reads column 'idd', which models.checked does"
                + " not have (columns: id). Fix its expression in models.checked.quality",
            // As a run tells it (one topological sort for both).
            "Models refer to each other in a cycle: a (a.sql) -> b (b.sql) -> a (a.sql). Break the"
                + " cycle in one of these SQL files");
  }
}
