package dev.dpf.jobs.extract;

import dev.dpf.core.DpfException;
import dev.dpf.jobs.run.Sessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dpf extract}: a local stand-in for AWS DMS. Reads MySQL/MariaDB tables over JDBC and
 * writes what a DMS S3 target would: a full load first, then each later run's changes as CDC files
 * with {@code Op} I/U/D.
 *
 * <p>Changes are found against the previous extract's snapshot (kept under {@code RAW/_extract/},
 * which ingest never reads): new keys are inserts, keys whose values changed are updates, keys gone
 * are deletes carrying their last values (as DMS writes a delete's before-image). With a watermark
 * column (a last-modified timestamp), only rows past the last extract's highest value are read,
 * plus the key columns of all rows to find deletes.
 */
@Command(
    name = "extract",
    mixinStandardHelpOptions = true,
    description = {
      "Read MySQL/MariaDB tables over JDBC (Spark, partitioned for large tables) into the DMS S3"
          + " layout under RAW/dms/<schema>/<table>/: a full load (LOAD00000001.csv, ...) the"
          + " first time, then the changes since the last extract as CDC files with Op I/U/D.",
      "A local stand-in for AWS DMS: the pipeline ingests the result as it would DMS's."
    })
public final class Extract implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--jdbc",
      required = true,
      paramLabel = "URL",
      description = "jdbc:mariadb://HOST:PORT/DATABASE or jdbc:mysql://HOST:PORT/DATABASE.")
  String url;

  @Option(names = "--user", required = true, paramLabel = "USER", description = "Database user.")
  String user;

  @Option(
      names = "--password-env",
      paramLabel = "VAR",
      description = "Environment variable holding the password (default: no password).")
  String passwordEnv;

  @Option(
      names = "--tables",
      required = true,
      arity = "1..*",
      split = ",",
      paramLabel = "TABLE",
      description = "Tables to extract.")
  List<String> tables;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "RAW",
      description = "The raw root; tables go to RAW/dms/<schema>/<table>/.")
  Path out;

  @Option(
      names = "--schema",
      paramLabel = "NAME",
      description = "The database (DMS's schema folder) (default: the one in the JDBC URL).")
  String schema;

  @Option(
      names = "--watermark",
      paramLabel = "COLUMN",
      description =
          "A last-modified column: tables that have it are read incrementally after their full"
              + " load. Without one, every row is read and compared.")
  String watermark;

  @Option(
      names = "--timestamp-column",
      defaultValue = "dms_timestamp",
      paramLabel = "NAME",
      description =
          "The commit-time column, as the DMS endpoint's TimestampColumnName (default:"
              + " ${DEFAULT-VALUE}).")
  String timestampColumn;

  @Option(
      names = "--rows-per-partition",
      defaultValue = "500000",
      description =
          "Read a table in parallel ranges of its numeric key, about this many rows each"
              + " (default: ${DEFAULT-VALUE}).")
  long rowsPerPartition;

  @Option(
      names = "--max-partitions",
      defaultValue = "16",
      description = "At most this many parallel reads per table (default: ${DEFAULT-VALUE}).")
  int maxPartitions;

  @Option(
      names = "--master",
      defaultValue = "local[*]",
      paramLabel = "URL",
      description = "Spark master (default: ${DEFAULT-VALUE}).")
  String master;

  @Override
  public Integer call() {
    if (!url.startsWith("jdbc:mariadb:") && !url.startsWith("jdbc:mysql:")) {
      throw new DpfException(
          "--jdbc must be a jdbc:mariadb:// or jdbc:mysql:// URL, got '" + url + "'");
    }
    if (rowsPerPartition < 1 || maxPartitions < 1) {
      throw new DpfException("--rows-per-partition and --max-partitions must be at least 1");
    }
    Properties props = new Properties();
    props.setProperty("user", user);
    if (passwordEnv != null) {
      String password = System.getenv(passwordEnv);
      if (password == null) {
        throw new DpfException(
            "--password-env " + passwordEnv + ": that environment variable is not set");
      }
      props.setProperty("password", password);
    }
    // TINYINT(1) stays a number, as DMS writes it.
    props.setProperty("tinyInt1isBit", "false");
    props.setProperty("driver", "org.mariadb.jdbc.Driver");
    PrintWriter w = spec.commandLine().getOut();
    long start = System.nanoTime();
    long rows = 0;
    try (Connection db = connect(props)) {
      String database = schema != null ? schema : db.getCatalog();
      if (database == null || database.isEmpty()) {
        throw new DpfException("No database in " + url + ": add it to the URL or pass --schema");
      }
      List<TableMeta> metas = new ArrayList<>();
      for (String table : tables) {
        metas.add(TableMeta.read(db, database, table));
      }
      SparkSession spark = Sessions.plain(master);
      for (TableMeta meta : metas) {
        rows +=
            new TableExtract(
                    spark,
                    db,
                    props,
                    meta,
                    new ExtractSettings(
                        out,
                        watermark,
                        timestampColumn,
                        rowsPerPartition,
                        maxPartitions,
                        sparkUrl()))
                .run(w);
        w.flush();
      }
    } catch (SQLException e) {
      throw new DpfException("Database error: " + e.getMessage(), e);
    }
    w.printf(
        "extract: %d table(s), %,d row(s) written in %.1f s%n",
        tables.size(), rows, (System.nanoTime() - start) / 1e9);
    w.flush();
    return 0;
  }

  /**
   * The URL the driver gets: jdbc:mysql: even for MariaDB, so that Spark quotes names the MySQL way
   * (it has no dialect for jdbc:mariadb:), with MariaDB's driver told to accept it.
   */
  private String sparkUrl() {
    String u = url.replaceFirst("^jdbc:mariadb:", "jdbc:mysql:");
    return u.contains("permitMysqlScheme")
        ? u
        : u + (u.contains("?") ? "&" : "?") + "permitMysqlScheme";
  }

  private Connection connect(Properties props) {
    try {
      return DriverManager.getConnection(sparkUrl(), props);
    } catch (SQLException e) {
      throw new DpfException("Cannot connect to " + url + " as " + user + ": " + e.getMessage(), e);
    }
  }
}
