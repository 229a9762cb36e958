package dev.dpf.jobs.query;

import dev.dpf.core.storage.Lake;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;

/**
 * Spark's Thrift server (the HiveServer2 protocol) on a session: BI tools and JDBC clients connect
 * with the Hive JDBC driver to {@code jdbc:hive2://HOST:PORT/curated} and query the lake's tables,
 * each statement reading their latest committed versions, while runs write the lake.
 */
public final class JdbcEndpoint implements AutoCloseable {
  /**
   * Where the Thrift server's scratch Hive metastore (in memory, for its own bookkeeping) writes
   * Derby's log: nowhere, rather than a {@code derby.log} in the working folder.
   */
  public static final java.io.OutputStream DERBY_LOG = java.io.OutputStream.nullOutputStream();

  private final HiveThriftServer2 server;
  private final TableMirror mirror;
  private final String url;

  private JdbcEndpoint(HiveThriftServer2 server, TableMirror mirror, String url) {
    this.server = server;
    this.mirror = mirror;
    this.url = url;
  }

  /**
   * Starts the endpoint in binary transport mode, listening on {@code host:port} only, with the
   * lake's tables listed to JDBC metadata calls, brought up to date every {@code refresh}.
   */
  public static JdbcEndpoint start(
      SparkSession spark, Lake lake, String host, int port, java.time.Duration refresh) {
    if (System.getProperty("derby.stream.error.file") == null) {
      System.setProperty("derby.stream.error.field", JdbcEndpoint.class.getName() + ".DERBY_LOG");
    }
    TableMirror mirror = TableMirror.start(lake, refresh);
    spark.sqlContext().setConf("hive.server2.thrift.bind.host", host);
    spark.sqlContext().setConf("hive.server2.thrift.port", Integer.toString(port));
    spark.sqlContext().setConf("hive.server2.transport.mode", "binary");
    // The server's Hive settings come from the session's configuration only in a thread without a
    // Hive SessionState of its own (a thread that already talked to the metastore reuses that
    // state's settings, port 10000 included): start it from a fresh thread.
    AtomicReference<Object> started = new AtomicReference<>();
    Thread starter =
        new Thread(
            () -> {
              try {
                started.set(HiveThriftServer2.startWithContext(spark.sqlContext()));
              } catch (RuntimeException | Error e) {
                started.set(e);
              }
            },
            "dpf-jdbc-endpoint-start");
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the JDBC endpoint", e);
    }
    if (started.get() instanceof RuntimeException e) {
      mirror.close();
      throw e;
    }
    if (started.get() instanceof Error e) {
      mirror.close();
      throw e;
    }
    HiveThriftServer2 server = (HiveThriftServer2) started.get();
    return new JdbcEndpoint(server, mirror, "jdbc:hive2://" + host + ":" + port + "/curated");
  }

  /** The JDBC URL clients use, with {@code curated} as their default database. */
  public String url() {
    return url;
  }

  /** The tables listed to JDBC metadata calls now. */
  public int tables() {
    return mirror.tables();
  }

  @Override
  public void close() {
    mirror.close();
    server.stop();
  }
}
