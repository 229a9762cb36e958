package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.jobs.testing.CliRun;
import dev.dpf.jobs.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/dpf} with a definition and a lake on {@code s3a://} (an S3 API server on loopback),
 * its settings passed as {@code --conf}: the definition is read from the bucket, and a command that
 * reads a lake stops where the bucket holds none, writing nothing there.
 */
class RemoteLocationsTest {
  @TempDir Path dir;

  @Test
  void theDefinitionComesFromS3aAndALakeThatIsNotThereIsOneLine() throws Exception {
    try (S3Server s3 = S3Server.start(dir)) {
      s3.createBucket("defs");
      s3.createBucket("lakes");
      Path definition = Files.createDirectory(dir.resolve("definition"));
      Files.writeString(
          definition.resolve("pipeline.yaml"),
          """
          sources:
            partner_files: {kind: csv-files, path: files/partner}
          datasets:
            partner:
              source: partner_files
              key: [id]
              columns:
                id: {type: int, nullable: false}
                amount: {type: "decimal(12,2)"}
          """);
      s3.upload(definition, "defs", "dpf/");
      List<String> conf = s3.dpfConf();

      List<String> init =
          new ArrayList<>(
              List.of(
                  "init",
                  "--lake",
                  dir.resolve("lake").toString(),
                  "--definition",
                  "s3a://defs/dpf/pipeline.yaml",
                  "--master",
                  "local[1]"));
      init.addAll(conf);
      CliRun made = dpf(init.toArray(String[]::new));

      assertThat(made.code()).as(made.err()).isZero();
      assertThat(made.out()).containsPattern("(?m)^ *init +transformed\\.partner .*created, empty");
      assertThat(dir.resolve("lake/transformed/partner/_delta_log")).isDirectory();

      List<String> tables =
          new ArrayList<>(List.of("tables", "--lake", "s3a://lakes/none", "--master", "local[1]"));
      tables.addAll(conf);
      CliRun none = dpf(tables.toArray(String[]::new));

      assertThat(none.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(none.err())
          .isEqualTo(
              "dpf: No lake at s3a://lakes/none: it has no zone folder (consolidated, transformed,"
                  + " curated, quarantine), run log (_system/runs) or lock. Pass --lake with a"
                  + " lake's root, or make one there with dpf run or dpf init\n");
      assertThat(s3.keys("lakes", "")).isEmpty();
    }
  }
}
