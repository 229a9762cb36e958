package dev.dpf.jobs.glue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.internal.pii.PiiKey;
import dev.dpf.core.testing.JavaProcess;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SampleLake;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.jobs.cli.Dpf;
import dev.dpf.jobs.testing.S3Server;
import dev.dpf.jobs.testing.SparkHome;
import dev.dpf.jobs.testing.StandaloneCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample through all stages where users run the pipeline, each lake checked by the same body
 * ({@link SampleLake}: every golden table and the run log's counts): with spark-submit on a
 * standalone cluster of two workers, raw zone, lake and definition on {@code s3a://} against an S3
 * API server (then an analyst's new process finds the tables by name). The other place, in process,
 * is core's {@code PipelineEndToEndTest}, which checks its local lake with the same body. Every
 * spark-submit runs the Glue job jar on a Spark installation of Spark's own jars ({@link
 * SparkHome}), as Glue does, with Glue's own arguments among ours. Runs after {@code package}
 * (failsafe), when the jar exists.
 */
class RunAnywhereIT {
  private static final Path SAMPLE = Repo.root().resolve("sample-data");

  /** Small-data settings, as a user would pass them to spark-submit. */
  private static final Map<String, String> SMALL_DATA =
      Map.of(
          "spark.sql.shuffle.partitions", "2",
          "spark.databricks.delta.snapshotPartitions", "2",
          "spark.ui.enabled", "false");

  @TempDir static Path shared;
  private static SparkHome sparkHome;
  private static Path glueJar;
  private static Path piiKeyFile;
  private final SparkSession spark = SparkExtension.session();

  @BeforeAll
  static void installSparkAndFindTheJobJar() throws IOException {
    sparkHome = SparkHome.create(shared.resolve("spark-home"));
    try (var files = Files.list(Path.of("target"))) {
      glueJar =
          files
              .filter(f -> f.getFileName().toString().matches("dpf-jobs-.*-glue\\.jar"))
              .findFirst()
              .orElseThrow(
                  () -> new IllegalStateException("No Glue job jar in target/: run mvn verify"));
    }
    piiKeyFile = Files.writeString(shared.resolve("pii.key"), SampleLake.PII_KEY + "\n");
  }

  @Test
  void sparkHomeHoldsSparkDeltaAndS3aButNoneOfOurs() throws IOException {
    List<String> jars = sparkHome.jars();
    assertThat(jars)
        .anyMatch(j -> j.startsWith("spark-core_2.12-"))
        .anyMatch(j -> j.startsWith("delta-spark_2.12-"))
        .anyMatch(j -> j.startsWith("hadoop-aws-"))
        .noneMatch(j -> j.startsWith("dpf-") || j.startsWith("picocli-"));
  }

  @Test
  void theGlueJarCarriesOnlyWhatAJobRuns() throws IOException {
    List<String> entries = new java.util.ArrayList<>();
    try (var jar = new java.util.jar.JarFile(glueJar.toFile())) {
      jar.stream().map(java.util.jar.JarEntry::getName).forEach(entries::add);
    }
    assertThat(entries)
        .contains(
            "dev/dpf/jobs/glue/PipelineJob.class",
            "dev/dpf/jobs/glue/IngestJob.class",
            "dev/dpf/jobs/run/StageRunner.class",
            "dev/dpf/core/pipeline/Pipeline.class",
            "dpf/pipeline.yaml",
            "dev/dpf/shaded/org/yaml/snakeyaml/Yaml.class");
    for (String left : List.of("cli", "query", "aws", "extract", "generate", "site")) {
      assertThat(entries).as(left).noneMatch(e -> e.startsWith("dev/dpf/jobs/" + left + "/"));
    }
    assertThat(entries).noneMatch(e -> e.contains("picocli") || e.startsWith("org/jline/"));
  }

  @Test
  void aMistakeFailsTheSubmitWithExitCodeOneAndItsMessage(@TempDir Path dir) throws Exception {
    Submitted run =
        launch(dir, "local[2]", Map.of(), Map.of(), raw(SAMPLE), List.of("--lakes", "x"));
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("dpf: Unknown job argument(s): --lakes (did you mean --lake?). dpf's are");
  }

  @Test
  void standaloneClusterOfTwoWorkersWithRawLakeAndDefinitionOnS3a(@TempDir Path dir)
      throws Exception {
    try (S3Server s3 = S3Server.start(dir)) {
      s3.createBucket("dpf-raw");
      s3.createBucket("dpf-lake");
      int sampleFiles = s3.upload(SAMPLE, "dpf-raw", "sample/");
      assertThat(sampleFiles).isPositive();
      s3.upload(Repo.root().resolve("src"), "dpf-raw", "definition/");

      Map<String, String> conf = new LinkedHashMap<>();
      s3.s3aSettings().forEach((k, v) -> conf.put("spark.hadoop." + k, v));
      conf.putAll(
          Map.of(
              "spark.executor.memory", "1g",
              "spark.executor.cores", "1",
              "spark.executor.extraJavaOptions", String.join(" ", JavaProcess.SHORT_LIVED),
              "spark.cores.max", "2"));
      // Credentials from the environment, as the AWS default chain reads them: the driver's, and
      // each executor's (set by the worker that starts it).
      Map<String, String> credentials =
          Map.of(
              "AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY,
              "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
      credentials.forEach((k, v) -> conf.put("spark.executorEnv." + k, v));
      // Without a PII hashing key, a job on object storage stops before it writes: it makes no
      // key file inside the lake.
      Map<String, String> noKey = new LinkedHashMap<>(conf);
      noKey.put(PiiKey.FILE_CONF, null);
      Submitted refused =
          launch(
              dir,
              "local[1]",
              noKey,
              credentials,
              raw("s3a://dpf-raw/sample"),
              lake("s3a://dpf-lake/lake"),
              List.of("--definition", "s3a://dpf-raw/definition/pipeline.yaml"));
      assertThat(refused.exitCode()).as(refused.out() + refused.err()).isNotZero();
      assertThat(refused.err())
          .contains(
              "No PII hashing key for the lake s3a://dpf-lake/lake: on object storage dpf does"
                  + " not make one inside the lake");
      // (The lake's lock came and went; s3a leaves a marker of its folder.)
      assertThat(s3.keys("dpf-lake", "lake/")).isSubsetOf("lake/_system/");
      try (StandaloneCluster cluster =
          StandaloneCluster.start(sparkHome, dir.resolve("cluster"), 2)) {
        submit(
            dir,
            "standalone cluster of 2 workers, s3a (S3 API server)",
            cluster.url(),
            conf,
            credentials,
            raw("s3a://dpf-raw/sample"),
            lake("s3a://dpf-lake/lake"),
            List.of("--definition", "s3a://dpf-raw/definition/pipeline.yaml"));
        // Both workers ran an executor, and each executor ran tasks (executor logs under
        // <worker>/<app>/<executor>/stderr).
        for (int worker = 1; worker <= 2; worker++) {
          assertThat(executorLogs(cluster.workDir(worker)))
              .as("executor log of worker " + worker)
              .anyMatch(log -> log.contains("Finished task"));
        }
      }

      // This JVM reads the lake bucket through s3a too (settings for that bucket only).
      var hadoop = spark.sparkContext().hadoopConfiguration();
      s3.s3aSettings()
          .forEach((k, v) -> hadoop.set(k.replace("fs.s3a.", "fs.s3a.bucket.dpf-lake."), v));
      hadoop.set("fs.s3a.bucket.dpf-lake.access.key", S3Server.ACCESS_KEY);
      hadoop.set("fs.s3a.bucket.dpf-lake.secret.key", S3Server.SECRET_KEY);
      SampleLake.assertMatchesGoldens(spark, "s3a://dpf-lake/lake");

      // Each table's Delta log is in the bucket: commits 0, 1, ... without a gap, written in
      // place (no rename-based commit leftovers).
      List<String> keys = s3.keys("dpf-lake", "lake/");
      for (String table : SampleLake.TABLES) {
        String log = "lake/" + table.replace('.', '/') + "/_delta_log/";
        List<String> commits =
            keys.stream()
                .filter(k -> k.matches(java.util.regex.Pattern.quote(log) + "\\d{20}\\.json"))
                .toList();
        assertThat(commits).as(table).isNotEmpty();
        for (int version = 0; version < commits.size(); version++) {
          assertThat(commits.get(version)).isEqualTo(log + String.format("%020d.json", version));
        }
      }
      assertThat(keys).noneMatch(k -> k.contains("_temporary") || k.endsWith(".tmp"));

      // An analyst, in a new process, finds the lake's tables by name and counts their rows.
      long usaRows =
          Files.readAllLines(
                      Repo.root()
                          .resolve("core/src/test/resources/golden/curated.customer_data_usa.csv"))
                  .size()
              - 1;
      List<String> jvm = new ArrayList<>();
      s3.s3aSettings().forEach((k, v) -> jvm.add("-Dspark.hadoop." + k + "=" + v));
      jvm.add("-Dspark.hadoop.fs.s3a.access.key=" + S3Server.ACCESS_KEY);
      jvm.add("-Dspark.hadoop.fs.s3a.secret.key=" + S3Server.SECRET_KEY);
      assertThat(
              dpf(dir, jvm, "tables", "--lake", "s3a://dpf-lake/lake")
                  .lines()
                  .map(l -> l.replaceAll("\\s+", " ").strip())
                  .toList())
          .contains(
              "curated.customer_data_usa " + usaRows,
              "transformed.transactions 200",
              "consolidated.payments 300");
    }
  }

  private static List<String> raw(Object root) {
    return List.of("--raw", root.toString());
  }

  private static List<String> lake(Object root) {
    return List.of("--lake", root.toString());
  }

  /** What a spark-submit printed, and its exit code. */
  private record Submitted(int exitCode, String out, String err) {}

  /**
   * Runs {@code spark-submit --master MASTER --class PipelineJob <glue jar> --JOB_NAME ... ARGS}
   * from the Spark installation, with Glue's own arguments among ours, and checks it succeeded and
   * printed its summary with every reconciliation line ok.
   */
  @SafeVarargs
  private static void submit(
      Path dir,
      String configuration,
      String master,
      Map<String, String> conf,
      Map<String, String> env,
      List<String>... jobArgs)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    Submitted run = launch(dir, master, conf, env, jobArgs);
    System.out.printf(
        "RunAnywhereIT: %s: pipeline run %.1f s wall%n",
        configuration, (System.nanoTime() - start) / 1e9);
    assertThat(run.exitCode()).as(configuration + " exit code\n" + run.out() + run.err()).isZero();
    assertThat(run.out())
        .contains("Summary", "total     20 table(s), 0 skipped", "Reconciliation")
        .doesNotContain(" MISMATCH");
  }

  @SafeVarargs
  private static Submitted launch(
      Path dir,
      String master,
      Map<String, String> conf,
      Map<String, String> env,
      List<String>... jobArgs)
      throws IOException, InterruptedException {
    List<String> args =
        new ArrayList<>(List.of("--master", master, "--class", PipelineJob.class.getName()));
    Map<String, String> all = new LinkedHashMap<>(SMALL_DATA);
    all.put(PiiKey.FILE_CONF, piiKeyFile.toString());
    all.putAll(conf);
    all.values().removeIf(java.util.Objects::isNull); // a setting left out
    all.forEach((k, v) -> args.addAll(List.of("--conf", k + "=" + v)));
    args.add(glueJar.toAbsolutePath().toString());
    args.addAll(
        List.of(
            "--JOB_NAME", "dpf-pipeline",
            "--JOB_RUN_ID", "jr_0123456789abcdef",
            "--job-bookmark-option", "job-bookmark-disable",
            "--TempDir", dir.resolve("glue-temp").toString()));
    for (List<String> a : jobArgs) {
      args.addAll(a);
    }
    Path work = dir.resolve("submit");
    Process p =
        sparkHome.start(
            work,
            "spark-submit",
            List.of("-Xmx1g"),
            env,
            "org.apache.spark.deploy.SparkSubmit",
            args);
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      SparkHome.stop(p);
      throw new AssertionError("spark-submit timed out\n" + tail(work.resolve("spark-submit.err")));
    }
    return new Submitted(
        p.exitValue(),
        Files.readString(work.resolve("spark-submit.out"), StandardCharsets.UTF_8),
        tail(work.resolve("spark-submit.err")));
  }

  /**
   * {@code dpf ARGS} in a new JVM (with options JVM) on the test classpath; its standard output.
   */
  private static String dpf(Path dir, List<String> jvm, String... args) throws Exception {
    List<String> command = new ArrayList<>(jvm);
    command.add("-Dlog4j2.configurationFile=classpath:dpf-log4j2.properties");
    command.add(Dpf.class.getName());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "dpf", ".out");
    Process p = JavaProcess.start(dir, out, command.toArray(String[]::new));
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: dpf " + String.join(" ", args));
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  private static List<String> executorLogs(Path workerDir) throws IOException {
    try (var files = Files.walk(workerDir)) {
      List<String> out = new ArrayList<>();
      for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
        out.add(Files.readString(f, StandardCharsets.UTF_8));
      }
      return out;
    }
  }

  private static String tail(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
