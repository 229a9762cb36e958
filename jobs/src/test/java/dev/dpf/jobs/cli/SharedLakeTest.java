package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.testing.JavaProcess;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Zone;
import dev.dpf.jobs.run.StageRunner;
import dev.dpf.jobs.testing.CliRun;
import dev.dpf.jobs.testing.S3Server;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lake is its folder: a copy (of a local folder, or of an S3 prefix) reads and writes only its
 * own files, and the JDBC endpoint stays up across runs, seeing their data and their new tables.
 */
class SharedLakeTest {
  @TempDir Path dir;

  private static final String DEFINITION =
      """
      sources:
        t: {kind: csv-files, path: files/t}
      datasets:
        t:
          source: t
          key: [id]
          columns: {id: {type: int, nullable: false}, v: string}
      models:
        t_by_v:
          sql: models/t_by_v.sql
      """;

  /** The definition, with its model, and a first raw file of three rows. */
  private Path definition(String yaml) throws Exception {
    Path d = dir.resolve("pipeline.yaml");
    Files.writeString(d, yaml);
    Files.createDirectories(dir.resolve("models"));
    Files.writeString(
        dir.resolve("models/t_by_v.sql"), "SELECT v, count(*) AS n FROM transformed.t GROUP BY v");
    Files.writeString(dir.resolve("models/t_ids.sql"), "SELECT id FROM transformed.t WHERE id > 1");
    Path raw = dir.resolve("raw/files/t/a.csv");
    Files.createDirectories(raw.getParent());
    Files.writeString(raw, "id,v\n1,a\n2,b\n3,a\n");
    return d;
  }

