package dev.dpf.jobs.run;

import dev.dpf.core.DpfException;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.LakeLock;
import dev.dpf.core.storage.SparkSetup;
import dev.dpf.definition.Zone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

/** The process's one SparkSession for the CLI, and its hold on the lake. */
public final class Sessions {
  private static SparkSession session;
  private static LakeLock lock;
  // A session the process had before (an application embedding dpf, a test's shared one): used, and
  // left running by stop().
  private static boolean adopted;
  // The local lake folder this process made (there was none): removed by stop() when the process
  // wrote nothing to it, so a run refused before its first stage leaves no lake behind.
  private static Path madeLake;
  // Where notices for the user go (the command's standard error).
  private static java.io.PrintWriter notices =
      new java.io.PrintWriter(
          new java.io.OutputStreamWriter(System.err, java.nio.charset.StandardCharsets.UTF_8),
          true);

  /** What opening a lake puts in its folder before anything is written: the lock and markers. */
  private static final java.util.Set<String> OPENED_ONLY =
      java.util.Set.of("lake.lock", "validated", "pii.key");

  /**
   * The embedded catalog earlier dpf versions kept under {@code _system}, no longer read: table
   * names resolve from the lake's folders.
   */
  static final String RETIRED_METASTORE = "metastore_db";

  /**
   * Spark's loggers that tell a failed task's stack trace (several times over) as it happens: off
   * in bin/dpf's logging (the failure is told once, in one line), on with {@code --log-level
   * debug}.
   */
  static final List<String> TASK_FAILURE_LOGGERS =
      List.of(
          "org.apache.spark.executor.Executor",
          "org.apache.spark.scheduler.TaskSetManager",
          "org.apache.spark.util.Utils",
          "org.apache.spark.sql.execution.datasources.FileFormatWriter",
          "org.apache.spark.sql.delta.files.DeltaFileFormatWriter");

  private Sessions() {}

  /**
   * How to start the local session.
   *
   * @param master the Spark master, for example {@code local[*]}
   * @param logLevel the level of the logs on standard error (a log4j level); null: as configured
   * @param conf Spark settings, as spark-submit's {@code --conf}
   */
  public record Settings(String master, String logLevel, java.util.Map<String, String> conf) {
    public Settings {
      conf = java.util.Map.copyOf(conf);
    }
  }

  /**
   * The local session of a process that writes the lake: the given master, Delta, and table names
   * that resolve from the lake's folders. The lake's lock is taken first (a local lake's before
   * Spark starts), so a second writer stops with one line before it writes anything.
   *
   * @param command what this process does, shown to another writer that finds the lake in use
   */
  public static synchronized SparkSession local(Settings options, String lake, String command) {
    return local(options, lake, command, false);
  }

  /**
   * The local session of a process that only reads a lake, which must be there (when the root holds
   * no lake it stops with a user error and creates nothing). It takes no lock and writes nothing:
   * any number of readers run beside one writer, each seeing the tables' committed versions.
   */
  public static synchronized SparkSession existing(Settings options, String lake) {
    return local(options, lake, null, true);
  }

  /**
   * A local session that reads no lake (options' {@code --lake} is not used): no lock, nothing
   * written.
   */
  public static synchronized SparkSession withoutLake(Settings options) {
    return local(options, null, null, false);
  }

  /**
   * @param lakeRoot the lake's root; null: no lake
   * @param command the writer's command, which takes the lake's lock; null: a reader
   */
  private static SparkSession local(
      Settings options, String lakeRoot, String command, boolean existing) {
    if (options.logLevel() != null) {
      // Spark's and dpf's own loggers; the known noise stays at error.
      org.apache.logging.log4j.Level level =
          org.apache.logging.log4j.Level.valueOf(options.logLevel());
      org.apache.logging.log4j.core.config.Configurator.setRootLevel(level);
      org.apache.logging.log4j.core.config.Configurator.setLevel("dev.dpf", level);
      if (level.isLessSpecificThan(org.apache.logging.log4j.Level.DEBUG)) {
        for (String taskFailures : TASK_FAILURE_LOGGERS) {
          org.apache.logging.log4j.core.config.Configurator.setLevel(taskFailures, level);
        }
      }
    }
    if (session == null) {
      SparkSession.Builder builder =
          SparkSetup.localCatalog(
              SparkSetup.smallLocal(
                  SparkSetup.delta(
                      SparkSession.builder().appName("dpf").master(options.master()))));
      for (var e : options.conf().entrySet()) {
        builder = builder.config(e.getKey(), e.getValue());
      }
      boolean noLake = lakeRoot == null;
      boolean writer = command != null;
      URI lake = noLake ? null : URI.create(lakeRoot.replace('\\', '/').replace(" ", "%20"));
      boolean local = !noLake && (lake.getScheme() == null || lake.getScheme().equals("file"));
      if (local && existing) {
        requireLake(lakeRoot, new org.apache.hadoop.conf.Configuration());
      }
      if (local && writer) {
        Path root = Path.of(lake.getScheme() == null ? lakeRoot : lake.getPath());
        if (!java.nio.file.Files.exists(root)) {
          madeLake = root;
        }
        lock(lakeRoot, new org.apache.hadoop.conf.Configuration(), command);
        retireMetastore(root.toAbsolutePath());
      }
      adopted = SparkSession.getDefaultSession().isDefined();
      session = builder.getOrCreate();
      // Hadoop settings reach a context that was already running too.
      var hadoop = session.sparkContext().hadoopConfiguration();
      options
          .conf()
          .forEach(
              (k, v) -> {
                if (k.startsWith("spark.hadoop.")) {
                  hadoop.set(k.substring("spark.hadoop.".length()), v);
                }
              });
      if (!local && existing) {
        requireLake(lakeRoot, session.sparkContext().hadoopConfiguration());
      }
      if (!local && !noLake && writer) {
        lock(lakeRoot, session.sparkContext().hadoopConfiguration(), command);
      }
      if (!noLake) {
        new Lake(session, lakeRoot).useInSql();
      }
    }
    return session;
  }

