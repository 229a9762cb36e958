package dev.dpf.jobs;

import dev.dpf.core.definition.Zone;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.LakeLock;
import dev.dpf.core.storage.SparkSetup;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

/** The process's one SparkSession for the CLI, and its hold on the lake. */
final class Sessions {
  private static SparkSession session;
  private static LakeLock lock;

  private Sessions() {}

  /**
   * The local session on a lake: the given master, Delta, and the embedded catalog under a local
   * lake root. The lake's lock is taken first (a local lake's before Spark starts), so a second
   * process on the same lake stops with one line before it opens the catalog or writes anything.
   *
   * @param command what this process does, shown to another process that finds the lake in use
   */
  static synchronized SparkSession local(Dpf.LakeOptions options, String command) {
    if (session == null) {
      SparkSession.Builder builder =
          SparkSetup.smallLocal(
              SparkSetup.delta(SparkSession.builder().appName("dpf").master(options.master)));
      URI lake = URI.create(options.lake.replace('\\', '/').replace(" ", "%20"));
      boolean local = lake.getScheme() == null || lake.getScheme().equals("file");
      if (local) {
        lock(options.lake, new org.apache.hadoop.conf.Configuration(), command);
        Path root = Path.of(lake.getScheme() == null ? options.lake : lake.getPath());
        builder = SparkSetup.localCatalog(builder, root);
      }
      session = builder.getOrCreate();
      if (!local) {
        lock(options.lake, session.sparkContext().hadoopConfiguration(), command);
      }
    }
    return session;
  }

  /** Takes the lake's lock for this process, released by {@link #stop}. */
  static synchronized void lock(
      String lake, org.apache.hadoop.conf.Configuration conf, String command) {
    if (lock == null) {
      lock = LakeLock.acquire(lake, conf, "dpf " + command);
    }
  }

  /** A local session without a catalog, for commands that only read and write files. */
  static synchronized SparkSession plain(String master) {
    if (session == null) {
      session =
          SparkSetup.smallLocal(SparkSession.builder().appName("dpf").master(master)).getOrCreate();
    }
    return session;
  }

  static synchronized void stop() {
    try {
      if (session != null) {
        session.stop();
        session = null;
      }
    } finally {
      if (lock != null) {
        lock.close();
        lock = null;
      }
    }
  }

  /** Registers every Delta table of the lake in the catalog; returns their names, zone by zone. */
  static List<String> registerAll(SparkSession spark, Lake lake) {
    List<String> out = new ArrayList<>();
    for (Zone zone : Zone.values()) {
      for (String table : tablesIn(spark, lake, zone)) {
        lake.register(zone, table);
        out.add(zone.dbName() + "." + table);
      }
    }
    return out;
  }

  /** Names of the Delta tables under {@code <lake>/<zone>/}, sorted. */
  static List<String> tablesIn(SparkSession spark, Lake lake, Zone zone) {
    org.apache.hadoop.fs.Path dir =
        new org.apache.hadoop.fs.Path(lake.root() + "/" + zone.dbName());
    List<String> out = new ArrayList<>();
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.isDirectory() && lake.exists(zone, s.getPath().getName())) {
          out.add(s.getPath().getName());
        }
      }
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }
}
