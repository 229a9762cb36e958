package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.Repo;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.Zone;
import dev.dpf.jobs.testing.CliRun;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf init} on an empty lake: every transformed and curated table of the definition, empty
 * and in the catalog. (That init leaves existing tables alone, gives them the schema of a run, and
 * that a run after it gives the same lake, is core's PipelineEndToEndTest.)
 */
class InitCommandTest {
  @TempDir Path dir;

  @Test
  void createsEveryTransformedAndCuratedTableEmptyInTheCatalog() {
    String definition = Repo.root().resolve("src/pipeline.yaml").toString();
    String lake = dir.resolve("lake").toString();
    PipelineDefinition d = Definitions.load(Path.of(definition));
    List<String> expected =
        d.tables().stream()
            .filter(t -> t.zone() == Zone.TRANSFORMED || t.zone() == Zone.CURATED)
            .sorted(
                java.util.Comparator.comparing((PipelineDefinition.Table t) -> t.zone())
                    .thenComparing(PipelineDefinition.Table::name))
            .map(PipelineDefinition.Table::qualified)
            .toList();

    CliRun first = dpf("init", "--lake", lake, "--definition", definition, "--master", "local[2]");
    assertThat(first.code()).as(first.err()).isZero();
    for (String table : expected) {
      assertThat(first.out())
          .containsPattern("(?m)^.*" + table.replace(".", "\\.") + " .*created, empty");
    }
    CliRun tables = dpf("tables", "--lake", lake);
    StringBuilder listing = new StringBuilder(String.format("%-40s %12s%n", "table", "rows"));
    for (String table : expected) {
      listing.append(String.format("%-40s %,12d%n", table, 0));
    }
    assertThat(tables.out()).isEqualTo(listing.toString());
  }
}
