package dev.dpf.core.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.DpfException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a Delta table's own log files say, read as files: its versions, each commit's actions and
 * {@code commitInfo}, and the latest checksum file's schema, size, files and row counts. No Spark
 * job and no table state to rebuild; every method takes the table's folder.
 */
final class DeltaLogFiles {

  /** The user-metadata field that holds a log table's summary ({@link DeltaWriter#appendLog}). */
  static final String SUMMARY = "dpf_summary";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.regex.Pattern COMMIT_FILE =
      java.util.regex.Pattern.compile("[0-9]{20}\\.json");

  private final Configuration hadoopConf;
  private final Map<String, Long> pins; // null: every table at its latest version

  public DeltaLogFiles(Configuration hadoopConf) {
    this(hadoopConf, null);
  }

  private DeltaLogFiles(Configuration hadoopConf, Map<String, Long> pins) {
    this.hadoopConf = hadoopConf;
    this.pins = pins;
  }

  /**
   * These logs as they were at the given versions (by table folder): every answer about a table's
   * latest version is about its version here, and a folder not named has no table.
   */
  public DeltaLogFiles pinned(Map<String, Long> versions) {
    return new DeltaLogFiles(hadoopConf, Map.copyOf(versions));
  }

  /**
   * The table's schema, as JSON, as its latest commit's checksum file records it (Delta writes one
   * after each commit): no Spark job and no table state to rebuild. Empty when there is no table or
   * no such file.
   */
  public Optional<String> schemaJson(String dir) {
    return checksumMetadata(dir).map(m -> m.path("schemaString").asText(null));
  }

  /** The table's schema as {@link #schemaJson} records it, parsed; empty as there. */
  public Optional<org.apache.spark.sql.types.StructType> schema(String dir) {
    return schemaJson(dir)
        .map(
            json ->
                (org.apache.spark.sql.types.StructType)
                    org.apache.spark.sql.types.DataType.fromJson(json));
  }

  /** The table's partition columns, as its latest checksum file records them; empty as above. */
  public Optional<List<String>> partitionColumns(String dir) {
    return checksumMetadata(dir)
        .map(
            m -> {
              List<String> out = new java.util.ArrayList<>();
              m.path("partitionColumns").forEach(c -> out.add(c.asText()));
              return out;
            });
  }

  /**
   * The bytes of the table's data files, as its latest commit's checksum file records them: 0 when
   * there is no table, empty when there is no such file.
   */
  public OptionalLong sizeBytes(String dir) {
    if (latestVersion(dir) < 0) {
      return OptionalLong.of(0);
    }
    JsonNode size = checksum(dir).path("tableSizeBytes");
    return size.canConvertToLong() ? OptionalLong.of(size.asLong()) : OptionalLong.empty();
  }

  /**
   * The table's rows, as its latest commit's checksum file records them: the {@code numRecords}
   * statistic of every data file it lists ({@code allFiles}: Delta lists them there for a table of
   * few files), less the rows their deletion vectors remove. Empty when there is no table, or the
   * file does not list every data file with that statistic: then only the data can tell ({@link
   * #rows}).
   */
  public OptionalLong rowCount(String dir) {
    return rowCount(checksum(dir));
  }

  /** As {@link #rowCount(String)}, at the table's {@code version}. */
  public OptionalLong rowCount(String dir, long version) {
    return rowCount(checksum(dir, version));
  }

  /**
   * Whether a data file of the table's latest version has a deletion vector, as its checksum file
   * lists them; empty when it does not list them all.
   */
  public Optional<Boolean> hasDeletionVectors(String dir) {
    return hasDeletionVectorsAt(dir, latestVersion(dir));
  }

  /** As {@link #hasDeletionVectors}, at the table's {@code version}. */
  public Optional<Boolean> hasDeletionVectorsAt(String dir, long version) {
    JsonNode checksum = checksum(dir, version);
    JsonNode files = checksum.path("allFiles");
    if (!files.isArray() || files.size() != checksum.path("numFiles").asLong(-1)) {
      return Optional.empty();
    }
    for (JsonNode add : files) {
      if (add.hasNonNull("deletionVector")) {
        return Optional.of(true);
      }
    }
    return Optional.of(false);
  }

