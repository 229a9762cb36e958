package dev.dpf.core.internal.stage.sources;

import static org.apache.spark.sql.functions.col;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.Planned;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.ingest.DeclaredFields;
import dev.dpf.core.internal.ingest.ParsedRecord;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.system.ErasedLog;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.system.IngestState;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Quarantine;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceDef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
public final class Ingest {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  private final RunContext run;
  private final SparkSession spark;
  private final PipelineDefinition definition;
  private final Lake lake;
  private final DeltaWriter writer;
  private final IngestLog log;
  private final String runId;
  private final Instant startedAt;
  private final Set<String> reingest; // sources whose raw files are all read again
  private final IngestHooks hooks;
  private Map<String, IngestState> states; // read once, on the first source
  private final java.util.function.Supplier<String> piiKey; // null: a plan
  private ErasedLog erased; // read once, on the first batch
  // Sources are ingested on several threads.
  private final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());

  /** An ingest that only plans (it withholds nothing: it writes nothing). */
  public Ingest(RunContext run) {
    this(run, null);
  }

  /**
   * An ingest that withholds the records of the subjects the lake erased, matched under the PII
   * hashing key {@code piiKey} gives (asked for only when the lake erased something).
   */
  public Ingest(RunContext run, java.util.function.Supplier<String> piiKey) {
    this.piiKey = piiKey;
    this.run = run;
    this.spark = run.spark();
    this.definition = run.definition();
    this.lake = run.lake();
    this.writer = run.writer();
    this.log = new IngestLog(spark, lake, writer);
    this.runId = run.runId();
    this.startedAt = run.startedAt();
    this.reingest = run.options().reingest();
    this.hooks = run.options().hooks();
  }

  private BatchReader reader() {
    return new BatchReader(run, log);
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
  public void closeBatches() {
    log.flush();
  }

  /**
   * Why a source has nothing to read: no raw data yet, or (a warning: a mistyped path?) no folder
   * at its path, with the close one that exists.
   */
  private String noRawData(RawRoot raw, SourceDef source) {
    Optional<String> missing = raw.missingFolder(source.path());
    if (missing.isEmpty()) {
      return "no raw data under " + source.path() + "/";
    }
    warnings.add("source '" + source.name() + "': " + missing.get());
    return missing.get();
  }

  /**
   * What the sources ingested (or planned) so far warned of: a source path with no folder, a
   * mistyped one most likely.
   */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** What {@link #source} would do now, without doing it: its {@link #decide decision}. */
  public Planned plan(RawRoot raw, SourceDef source, RawRoot.Listing listed) {
    return decide(raw, source, listed).planned(Stage.INGEST, source.tableName());
  }

  /**
   * The source's files: for a source laid out by time (Firehose, DMS), from {@link
   * IngestLog#LISTING_WINDOW} before the newest time folder it ingested, and in full at least every
   * {@link IngestLog#FULL_LISTING_EVERY}, when re-ingested or with nothing ingested yet; other
   * sources in full.
   */
  public RawRoot.Listing listing(RawRoot raw, SourceDef source) {
    boolean byTime =
        source.kind() == dev.dpf.definition.SourceKind.FIREHOSE_JSON
            || source.kind() == dev.dpf.definition.SourceKind.DMS;
    Optional<String> since =
        byTime && !reingest.contains(source.name())
            ? log.listFrom(source.name(), startedAt)
            : Optional.empty();
    return raw.list(source.path(), since);
  }

  /**
   * What to do with the source, from its listing ({@code listed}) and the ingest log: nothing
   * (every file ingested, or delivered again unchanged), finish a batch an interrupted run left,
   * read the new files, or read them all again ({@code --reingest}).
   *
   * @throws DpfException to re-ingest a source that has no raw file
   */
  Decision decide(RawRoot raw, SourceDef source, RawRoot.Listing listed) {
    return decide(
        source, reingest.contains(source.name()), listed.files(), new LogFacts(raw, source));
  }

  /**
   * What a source's decision reads of the ingest log and the raw files: each asked only when the
   * decision needs it (a source whose files are all logged is decided from its listing alone).
   */
  public interface Facts {
    /** Whether the log has every file of {@code listed} as ingested, by its listing alone. */
    boolean allIngested(List<RawRoot.RawFile> listed);

    /** What the log says about the source. */
    IngestState state();

    /** Those of {@code fresh} delivered again with the content they had, with their digests. */
    Map<RawRoot.RawFile, String> unchanged(IngestState state, List<RawRoot.RawFile> fresh);

    /** Why the source has nothing to read: no folder, or an empty one. */
    String noRawData();
  }

  /**
   * The decision from {@code facts} alone: {@code again}, whether the run re-ingests the source;
   * {@code listed}, the files under its folder now.
   *
   * @throws DpfException to re-ingest a source that has no raw file
   */
  public static Decision decide(
      SourceDef source, boolean again, List<RawRoot.RawFile> listed, Facts facts) {
    if (!again && !listed.isEmpty() && facts.allIngested(listed)) {
      return new Decision.UpToDate(listed.size() + " file(s) already ingested");
    }
    IngestState state = facts.state();
    if (state.pending().isPresent()) {
      return new Decision.Resume(state.pending().get());
    }
    if (listed.isEmpty()) {
      if (again) {
        throw new DpfException(
            "Cannot re-ingest source '"
                + source.name()
                + "': there are no raw files under "
                + source.path()
                + "/. "
                + source.table()
                + " is kept as it is");
      }
      return new Decision.Skip(facts.noRawData());
    }
    if (again) {
      return new Decision.Reingest(listed);
    }
    List<RawRoot.RawFile> fresh = listed.stream().filter(f -> !state.ingested(f)).toList();
    // A file delivered again with the content it had is logged, not read again.
    Map<RawRoot.RawFile, String> unchanged =
        fresh.isEmpty() ? Map.of() : facts.unchanged(state, fresh);
    Decision.Redelivered redelivered =
        unchanged.isEmpty()
            ? Decision.Redelivered.NONE
            : new Decision.Redelivered(unchanged, state, fresh);
    List<RawRoot.RawFile> read = fresh.stream().filter(f -> !unchanged.containsKey(f)).toList();
    if (read.isEmpty()) {
      return new Decision.UpToDate(
          (listed.size() - unchanged.size())
              + " file(s) already ingested"
              + redeliveredNote(unchanged.size()),
          redelivered);
    }
    return new Decision.Ingest(read, redelivered);
  }

  /** A source's facts as the ingest log and the raw files tell them. */
  private final class LogFacts implements Facts {
    private final RawRoot raw;
    private final SourceDef source;

    LogFacts(RawRoot raw, SourceDef source) {
      this.raw = raw;
      this.source = source;
    }

    @Override
    public boolean allIngested(List<RawRoot.RawFile> listed) {
      return log.allIngested(source.name(), listed);
    }

    @Override
    public IngestState state() {
      return Ingest.this.state(raw, source);
    }

    @Override
    public Map<RawRoot.RawFile, String> unchanged(IngestState state, List<RawRoot.RawFile> fresh) {
      return reader().unchanged(state, fresh);
    }

    @Override
    public String noRawData() {
      return Ingest.this.noRawData(raw, source);
    }
  }

  private static String redeliveredNote(int files) {
    return files == 0 ? "" : "; " + files + " file(s) delivered again unchanged, not read again";
  }

  /**
   * Ingests the source's new files as {@link #decide} says.
   *
   * @param listed the files under the source's folder now
   */
  public TableResult source(RawRoot raw, SourceDef source, RawRoot.Listing listed) {
    long start = System.nanoTime();
    Decision decision = decide(raw, source, listed);
    String table = source.table();
    Decision.Redelivered redelivered = decision.redelivered();
    // Read only when the source has something to log: a source all ingested is told by its listing.
    long lastBatch =
        decision instanceof Decision.UpToDate && redelivered.isEmpty()
            ? 0
            : state(raw, source).lastBatch();
    if (!redelivered.isEmpty()) {
      reader()
          .logUnchanged(
              source,
              redelivered.state(),
              redelivered.files(),
              redelivered.fresh(),
              ++lastBatch,
              listed);
    }
    IngestLog.Batch batch;
    if (decision instanceof Decision.UpToDate || decision instanceof Decision.Skip) {
      return decision instanceof Decision.Skip
          ? TableResult.skipped(Stage.INGEST, table, StageLog.seconds(start), decision.why())
          : TableResult.upToDate(
              Stage.INGEST, table, StageLog.seconds(start), decision.why() + listedNote(listed));
    } else if (decision instanceof Decision.Resume d) {
      batch = d.batch();
    } else if (decision instanceof Decision.Ingest d) {
      batch = new IngestLog.Batch(lastBatch + 1, runId, startedAt, d.files(), false);
    } else if (decision instanceof Decision.Reingest d) {
      batch = new IngestLog.Batch(lastBatch + 1, runId, startedAt, d.files(), true);
    } else {
      throw new IllegalStateException("ingest cannot " + decision.action());
    }
    if (!(decision instanceof Decision.Resume)) {
      log.plan(source.name(), batch);
    }
    return ingestBatch(source, batch, decision, listed, start);
  }

  /** Reads the batch's files and commits their rows, quarantine and log entries. */
  private TableResult ingestBatch(
      SourceDef source,
      IngestLog.Batch batch,
      Decision decision,
      RawRoot.Listing listed,
      long start) {
    hooks.reached(IngestHooks.PLANNED);
    CollectionAccumulator<String> digests =
        spark.sparkContext().collectionAccumulator("dpf-digests-" + source.name());
    Dataset<Row> parsed = reader().parse(source, batch.files(), digests);
    parsed.persist(StageLog.WORKING_SET);
    try {
      long t0 = System.nanoTime(); // phases, logged at the end
      Map<String, IngestLog.FileCounts> perFile = BatchReader.countPerFile(parsed);
      long t1 = System.nanoTime();
      long read = perFile.values().stream().mapToLong(IngestLog.FileCounts::records).sum();
      long bad = perFile.values().stream().mapToLong(IngestLog.FileCounts::quarantined).sum();
      Dataset<Row> badRows = parsed.filter(col(ParsedRecord.ERROR).isNotNull());
      if (bad > 0 && source.onError() == SourceDef.OnError.FAIL) {
        String message = badRecords(source, bad, badRows);
        log.fail(source.name(), batch, message);
        throw new DpfException(message);
      }
      LinkedHashMap<String, List<String>> columns = columnsOf(source, parsed);
      long t2 = System.nanoTime();
      ConsolidatedColumns.Drift drift = drift(source, columns.keySet());
      Kept kept =
          withoutErased(
              source,
              ConsolidatedColumns.consolidated(
                  source, parsed.filter(col(ParsedRecord.ERROR).isNull()), columns, batch));
      long withheld = kept.withheld();
      long replaced =
          batch.reingest() && lake.exists(source.tableName()) ? lake.rows(source.tableName()) : 0;
      long written = writeRows(source, batch, kept.rows());
      BatchReader.checkCommitted(written, read - bad - withheld, source.table(), batch);
      hooks.reached(IngestHooks.WRITTEN);
      quarantine(source, batch, badRows, bad);
      hooks.reached(IngestHooks.QUARANTINED);
      long t3 = System.nanoTime();
      log.commit(
          source.name(),
          batch,
          perFile,
          BatchReader.digestsOf(digests),
          decision instanceof Decision.Resume ? null : listed);
      logPhases(source, start, t0, t1, t2, t3);
      return TableResult.of(Stage.INGEST, source.table(), TableResult.Status.OK)
          .action(decision.action())
          .read(read)
          .written(read - bad - withheld)
          .quarantined(bad)
          .superseded(withheld)
          .files(batch.files().size())
          .seconds(StageLog.seconds(start))
          .note(
              note(batch, decision, written < 0 ? -1 : replaced, drift)
                  + kept.note()
                  + listedNote(listed))
          .build();
    } finally {
      parsed.unpersist();
    }
  }

  private static void logPhases(SourceDef source, long start, long... ends) {
    LOG.info(
        "consolidated.{}: plan {}s, parse {}s, columns {}s, write {}s, log {}s",
        source.name(),
        String.format("%.1f", (ends[0] - start) / 1e9),
        String.format("%.1f", (ends[1] - ends[0]) / 1e9),
        String.format("%.1f", (ends[2] - ends[1]) / 1e9),
        String.format("%.1f", (ends[3] - ends[2]) / 1e9),
        String.format("%.1f", (System.nanoTime() - ends[3]) / 1e9));
  }

  /** A batch's rows without the records of erased subjects, and how many those were. */
  private record Kept(Dataset<Row> rows, long withheld) {
    String note() {
      return withheld > 0 ? "; " + withheld + " record(s) of erased subjects withheld" : "";
    }
  }

  private Kept withoutErased(SourceDef source, Dataset<Row> rows) {
    Optional<Column> erasedRows = erased().withheld(source, List.of(rows.columns()));
    if (erasedRows.isEmpty()) {
      return new Kept(rows, 0);
    }
    return new Kept(
        rows.filter(org.apache.spark.sql.functions.not(erasedRows.get())),
        rows.filter(erasedRows.get()).count());
  }

  /**
   * The lake's erasures, read on first use; a warning when some were recorded under another PII
   * hashing key (they can no longer be matched).
   */
  private synchronized ErasedLog erased() {
    if (erased == null) {
      if (piiKey == null) {
        throw new IllegalStateException("an ingest made to plan does not write");
      }
      erased =
          lake.exists(SystemTables.ERASED)
              ? ErasedLog.read(lake, definition, piiKey.get())
              : ErasedLog.none(definition);
      if (erased.underOtherKeys() > 0) {
        warnings.add(
            erased.underOtherKeys()
                + " erased key(s) were recorded under another PII hashing key and cannot be"
                + " matched: records of those subjects are no longer withheld at ingest (erase"
                + " them again after a key rotation)");
      }
    }
    return erased;
  }

  /** The message a source set to fail on bad records stops with: how many, and the first. */
  private static String badRecords(SourceDef source, long bad, Dataset<Row> badRows) {
    Row first =
        badRows
            .orderBy(ParsedRecord.FILE, ParsedRecord.ROW_NUMBER)
            .select(ParsedRecord.FILE, ParsedRecord.LINE, ParsedRecord.ERROR)
            .head();
    return "Source '"
        + source.name()
        + "' has "
        + bad
        + " bad record(s) and is set to fail on them (on_error: fail). First: "
        + first.getString(0)
        + (first.isNullAt(1) ? "" : " line " + first.getLong(1))
        + ": "
        + first.getString(2)
        + ". Fix or remove the file, or set on_error: quarantine";
  }

  /**
   * Appends the batch's rows to the consolidated table, or replaces its rows by them (a re-ingest),
   * once: returns the rows committed, or -1 when an earlier try committed them.
   */
  private long writeRows(SourceDef source, IngestLog.Batch batch, Dataset<Row> rows) {
    Dataset<Row> told = during(hooks, IngestHooks.WRITING, rows);
    return batch.reingest()
        ? writer.overwriteOnce(
            source.tableName(), told, List.of(), appId(source.name()), batch.id())
        : writer.appendOnce(source.tableName(), told, List.of(), appId(source.name()), batch.id());
  }

  /** {@code rows}, telling {@code hooks} it {@code point} inside each task that produces them. */
  private static Dataset<Row> during(IngestHooks hooks, String point, Dataset<Row> rows) {
    if (hooks == IngestHooks.NONE) {
      return rows;
    }
    org.apache.spark.sql.api.java.UDF1<Long, Boolean> tell =
        n -> {
          hooks.reached(point);
          return true;
        };
    return rows.filter(
        org.apache
            .spark
            .sql
            .functions
            .udf(tell, org.apache.spark.sql.types.DataTypes.BooleanType)
            .apply(rows.col(ParsedRecord.ROW_NUMBER)));
  }

  /**
   * Writes the batch's bad records to quarantine: appended once, or (a re-ingest) replacing the
   * source's earlier ingest quarantine, which goes with the rows it stood beside.
   */
  private void quarantine(SourceDef source, IngestLog.Batch batch, Dataset<Row> badRows, long bad) {
    long quarantined;
    if (batch.reingest() && (bad > 0 || lake.exists(SystemTables.QUARANTINE))) {
      quarantined =
          writer.replaceWhere(
              SystemTables.QUARANTINE,
              ConsolidatedColumns.quarantine(source, badRows, batch),
              Quarantine.PARTITION_BY,
              Quarantine.partition(Stage.INGEST, source.name()));
    } else if (bad > 0) {
      quarantined =
          writer.appendOnce(
              SystemTables.QUARANTINE,
              ConsolidatedColumns.quarantine(source, badRows, batch),
              Quarantine.PARTITION_BY,
              appId(source.name()),
              batch.id());
    } else {
      return;
    }
    BatchReader.checkCommitted(quarantined, bad, "quarantine.records", batch);
  }

  /**
   * What the batch read, as its run line says it; {@code replaced}: the rows a re-ingest replaced
   * (-1: not known, an earlier try committed it); {@code drift}: how its fields differ from those
   * declared.
   */
  private static String note(
      IngestLog.Batch batch, Decision decision, long replaced, ConsolidatedColumns.Drift drift) {
    long bytes = RawRoot.RawFile.bytes(batch.files());
    String read =
        batch.reingest()
            ? "re-ingested all "
                + batch.files().size()
                + " raw file(s), "
                + bytes
                + " bytes, replacing "
                + (replaced < 0 ? "the table's" : String.valueOf(replaced))
                + " earlier row(s)"
            : batch.files().size() + " new file(s), " + bytes + " bytes";
    read += drift.note();
    if (decision instanceof Decision.Ingest d) {
      return read + redeliveredNote(d.redelivered().files().size());
    }
    return decision instanceof Decision.Resume
        ? read + "; resumed interrupted batch " + batch.id() + " of run " + batch.runId()
        : read;
  }

  /**
   * How the source was listed, when a run line should say: listed from a time folder, or (an object
   * store) how many LIST requests the listing took.
   */
  private static String listedNote(RawRoot.Listing listed) {
    return listed.full() && !listed.counted() ? "" : "; " + listed.how();
  }

  /** The Delta transaction id of a source's appends: each records its ingest batch id. */
  public static String appId(String source) {
    return "dpf-ingest-" + source;
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
    return ConsolidatedColumns.canonicalColumns(
        existingColumns(source),
        ConsolidatedColumns.declared(definition, source),
        ConsolidatedColumns.fieldsInOrder(parsed));
  }

  private List<String> existingColumns(SourceDef source) {
    if (!lake.exists(source.tableName())) {
      return List.of();
    }
    return Arrays.stream(lake.read(source.tableName()).columns())
        .filter(c -> !c.startsWith("_"))
        .toList();
  }

  private ConsolidatedColumns.Drift drift(SourceDef source, Collection<String> batchColumns) {
    Set<String> declared = ConsolidatedColumns.declared(definition, source);
    if (declared.isEmpty()) {
      return new ConsolidatedColumns.Drift(List.of(), List.of());
    }
    Set<String> declaredFolded = ConsolidatedColumns.folded(declared);
    Set<String> batchFolded = ConsolidatedColumns.folded(batchColumns);
    List<String> unexpected =
        batchColumns.stream()
            .filter(c -> !declaredFolded.contains(DeclaredFields.folded(c)))
            .toList();
    List<String> absent =
        declared.stream().filter(c -> !batchFolded.contains(DeclaredFields.folded(c))).toList();
    ConsolidatedColumns.Drift drift = new ConsolidatedColumns.Drift(unexpected, absent);
    if (!unexpected.isEmpty() || !absent.isEmpty()) {
      LOG.warn("consolidated.{}: drift in raw data{}", source.name(), drift.note());
    }
    return drift;
  }
}
