package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.Repo;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf validate} compiles the definition without data, and every run does the same check
 * before it writes anything.
 */
class ValidateCommandTest {
  @TempDir Path dir;

  @Test
  void theRepositoryDefinitionIsValid() {
    Path definition = Repo.root().resolve("src/pipeline.yaml");

    CliRun r = dpf("validate", "--definition", definition.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .matches(
            java.util.regex.Pattern.quote(definition.toString())
                + ": valid: 6 source\\(s\\), 6 dataset\\(s\\), 7 model\\(s\\); every model and"
                + " expect rule compiles \\([0-9]+\\.[0-9]s\\)\n");
  }

  @Test
  void everyProblemIsToldAtOnceAndARunStopsBeforeWritingAnything() throws Exception {
    Path definition = dir.resolve("pipeline.yaml");
    Files.writeString(
        definition,
        """
        sources:
          t: {kind: csv-files, path: files/t}
        datasets:
          t:
            source: t
            columns: {id: int, amount: "decimal(12,2)"}
            quality:
              - {rule: expect, name: positive, expression: "amout > 0", action: warn}
        models:
          m: {sql: m.sql}
        """);
    Files.writeString(dir.resolve("m.sql"), "SELECT id, total FROM transformed.t");
    Files.createDirectories(dir.resolve("raw/files/t"));
    Files.writeString(dir.resolve("raw/files/t/t.csv"), "id,amount\n1,2.00\n");
    String expected =
        "dpf: "
            + definition
            + ": 2 problems:\n"
            + "  Quality rule expect(positive) of 't' reads column 'amout', which datasets.t does"
            + " not have (columns: amount, id). Did you mean 'amount'? Fix its expression in"
            + " datasets.t.quality\n"
            + "  Model 'm' (m.sql) does not compile: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column"
            + " or function parameter with name `total` cannot be resolved. Did you mean one of"
            + " the following? [`id`, `amount`, `_source_file`].; line 1 pos 11. Fix the"
            + " SQL file\n";

    CliRun validate = dpf("validate", "--definition", definition.toString());

    assertThat(validate.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(validate.err()).isEqualTo(expected);
    assertThat(validate.out()).isEmpty();

    Path lake = dir.resolve("lake");
    CliRun run = CliRun.run(dir, lake, definition);

    assertThat(run.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
    assertThat(run.err()).isEqualTo(expected);
    // Refused before it wrote anything: no lake folder, catalog or lock is left behind.
    assertThat(lake).doesNotExist();
  }
}