  /**
   * The {@code path} of every data file of the table's {@code version}, as its checksum file lists
   * them; empty when it does not list them all.
   */
  public Optional<List<String>> dataFiles(String dir, long version) {
    JsonNode checksum = checksum(dir, version);
    JsonNode files = checksum.path("allFiles");
    if (!files.isArray() || files.size() != checksum.path("numFiles").asLong(-1)) {
      return Optional.empty();
    }
    List<String> out = new java.util.ArrayList<>();
    for (JsonNode add : files) {
      out.add(add.path("path").asText());
    }
    return Optional.of(out);
  }

  private static OptionalLong rowCount(JsonNode checksum) {
    JsonNode files = checksum.path("allFiles");
    if (!files.isArray() || files.size() != checksum.path("numFiles").asLong(-1)) {
      return OptionalLong.empty();
    }
    long rows = 0;
    for (JsonNode add : files) {
      OptionalLong records = numRecords(add);
      if (records.isEmpty()) {
        return OptionalLong.empty();
      }
      rows += records.getAsLong() - add.path("deletionVector").path("cardinality").asLong(0);
    }
    return OptionalLong.of(rows);
  }

  /**
   * The newest value of a date or timestamp column, from the statistics of the data files the
   * latest checksum file lists (no Spark job): the greatest of their {@code maxValues}. Empty when
   * they cannot tell exactly: the file does not list every data file with the column's statistics,
   * a file has a deletion vector (its statistics count deleted rows), the table maps column names,
   * or a value is no date or timestamp.
   */
  public Optional<java.time.Instant> newest(String dir, String column) {
    JsonNode checksum = checksum(dir);
    JsonNode files = checksum.path("allFiles");
    if (!files.isArray()
        || files.size() == 0
        || files.size() != checksum.path("numFiles").asLong(-1)
        || !checksum
            .path("metadata")
            .path("configuration")
            .path("delta.columnMapping.mode")
            .asText("none")
            .equals("none")) {
      return Optional.empty();
    }
    java.time.Instant newest = null;
    try {
      for (JsonNode add : files) {
        String stats = add.path("stats").asText(null);
        if (stats == null || add.has("deletionVector") && !add.path("deletionVector").isNull()) {
          return Optional.empty();
        }
        JsonNode max = JSON.readTree(stats).path("maxValues").path(column);
        if (!max.isTextual()) {
          return Optional.empty();
        }
        java.time.Instant at = instant(max.asText());
        if (at == null) {
          return Optional.empty();
        }
        newest = newest == null || at.isAfter(newest) ? at : newest;
      }
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
    return Optional.ofNullable(newest);
  }

  /**
   * Whether the table holds a data file in the partition with these values, from the file list of
   * the latest checksum file (no Spark job); empty when that file does not list every data file.
   */
  public Optional<Boolean> hasFilesIn(String dir, java.util.Map<String, String> partition) {
    JsonNode checksum = checksum(dir);
    JsonNode files = checksum.path("allFiles");
    if (!files.isArray() || files.size() != checksum.path("numFiles").asLong(-1)) {
      return Optional.empty();
    }
    for (JsonNode add : files) {
      JsonNode values = add.path("partitionValues");
      if (partition.entrySet().stream()
          .allMatch(e -> e.getValue().equals(values.path(e.getKey()).asText(null)))) {
        return Optional.of(true);
      }
    }
    return Optional.of(false);
  }

  /** A statistic's date or timestamp ({@code 2026-11-20}, {@code 2026-11-20T17:52:10.310Z}). */
  private static java.time.Instant instant(String text) {
    try {
      return text.length() == 10
          ? java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant()
          : java.time.OffsetDateTime.parse(text).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** The {@code metadata} of the latest commit's checksum file, if there is one. */
  Optional<JsonNode> checksumMetadata(String dir) {
    JsonNode metadata = checksum(dir).path("metadata");
    return metadata.isObject() ? Optional.of(metadata) : Optional.empty();
  }

  /** The latest commit's checksum file; a missing node when there is none or it is unreadable. */
  JsonNode checksum(String dir) {
    return checksum(dir, latestVersion(dir));
  }

  /** The checksum file of the table's {@code version}; a missing node when there is none. */
  JsonNode checksum(String dir, long version) {
    if (version < 0) {
      return MissingNode.getInstance();
    }
    org.apache.hadoop.fs.Path crc =
        new org.apache.hadoop.fs.Path(dir, String.format("_delta_log/%020d.crc", version));
    try {
      FileSystem fs = crc.getFileSystem(hadoopConf);
      try (var in = fs.open(crc)) {
        return JSON.readTree(in);
      }
    } catch (java.io.IOException e) {
      // none, or unreadable: the table itself tells
      return MissingNode.getInstance();
    }
  }

  /**
   * The names of the folders under {@code dir} that hold a Delta table (a commit in their log),
   * sorted; none when {@code dir} does not exist.
   */
  public List<String> tablesIn(String dir) {
    org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(dir);
    List<String> out = new java.util.ArrayList<>();
    try {
      FileSystem fs = folder.getFileSystem(hadoopConf);
      for (FileStatus s : fs.listStatus(folder)) {
        String name = s.getPath().getName();
        if (s.isDirectory() && latestVersion(dir + "/" + name) >= 0) {
          out.add(name);
        }
      }
    } catch (java.io.FileNotFoundException e) {
      return out;
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot list " + folder + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  /**
   * The table's latest version, from its Delta log's file names (commits are {@code
   * _delta_log/<version, 20 digits>.json}); -1 when there is no log. No Spark job, unlike {@code
   * DeltaTable.history}.
   */
  public long latestVersion(String dir) {
    if (pins != null) {
      return pins.getOrDefault(dir, -1L);
    }
    org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(dir, "_delta_log");
    try {
      FileSystem fs = log.getFileSystem(hadoopConf);
      long latest = -1;
      for (FileStatus f : fs.listStatus(log)) {
        String name = f.getPath().getName();
        if (COMMIT_FILE.matcher(name).matches()) {
          latest = Math.max(latest, Long.parseLong(name.substring(0, 20)));
        }
      }
      return latest;
    } catch (java.io.FileNotFoundException e) {
      return -1;
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot list the Delta log " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * The {@code version} of the newest {@link DeltaWriter#appendOnce} as {@code appId} that added
   * rows to the table, read from the Delta log alone (no Spark job). Empty when there is none, or
   * when a later commit of another kind added rows or removed files (then only the data can tell),
   * or when the log no longer holds the commits needed.
   */
  public OptionalLong lastAppendOnce(String dir, String appId) {
    for (long v = latestVersion(dir); v >= 0; v--) {
      Optional<List<String>> lines = commitLines(dir, v);
      if (lines.isEmpty()) {
        return OptionalLong.empty(); // cleaned up: a checkpoint holds the older state
      }
      boolean files = false; // rows added or files removed
      JsonNode txn = null;
      try {
        if (lines.get().stream()
            .anyMatch(
                l ->
                    l.contains("\"commitInfo\"")
                        && UNCHANGING.stream()
                            .anyMatch(op -> l.contains("\"operation\":\"" + op + "\"")))) {
          continue; // maintenance: the same rows in other files
        }
        for (String line : lines.get()) {
          if (line.startsWith("{\"remove\"")
              || (line.startsWith("{\"add\"") && !emptyFile(JSON.readTree(line).path("add")))) {
            files = true;
          } else if (line.startsWith("{\"txn\"")) {
            txn = JSON.readTree(line).path("txn");
          }
        }
      } catch (java.io.IOException e) {
        throw new DpfException("Cannot parse Delta commit " + v + " of " + dir, e);
      }
      if (txn != null && appId.equals(txn.path("appId").asText())) {
        if (files) {
          return OptionalLong.of(txn.path("version").asLong());
        }
      } else if (files) {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.empty();
  }

  /** Whether an {@code add} action's statistics say its file holds no rows. */
  static boolean emptyFile(JsonNode add) {
    OptionalLong records = numRecords(add);
    return records.isPresent() && records.getAsLong() == 0;
  }

  /** The {@code numRecords} statistic of an {@code add} action; empty when it has none. */
  static OptionalLong numRecords(JsonNode add) {
    String stats = add.path("stats").asText(null);
    if (stats == null) {
      return OptionalLong.empty();
    }
    try {
      JsonNode n = JSON.readTree(stats).path("numRecords");
      return n.isIntegralNumber() ? OptionalLong.of(n.asLong()) : OptionalLong.empty();
    } catch (java.io.IOException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * One commit of a table's Delta log, as {@code DESCRIBE HISTORY} tells it.
   *
   * @param metrics the operation's metrics (rows, files, bytes written), by name
   */
  public record Commit(
      long version, java.time.Instant at, String operation, Map<String, String> metrics) {}

  /**
   * The table's newest {@code limit} commits, newest first, read from the log's own files (no Spark
   * job); commits the log no longer holds are left out.
   */
  public List<Commit> history(String dir, int limit) {
    List<Commit> out = new java.util.ArrayList<>();
    long latest = latestVersion(dir);
    for (long v = latest; v >= 0 && v > latest - limit; v--) {
      if (commitLines(dir, v).isEmpty()) {
        break; // cleaned up: older ones are gone too
      }
      JsonNode info = commitInfo(dir, v);
      Map<String, String> metrics = new java.util.TreeMap<>();
      info.path("operationMetrics")
          .fields()
          .forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asText()));
      out.add(
          new Commit(
              v,
              java.time.Instant.ofEpochMilli(info.path("timestamp").asLong()),
              info.path("operation").asText(""),
              metrics));
    }
    return out;
  }

  /**
   * The table's data files, as its latest commit's checksum file records them: 0 when there is no
   * table, empty when there is no such file.
   */
  public OptionalLong fileCount(String dir) {
    if (latestVersion(dir) < 0) {
      return OptionalLong.of(0);
    }
    JsonNode n = checksum(dir).path("numFiles");
    return n.canConvertToLong() ? OptionalLong.of(n.asLong()) : OptionalLong.empty();
  }

  /**
   * The operations of maintenance ({@code dpf maintain}): they change no row, so whoever reads what
   * the last write recorded looks past them.
   */
  static final java.util.Set<String> UNCHANGING =
      java.util.Set.of("OPTIMIZE", "REORG", "VACUUM START", "VACUUM END");

  /**
   * The table's latest version made by anything but maintenance ({@link #maintenance}); -1 when
   * there is none. A commit the log no longer holds counts.
   */
  public long lastWriteVersion(String dir) {
    for (long v = latestVersion(dir); v >= 0; v--) {
      if (commitLines(dir, v).isEmpty() || !maintenance(commitInfo(dir, v))) {
        return v;
      }
    }
    return -1;
  }

  /** The table settings maintenance sets: how long its log and removed files stay. */
  private static final java.util.Set<String> KEEPING =
      java.util.Set.of("delta.deletedFileRetentionDuration", "delta.logRetentionDuration");

  /**
   * Whether a commit is maintenance's: an {@link #UNCHANGING} operation, or a change of only the
   * settings that say how long files stay. (Turning on the change data feed is not: a change feed
   * is read from the commit after it.)
   */
  static boolean maintenance(JsonNode commitInfo) {
    String op = commitInfo.path("operation").asText();
    if (UNCHANGING.contains(op)) {
      return true;
    }
    if (!"SET TBLPROPERTIES".equals(op) || commitInfo.hasNonNull("userMetadata")) {
      return false;
    }
    try {
      JsonNode properties =
          JSON.readTree(commitInfo.path("operationParameters").path("properties").asText("{}"));
      java.util.Iterator<String> names = properties.fieldNames();
      boolean any = false;
      while (names.hasNext()) {
        any = true;
        if (!KEEPING.contains(names.next())) {
          return false;
        }
      }
      return any;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * The earliest {@code deletionTimestamp} of the files the commits after {@code version} removed:
   * the files that version reads and a later one does not left the table then or after. Empty when
   * those commits removed nothing; null when a commit is no longer in the log.
   */
  public java.util.Optional<java.time.Instant> earliestRemovalAfter(String dir, long version) {
    long earliest = Long.MAX_VALUE;
    for (long v = version + 1; v <= latestVersion(dir); v++) {
      Optional<List<String>> lines = commitLines(dir, v);
      if (lines.isEmpty()) {
        return null;
      }
      for (String line : lines.get()) {
        if (line.startsWith("{\"remove\"")) {
          try {
            JsonNode at = JSON.readTree(line).path("remove").path("deletionTimestamp");
            earliest = Math.min(earliest, at.canConvertToLong() ? at.asLong() : 0);
          } catch (java.io.IOException e) {
            throw new DpfException("Cannot parse Delta commit " + v + " of " + dir, e);
          }
        }
      }
    }
    return earliest == Long.MAX_VALUE
        ? Optional.empty()
        : Optional.of(java.time.Instant.ofEpochMilli(earliest));
  }

  /** The {@code commitInfo} action of one commit (an empty node if it has none). */
  public JsonNode commitInfo(String dir, long version) {
    List<String> lines =
        commitLines(dir, version)
            .orElseThrow(
                () -> new DpfException("Delta commit " + version + " of " + dir + " is missing"));
    try {
      for (String line : lines) {
        if (line.contains("\"commitInfo\"")) {
          JsonNode info = JSON.readTree(line).path("commitInfo");
          if (!info.isMissingNode()) {
            return info;
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot parse Delta commit " + version + " of " + dir, e);
    }
    return JSON.createObjectNode();
  }

  /**
   * The rows the files one commit added hold, from their {@code numRecords} statistics; empty when
   * an added file has none.
   */
  public OptionalLong addedRows(String dir, long version) {
    List<String> lines =
        commitLines(dir, version)
            .orElseThrow(
                () -> new DpfException("Delta commit " + version + " of " + dir + " is missing"));
    long rows = 0;
    try {
      for (String line : lines) {
        JsonNode add = JSON.readTree(line).path("add");
        if (!add.isMissingNode()) {
          OptionalLong n = numRecords(add);
          if (n.isEmpty()) {
            return OptionalLong.empty();
          }
          rows += n.getAsLong();
        }
      }
    } catch (java.io.IOException e) {
      throw new DpfException("Cannot parse Delta commit " + version + " of " + dir, e);
    }
    return OptionalLong.of(rows);
  }

  /** The lines (actions) of one commit's log file; empty when the file does not exist. */
  Optional<List<String>> commitLines(String dir, long version) {
    org.apache.hadoop.fs.Path file =
        new org.apache.hadoop.fs.Path(dir, String.format("_delta_log/%020d.json", version));
    try {
      FileSystem fs = file.getFileSystem(hadoopConf);
      try (var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  fs.open(file), java.nio.charset.StandardCharsets.UTF_8))) {
        return Optional.of(in.lines().toList());
      }
    } catch (java.io.FileNotFoundException e) {
      return Optional.empty();
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw new DpfException("Cannot read the Delta commit " + file + ": " + e.getMessage(), e);
    }
  }

  static ObjectNode summaryOf(JsonNode commitInfo) {
    String metadata = commitInfo.path("userMetadata").asText(null);
    if (metadata == null || !metadata.startsWith("{")) {
      return null;
    }
    try {
      JsonNode summary = JSON.readTree(metadata).path(SUMMARY);
      return summary.isObject() ? ((ObjectNode) summary).deepCopy() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /**
   * A small table's rows read straight from the data files its latest checksum file lists, or empty
   * when that file does not list them all plainly ({@link dev.dpf.core.storage.Lake#readSmall}).
   */
  public Optional<Dataset<Row>> readSmall(SparkSession spark, String dir) {
    JsonNode checksum = checksum(dir);
    JsonNode files = checksum.path("allFiles");
    JsonNode metadata = checksum.path("metadata");
    boolean plain =
        files.isArray()
            && files.size() == checksum.path("numFiles").asLong(-1)
            && metadata
                .path("configuration")
                .path("delta.columnMapping.mode")
                .asText("none")
                .equals("none")
            && metadata.path("schemaString").isTextual();
    for (JsonNode add : files) {
      plain &= add.path("deletionVector").isMissingNode() || add.path("deletionVector").isNull();
    }
    if (!plain) {
      return Optional.empty();
    }
    org.apache.spark.sql.types.StructType schema =
        (org.apache.spark.sql.types.StructType)
            org.apache.spark.sql.types.DataType.fromJson(metadata.path("schemaString").asText());
    if (files.isEmpty()) {
      return Optional.of(spark.createDataFrame(List.of(), schema));
    }
    List<String> paths = new java.util.ArrayList<>();
    for (JsonNode add : files) {
      paths.add(
          new org.apache.hadoop.fs.Path(
                  new org.apache.hadoop.fs.Path(dir),
                  new org.apache.hadoop.fs.Path(java.net.URI.create(add.path("path").asText())))
              .toString());
    }
    return Optional.of(
        spark.read().option("basePath", dir).schema(schema).parquet(paths.toArray(String[]::new)));
  }
}