  /**
   * Takes the lake's lock for one write of a reading process (a {@code dpf sql} statement that
   * writes), released when the returned lock is closed.
   *
   * @throws DpfException when a writer holds the lake
   */
  public static LakeLock lockForWrite(String lake, String command) {
    if (session == null) {
      throw new IllegalStateException("no session");
    }
    return LakeLock.acquire(lake, session.sparkContext().hadoopConfiguration(), "dpf " + command);
  }

  /** Sends the notices a session tells the user (one line each) to {@code err}. */
  public static synchronized void noticesTo(java.io.PrintWriter err) {
    notices = err;
  }

  /**
   * Sets aside the embedded catalog of an earlier dpf version ({@code _system/metastore_db},
   * holding absolute locations), which nothing reads any more, and says so once.
   */
  static void retireMetastore(Path root) {
    Path system = root.resolve("_system");
    Path old = system.resolve(RETIRED_METASTORE);
    if (!java.nio.file.Files.isDirectory(old)) {
      return;
    }
    Path kept = system.resolve(RETIRED_METASTORE + ".unused");
    try {
      java.nio.file.Files.move(old, kept);
      java.nio.file.Files.deleteIfExists(system.resolve("derby.log"));
      deleteIfOnlyFolders(system.resolve("warehouse"));
    } catch (IOException e) {
      throw new DpfException(
          "Cannot set aside the earlier catalog " + old + ": " + e.getMessage(), e);
    }
    notices.println(
        "dpf: "
            + old
            + " (the catalog of an earlier dpf version) is no longer read: table names resolve"
            + " from the lake's own folders. Kept as "
            + kept.getFileName()
            + "; delete it once you no longer need views you made in it");
    notices.flush();
  }

  private static void deleteIfOnlyFolders(Path dir) throws IOException {
    if (!java.nio.file.Files.isDirectory(dir)) {
      return;
    }
    List<Path> all;
    try (var walk = java.nio.file.Files.walk(dir)) {
      all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
    }
    if (all.stream().allMatch(java.nio.file.Files::isDirectory)) {
      for (Path p : all) {
        java.nio.file.Files.delete(p);
      }
    }
  }

  /**
   * Stops with a user error unless {@code root} holds a lake: a zone's folder ({@code
   * consolidated}, {@code transformed}, {@code curated}, {@code quarantine}), the run log ({@code
   * _system/runs}), which any stage or {@code dpf init} leaves, or the lake's lock file.
   */
  public static void requireLake(String root, org.apache.hadoop.conf.Configuration conf) {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.isFile(dir)) {
        throw LakeLock.notAFolder(root);
      }
      for (Zone zone : Zone.values()) {
        String marker = zone == Zone.SYSTEM ? zone.dbName() + "/runs" : zone.dbName();
        if (fs.exists(new org.apache.hadoop.fs.Path(dir, marker))) {
          return;
        }
      }
      if (fs.exists(new org.apache.hadoop.fs.Path(dir, LakeLock.FILE))) {
        return; // a lake a run is making (the lock then says who holds it)
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new DpfException(
        "No lake at "
            + root
            + ": it has no zone folder (consolidated, transformed, curated, quarantine), run log"
            + " (_system/runs) or lock. Pass --lake with a lake's root, or make one there with dpf"
            + " run or dpf init");
  }

  /** Takes the lake's lock for this process, released by {@link #stop}. */
  static synchronized void lock(
      String lake, org.apache.hadoop.conf.Configuration conf, String command) {
    if (lock == null) {
      lock = LakeLock.acquire(lake, conf, "dpf " + command);
    }
  }

  /** A local session that reads no lake, for commands that only read and write files. */
  public static synchronized SparkSession plain(String master) {
    if (session == null) {
      session =
          SparkSetup.localCatalog(
                  SparkSetup.smallLocal(SparkSession.builder().appName("dpf").master(master)))
              .getOrCreate();
    }
    return session;
  }

  public static synchronized void stop() {
    try {
      if (session != null) {
        if (!adopted) {
          session.stop();
        }
        session = null;
        adopted = false;
      }
    } finally {
      if (lock != null) {
        lock.close();
        lock = null;
      }
      if (madeLake != null) {
        removeIfUnwritten(madeLake);
        madeLake = null;
      }
    }
  }

  /**
   * Removes the lake folder {@code root} this process made if it holds nothing but what opening it
   * put there ({@link #OPENED_ONLY} under {@code _system}): no zone, no log.
   */
  private static void removeIfUnwritten(Path root) {
    Path system = root.resolve("_system");
    try (var top = java.nio.file.Files.list(root)) {
      if (top.anyMatch(p -> !p.equals(system))) {
        return;
      }
      if (java.nio.file.Files.isDirectory(system)) {
        try (var inside = java.nio.file.Files.list(system)) {
          if (inside.anyMatch(p -> !OPENED_ONLY.contains(p.getFileName().toString()))) {
            return;
          }
        }
      }
      try (var all = java.nio.file.Files.walk(root)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.delete(p);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // Left as it is: it holds no data, and the next run uses it.
    }
  }
}
