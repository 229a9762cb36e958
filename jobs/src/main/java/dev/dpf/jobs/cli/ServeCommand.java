package dev.dpf.jobs.cli;

import dev.dpf.core.DpfException;
import dev.dpf.core.storage.Lake;
import dev.dpf.jobs.query.JdbcEndpoint;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpf serve}: the lake over JDBC. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the lake's tables over JDBC (Spark Thrift server, HiveServer2 protocol) on"
          + " 127.0.0.1 until stopped (Ctrl-C).",
      "Connect with the Hive JDBC driver to jdbc:hive2://127.0.0.1:PORT/curated."
    })
final class ServeCommand implements Callable<Integer> {
  @Mixin Options.LakeOptions lakeOptions;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "10000",
      description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--refresh",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description =
          "How often the table list JDBC tools read (getTables, getColumns) is brought up to the"
              + " lake's folders; queries always read the tables' latest committed versions"
              + " (default: ${DEFAULT-VALUE}).")
  int refreshSeconds;

  @Option(
      names = "--as-of-run",
      paramLabel = "RUN_ID",
      description =
          "Serve every table as run RUN_ID left it (see dpf runs), one consistent state, instead"
              + " of the latest versions.")
  String asOfRun;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 1 || port > 65535) {
      throw new DpfException("--port must be between 1 and 65535, got " + port);
    }
    if (refreshSeconds < 1) {
      throw new DpfException("--refresh must be at least 1 second, got " + refreshSeconds);
    }
    SparkSession spark = lakeOptions.existing();
    Lake lake = new Lake(spark, lakeOptions.lake);
    if (asOfRun != null) {
      new dev.dpf.core.pipeline.LakeRuns(lake).pin(asOfRun);
    }
    JdbcEndpoint endpoint;
    try {
      endpoint =
          JdbcEndpoint.start(spark, lake, "127.0.0.1", port, Duration.ofSeconds(refreshSeconds));
    } catch (RuntimeException e) {
      throw new DpfException(
          "Cannot start the JDBC endpoint on 127.0.0.1:"
              + port
              + " ("
              + e.getMessage()
              + "). Is the port in use? Pass another with --port",
          e);
    }
    var out = spec.commandLine().getOut();
    out.printf(
        "dpf serve: %d table(s) of %s at %s%n"
            + "  Hive JDBC driver (org.apache.hive.jdbc.HiveDriver), no user or password;"
            + " Ctrl-C stops. %s%n",
        endpoint.tables(),
        lake.root(),
        endpoint.url(),
        asOfRun == null
            ? "Runs may write the lake meanwhile: each query sees the tables' latest committed"
                + " versions."
            : "Every table as run " + asOfRun + " left it.");
    out.flush();
    Startup.untilStopped(
        () -> {
          endpoint.close();
          if (asOfRun != null) {
            new dev.dpf.core.pipeline.LakeRuns(lake).unpin();
          }
        });
    return 0;
  }
}
