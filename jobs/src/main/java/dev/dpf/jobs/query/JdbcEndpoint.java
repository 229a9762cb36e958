package dev.dpf.jobs.query;

import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.thriftserver.HiveThriftServer2;

/**
 * Spark's Thrift server (the HiveServer2 protocol) on a session: BI tools and JDBC clients connect
 * with the Hive JDBC driver to {@code jdbc:hive2://HOST:PORT/curated} and query the lake's tables
 * through this process's catalog.
 */
public final class JdbcEndpoint implements AutoCloseable {
  private final HiveThriftServer2 server;
  private final String url;

  private JdbcEndpoint(HiveThriftServer2 server, String url) {
    this.server = server;
    this.url = url;
  }

  /** Starts the endpoint in binary transport mode, listening on {@code host:port} only. */
  public static JdbcEndpoint start(SparkSession spark, String host, int port) {
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
      throw e;
    }
    if (started.get() instanceof Error e) {
      throw e;
    }
    HiveThriftServer2 server = (HiveThriftServer2) started.get();
    return new JdbcEndpoint(server, "jdbc:hive2://" + host + ":" + port + "/curated");
  }

  /** The JDBC URL clients use, with {@code curated} as their default database. */
  public String url() {
    return url;
  }

  @Override
  public void close() {
    server.stop();
  }
}
