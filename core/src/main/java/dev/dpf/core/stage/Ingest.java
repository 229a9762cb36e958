package dev.dpf.core.stage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.ingest.DeclaredFields;
import dev.dpf.core.ingest.Digests;
import dev.dpf.core.ingest.FileParser;
import dev.dpf.core.ingest.IngestHooks;
import dev.dpf.core.ingest.ParquetRecords;
import dev.dpf.core.ingest.ParsedRecord;
import dev.dpf.core.storage.IngestLog;
import dev.dpf.core.storage.IngestState;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.RawRoot;
import dev.dpf.core.transform.Columns;
import dev.dpf.core.transform.Quarantine;
import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.Zone;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw to consolidated for one source, exactly once. The batch's files are fixed in the ingest log
 * before anything is written; its rows go to the consolidated table and its bad records to
 * quarantine as idempotent appends tagged with the batch; then the log marks the batch committed
 * (the batches of a stage together, when the stage ends: {@link #closeBatches}). A run killed
 * anywhere in between leaves a planned batch that the next run repeats: appends that had been
 * committed are skipped by Delta, the rest are written.
 */
final class Ingest {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final IngestLog log;
  private final String runId;
  private final Instant startedAt;
  private Map<String, IngestState> states; // read once, on the first source
  private Set<String> reingest = Set.of();

  /** Sources whose raw files are all read again, replacing their consolidated tables. */
  Ingest reingest(Set<String> sources) {
    this.reingest = Set.copyOf(sources);
    return this;
  }

  private IngestHooks hooks = IngestHooks.NONE;

  /** Tells {@code hooks} how far each source's ingest got. */
  Ingest hooks(IngestHooks hooks) {
    this.hooks = hooks;
    return this;
  }

  Ingest(
      SparkSession spark,
      PipelineDefinition definition,
      Lake lake,
      String runId,
      Instant startedAt) {
    this.spark = spark;
    this.definition = definition;
    this.lake = lake;
    this.log = new IngestLog(spark, lake);
    this.runId = runId;
    this.startedAt = startedAt;
  }

  /** What the ingest log says about the source (the log is read once, by the first source). */
  private synchronized IngestState state(RawRoot raw, SourceDef source) {
    if (states == null) {
      states = log.states(raw);
    }
    return states.getOrDefault(source.name(), IngestState.EMPTY);
  }

  /**
   * Writes the ingest log's closing entries (committed or failed) of the batches this stage ran, as
   * one commit. Until then a batch is planned: a run killed before repeats it, and its idempotent
   * appends write nothing twice.
   */
  void closeBatches() {
    log.flush();
  }

  /**
   * What {@link #source} would do now, without doing it: ingest the files the log does not have,
   * resume a pending batch, or nothing.
   */
  Planned plan(RawRoot raw, SourceDef source, List<RawRoot.RawFile> listed) {
    String table = source.table();
    if (reingest.contains(source.name()) && !listed.isEmpty()) {
      return new Planned(
          "ingest",
          table,
          Planned.Action.REINGEST,
          String.format(
              "all %d raw file(s), %,d bytes, read again; they replace the table's rows",
              listed.size(), listed.stream().mapToLong(RawRoot.RawFile::size).sum()));
    }
    if (!listed.isEmpty() && log.allIngested(source.name(), listed)) {
      return new Planned(
          "ingest", table, Planned.Action.UP_TO_DATE, listed.size() + " file(s) already ingested");
    }
    IngestState state = state(raw, source);
    if (state.pending().isPresent()) {
      IngestLog.Batch b = state.pending().get();
      return new Planned(
          "ingest",
          table,
          Planned.Action.RESUME,
          "interrupted batch "
              + b.id()
              + " of run "
              + b.runId()
              + ", "
              + b.files().size()
              + " file(s)");
    }
    if (listed.isEmpty()) {
      return new Planned(
          "ingest", table, Planned.Action.SKIP, "no raw data under " + source.path() + "/");
    }
    List<RawRoot.RawFile> fresh = listed.stream().filter(f -> !state.ingested(f)).toList();
    if (fresh.isEmpty()) {
      return new Planned(
          "ingest", table, Planned.Action.UP_TO_DATE, listed.size() + " file(s) already ingested");
    }
    return new Planned(
        "ingest",
        table,
        Planned.Action.INGEST,
        String.format(
            "%d new or changed raw file(s), %,d bytes",
            fresh.size(), fresh.stream().mapToLong(RawRoot.RawFile::size).sum()));
  }

  /**
   * Ingests the source's new files.
   *
   * @param listed the files under the source's folder now
   */
  TableResult source(RawRoot raw, SourceDef source, List<RawRoot.RawFile> listed) {
    long start = System.nanoTime();
    String table = source.table();
    boolean again = reingest.contains(source.name());
    if (!again && !listed.isEmpty() && log.allIngested(source.name(), listed)) {
      return upToDate(table, start, listed.size() + " file(s) already ingested");
    }
    IngestState state = state(raw, source);
    IngestLog.Batch batch;
    List<RawRoot.RawFile> files = null; // the listing the batch is planned from (not on resume)
    String resumed = "";
    String redelivered = "";
    if (state.pending().isPresent()) {
      batch = state.pending().get();
      resumed = "; resumed interrupted batch " + batch.id() + " of run " + batch.runId();
    } else {
      files = listed;
      if (files.isEmpty()) {
        if (again) {
          throw new DpfException(
              "Cannot re-ingest source '"
                  + source.name()
                  + "': there are no raw files under "
                  + source.path()
                  + "/. "
                  + table
                  + " is kept as it is");
        }
        return TableResult.skipped(
            "ingest", table, Pipeline.seconds(start), "no raw data under " + source.path() + "/");
      }
      List<RawRoot.RawFile> fresh =
          again ? files : files.stream().filter(f -> !state.ingested(f)).toList();
      long lastBatch = state.lastBatch();
      int repeated = 0;
      if (!fresh.isEmpty() && !again) {
        List<RawRoot.RawFile> unchanged = unchanged(source, state, fresh, lastBatch + 1, files);
        if (!unchanged.isEmpty()) {
          lastBatch++;
          repeated = unchanged.size();
          fresh = fresh.stream().filter(f -> !unchanged.contains(f)).toList();
          redelivered = "; " + repeated + " file(s) delivered again unchanged, not read again";
        }
      }
      if (fresh.isEmpty()) {
        return upToDate(
            table, start, (files.size() - repeated) + " file(s) already ingested" + redelivered);
      }
      batch = new IngestLog.Batch(lastBatch + 1, runId, startedAt, fresh, again);
      log.plan(source.name(), batch);
    }
    hooks.reached(IngestHooks.PLANNED);

    CollectionAccumulator<String> digests =
        spark.sparkContext().collectionAccumulator("dpf-digests-" + source.name());
    Dataset<Row> parsed = parse(source, batch.files(), digests);
    parsed.persist(Pipeline.WORKING_SET);
    try {
      long t0 = System.nanoTime(); // phases, logged at the end
      Map<String, IngestLog.FileCounts> perFile = countPerFile(parsed);
      long t1 = System.nanoTime();
      long read = perFile.values().stream().mapToLong(IngestLog.FileCounts::records).sum();
      long bad = perFile.values().stream().mapToLong(IngestLog.FileCounts::quarantined).sum();
      long good = read - bad;
      Dataset<Row> badRows = parsed.filter(col(ParsedRecord.ERROR).isNotNull());
      if (bad > 0 && source.onError() == SourceDef.OnError.FAIL) {
        Row first =
            badRows
                .orderBy(ParsedRecord.FILE, ParsedRecord.ROW_NUMBER)
                .select(ParsedRecord.FILE, ParsedRecord.LINE, ParsedRecord.ERROR)
                .head();
        String message =
            "Source '"
                + source.name()
                + "' has "
                + bad
                + " bad record(s) and is set to fail on them (on_error: fail). First: "
                + first.getString(0)
                + (first.isNullAt(1) ? "" : " line " + first.getLong(1))
                + ": "
                + first.getString(2)
                + ". Fix or remove the file, or set on_error: quarantine";
        log.fail(source.name(), batch, message);
        throw new DpfException(message);
      }
      LinkedHashMap<String, List<String>> columns = columnsOf(source, parsed);
      long t2 = System.nanoTime();
      Drift drift = drift(source, columns.keySet());

      Dataset<Row> rows =
          consolidated(source, parsed.filter(col(ParsedRecord.ERROR).isNull()), columns, batch);
      long replaced =
          batch.reingest() && lake.exists(Zone.CONSOLIDATED, source.name())
              ? lake.rows(Zone.CONSOLIDATED, source.name())
              : 0;
      long written =
          batch.reingest()
              ? lake.overwriteOnce(
                  Zone.CONSOLIDATED,
                  source.name(),
                  hooks.during(IngestHooks.WRITING, rows),
                  List.of(),
                  appId(source),
                  batch.id())
              : lake.appendOnce(
                  Zone.CONSOLIDATED,
                  source.name(),
                  hooks.during(IngestHooks.WRITING, rows),
                  List.of(),
                  appId(source),
                  batch.id());
      check(written, good, table, batch);
      hooks.reached(IngestHooks.WRITTEN);
      if (batch.reingest() && (bad > 0 || lake.exists(Zone.QUARANTINE, Quarantine.TABLE))) {
        // The source's earlier ingest quarantine goes with the rows it stood beside.
        long quarantined =
            lake.replaceWhere(
                Zone.QUARANTINE,
                Quarantine.TABLE,
                quarantine(source, badRows, batch),
                Quarantine.PARTITION_BY,
                Quarantine.partition("ingest", source.name()));
        check(quarantined, bad, "quarantine.records", batch);
      } else if (bad > 0) {
        long quarantined =
            lake.appendOnce(
                Zone.QUARANTINE,
                Quarantine.TABLE,
                quarantine(source, badRows, batch),
                Quarantine.PARTITION_BY,
                appId(source),
                batch.id());
        check(quarantined, bad, "quarantine.records", batch);
      }
      hooks.reached(IngestHooks.QUARANTINED);
      long t3 = System.nanoTime();
      log.commit(source.name(), batch, perFile, digestsOf(digests), files);
      LOG.info(
          "consolidated.{}: plan {}s, parse {}s, columns {}s, write {}s, log {}s",
          source.name(),
          String.format("%.1f", (t0 - start) / 1e9),
          String.format("%.1f", (t1 - t0) / 1e9),
          String.format("%.1f", (t2 - t1) / 1e9),
          String.format("%.1f", (t3 - t2) / 1e9),
          String.format("%.1f", (System.nanoTime() - t3) / 1e9));

      long bytes = batch.files().stream().mapToLong(RawRoot.RawFile::size).sum();
      String note =
          (batch.reingest()
                  ? "re-ingested all "
                      + batch.files().size()
                      + " raw file(s), "
                      + bytes
                      + " bytes, replacing "
                      + (written < 0 ? "the table's" : String.valueOf(replaced))
                      + " earlier row(s)"
                  : batch.files().size() + " new file(s), " + bytes + " bytes")
              + drift.note()
              + redelivered
              + resumed;
      return new TableResult(
          "ingest",
          table,
          TableResult.Status.OK,
          read,
          good,
          bad,
          batch.files().size(),
          Pipeline.seconds(start),
          note);
    } finally {
      parsed.unpersist();
    }
  }

  private static TableResult upToDate(String table, long start, String note) {
    return new TableResult(
        "ingest", table, TableResult.Status.UP_TO_DATE, 0, 0, 0, 0, Pipeline.seconds(start), note);
  }

  private static String appId(SourceDef source) {
    return appId(source.name());
  }

  /** The Delta transaction id of a source's appends: each records its ingest batch id. */
  static String appId(String source) {
    return "dpf-ingest-" + source;
  }

  /** Rows committed must be the rows read as good (or the write was already committed). */
  private static void check(long committed, long expected, String table, IngestLog.Batch batch) {
    if (committed >= 0 && committed != expected) {
      throw new DpfException(
          "Reconciliation failed for "
              + table
              + " in ingest batch "
              + batch.id()
              + ": expected to commit "
              + expected
              + " row(s) but Delta committed "
              + committed
              + ". No rows may be lost; report this as a bug");
    }
  }

  /**
   * Files delivered again under a key already ingested, with the content of its latest delivery
   * (same size and SHA-256) but another modification time: a re-upload, a sync tool's copy, a
   * replication. They are the same delivery: logged as batch {@code batchId} without being read, so
   * a DMS full-load file copied again is never taken for a reload. Empty when there are none (and
   * then nothing is logged).
   */
  private List<RawRoot.RawFile> unchanged(
      SourceDef source,
      IngestState state,
      List<RawRoot.RawFile> fresh,
      long batchId,
      List<RawRoot.RawFile> listed) {
    List<RawRoot.RawFile> out = new ArrayList<>();
    Map<String, String> digests = new HashMap<>();
    Map<String, String> notes = new HashMap<>();
    for (RawRoot.RawFile f : fresh) {
      var before = state.sameSizeAs(f);
      if (before.isPresent()) {
        String sha = Digests.sha256(f, spark.sparkContext().hadoopConfiguration());
        if (sha.equals(before.get().sha256())) {
          out.add(f);
          digests.put(f.key(), sha);
          notes.put(
              f.key(),
              "delivered again unchanged (the content of batch "
                  + before.get().batch()
                  + "): not read again");
        }
      }
    }
    if (!out.isEmpty()) {
      log.unchanged(
          source.name(),
          new IngestLog.Batch(batchId, runId, startedAt, out),
          digests,
          notes,
          // The listing is all ingested once these are logged only if nothing else is fresh.
          out.size() == fresh.size() ? listed : null);
      LOG.info(
          "consolidated.{}: {} file(s) delivered again unchanged: {}",
          source.name(),
          out.size(),
          out.stream().map(RawRoot.RawFile::key).toList());
    }
    return out;
  }

  private static Map<String, String> digestsOf(CollectionAccumulator<String> digests) {
    Map<String, String> out = new HashMap<>();
    for (String d : digests.value()) {
      int tab = d.lastIndexOf('\t');
      out.put(d.substring(0, tab), d.substring(tab + 1));
    }
    return out;
  }

  /** The batch's files as parsed records, text formats and Parquet alike. */
  private Dataset<Row> parse(
      SourceDef source, List<RawRoot.RawFile> files, CollectionAccumulator<String> digests) {
    if (source.format() == SourceDef.Format.PARQUET) {
      return ParquetRecords.read(spark, source, files, digests);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
    JavaRDD<Row> rows =
        jsc.parallelize(files, slices)
            .flatMap(
                new FileParser(
                        source,
                        declaredFields(definition, source),
                        spark.sparkContext().hadoopConfiguration())
                    .withDigests(digests)
                    .withHooks(hooks));
    return spark.createDataFrame(rows, ParsedRecord.SCHEMA);
  }

  private static Map<String, IngestLog.FileCounts> countPerFile(Dataset<Row> parsed) {
    Map<String, IngestLog.FileCounts> out = new HashMap<>();
    for (Row r :
        parsed
            .groupBy(ParsedRecord.FILE)
            .agg(
                count(lit(1)),
                sum(when(col(ParsedRecord.ERROR).isNotNull(), 1).otherwise(0)).cast("long"))
            .collectAsList()) {
      long records = r.getLong(1);
      long bad = r.getLong(2);
      out.put(r.getString(0), new IngestLog.FileCounts(records, records - bad, bad));
    }
    return out;
  }

  /**
   * The consolidated table's data columns, each with the raw field names it is read from: the
   * columns it already has, in its order, then the batch's new fields in order of first appearance
   * (file, record, position in the record). Names that are one as {@link Columns#folded} compares
   * them (ignoring case, as Spark and Delta do, surrounding spaces and characters Delta refuses in
   * names) are one column, named as the table already names it, else as the definition declares it,
   * else as first seen, made a name Delta accepts ({@link Columns#sanitized}); a field named like a
   * lineage column is kept as {@code raw<name>}.
   */
  private LinkedHashMap<String, List<String>> columnsOf(SourceDef source, Dataset<Row> parsed) {
    return canonicalColumns(
        existingColumns(source), declared(definition, source), fieldsInOrder(parsed));
  }

  /**
   * The good records' field names in order of first appearance: by file name, then record, then
   * position in the record. Each file's first appearance of a field is found by a hash aggregation
   * (row and position packed in one long), the order across files on the driver: a sort of every
   * field of every record would cost more than the parse.
   */
  static List<String> fieldsInOrder(Dataset<Row> parsed) {
    List<Row> firsts =
        parsed
            .filter(col(ParsedRecord.ERROR).isNull())
            .select(
                col(ParsedRecord.FILE),
                col(ParsedRecord.ROW_NUMBER),
                posexplode(org.apache.spark.sql.functions.map_keys(col(ParsedRecord.FIELDS))))
            .groupBy(col(ParsedRecord.FILE), col("col"))
            .agg(
                min(col(ParsedRecord.ROW_NUMBER)
                        .multiply(lit(FIELDS_PER_RECORD))
                        .plus(col("pos").cast("long")))
                    .as("first"),
                org.apache.spark.sql.functions.max(col("pos")).as("widest"))
            .collectAsList();
    Map<String, First> first = new HashMap<>();
    for (Row r : firsts) {
      if (r.getInt(3) >= FIELDS_PER_RECORD) {
        throw new DpfException(
            "A record of "
                + r.getString(0)
                + " has more than "
                + FIELDS_PER_RECORD
                + " fields; records this wide are not supported");
      }
      first.merge(
          r.getString(1),
          new First(r.getString(0), r.getLong(2)),
          (a, b) -> a.compareTo(b) <= 0 ? a : b);
    }
    List<String> out = new ArrayList<>(first.keySet());
    out.sort(java.util.Comparator.comparing(first::get));
    return out;
  }

  /** Where a field first appears: a file, and its record and position packed in one long. */
  private record First(String file, long at) implements Comparable<First> {
    @Override
    public int compareTo(First o) {
      // File names compare as Spark compares strings: by their UTF-8 bytes.
      int byFile =
          Arrays.compareUnsigned(
              file.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              o.file.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return byFile != 0 ? byFile : Long.compare(at, o.at);
    }
  }

  /** Positions a field index can take in {@link #fieldsInOrder}'s packed longs. */
  private static final long FIELDS_PER_RECORD = 1L << 20;

  /** See {@link #columnsOf}: the columns, each with the field names it is read from. */
  static LinkedHashMap<String, List<String>> canonicalColumns(
      List<String> existing, Collection<String> declared, List<String> fields) {
    LinkedHashMap<String, List<String>> out = new LinkedHashMap<>();
    Map<String, String> byFolded = new HashMap<>();
    for (String c : existing) {
      out.put(c, new ArrayList<>());
      byFolded.put(DeclaredFields.folded(c), c);
    }
    Map<String, String> declaredByFolded = new HashMap<>();
    declared.forEach(d -> declaredByFolded.putIfAbsent(DeclaredFields.folded(d), d));
    for (String field : fields) {
      String folded = DeclaredFields.folded(field);
      String column = byFolded.get(folded);
      if (column == null) {
        column =
            LINEAGE.contains(folded)
                ? "raw" + folded
                : Columns.sanitized(declaredByFolded.getOrDefault(folded, field));
        byFolded.put(folded, column);
        out.put(column, new ArrayList<>());
      }
      out.get(column).add(field);
    }
    return out;
  }

  /** Columns the ingest adds to every record: raw fields may not take their names. */
  private static final Set<String> LINEAGE =
      Set.of(
          Columns.SOURCE_FILE,
          Columns.ROW_NUMBER,
          Columns.BATCH_ID,
          Columns.INGESTED_AT,
          Columns.RUN_ID,
          Columns.OP,
          Columns.COMMIT_TS);

  private List<String> existingColumns(SourceDef source) {
    if (!lake.exists(Zone.CONSOLIDATED, source.name())) {
      return List.of();
    }
    return Arrays.stream(lake.read(Zone.CONSOLIDATED, source.name()).columns())
        .filter(c -> !c.startsWith("_"))
        .toList();
  }

  /** Fields the definition does not know (kept) and declared fields absent (null), reported. */
  record Drift(List<String> unexpected, List<String> absent) {
    String note() {
      String n = "";
      if (!unexpected.isEmpty()) {
        n += "; new field(s) kept: " + String.join(", ", unexpected);
      }
      if (!absent.isEmpty()) {
        n += "; declared field(s) absent, read as null: " + String.join(", ", absent);
      }
      return n;
    }
  }

  /** The raw fields the datasets made from {@code source} declare, in definition order. */
  private static Set<String> declared(PipelineDefinition definition, SourceDef source) {
    return new LinkedHashSet<>(declaredFields(definition, source).declared());
  }

  /**
   * The raw fields the datasets made from {@code source} read, and those they cannot do without.
   */
  private static DeclaredFields declaredFields(PipelineDefinition definition, SourceDef source) {
    Set<String> declared = new LinkedHashSet<>();
    Set<String> required = new LinkedHashSet<>();
    for (DatasetDef d : definition.datasets()) {
      if (d.source().equals(source.name())) {
        for (ColumnDef c : d.columns()) {
          declared.add(c.from());
          if (!c.nullable()) {
            required.add(c.from());
          }
        }
      }
    }
    return new DeclaredFields(List.copyOf(declared), List.copyOf(required));
  }

  /**
   * An empty consolidated table of {@code source} with the fields its datasets declare: what the
   * first ingest of matching files gives, for creating the tables made from it ahead of time.
   */
  static Dataset<Row> emptyConsolidated(
      SparkSession spark, PipelineDefinition definition, SourceDef source) {
    return consolidated(
        source,
        spark.createDataFrame(List.of(), ParsedRecord.SCHEMA),
        canonicalColumns(List.of(), List.of(), List.copyOf(declared(definition, source))),
        new IngestLog.Batch(0, "init", Instant.EPOCH, List.of()));
  }

  private Drift drift(SourceDef source, Collection<String> batchColumns) {
    Set<String> declared = declared(definition, source);
    if (declared.isEmpty()) {
      return new Drift(List.of(), List.of());
    }
    Set<String> declaredFolded = folded(declared);
    Set<String> batchFolded = folded(batchColumns);
    List<String> unexpected =
        batchColumns.stream()
            .filter(c -> !declaredFolded.contains(DeclaredFields.folded(c)))
            .toList();
    List<String> absent =
        declared.stream().filter(c -> !batchFolded.contains(DeclaredFields.folded(c))).toList();
    Drift drift = new Drift(unexpected, absent);
    if (!unexpected.isEmpty() || !absent.isEmpty()) {
      LOG.warn("consolidated.{}: drift in raw data{}", source.name(), drift.note());
    }
    return drift;
  }

  private static Set<String> folded(Collection<String> names) {
    Set<String> out = new java.util.HashSet<>();
    names.forEach(n -> out.add(DeclaredFields.folded(n)));
    return out;
  }

  /**
   * The good records as consolidated rows: each column from the field names it is read from (a
   * record has at most one of them), then the lineage columns.
   */
  private static Dataset<Row> consolidated(
      SourceDef source,
      Dataset<Row> good,
      LinkedHashMap<String, List<String>> columns,
      IngestLog.Batch batch) {
    List<Column> select = new ArrayList<>();
    columns.forEach(
        (column, fields) -> {
          List<Column> values = new ArrayList<>();
          for (String f : fields.isEmpty() ? List.of(column) : fields) {
            values.add(col(ParsedRecord.FIELDS).getItem(f));
          }
          Column value =
              values.size() == 1
                  ? values.get(0)
                  : org.apache.spark.sql.functions.coalesce(values.toArray(Column[]::new));
          select.add(value.as(column));
        });
    if (source.kind() == dev.dpf.definition.SourceKind.DMS) {
      select.add(col(ParsedRecord.OP).as(Columns.OP));
      select.add(col(ParsedRecord.COMMIT_TS).as(Columns.COMMIT_TS));
    }
    select.add(col(ParsedRecord.FILE).as(Columns.SOURCE_FILE));
    select.add(col(ParsedRecord.ROW_NUMBER).as(Columns.ROW_NUMBER));
    select.add(lit(batch.id()).as(Columns.BATCH_ID));
    select.add(lit(Timestamp.from(batch.ingestedAt())).as(Columns.INGESTED_AT));
    select.add(lit(batch.runId()).as(Columns.RUN_ID));
    return good.select(select.toArray(Column[]::new));
  }

  private static Dataset<Row> quarantine(
      SourceDef source, Dataset<Row> bad, IngestLog.Batch batch) {
    return Quarantine.records(
        bad,
        "ingest",
        source.name(),
        col(ParsedRecord.ERROR),
        col(ParsedRecord.RAW),
        batch.runId());
  }
}
