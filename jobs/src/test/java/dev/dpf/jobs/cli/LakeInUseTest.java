package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.storage.LakeLock;
import dev.dpf.core.testing.CrashAt;
import dev.dpf.core.testing.JavaProcess;
import dev.dpf.jobs.testing.CliRun;
import dev.dpf.jobs.testing.CrashingDpf;
import dev.dpf.jobs.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer at a time on a lake, any number of readers beside it: while a {@code dpf run} holds
 * the lake, queries, listings and plans in other processes run and see the committed versions of
 * its tables, and a second writer (a run, a {@code dpf sql} INSERT) stops with one line and leaves
 * every file of the lake as it was; a lake that cannot be written is one line too. The lock goes
 * with the process that held it, however it ends.
 */
class LakeInUseTest {
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
      """;

  private Path definition() throws Exception {
    Path d = dir.resolve("pipeline.yaml");
    Files.writeString(d, DEFINITION);
    Path raw = dir.resolve("raw/files/t/a.csv");
    Files.createDirectories(raw.getParent());
    Files.writeString(raw, "id,v\n1,a\n2,b\n3,c\n");
    return d;
  }

  @Test
  void readersRunBesideAHeldRunAndASecondWriterStopsWithOneLine() throws Exception {
    Path definition = definition();
    Path lake = dir.resolve("lake");
    String[] run = CliRun.runArgs(dir, lake, definition);
    assertThat(dpf(run).code()).isZero(); // transformed.t: rows 1 to 3
    Files.writeString(dir.resolve("raw/files/t/b.csv"), "id,v\n4,d\n5,e\n");

    // The second run holds the lake once its ingest committed the two new rows to consolidated.t,
    // before it transforms them, until the test lets it go on.
    Path out = dir.resolve("held.out");
    Path release = dir.resolve("release");
    Process held =
        JavaProcess.start(
            dir,
            out,
            concat(
                List.of(
                    CrashingDpf.class.getName(),
                    IngestHooks.WRITTEN,
                    "--release",
                    release.toString()),
                run));
    try {
      JavaProcess.awaitOutput(held, out, CrashAt.MARKER + IngestHooks.WRITTEN);
      List<String> before = files(lake);

      // Readers, in a process of their own: the committed versions, and no wait.
      Path queried = dir.resolve("query.out");
      Process query =
          JavaProcess.start(
              dir,
              queried,
              Dpf.class.getName(),
              "sql",
              "--lake",
              lake.toString(),
              "--master",
              "local[1]",
              "--format",
              "csv",
              "select count(*) as t from transformed.t; select count(*) as c from"
                  + " consolidated.t");
      assertThat(query.waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(query.exitValue()).isZero();
      assertThat(Files.readString(queried, UTF_8)).isEqualTo("t\n3\n\nc\n5\n");
      for (String[] reader :
          List.of(
              new String[] {"tables", "--lake", lake.toString()},
              new String[] {"describe", "--lake", lake.toString(), "transformed.t"},
              new String[] {"quarantine", "list", "--lake", lake.toString()},
              new String[] {
                "plan",
                "--raw",
                dir.resolve("raw").toString(),
                "--lake",
                lake.toString(),
                "--definition",
                definition.toString()
              })) {
        CliRun r = dpf(reader);
        assertThat(r.code()).as(String.join(" ", reader) + ": " + r.err()).isZero();
      }

      // Writers stop with one line and write nothing.
      CliRun second = dpf(run);
      CliRun insert =
          dpf("sql", "--lake", lake.toString(), "insert into transformed.t values (9, 'z')");
      String inUse =
          "dpf: The lake at "
              + lake
              + " is in use by dpf run \\(pid "
              + held.pid()
              + " on .+, since .+Z\\)\\. One dpf process at a time may write a lake: wait until"
              + " it ends, then run again\n";
      assertThat(second.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(second.err()).matches(inUse);
      assertThat(second.out()).isEmpty();
      assertThat(insert.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(insert.err())
          .matches("dpf: statement 1 of 1 \\(line 1\\) failed: " + inUse.substring(5));
      assertThat(files(lake)).as("nothing written by the refused writers").isEqualTo(before);

      // The run goes on, finishes, and a reader then sees its rows.
      Files.createFile(release);
      assertThat(held.waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(held.exitValue()).as(Files.readString(out, UTF_8)).isZero();
    } finally {
      held.destroyForcibly();
      held.waitFor(30, TimeUnit.SECONDS);
    }
    CliRun after =
        dpf(
            "sql",
            "--lake",
            lake.toString(),
            "--format",
            "csv",
            "select count(*) from transformed.t");
    assertThat(after.out()).isEqualTo("count(1)\n5\n");
  }

  @Test
  void aKilledWriterLetsGoOfTheLake() throws Exception {
    Path definition = definition();
    Path lake = dir.resolve("lake");
    Path out = dir.resolve("first.out");
    Process first =
        JavaProcess.start(
            dir,
            out,
            concat(
                List.of(CrashingDpf.class.getName(), IngestHooks.PLANNED),
                CliRun.runArgs(dir, lake, definition)));
    try {
      JavaProcess.awaitOutput(first, out, CrashAt.MARKER + IngestHooks.PLANNED);
    } finally {
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    // The lock went with the killed process (the next run resumes its batch: IngestCrashTest).
    LakeLock.acquire(lake.toString(), new Configuration(), "dpf test").close();
  }

  @Test
  void aLakeFolderThatCannotBeWrittenIsOneLineBeforeAnythingIsWritten() throws Exception {
    Path definition = definition();
    Path lake = dir.resolve("lake");
    Path log = lake.resolve("consolidated/t/_delta_log");
    Files.createDirectories(log);
    readOnly(log, true);
    try {
      CliRun r = dpf(CliRun.runArgs(dir, lake, definition));

      assertThat(r.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(r.err())
          .isEqualTo(
              "dpf: Cannot write the lake at "
                  + lake
                  + ": "
                  + log
                  + " (it is read-only for this process). Make the lake writable for this user,"
                  + " or pass another --lake\n");
      assertThat(Files.exists(lake.resolve("_system"))).as("nothing written").isFalse();
    } finally {
      readOnly(log, false);
    }
  }

  @Test
  void aLockIsTakenOnceAndFreedOnClose() throws Exception {
    Path lake = dir.resolve("lake");
    Configuration conf = new Configuration();
    try (LakeLock held = LakeLock.acquire(lake.toString(), conf, "dpf test")) {
      assertThatThrownBy(() -> LakeLock.acquire(lake.toString(), conf, "dpf other"))
          .isInstanceOf(DpfException.class)
          .hasMessageStartingWith("The lake at " + lake + " is in use by dpf test (pid ");
    }
    LakeLock.acquire(lake.toString(), conf, "dpf again").close();
  }

  @Test
  void onS3TheLockIsAFileThatASecondProcessFindsAndTheHolderRemoves() throws Exception {
    try (S3Server s3 = S3Server.start(dir)) {
      s3.createBucket("lake");
      Configuration conf = new Configuration();
      s3.s3aSettings().forEach(conf::set);
      conf.set("fs.s3a.access.key", S3Server.ACCESS_KEY);
      conf.set("fs.s3a.secret.key", S3Server.SECRET_KEY);
      conf.setBoolean("fs.s3a.impl.disable.cache", true);
      String lake = "s3a://lake/sales";

      try (LakeLock held = LakeLock.acquire(lake, conf, "dpf run job")) {
        assertThat(s3.keys("lake", "sales/")).containsExactly("sales/" + LakeLock.FILE);
        assertThatThrownBy(() -> LakeLock.acquire(lake, conf, "dpf transform job"))
            .isInstanceOf(DpfException.class)
            .hasMessageMatching(
                "The lake at s3a://lake/sales is in use by dpf run job \\(pid \\d+ on .+, since"
                    + " .+Z\\)\\. One dpf process at a time may write a lake: wait until it ends,"
                    + " then run again");
      }
      // s3a leaves a marker for the folder the file was in.
      assertThat(s3.keys("lake", "sales/")).containsExactly("sales/_system/");
      LakeLock.acquire(lake, conf, "dpf run job").close();
    }
  }

  /**
   * Makes a folder unwritable for this process: without write permission, or (for root, whom
   * permissions do not stop) immutable.
   */
  private static void readOnly(Path folder, boolean on) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      assertThat(folder.toFile().setWritable(!on)).isTrue();
      return;
    }
    Process chattr = new ProcessBuilder("chattr", on ? "+i" : "-i", folder.toString()).start();
    boolean done = chattr.waitFor(30, TimeUnit.SECONDS) && chattr.exitValue() == 0;
    if (on) {
      Assumptions.assumeTrue(
          done, "chattr +i is needed to make a folder read-only for root on this file system");
    }
  }

  private static String[] concat(List<String> first, String[] rest) {
    return Stream.concat(first.stream(), Stream.of(rest)).toArray(String[]::new);
  }

  private static List<String> files(Path root) throws Exception {
    try (Stream<Path> all = Files.walk(root)) {
      return all.map(p -> root.relativize(p) + (Files.isDirectory(p) ? "/" : " " + size(p)))
          .sorted()
          .toList();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      return -1;
    }
  }
}
