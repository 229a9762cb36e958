package dev.dpf.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.JavaProcess;
import dev.dpf.core.testing.Repo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, as spark-submit and an analyst would run them: the Glue-style job main (no master
 * in code; spark-submit passes it as a system property), then {@code dpf sql} and {@code dpf
 * tables} in new JVMs that find the tables by name in the lake's catalog.
 */
class ProcessTest {
  private record Result(int code, String out) {}

  private static Result java(Path workDir, String... args) throws Exception {
    List<String> withLogging = new ArrayList<>();
    withLogging.add("-Dlog4j2.configurationFile=classpath:dpf-log4j2.properties");
    withLogging.addAll(Arrays.asList(args));
    Path log = Files.createTempFile(workDir, "out", ".log");
    Process p = JavaProcess.start(workDir, log, withLogging.toArray(String[]::new));
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", args));
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  @Test
  void aJobRunThenQueriesInNewProcesses(@TempDir Path dir) throws Exception {
    Path lake = dir.resolve("lake");
    String definition = Repo.root().resolve("src/pipeline.yaml").toString();
    long usaRows =
        Files.readAllLines(
                    Repo.root()
                        .resolve("core/src/test/resources/golden/curated.customer_data_usa.csv"))
                .size()
            - 1;

    Result run =
        java(
            dir,
            "-Dspark.master=local[2]",
            "-Dspark.databricks.delta.snapshotPartitions=2",
            "-Dspark.sql.shuffle.partitions=2",
            PipelineJob.class.getName(),
            "--JOB_NAME",
            "dpf-pipeline",
            "--JOB_RUN_ID",
            "jr_1",
            "--raw",
            Repo.root().resolve("sample-data").toString(),
            "--lake",
            lake.toString(),
            "--definition",
            definition,
            "--job-bookmark-option",
            "job-bookmark-disable");
    assertThat(run.code()).as(run.out()).isZero();
    assertThat(run.out())
        .contains("Summary", "curated.customer_data_usa")
        .doesNotContain("skipped\n");

    Result sql =
        java(
            dir,
            Dpf.class.getName(),
            "sql",
            "--lake",
            lake.toString(),
            "--format",
            "csv",
            "select count(*) from curated.customer_data_usa");
    assertThat(sql.code()).as(sql.out()).isZero();
    assertThat(sql.out()).isEqualTo("count(1)\n" + usaRows + "\n");

    // The acceptance query, in a new process that reads the catalog the run left.
    Result sample =
        java(
            dir,
            Dpf.class.getName(),
            "sql",
            "--lake",
            lake.toString(),
            "--format",
            "csv",
            "select * from curated.customer_360 limit 5");
    assertThat(sample.code()).as(sample.out()).isZero();
    assertThat(sample.out().lines().toList()).hasSize(6);
    assertThat(sample.out()).startsWith("customer_id,customer_key,phone,city,");
    assertThat(lake.resolve("_system/pii.key")).exists(); // the lake's own key, made on first use

    Result tables = java(dir, Dpf.class.getName(), "tables", "--lake", lake.toString());
    assertThat(tables.code()).as(tables.out()).isZero();
    assertThat(tables.out().lines().map(l -> l.replaceAll("\\s+", " ").strip()).toList())
        .contains(
            "curated.customer_data_usa " + usaRows,
            "transformed.transactions 200",
            "consolidated.payments 300");
  }
}
