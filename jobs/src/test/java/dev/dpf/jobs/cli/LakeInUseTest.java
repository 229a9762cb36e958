package dev.dpf.jobs.cli;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.LakeLock;
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
 * One process at a time on a lake: while a {@code dpf run} holds it, a second run (or an analyst
 * command) stops with one line and leaves every file of the lake as it was; a lake that cannot be
 * written is one line too. The lock goes with the process that held it, however it ends.
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
  void aSecondProcessStopsWithOneLineWhileARunHoldsTheLake() throws Exception {
    Path definition = definition();
    Path lake = dir.resolve("lake");
    Path out = dir.resolve("first.out");
    String[] run = CliRun.runArgs(dir, lake, definition);
    // The first run stops, holding the lake, once it has planned its ingest batch.
    Process first =
        JavaProcess.start(
            dir, out, concat(List.of(CrashingDpf.class.getName(), IngestHooks.PLANNED), run));
    try {
      awaitMarker(first, out, "ingest:planned");
      List<String> before = files(lake);

      CliRun second = dpf(run);
      CliRun query = dpf("sql", "--lake", lake.toString(), "select 1");

      String inUse =
          "dpf: The lake at "
              + lake
              + " is in use by dpf run \\(pid "
              + first.pid()
              + " on .+, since .+Z\\)\\. One dpf process at a time may open a lake: wait until it"
              + " ends, then run again\n";
      assertThat(second.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(second.err()).matches(inUse);
      assertThat(second.out()).isEmpty();
      assertThat(query.code()).isEqualTo(Dpf.EXIT_USER_ERROR);
      assertThat(query.err()).matches(inUse);
      assertThat(files(lake)).as("nothing written by the refused processes").isEqualTo(before);
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
                    + " .+Z\\)\\. One dpf process at a time may open a lake: wait until it ends,"
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

  private static void awaitMarker(Process child, Path out, String point) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      String text = Files.exists(out) ? Files.readString(out, UTF_8) : "";
      if (text.contains(CrashAt.MARKER + point)) {
        return;
      }
      if (!child.isAlive()) {
        throw new AssertionError("first run ended (" + child.exitValue() + "):\n" + text);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("first run never reached " + point);
  }
}
