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

import dev.dpf.core.DpfException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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

/** One table's extract: a full load the first time, then the changes since the last one. */
final class TableExtract {
  final SparkSession spark;
  final Connection db;
  final Properties props;
  final TableMeta meta;
  final Path dir;
  final Path stateDir;

  final ExtractSettings settings;

  TableExtract(
      SparkSession spark,
      Connection db,
      Properties props,
      TableMeta meta,
      ExtractSettings settings) {
    this.settings = settings;
    this.spark = spark;
    this.db = db;
    this.props = props;
    this.meta = meta;
    this.dir = settings.out().resolve("dms").resolve(meta.schema()).resolve(meta.table());
    this.stateDir = settings.out().resolve("_extract").resolve(meta.schema()).resolve(meta.table());
  }

  long run(PrintWriter w) throws SQLException {
    long start = System.nanoTime();
    Instant at = Instant.now();
    String wm =
        settings.watermark() != null
                && meta.columns().stream().anyMatch(settings.watermark()::equalsIgnoreCase)
            ? settings.watermark()
            : null;
    String highWater =
        wm == null ? null : scalar("SELECT CAST(MAX(`" + wm + "`) AS CHAR) FROM " + meta.quoted());
    ExtractState state = ExtractState.read(stateDir);
    String name = meta.schema() + "." + meta.table();
    if (state == null) {
      return fullLoad(w, at, start, highWater, name);
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
      keysNow = keysNow();
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
        return writeChanges(w, at, start, highWater, state, name, previous, changes);
      } finally {
        changes.unpersist();
      }
    } finally {
      candidates.unpersist();
    }
  }

  /** The first extract of a table: every row, as a DMS full load, and the snapshot to diff with. */
  private long fullLoad(PrintWriter w, Instant at, long start, String highWater, String name)
      throws SQLException {
    Dataset<Row> rows = hashed(text(read(null))).persist();
    try {
      List<String> files =
          writeCsv(
              rows.select(columns(lit(DMS_TIME.format(at)).as(settings.timestampColumn()))),
              "LOAD");
      long n = rows.count();
      writeSnapshot(rows, 1);
      ExtractState.write(stateDir, new ExtractState(1, highWater));
      w.printf(
          "extract: %s full load, %,d row(s) -> %s (%d file(s)) in %.1f s%n",
          name, n, settings.out().relativize(dir), files.size(), (System.nanoTime() - start) / 1e9);
      return n;
    } finally {
      rows.unpersist();
    }
  }

  /** Every key the table has now (what a watermark read cannot tell: the deleted rows). */
  private Dataset<Row> keysNow() {
    return text(
        spark
            .read()
            .jdbc(
                settings.sparkUrl(),
                "(SELECT "
                    + String.join(", ", meta.key().stream().map(k -> "`" + k + "`").toList())
                    + " FROM "
                    + meta.quoted()
                    + ") AS k",
                props));
  }

  /**
   * Writes the changes as one DMS CDC file and the next snapshot, and moves the state on; nothing
   * but the state when there are none. Returns the changes written.
   */
  private long writeChanges(
      PrintWriter w,
      Instant at,
      long start,
      String highWater,
      ExtractState state,
      String name,
      Dataset<Row> previous,
      Dataset<Row> changes) {
    Map<String, Long> byOp = new TreeMap<>();
    for (Row r : changes.groupBy(OP).count().collectAsList()) {
      byOp.put(r.getString(0), r.getLong(1));
    }
    long n = byOp.values().stream().mapToLong(Long::longValue).sum();
    String watermark = highWater != null ? highWater : state.watermark();
    if (n == 0) {
      ExtractState.write(stateDir, new ExtractState(state.snapshot(), watermark));
      w.printf("extract: %s no changes (%.1f s)%n", name, (System.nanoTime() - start) / 1e9);
      return 0;
    }
    List<String> files =
        writeCsv(
            changes
                .coalesce(1)
                .select(columns(col(OP), lit(DMS_TIME.format(at)).as(settings.timestampColumn()))),
            CDC_NAME.format(at));
    Dataset<Row> kept =
        previous.join(changes.select(keyColumns()), joinOn(previous, changes), "left_anti");
    Dataset<Row> next = kept.unionByName(changes.filter(col(OP).notEqual("D")).drop(OP));
    writeSnapshot(next, state.snapshot() + 1);
    ExtractState.write(stateDir, new ExtractState(state.snapshot() + 1, watermark));
    ExtractState.deleteTree(snapshotPath(state.snapshot()));
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
          (int)
              Math.min(
                  settings.maxPartitions(),
                  (count + settings.rowsPerPartition() - 1) / settings.rowsPerPartition());
      if (partitions > 1) {
        return spark
            .read()
            .jdbc(
                settings.sparkUrl(),
                from,
                split,
                Long.parseLong(stats[1]),
                Long.parseLong(stats[2]) + 1,
                partitions,
                props);
      }
    }
    return spark.read().jdbc(settings.sparkUrl(), from, props);
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
    Path tmp =
        settings.out().resolve("_extract").resolve(".tmp-" + meta.schema() + "-" + meta.table());
    ExtractState.deleteTree(tmp);
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
                  + settings.out().relativize(dir)
                  + " and "
                  + settings.out().relativize(stateDir)
                  + " to load the table again)");
        }
        Files.move(parts.get(i), target, StandardCopyOption.ATOMIC_MOVE);
        written.add(settings.out().relativize(target).toString());
      }
    } catch (IOException e) {
      throw new DpfException("Cannot write under " + dir + ": " + e, e);
    }
    ExtractState.deleteTree(tmp);
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

  private static final DateTimeFormatter DMS_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter CDC_NAME =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/yyyyMMdd-HHmmssSSS").withZone(ZoneOffset.UTC);

  /** The change type column of CDC files. */
  static final String OP = "Op";

  private static final String HASH = "_dpf_hash";
}