  @Test
  void aCopiedFolderReadsAndWritesOnlyItsOwnFiles() throws Exception {
    Path definition = definition(DEFINITION);
    Path lake = dir.resolve("lake");
    CliRun made = CliRun.run(dir, lake, definition, "--report", report(lake));
    assertThat(made.code()).as(made.err()).isZero();
    Map<String, String> original = fingerprints(lake.toString(), new Configuration());
    assertThat(original).containsKeys("transformed.t", "curated.t_by_v", "_system.runs");

    Path copy = dir.resolve("copy of the lake"); // a space: names and URIs kept apart
    copyTree(lake, copy);
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        Files.delete(p); // the original's data: what the copy must not need
      }
    }

    assertThat(sqlFingerprints(copy.toString(), List.of(), original.keySet())).isEqualTo(original);
    CliRun detail =
        dpf("sql", "--lake", copy.toString(), "--format", "json", "describe detail curated.t_by_v");
    assertThat(
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(detail.out())
                .path("location")
                .asText())
        .isEqualTo("file:" + copy.resolve("curated/t_by_v"));

    // A run on the copy finds nothing new, and writes the copy's report anew: its pages name the
    // copy's folders.
    CliRun again = CliRun.run(dir, copy, definition, "--report", report(copy));
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("Report file:").doesNotContain("as it was");
    assertThat(Files.readString(copy.resolve("_system/report/index.html")))
        .contains("file:" + copy)
        .doesNotContain("file:" + lake + "/")
        .doesNotContain("file:" + lake + " ");

    // A write through the copy changes the copy only.
    List<String> originalLog = files(lake.resolve("transformed/t/_delta_log"));
    CliRun insert =
        dpf(
            "sql",
            "--lake",
            copy.toString(),
            "insert into transformed.t select * from transformed.t where id = 1");
    assertThat(insert.code()).as(insert.err()).isZero();
    assertThat(files(lake.resolve("transformed/t/_delta_log"))).isEqualTo(originalLog);
    CliRun count =
        dpf(
            "sql",
            "--lake",
            copy.toString(),
            "--format",
            "csv",
            "select count(*) from transformed.t");
    assertThat(count.out()).isEqualTo("count(1)\n4\n");
  }

  @Test
  void aLakeCopiedToAnotherS3PrefixReadsOnlyItsOwnObjects() throws Exception {
    Path definition = definition(DEFINITION);
    try (S3Server s3 = S3Server.start(dir)) {
      // A bucket no other test names: s3a file systems are cached by bucket in the test JVM.
      s3.createBucket("copied-lakes");
      List<String> conf = s3.dpfConf();
      Configuration hadoop = new Configuration();
      s3.s3aSettings().forEach(hadoop::set);
      hadoop.set("fs.s3a.access.key", S3Server.ACCESS_KEY);
      hadoop.set("fs.s3a.secret.key", S3Server.SECRET_KEY);
      hadoop.setBoolean("fs.s3a.impl.disable.cache", true);

      String lake = "s3a://copied-lakes/prod";
      List<String> run =
          new ArrayList<>(
              List.of(
                  "run",
                  "--raw",
                  dir.resolve("raw").toString(),
                  "--lake",
                  lake,
                  "--definition",
                  definition.toString(),
                  "--master",
                  "local[1]",
                  "--no-report"));
      run.addAll(conf);
      // A lake on object storage is given its PII key (none is made inside it): here in the
      // environment this process's runs read, as set back after.
      java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
      env.put(Pipeline.PII_KEY_ENV, "0123456789abcdef0123456789abcdef");
      StageRunner.environment(env);
      CliRun made;
      try {
        made = dpf(run.toArray(String[]::new));
      } finally {
        StageRunner.environment(System.getenv());
      }
      assertThat(made.code()).as(made.err()).isZero();
      Map<String, String> original = fingerprints(lake, hadoop);
      assertThat(original).containsKeys("transformed.t", "curated.t_by_v");

      org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(lake);
      org.apache.hadoop.fs.Path to = new org.apache.hadoop.fs.Path("s3a://copied-lakes/test-copy");
      FileSystem fs = from.getFileSystem(hadoop);
      assertThat(FileUtil.copy(fs, from, fs, to, false, hadoop)).isTrue();
      assertThat(fs.delete(from, true)).isTrue();

      assertThat(sqlFingerprints(to.toString(), conf, original.keySet())).isEqualTo(original);
    }
  }

  @Test
  void aLakeWithTheCatalogOfAnEarlierVersionOpensAndSetsItAsideOnce() throws Exception {
    Path definition = definition(DEFINITION);
    Path lake = dir.resolve("lake");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    // What an earlier version left: its embedded catalog, Derby's log, an empty warehouse.
    Path system = lake.resolve("_system");
    Files.createDirectories(system.resolve("metastore_db/seg0"));
    Files.writeString(system.resolve("metastore_db/service.properties"), "derby");
    Files.writeString(system.resolve("derby.log"), "Booting Derby");
    Files.createDirectories(system.resolve("warehouse/curated"));

    CliRun read =
        dpf(
            "sql",
            "--lake",
            lake.toString(),
            "--format",
            "csv",
            "select count(*) from curated.t_by_v");
    assertThat(read.out()).isEqualTo("count(1)\n2\n");
    assertThat(read.err()).isEmpty(); // a reader writes nothing, so it says nothing either
    assertThat(system.resolve("metastore_db")).isDirectory();

    CliRun first = CliRun.run(dir, lake, definition);
    assertThat(first.code()).isZero();
    assertThat(first.err())
        .isEqualTo(
            "dpf: "
                + system.resolve("metastore_db")
                + " (the catalog of an earlier dpf version) is no longer read: table names resolve"
                + " from the lake's own folders. Kept as metastore_db.unused; delete it once you no"
                + " longer need views you made in it\n");
    assertThat(system.resolve("metastore_db.unused/service.properties")).hasContent("derby");
    assertThat(system.resolve("metastore_db")).doesNotExist();
    assertThat(system.resolve("derby.log")).doesNotExist();
    assertThat(system.resolve("warehouse")).doesNotExist();

    CliRun second = CliRun.run(dir, lake, definition);
    assertThat(second.code()).isZero();
    assertThat(second.err()).isEmpty();
  }

  @Test
  void theJdbcEndpointStaysUpAcrossRunsAndListsTablesTheyMake() throws Exception {
    Path definition = definition(DEFINITION);
    Path lake = dir.resolve("lake");
    assertThat(CliRun.run(dir, lake, definition).code()).isZero();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path out = dir.resolve("serve.out");
    Process serve =
        JavaProcess.start(
            dir,
            out,
            Dpf.class.getName(),
            "serve",
            "--lake",
            lake.toString(),
            "--port",
            Integer.toString(port),
            "--refresh",
            "1",
            "--master",
            "local[1]");
    try {
      String url = "jdbc:hive2://127.0.0.1:" + port + "/curated";
      JavaProcess.awaitOutput(serve, out, url);
      Class.forName("org.apache.hive.jdbc.HiveDriver");
      try (Connection c = DriverManager.getConnection(url, "", "")) {
        assertThat(rows(c, "SELECT v, n FROM t_by_v ORDER BY v")).containsExactly("a,2", "b,1");
        assertThat(tables(c))
            .contains("curated.t_by_v", "transformed.t")
            .doesNotContain("curated.t_ids");

        // A run adds rows and a model while the endpoint is up.
        Files.writeString(dir.resolve("raw/files/t/b.csv"), "id,v\n4,b\n5,c\n");
        Files.writeString(definition, DEFINITION + "  t_ids:\n    sql: models/t_ids.sql\n");
        CliRun run = CliRun.run(dir, lake, definition);
        assertThat(run.code()).as(run.err()).isZero();

        assertThat(rows(c, "SELECT v, n FROM t_by_v ORDER BY v"))
            .containsExactly("a,2", "b,2", "c,1");
        assertThat(rows(c, "SELECT count(*) FROM curated.t_ids")).containsExactly("4");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!tables(c).contains("curated.t_ids") && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertThat(tables(c)).contains("curated.t_ids");
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, "curated", "t_ids", "%")) {
          while (rs.next()) {
            columns.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
          }
        }
        assertThat(columns).containsExactly("id INT");
        List<String> schemas = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getSchemas()) {
          while (rs.next()) {
            schemas.add(rs.getString("TABLE_SCHEM"));
          }
        }
        assertThat(schemas).contains("curated", "transformed", "consolidated", "_system");
      }
      serve.destroy(); // TERM, as a service manager stops it
      assertThat(serve.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(serve.exitValue()).as(Files.readString(out, UTF_8)).isZero();
    } finally {
      serve.destroyForcibly();
      serve.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String report(Path lake) {
    return lake.resolve("_system/report").toString();
  }

  /**
   * Each table's row count and an order-independent checksum of its rows, read by path with the
   * test's own session (not through dpf's catalog).
   */
  private static Map<String, String> fingerprints(String root, Configuration conf)
      throws Exception {
    SparkSession spark = SparkExtension.session();
    conf.iterator()
        .forEachRemaining(
            e -> {
              if (e.getKey().startsWith("fs.s3a.")) {
                spark.sparkContext().hadoopConfiguration().set(e.getKey(), e.getValue());
              }
            });
    Map<String, String> out = new LinkedHashMap<>();
    for (Zone zone : Zone.values()) {
      org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(root + "/" + zone.dbName());
      FileSystem fs = folder.getFileSystem(conf);
      if (!fs.exists(folder)) {
        continue;
      }
      for (var table : fs.listStatus(folder)) {
        if (!fs.exists(new org.apache.hadoop.fs.Path(table.getPath(), "_delta_log"))) {
          continue;
        }
        Row r =
            spark
                .read()
                .format("delta")
                .load(table.getPath().toString())
                .selectExpr("count(*)", "coalesce(sum(xxhash64(to_json(struct(*)))), 0)")
                .first();
        out.put(zone.dbName() + "." + table.getPath().getName(), r.get(0) + "," + r.get(1));
      }
    }
    return out;
  }

  /** The same fingerprints, through {@code dpf sql} on the lake at {@code root}. */
  private static Map<String, String> sqlFingerprints(
      String root, List<String> conf, java.util.Set<String> tables) {
    List<String> names = tables.stream().sorted().toList();
    StringBuilder script = new StringBuilder();
    for (String name : names) {
      script.append(
          "select count(*), coalesce(sum(xxhash64(to_json(struct(*)))), 0) from " + name + ";\n");
    }
    List<String> args =
        new ArrayList<>(List.of("sql", "--lake", root, "--format", "csv", "-e", script.toString()));
    args.addAll(conf);
    CliRun r = dpf(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    String[] results = r.out().split("\n\n");
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      out.put(names.get(i), results[i].strip().split("\n")[1]);
    }
    return out;
  }

  private static List<String> rows(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (var st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> cells = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          cells.add(rs.getString(i));
        }
        out.add(String.join(",", cells));
      }
    }
    return out;
  }

  private static List<String> tables(Connection c) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = c.getMetaData().getTables(null, "%", "%", null)) {
      while (rs.next()) {
        out.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
      }
    }
    return out;
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static List<String> files(Path folder) throws Exception {
    try (Stream<Path> all = Files.list(folder)) {
      return all.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
