package dev.dpf.jobs.query;

import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lake's tables, entered in the session's in-memory catalog and kept current while the JDBC
 * endpoint runs. Spark 3.5's Thrift server answers JDBC metadata calls (getSchemas, getTables,
 * getColumns, as DBeaver and BI tools make them) from that catalog alone, not from the catalog that
 * resolves queries (see SPARK-57518): without these entries a BI tool would see no table. Queries
 * do not use them; they read the folders at each statement.
 */
final class TableMirror implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TableMirror.class);

  private final Lake lake;
  private final Map<TableName, Long> versions = new HashMap<>();
  private final ScheduledExecutorService timer;

  private TableMirror(Lake lake, Duration every) {
    this.lake = lake;
    sync();
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "dpf-table-mirror");
              t.setDaemon(true);
              return t;
            });
    long millis = every.toMillis();
    timer.scheduleWithFixedDelay(this::syncQuietly, millis, millis, TimeUnit.MILLISECONDS);
  }

  /** Enters every table now, then looks for changes every {@code every}. */
  static TableMirror start(Lake lake, Duration every) {
    return new TableMirror(lake, every);
  }

  /** The tables entered. */
  synchronized int tables() {
    return versions.size();
  }

  /**
   * Brings the entries up to the lake's folders: a table made since is entered, one whose version
   * changed is entered again (its columns may have), one gone is removed.
   */
  synchronized void sync() {
    lake.useInSql();
    Set<TableName> seen = new HashSet<>();
    for (Zone zone : Zone.values()) {
      for (TableName table : lake.tables(zone)) {
        seen.add(table);
        long version = lake.latestVersion(table);
        Long entered = versions.get(table);
        if (entered == null || entered != version) {
          lake.mirror(table);
          versions.put(table, version);
        }
      }
      for (TableName table : lake.mirrored(zone)) {
        if (!seen.contains(table)) {
          lake.unmirror(table);
          versions.remove(table);
        }
      }
    }
  }

  private void syncQuietly() {
    try {
      sync();
    } catch (RuntimeException e) {
      LOG.warn("Cannot bring the JDBC endpoint's table list up to date: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
