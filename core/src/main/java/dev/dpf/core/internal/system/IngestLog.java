package dev.dpf.core.internal.system;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.TableName;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code _system.ingest_files}: which raw files each ingest batch read. A batch is first written as
 * {@code planned} (its files fixed before any data is written), then {@code committed} with
 * per-file counts once its rows are in the consolidated and quarantine tables (the closing entries
 * of a stage's batches are written together, by {@link #flush}). A batch planned but not committed
 * was interrupted: the next run repeats exactly that batch, and the idempotent appends make the
 * repeat write only what the interrupted run had not.
 */
public final class IngestLog {
  /** The log's table name in the system zone. */
  public static final TableName TABLE = SystemTables.INGEST_FILES;

  static final StructType SCHEMA =
      new StructType()
          .add("source", DataTypes.StringType, false)
          .add("batch_id", DataTypes.LongType, false)
          .add("state", DataTypes.StringType, false)
          .add("file", DataTypes.StringType, false)
          .add("size", DataTypes.LongType, false)
          .add("modified", DataTypes.LongType, false)
          .add("run_id", DataTypes.StringType, false)
          .add("ingested_at", DataTypes.TimestampType, false)
          .add("records", DataTypes.LongType, true)
          .add("written", DataTypes.LongType, true)
          .add("quarantined", DataTypes.LongType, true)
          .add("note", DataTypes.StringType, true)
          .add("sha256", DataTypes.StringType, true)
          .add("logged_at", DataTypes.TimestampType, false);

  private static final String LISTING = "listing";
  // Per source, beside the sources' digests (no source name starts with '_'): the newest time
  // folder ingested and when the source was last listed in full.
  private static final String MARKS = "_marks";
  private static final String NEWEST = "newest";
  private static final String FULL_AT = "full_listing_at";

  /**
   * How far before the newest time folder ingested a listing starts: objects still arriving in a
   * folder after a later one was listed (Firehose writes an hour's folder until its buffer flushes,
   * up to 15 minutes later) are found within it.
   */
  public static final java.time.Duration LISTING_WINDOW = java.time.Duration.ofDays(1);

  /** How often a source laid out by time is listed in full, to find objects delivered later. */
  public static final java.time.Duration FULL_LISTING_EVERY = java.time.Duration.ofHours(24);

  private static final JsonNode MISSING =
      com.fasterxml.jackson.databind.node.MissingNode.getInstance();

  private final SparkSession spark;
  private final Lake lake;
  private final DeltaWriter writer;
  private JsonNode summary;
  private final List<Closing> unwritten = new ArrayList<>(); // closed, not yet in the log

  /** A batch's closing entries, and the listing it leaves all ingested (or null). */
  private record Closing(String source, List<Row> rows, RawRoot.Listing listed, Instant at) {}

  public IngestLog(SparkSession spark, Lake lake, DeltaWriter writer) {
    this.spark = spark;
    this.lake = lake;
    this.writer = writer;
  }

  /**
   * One batch of one source.
   *
   * @param id 1, 2, ... per source
   * @param runId the run that planned it (its rows carry this run id)
   * @param ingestedAt the planning run's start (its rows' {@code _ingested_at})
   * @param files the raw files it reads
   * @param reingest whether it reads every raw file of the source again and replaces the
   *     consolidated table (earlier batches no longer count)
   */
  public record Batch(
      long id, String runId, Instant ingestedAt, List<RawRoot.RawFile> files, boolean reingest) {
    /** A batch that appends. */
    public Batch(long id, String runId, Instant ingestedAt, List<RawRoot.RawFile> files) {
      this(id, runId, ingestedAt, files, false);
    }
  }

  /** The note on the entries of a {@link Batch#reingest} batch. */
  static final String REINGEST = "reingest";

  /**
   * The latest committed re-ingest batch of the source, if any: the consolidated table holds no
   * rows of batches before it.
   */
  public java.util.OptionalLong lastReingest(String source) {
    if (!lake.exists(TABLE)) {
      return java.util.OptionalLong.empty();
    }
    Row r =
        lake.read(TABLE)
            .filter(
                col("source")
                    .equalTo(source)
                    .and(col("state").equalTo("committed"))
                    .and(col("note").equalTo(REINGEST)))
            .agg(org.apache.spark.sql.functions.max("batch_id"))
            .head();
    return r.isNullAt(0) ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(r.getLong(0));
  }

  /** Per-file outcome of a batch. */
  public record FileCounts(long records, long written, long quarantined) {}

  /** A file's identity: the same key re-delivered with other content is another file. */
  public record FileId(String key, long size, long modified) {
    static FileId of(RawRoot.RawFile f) {
      return new FileId(f.key(), f.size(), f.modified());
    }
  }

  /**
   * The latest committed delivery of a key.
   *
   * @param size bytes
   * @param sha256 the SHA-256 of its bytes, null when unknown (logged before digests were kept, or
   *     the file could not be read to its end)
   * @param batch the batch that read it
   */
  public record Delivery(long size, String sha256, long batch) {}

  /**
   * What the log says about each source, read in one pass (a source's entries change only when that
   * source is ingested); {@code raw} resolves a pending batch's files.
   */
  public Map<String, IngestState> states(RawRoot raw) {
    Map<String, List<Row>> bySource = new HashMap<>();
    if (lake.exists(TABLE)) {
      var log = lake.read(TABLE);
      for (Row r :
          log.select(
                  col("source"),
                  col("batch_id"),
                  col("state"),
                  col("file"),
                  col("size"),
                  col("modified"),
                  col("run_id"),
                  col("ingested_at"),
                  // Logs written before digests were kept have no such column.
                  java.util.Arrays.asList(log.columns()).contains("sha256")
                      ? col("sha256")
                      : lit(null).cast("string"),
                  col("note"))
              .collectAsList()) {
        bySource.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
      }
    }
    Map<String, IngestState> out = new HashMap<>();
    bySource.forEach((source, rows) -> out.put(source, IngestState.of(rows, raw)));
    return out;
  }

  /** Records the batch's files before any of its rows are written. */
  public void plan(String source, Batch batch) {
    List<Row> rows = new ArrayList<>();
    for (RawRoot.RawFile f : batch.files()) {
      rows.add(row(source, batch, "planned", f, null, null, null));
    }
    append(source, rows, null, batch.ingestedAt());
  }

  /**
   * Records the batch as done, with each file's counts and digest (when known), written by the next
   * {@link #flush}.
   *
   * @param listed the source's listing the batch was planned from, all of it now ingested; null
   *     when not known (a resumed batch)
   */
  public void commit(
      String source,
      Batch batch,
      Map<String, FileCounts> counts,
      Map<String, String> digests,
      RawRoot.Listing listed) {
    List<Row> rows = new ArrayList<>();
    for (RawRoot.RawFile f : batch.files()) {
      rows.add(row(source, batch, "committed", f, counts.get(f.key()), null, digests.get(f.key())));
    }
    close(new Closing(source, rows, listed, batch.ingestedAt()));
  }

  private synchronized void close(Closing closing) {
    unwritten.add(closing);
  }

  /**
   * Writes the batches closed since the last flush ({@link #commit}, {@link #fail}) as one commit;
   * nothing when none was.
   */
  public synchronized void flush() {
    if (unwritten.isEmpty()) {
      return;
    }
    List<Closing> closings = List.copyOf(unwritten);
    List<Row> rows = new ArrayList<>();
    closings.forEach(c -> rows.addAll(c.rows()));
    writer.appendLog(
        TABLE,
        spark.createDataFrame(rows, SCHEMA),
        summary -> closings.forEach(c -> summarize(summary, c.source(), c.listed(), c.at())));
    unwritten.clear();
  }

  /**
   * Whether {@code listed} is exactly the listing of the source's last committed batch, with no
   * entry since: then every file in it is ingested and nothing is pending. Decided from the log's
   * latest commit alone ({@link DeltaWriter#logSummary}); false when it cannot tell, and then the
   * log's rows decide ({@link #states}).
   */
  public boolean allIngested(String source, List<RawRoot.RawFile> listed) {
    String known = summary().path(source).path(LISTING).asText(null);
    return known != null && known.equals(listingDigest(listed));
  }

  /** The summary of the log's latest commit as this run found it (read once). */
  private synchronized JsonNode summary() {
    if (summary == null) {
      summary = writer.logSummary(TABLE).map(JsonNode.class::cast).orElse(MISSING);
    }
    return summary;
  }

  /** The SHA-256 of a listing: each file's key, size and modification time, in key order. */
  static String listingDigest(List<RawRoot.RawFile> listed) {
    StringBuilder text = new StringBuilder();
    listed.stream()
        .sorted(java.util.Comparator.comparing(RawRoot.RawFile::key))
        .forEach(
            f ->
                text.append(f.key())
                    .append('\t')
                    .append(f.size())
                    .append('\t')
                    .append(f.modified())
                    .append('\n'));
    return dev.dpf.core.internal.ingest.Digests.sha256(text.toString());
  }

  /**
   * Records files delivered again with the content of an earlier delivery of their key as a batch
   * of their own, committed at once with no records: they are not read again.
   *
   * @param digests each file's SHA-256
   * @param notes what each file repeats
   */
  public void unchanged(
      String source,
      Batch batch,
      Map<String, String> digests,
      Map<String, String> notes,
      RawRoot.Listing listed) {
    List<Row> rows = new ArrayList<>();
    for (RawRoot.RawFile f : batch.files()) {
      rows.add(
          row(
              source,
              batch,
              "committed",
              f,
              new FileCounts(0, 0, 0),
              notes.get(f.key()),
              digests.get(f.key())));
    }
    append(source, rows, listed, batch.ingestedAt());
  }

  /**
   * Records the batch as given up (the source fails on bad records), written by the next {@link
   * #flush}: the next run plans anew.
   */
  public void fail(String source, Batch batch, String reason) {
    List<Row> rows = new ArrayList<>();
    for (RawRoot.RawFile f : batch.files()) {
      rows.add(row(source, batch, "failed", f, null, reason, null));
    }
    close(new Closing(source, rows, null, batch.ingestedAt()));
  }

  /**
   * A plain append: each entry is written once by the run that plans or closes its batch, and a run
   * reads the log before writing to it, so no retry can repeat one. (An idempotent append would
   * make Delta rebuild the log table's state on every entry to look up its transactions.) The
   * commit's summary keeps, per source, the digest of the listing its last batch closed; any other
   * entry removes the source's digest until a batch closes again.
   *
   * @param listed the source's listing, all of it ingested once these rows are in; null otherwise
   */
  private void append(String source, List<Row> rows, RawRoot.Listing listed, Instant at) {
    writer.appendLog(
        TABLE,
        spark.createDataFrame(rows, SCHEMA),
        summary -> summarize(summary, source, listed, at));
  }

  private static void summarize(
      com.fasterxml.jackson.databind.node.ObjectNode summary,
      String source,
      RawRoot.Listing listed,
      Instant at) {
    if (listed == null) {
      summary.remove(source);
      return;
    }
    // The digest is of the listing as the next run makes it, from the newest folder ingested now.
    Optional<String> newest = RawRoot.newestTimeFolder(listed.folder(), listed.files());
    Optional<String> next = newest.flatMap(n -> RawRoot.listFrom(n, LISTING_WINDOW));
    List<RawRoot.RawFile> nextListing =
        next.isEmpty()
            ? listed.files()
            : listed.files().stream()
                .filter(f -> RawRoot.listedFrom(listed.folder(), f.key(), next.get()))
                .toList();
    summary.putObject(source).put(LISTING, listingDigest(nextListing));
    com.fasterxml.jackson.databind.node.ObjectNode marks =
        summary.path(MARKS).isObject()
            ? (com.fasterxml.jackson.databind.node.ObjectNode) summary.get(MARKS)
            : summary.putObject(MARKS);
    com.fasterxml.jackson.databind.node.ObjectNode mark =
        marks.path(source).isObject()
            ? (com.fasterxml.jackson.databind.node.ObjectNode) marks.get(source)
            : marks.putObject(source);
    if (newest.isPresent()) {
      mark.put(NEWEST, newest.get());
    } else {
      mark.remove(NEWEST);
    }
    if (listed.full()) {
      mark.put(FULL_AT, at.toString());
    }
  }

  /**
   * The time folder to list the source from ({@code window} before the newest it ingested), or
   * empty to list it in full: when it has none, or was last listed in full {@link
   * #FULL_LISTING_EVERY} or longer before {@code now}.
   */
  public Optional<String> listFrom(String source, Instant now) {
    JsonNode mark = summary().path(MARKS).path(source);
    if (!mark.path(NEWEST).isTextual() || !mark.path(FULL_AT).isTextual()) {
      return Optional.empty();
    }
    Instant full;
    try {
      full = Instant.parse(mark.path(FULL_AT).asText());
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty();
    }
    if (!full.plus(FULL_LISTING_EVERY).isAfter(now)) {
      return Optional.empty();
    }
    return RawRoot.listFrom(mark.path(NEWEST).asText(), LISTING_WINDOW);
  }

  private static Row row(
      String source,
      Batch b,
      String state,
      RawRoot.RawFile f,
      FileCounts c,
      String note,
      String sha256) {
    return RowFactory.create(
        source,
        b.id(),
        state,
        f.key(),
        f.size(),
        f.modified(),
        b.runId(),
        Timestamp.from(b.ingestedAt()),
        c == null ? null : c.records(),
        c == null ? null : c.written(),
        c == null ? null : c.quarantined(),
        note == null && b.reingest() ? REINGEST : note,
        sha256,
        Timestamp.from(Instant.now()));
  }
}
