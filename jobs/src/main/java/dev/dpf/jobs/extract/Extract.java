package dev.dpf.jobs.extract;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.hex;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.DpfException;
import dev.dpf.jobs.run.Sessions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampType;
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
  private static final DateTimeFormatter DMS_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter CDC_NAME =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/yyyyMMdd-HHmmssSSS").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The change type column of CDC files. */
  static final String OP = "Op";

  private static final String HASH = "_dpf_hash";

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
        rows += new TableExtract(spark, db, props, meta).run(w);
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

  /** A table's columns and primary key, from the driver's metadata. */
  record TableMeta(
      String schema, String table, List<String> columns, List<String> key, String splitColumn) {
    static TableMeta read(Connection db, String schema, String table) throws SQLException {
      DatabaseMetaData md = db.getMetaData();
      List<String> columns = new ArrayList<>();
      Map<String, Integer> types = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      try (ResultSet rs = md.getColumns(schema, null, table, null)) {
        while (rs.next()) {
          columns.add(rs.getString("COLUMN_NAME"));
          types.put(rs.getString("COLUMN_NAME"), rs.getInt("DATA_TYPE"));
        }
      }
      if (columns.isEmpty()) {
        List<String> there = new ArrayList<>();
        try (ResultSet rs = md.getTables(schema, null, "%", new String[] {"TABLE"})) {
          while (rs.next()) {
            there.add(rs.getString("TABLE_NAME"));
          }
        }
        throw new DpfException(
            "Table " + schema + "." + table + " does not exist (tables there: " + there + ")");
      }
      TreeMap<Integer, String> key = new TreeMap<>();
      try (ResultSet rs = md.getPrimaryKeys(schema, null, table)) {
        while (rs.next()) {
          key.put(rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME"));
        }
      }
      List<String> keyColumns = new ArrayList<>(key.values());
      // Reads split on ranges of the first key column when it is an integer.
      String split = null;
      if (!keyColumns.isEmpty()) {
        int t = types.get(keyColumns.get(0));
        if (t == Types.INTEGER || t == Types.BIGINT || t == Types.SMALLINT || t == Types.TINYINT) {
          split = keyColumns.get(0);
        }
      }
      return new TableMeta(schema, table, columns, keyColumns, split);
    }

    String quoted() {
      return "`" + schema + "`.`" + table + "`";
    }
  }

  /** The state an extract leaves for the next one: its snapshot and highest watermark. */
  record State(int snapshot, String watermark) {}

  /** One table's extract. */
  private final class TableExtract {
    final SparkSession spark;
    final Connection db;
    final Properties props;
    final TableMeta meta;
    final Path dir;
    final Path stateDir;

    TableExtract(SparkSession spark, Connection db, Properties props, TableMeta meta) {
      this.spark = spark;
      this.db = db;
      this.props = props;
      this.meta = meta;
      this.dir = out.resolve("dms").resolve(meta.schema()).resolve(meta.table());
      this.stateDir = out.resolve("_extract").resolve(meta.schema()).resolve(meta.table());
    }

    long run(PrintWriter w) throws SQLException {
      long start = System.nanoTime();
      Instant at = Instant.now();
      String wm =
          watermark != null && meta.columns().stream().anyMatch(watermark::equalsIgnoreCase)
              ? watermark
              : null;
      String highWater =
          wm == null
              ? null
              : scalar("SELECT CAST(MAX(`" + wm + "`) AS CHAR) FROM " + meta.quoted());
      State state = readState();
      String name = meta.schema() + "." + meta.table();
      if (state == null) {
        Dataset<Row> rows = hashed(text(read(null))).persist();
        try {
          List<String> files =
              writeCsv(rows.select(columns(lit(DMS_TIME.format(at)).as(timestampColumn))), "LOAD");
          long n = rows.count();
          writeSnapshot(rows, 1);
          writeState(new State(1, highWater));
          w.printf(
              "extract: %s full load, %,d row(s) -> %s (%d file(s)) in %.1f s%n",
              name, n, out.relativize(dir), files.size(), (System.nanoTime() - start) / 1e9);
          return n;
        } finally {
          rows.unpersist();
        }
      }
      if (meta.key().isEmpty()) {
        throw new DpfException(
            "Table "
                + name
                + " has no primary key: its changes cannot be told apart. Give it one, or"
                + " extract it into a new --out for a new full load");
      }
      Dataset<Row> previous = spark.read().parquet(snapshotPath(state.snapshot()).toString());
      Dataset<Row> candidates;
      Dataset<Row> keysNow;
      if (wm != null && state.watermark() != null) {
        String since = state.watermark().replace("'", "''");
        String upTo = highWater == null ? since : highWater.replace("'", "''");
        candidates =
            hashed(text(read("`" + wm + "` > '" + since + "' AND `" + wm + "` <= '" + upTo + "'")));
        keysNow =
            text(
                spark
                    .read()
                    .jdbc(
                        sparkUrl(),
                        "(SELECT "
                            + String.join(
                                ", ", meta.key().stream().map(k -> "`" + k + "`").toList())
                            + " FROM "
                            + meta.quoted()
                            + ") AS k",
                        props));
      } else {
        candidates = hashed(text(read(null)));
        keysNow = candidates.select(keyColumns());
      }
      candidates = candidates.persist();
      try {
        Dataset<Row> upserts =
            candidates
                .join(previous.select(keyAndHash("p_")), joinOn(candidates, "p_"), "left")
                .filter(col("p_" + HASH).isNull().or(col("p_" + HASH).notEqual(col(HASH))))
                .withColumn(OP, when(col("p_" + HASH).isNull(), lit("I")).otherwise(lit("U")))
                .select(withOp(candidates.columns()));
        Dataset<Row> deletes =
            previous
                .join(keysNow, joinOn(previous, keysNow), "left_anti")
                .withColumn(OP, lit("D"))
                .select(withOp(previous.columns()));
        Dataset<Row> changes = upserts.unionByName(deletes).persist();
        try {
          Map<String, Long> byOp = new TreeMap<>();
          for (Row r : changes.groupBy(OP).count().collectAsList()) {
            byOp.put(r.getString(0), r.getLong(1));
          }
          long n = byOp.values().stream().mapToLong(Long::longValue).sum();
          if (n == 0) {
            writeState(
                new State(state.snapshot(), highWater != null ? highWater : state.watermark()));
            w.printf("extract: %s no changes (%.1f s)%n", name, (System.nanoTime() - start) / 1e9);
            return 0;
          }
          List<String> files =
              writeCsv(
                  changes
                      .coalesce(1)
                      .select(columns(col(OP), lit(DMS_TIME.format(at)).as(timestampColumn))),
                  CDC_NAME.format(at));
          Dataset<Row> kept =
              previous.join(changes.select(keyColumns()), joinOn(previous, changes), "left_anti");
          Dataset<Row> next = kept.unionByName(changes.filter(col(OP).notEqual("D")).drop(OP));
          writeSnapshot(next, state.snapshot() + 1);
          writeState(
              new State(state.snapshot() + 1, highWater != null ? highWater : state.watermark()));
          deleteTree(snapshotPath(state.snapshot()));
          w.printf(
              "extract: %s %,d change(s) (%s) -> %s in %.1f s%n",
              name,
              n,
              byOp.entrySet().stream()
                  .map(e -> e.getValue() + " " + e.getKey())
                  .reduce((a, b) -> a + ", " + b)
                  .orElse(""),
              files.get(0),
              (System.nanoTime() - start) / 1e9);
          return n;
        } finally {
          changes.unpersist();
        }
      } finally {
        candidates.unpersist();
      }
    }

    private Column[] keyColumns() {
      return meta.key().stream().map(k -> col(k)).toArray(Column[]::new);
    }

    private Column[] keyAndHash(String prefix) {
      List<Column> cs = new ArrayList<>();
      for (String k : meta.key()) {
        cs.add(col(k).as(prefix + k));
      }
      cs.add(col(HASH).as(prefix + HASH));
      return cs.toArray(Column[]::new);
    }

    private Column joinOn(Dataset<Row> left, String prefix) {
      Column on = null;
      for (String k : meta.key()) {
        Column c = left.col(k).equalTo(col(prefix + k));
        on = on == null ? c : on.and(c);
      }
      return on;
    }

    private Column joinOn(Dataset<Row> left, Dataset<Row> right) {
      Column on = null;
      for (String k : meta.key()) {
        Column c = left.col(k).equalTo(right.col(k));
        on = on == null ? c : on.and(c);
      }
      return on;
    }

    private Column[] withOp(String[] columns) {
      List<Column> cs = new ArrayList<>();
      cs.add(col(OP));
      for (String c : columns) {
        cs.add(col(c));
      }
      return cs.toArray(Column[]::new);
    }

    /** The table's columns after {@code first}, in table order. */
    private Column[] columns(Column... first) {
      List<Column> cs = new ArrayList<>(Arrays.asList(first));
      for (String c : meta.columns()) {
        cs.add(col(c));
      }
      return cs.toArray(Column[]::new);
    }

    /** The table (rows matching {@code where}, if given), read in key ranges when large. */
    private Dataset<Row> read(String where) throws SQLException {
      String from =
          "(SELECT * FROM " + meta.quoted() + (where == null ? "" : " WHERE " + where) + ") AS t";
      String split = meta.splitColumn();
      if (split != null) {
        String[] stats =
            scalar(
                    "SELECT CONCAT(COUNT(*), ',', COALESCE(MIN(`"
                        + split
                        + "`), 0), ',', COALESCE(MAX(`"
                        + split
                        + "`), 0)) FROM "
                        + meta.quoted()
                        + (where == null ? "" : " WHERE " + where))
                .split(",");
        long count = Long.parseLong(stats[0]);
        int partitions =
            (int) Math.min(maxPartitions, (count + rowsPerPartition - 1) / rowsPerPartition);
        if (partitions > 1) {
          return spark
              .read()
              .jdbc(
                  sparkUrl(),
                  from,
                  split,
                  Long.parseLong(stats[1]),
                  Long.parseLong(stats[2]) + 1,
                  partitions,
                  props);
        }
      }
      return spark.read().jdbc(sparkUrl(), from, props);
    }

    private String scalar(String sql) throws SQLException {
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        return rs.getString(1);
      }
    }

    /** Writes CSV with a header under {@code dir}, named {@code <base>} or LOAD0000000N. */
    private List<String> writeCsv(Dataset<Row> rows, String base) {
      Path tmp = out.resolve("_extract").resolve(".tmp-" + meta.schema() + "-" + meta.table());
      deleteTree(tmp);
      rows.write()
          .mode(SaveMode.ErrorIfExists)
          .option("header", "true")
          .option("quote", "\"")
          .option("escape", "\"")
          .option("nullValue", "")
          .option("emptyValue", "\"\"")
          .option("ignoreLeadingWhiteSpace", "false")
          .option("ignoreTrailingWhiteSpace", "false")
          .option("lineSep", "\n")
          .csv(tmp.toString());
      List<Path> parts;
      try (Stream<Path> files = Files.list(tmp)) {
        parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
      } catch (IOException e) {
        throw new DpfException("Cannot list " + tmp + ": " + e, e);
      }
      List<String> written = new ArrayList<>();
      try {
        for (int i = 0; i < parts.size(); i++) {
          String name =
              base.equals("LOAD")
                  ? String.format("LOAD%08X.csv", i + 1)
                  : base + (i == 0 ? "" : "-" + (i + 1)) + ".csv";
          Path target = dir.resolve(name);
          Files.createDirectories(target.getParent());
          if (Files.exists(target)) {
            throw new DpfException(
                target
                    + " exists already: another extract is running, or an earlier one stopped"
                    + " before it finished (then remove "
                    + out.relativize(dir)
                    + " and "
                    + out.relativize(stateDir)
                    + " to load the table again)");
          }
          Files.move(parts.get(i), target, StandardCopyOption.ATOMIC_MOVE);
          written.add(out.relativize(target).toString());
        }
      } catch (IOException e) {
        throw new DpfException("Cannot write under " + dir + ": " + e, e);
      }
      deleteTree(tmp);
      return written;
    }

    private Path snapshotPath(int n) {
      return stateDir.resolve(String.format("snapshot-%06d", n));
    }

    /** Writes the snapshot: every row's text and hash. */
    private void writeSnapshot(Dataset<Row> rows, int n) {
      rows.write().mode(SaveMode.Overwrite).parquet(snapshotPath(n).toString());
    }

    /** The rows with the hash of all their columns' text, what tells an update apart. */
    private Dataset<Row> hashed(Dataset<Row> rows) {
      List<Column> cs = new ArrayList<>();
      for (String c : meta.columns()) {
        cs.add(coalesce(col(c), lit("\u0000")));
      }
      return rows.withColumn(HASH, sha2(concat_ws("\u0001", cs.toArray(Column[]::new)), 256));
    }

    /** Every column as the text DMS writes for it. */
    private Dataset<Row> text(Dataset<Row> rows) {
      List<Column> cs = new ArrayList<>();
      for (StructField f : rows.schema().fields()) {
        Column c = col(f.name());
        Column t;
        if (f.dataType() instanceof DateType) {
          t = date_format(c, "yyyy-MM-dd");
        } else if (f.dataType() instanceof TimestampType) {
          t = regexp_replace(date_format(c, "yyyy-MM-dd HH:mm:ss.SSSSSS"), "\\.000000$", "");
        } else if (f.dataType() instanceof BinaryType) {
          t = hex(c);
        } else if (f.dataType() instanceof BooleanType) {
          t = c.cast("int").cast("string");
        } else {
          t = c.cast("string");
        }
        cs.add(t.as(f.name()));
      }
      return rows.select(cs.toArray(Column[]::new));
    }

    private State readState() {
      Path file = stateDir.resolve("state.json");
      if (!Files.exists(file)) {
        return null;
      }
      try {
        var node = JSON.readTree(file.toFile());
        return new State(
            node.get("snapshot").asInt(),
            node.hasNonNull("watermark") ? node.get("watermark").asText() : null);
      } catch (IOException e) {
        throw new DpfException("Cannot read " + file + ": " + e.getMessage(), e);
      }
    }

    private void writeState(State state) {
      ObjectNode node = JSON.createObjectNode();
      node.put("snapshot", state.snapshot());
      node.put("watermark", state.watermark());
      Path file = stateDir.resolve("state.json");
      try {
        Files.createDirectories(stateDir);
        Path tmp = stateDir.resolve(".state.json.tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), node);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new DpfException("Cannot write " + file + ": " + e, e);
      }
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new DpfException("Cannot delete " + root + ": " + e, e);
    }
  }
}
