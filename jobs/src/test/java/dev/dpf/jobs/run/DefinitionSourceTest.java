package dev.dpf.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.testing.Repo;
import dev.dpf.definition.DefinitionException;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The definition from the jar, the classpath, a local file and a Hadoop path. */
class DefinitionSourceTest {
  private static final Path REPO_SRC = Repo.root().resolve("src");

  @TempDir Path dir;

  @Test
  void theJarsCopyByDefaultAndByClasspathLocation() {
    PipelineDefinition packaged = DefinitionSource.load(Optional.empty(), Configuration::new);
    PipelineDefinition named =
        DefinitionSource.load(Optional.of("classpath:dpf/pipeline.yaml"), Configuration::new);
    assertThat(packaged.file()).isEqualTo("classpath:dpf/pipeline.yaml");
    assertThat(named.models()).isEqualTo(packaged.models());
    assertThat(packaged.models()).extracting(ModelDef::name).contains("customer_360");
  }

  @Test
  void aHadoopPathReadsTheDefinitionAndItsModelsThroughTheFileSystem() throws IOException {
    Path copy = copyDefinition();
    // Changed only in the copy, so the test sees which file was read.
    Files.writeString(copy.resolve("models/risk_flags.sql"), "SELECT 1 AS changed_in_copy\n");
    String uri = copy.resolve("pipeline.yaml").toUri().toString(); // file:/...: through Hadoop
    assertThat(DefinitionSource.isHadoopPath(Optional.of(uri))).isTrue();

    PipelineDefinition d = DefinitionSource.load(Optional.of(uri), Configuration::new);

    assertThat(d.file()).isEqualTo(uri);
    assertThat(
            d.models().stream().filter(m -> m.name().equals("risk_flags")).findFirst().get().sql())
        .isEqualTo("SELECT 1 AS changed_in_copy");
    PipelineDefinition local =
        DefinitionSource.load(
            Optional.of(REPO_SRC.resolve("pipeline.yaml").toString()), Configuration::new);
    assertThat(d.sources()).isEqualTo(local.sources());
    assertThat(d.datasets()).isEqualTo(local.datasets());
  }

  @Test
  void aMissingHadoopFileOrModelIsADefinitionError() throws IOException {
    String missing = dir.resolve("nowhere/pipeline.yaml").toUri().toString();
    assertThatThrownBy(() -> DefinitionSource.load(Optional.of(missing), Configuration::new))
        .isInstanceOf(DefinitionException.class)
        .hasMessage(
            missing + ": file not found. Pass --definition with the path of a pipeline.yaml");

    Path copy = copyDefinition();
    Files.delete(copy.resolve("models/risk_flags.sql"));
    String uri = copy.resolve("pipeline.yaml").toUri().toString();
    assertThatThrownBy(() -> DefinitionSource.load(Optional.of(uri), Configuration::new))
        .isInstanceOf(DefinitionException.class)
        .hasMessageStartingWith(
            uri
                + ": line "
                + lineOf(copy.resolve("pipeline.yaml"), "sql: models/risk_flags.sql")
                + ": models.risk_flags.sql: ")
        .hasMessageContaining("models/risk_flags.sql");
  }

  /** The number of the file's line that holds {@code text} (from 1), read by hand. */
  private static int lineOf(Path file, String text) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " is not in " + file);
  }

  @Test
  void plainPathsAndDriveLettersAreLocalFiles() {
    assertThat(DefinitionSource.isHadoopPath(Optional.of("src/pipeline.yaml"))).isFalse();
    assertThat(DefinitionSource.isHadoopPath(Optional.of("C:/dpf/pipeline.yaml"))).isFalse();
    assertThat(DefinitionSource.isHadoopPath(Optional.of("classpath:dpf/pipeline.yaml"))).isFalse();
    assertThat(DefinitionSource.isHadoopPath(Optional.of("s3://bucket/dpf/pipeline.yaml")))
        .isTrue();
    assertThat(DefinitionSource.isHadoopPath(Optional.of("s3a://bucket/pipeline.yaml"))).isTrue();
    assertThat(DefinitionSource.isHadoopPath(Optional.empty())).isFalse();
  }

  private Path copyDefinition() throws IOException {
    Path copy = Files.createDirectories(dir.resolve("def"));
    Files.copy(REPO_SRC.resolve("pipeline.yaml"), copy.resolve("pipeline.yaml"));
    Files.createDirectories(copy.resolve("models"));
    try (var models = Files.list(REPO_SRC.resolve("models"))) {
      for (Path m : models.toList()) {
        Files.copy(m, copy.resolve("models").resolve(m.getFileName()));
      }
    }
    return copy;
  }
}
