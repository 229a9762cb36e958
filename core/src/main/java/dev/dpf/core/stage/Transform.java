package dev.dpf.core.stage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.dpf.core.DpfException;
import dev.dpf.core.definition.DatasetDef;
import dev.dpf.core.definition.Zone;
import dev.dpf.core.quality.Quality;
import dev.dpf.core.quality.QualityResult;
import dev.dpf.core.storage.Lake;
import dev.dpf.core.storage.TransformLog;
import dev.dpf.core.transform.Changes;
import dev.dpf.core.transform.Columns;
import dev.dpf.core.transform.Conform;
import dev.dpf.core.transform.History;
import dev.dpf.core.transform.Quarantine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consolidated to transformed for one dataset. The first run, a changed definition and a DMS full
 * reload rebuild the table from every consolidated row; otherwise only the rows of ingest batches
 * added since the dataset's last transform are read, and their changes are applied with Delta MERGE
 * (inserts and updates upsert, deletes delete), each only if it is later than the state the table
 * holds for its key (the table keeps each row's change sequence; deleted keys keep theirs in {@code
 * _system.deleted_<dataset>}, so a late change never resurrects a deleted key). Every run
 * reconciles: rows read = written + quarantined + superseded.
 */
final class Transform {
  private static final Logger LOG = LoggerFactory.getLogger(Transform.class);
  private static final String APPLY = "__apply";
  private static final String LIVE = "__live_seq";
  private static final String TOMB = "__tomb_seq";

  private final SparkSession spark;
  private final Lake lake;
  private final String runId;
  private final Instant startedAt;
  private final TransformLog log;
  // Per dataset: datasets are transformed on several threads.
  private final Map<String, List<QualityResult>> quality =
      new java.util.concurrent.ConcurrentHashMap<>();

  private boolean fullRefresh;

  /** Rebuilds every dataset from all its consolidated rows, whatever the logs say. */
  Transform fullRefresh(boolean on) {
    this.fullRefresh = on;
    return this;
  }

  Transform(SparkSession spark, Lake lake, String runId, Instant startedAt) {
    this.spark = spark;
    this.lake = lake;
    this.runId = runId;
    this.startedAt = startedAt;
    this.log = new TransformLog(spark, lake);
  }

  /** Writes the transform log's entries of the datasets transformed so far, as one commit. */
  void logApplied() {
    log.flush();
  }

  /** The quality results of the datasets transformed so far, in the order of {@code datasets}. */
  List<QualityResult> quality(List<DatasetDef> datasets) {
    List<QualityResult> out = new ArrayList<>();
    for (DatasetDef d : datasets) {
      out.addAll(quality.getOrDefault(d.name(), List.of()));
    }
    return out;
  }

  /**
   * The input conformed to the dataset's types, with its row rules' flags ({@link
   * Quality#withRowChecks}), kept on disk: the caller unpersists it.
   */
  private Dataset<Row> checked(DatasetDef dataset, Dataset<Row> input) {
    Dataset<Row> conformed =
        Quality.withRowChecks(
            Quality.of(dataset), Conform.withConformed(dataset, input), this::current);
    conformed.persist(Pipeline.WORKING_SET);
    return conformed;
  }

  /** Records the row rules' results over {@link #checked} rows; stops at a failed fail rule. */
  private void rowQuality(DatasetDef dataset, Dataset<Row> conformed) {
    List<QualityResult> rowRules = Quality.rowResults(Quality.of(dataset), conformed);
    addQuality(dataset, rowRules);
    Quality.failIfAny(Quality.of(dataset), rowRules);
  }

  private void addQuality(DatasetDef dataset, List<QualityResult> results) {
    quality.computeIfAbsent(dataset.name(), k -> new ArrayList<>()).addAll(results);
  }

  /**
   * Replays the rows the dataset's transform quarantined (as {@code quarantine.records} lists them)
   * with the definition as it is now: the rows that conform and pass its rules now are merged into
   * the table (a change of a key older than the table's is superseded), the others stay quarantined
   * with their reasons as they are now. Each row once: the dataset's quarantine is replaced by what
   * is still quarantined, and a replay repeated after an interruption writes nothing twice. Records
   * whose consolidated row is gone are kept in quarantine as they were.
   */
  List<TableResult> replay(DatasetDef dataset) {
    long start = System.nanoTime();
    String table = dataset.table();
    if (!lake.exists(Zone.QUARANTINE, Quarantine.TABLE)
        || !lake.exists(Zone.TRANSFORMED, dataset.name())
        || !lake.exists(Zone.CONSOLIDATED, dataset.source())) {
      return List.of(nothingToReplay(table, start, "nothing quarantined"));
    }
    long version = lake.version(Zone.QUARANTINE, Quarantine.TABLE);
    Dataset<Row> quarantine = lake.read(Zone.QUARANTINE, Quarantine.TABLE);
    Dataset<Row> all = lake.read(Zone.CONSOLIDATED, dataset.source());
    Dataset<Row> input = Quarantine.replayable(all, quarantine, dataset.name());
    long read = input.count();
    Dataset<Row> mine =
        quarantine.filter(
            col("stage").equalTo("transform").and(col("dataset").equalTo(dataset.name())));
    Dataset<Row> orphans = Quarantine.orphans(mine, all);
    long kept = orphans.count();
    if (read == 0) {
      return List.of(
          nothingToReplay(
              table,
              start,
              kept == 0
                  ? "nothing quarantined"
                  : kept + " quarantined record(s) whose consolidated row is gone, kept"));
    }
    List<String> inputColumns = Arrays.asList(all.columns());
    List<String> extra =
        dataset.onNewColumns() == DatasetDef.NewColumns.ADD ? undeclared(dataset, all) : List.of();
    Dataset<Row> conformed = checked(dataset, input);
    Applied applied;
    long quarantined;
    List<TableResult> out = new ArrayList<>();
    try {
      rowQuality(dataset, conformed);
      Dataset<Row> valid = Conform.selectValid(dataset, conformed, extra);
      applied = merge(dataset, valid, extra, "dpf-replay-" + dataset.name(), version, read);
      Dataset<Row> still = Conform.selectRejected(dataset, conformed, inputColumns, runId);
      long written =
          lake.replaceWhere(
              Zone.QUARANTINE,
              Quarantine.TABLE,
              still.unionByName(orphans, true),
              Quarantine.PARTITION_BY,
              Quarantine.partition("transform", dataset.name()));
      quarantined = written - kept;
      if (dataset.history() == DatasetDef.History.SCD2) {
        out.add(history(dataset, null, extra, log.lastBatch(dataset.name()).orElse(0L)));
      }
    } finally {
      conformed.unpersist();
    }
    reconcile(dataset, read, applied, quarantined);
    tableQuality(dataset);
    out.add(
        0,
        new TableResult(
            "replay",
            table,
            TableResult.Status.OK,
            read,
            applied.written(),
            quarantined,
            applied.superseded(),
            0,
            Pipeline.seconds(start),
            "replayed "
                + read
                + " quarantined row(s) of consolidated."
                + dataset.source()
                + " with the definition as it is now"
                + (kept == 0 ? "" : "; " + kept + " record(s) whose consolidated row is gone, kept")
                + applied.note()));
    return out;
  }

  private static TableResult nothingToReplay(String table, long start, String why) {
    return new TableResult(
        "replay", table, TableResult.Status.UP_TO_DATE, 0, 0, 0, 0, Pipeline.seconds(start), why);
  }

  /** The dataset's table, then (for an SCD2 dataset) its history table. */
  List<TableResult> dataset(DatasetDef dataset) {
    long start = System.nanoTime();
    String table = dataset.table();
    if (!lake.exists(Zone.CONSOLIDATED, dataset.source())) {
      return List.of(
          TableResult.skipped(
              "transform",
              table,
              Pipeline.seconds(start),
              "consolidated." + dataset.source() + " does not exist (nothing ingested)"));
    }
    Optional<Long> unchangedSince = fullRefresh ? Optional.empty() : unchangedSince(dataset);
    if (unchangedSince.isPresent()) {
      return List.of(upToDate(dataset, start, unchangedSince.get()));
    }
    Dataset<Row> all = lake.read(Zone.CONSOLIDATED, dataset.source());
    List<String> inputColumns = Arrays.asList(all.columns());
    List<String> undeclared = undeclared(dataset, all);
    List<String> extra =
        dataset.onNewColumns() == DatasetDef.NewColumns.ADD ? undeclared : List.of();
    long batchTo = lastBatch(dataset, all);
    Optional<Long> last = log.lastBatch(dataset.name());
    String rebuild = rebuildReason(dataset, all, extra, last, batchTo);
    if (rebuild == null && fullRefresh) {
      rebuild = "full refresh";
    }
    if (rebuild == null && last.get() >= batchTo) {
      return List.of(upToDate(dataset, start, batchTo));
    }
    boolean full = rebuild != null;
    Column batches = col(Columns.BATCH_ID).leq(batchTo);
    if (!full) {
      batches = batches.and(col(Columns.BATCH_ID).gt(last.get()));
    }
    Dataset<Row> input = all.filter(batches);
    long read = input.count();
    Dataset<Row> conformed = checked(dataset, input);
    Applied applied;
    long quarantined;
    List<TableResult> out = new ArrayList<>();
    try {
      rowQuality(dataset, conformed);
      Dataset<Row> valid = Conform.selectValid(dataset, conformed, extra);
      applied =
          full
              ? rebuild(dataset, valid, extra)
              : merge(dataset, valid, extra, "dpf-transform-" + dataset.name(), batchTo, read);
      Dataset<Row> rejected = Conform.selectRejected(dataset, conformed, inputColumns, runId);
      if (full) {
        quarantined =
            lake.replaceWhere(
                Zone.QUARANTINE,
                Quarantine.TABLE,
                rejected,
                Quarantine.PARTITION_BY,
                Quarantine.partition("transform", dataset.name()));
      } else {
        quarantined =
            lake.appendOnce(
                Zone.QUARANTINE,
                Quarantine.TABLE,
                rejected,
                Quarantine.PARTITION_BY,
                "dpf-transform-" + dataset.name(),
                batchTo);
        if (quarantined < 0) { // written by an interrupted run of the same batches
          quarantined = rejected.count();
        }
      }
      if (dataset.history() == DatasetDef.History.SCD2) {
        out.add(history(dataset, full ? valid : null, extra, batchTo));
      }
    } finally {
      conformed.unpersist();
    }
    reconcile(dataset, read, applied, quarantined);
    tableQuality(dataset);
    log.record(
        dataset.name(),
        runId,
        full ? "full" : "incremental",
        full ? null : last.get() + 1,
        batchTo,
        shape(dataset));
    String range = full ? "" : " batches " + (last.get() + 1) + ".." + batchTo;
    out.add(
        0,
        new TableResult(
            "transform",
            table,
            TableResult.Status.OK,
            read,
            applied.written(),
            quarantined,
            applied.superseded(),
            0,
            Pipeline.seconds(start),
            (full ? "rebuilt (" + rebuild + ")" : "merged" + range)
                + " from consolidated."
                + dataset.source()
                + applied.note()
                + (undeclared.isEmpty()
                    ? ""
                    : (extra.isEmpty()
                            ? "; undeclared column(s) ignored: "
                            : "; new column(s) added: ")
                        + String.join(", ", undeclared))));
    return out;
  }

  /**
   * Creates the dataset's table, and its history table, empty with the schema a run gives them,
   * from {@code consolidated} (empty, with the source's declared fields); a table that exists is
   * left alone.
   */
  List<TableResult> createEmpty(DatasetDef dataset, Dataset<Row> consolidated) {
    List<TableResult> out = new ArrayList<>();
    long start = System.nanoTime();
    out.add(
        TableResult.init(
            dataset.table(),
            lake.createEmpty(
                Zone.TRANSFORMED,
                dataset.name(),
                () -> tableSchema(dataset, consolidated, List.of()),
                dataset.partitionBy()),
            Pipeline.seconds(start)));
    if (dataset.history() == DatasetDef.History.SCD2) {
      long historyStart = System.nanoTime();
      out.add(
          TableResult.init(
              Zone.TRANSFORMED.dbName() + "." + dataset.historyTable(),
              lake.createEmpty(
                  Zone.TRANSFORMED,
                  dataset.historyTable(),
                  () -> historySchema(dataset, consolidated),
                  List.of()),
              Pipeline.seconds(historyStart)));
    }
    return out;
  }

  /** What one write did: rows written to the table, rows superseded, and what to tell. */
  private record Applied(long written, long superseded, long expectedWritten, String note) {}

  /** Nothing changed the table: its table-level rules hold as they did. */
  private static TableResult upToDate(DatasetDef dataset, long start, long batchTo) {
    return new TableResult(
        "transform",
        dataset.table(),
        TableResult.Status.UP_TO_DATE,
        0,
        0,
        0,
        0,
        0,
        Pipeline.seconds(start),
        "no consolidated." + dataset.source() + " rows after ingest batch " + batchTo);
  }

  /**
   * The last ingest batch when the dataset is up-to-date by the logs alone: the transform log's
   * latest commit says the dataset's last transform applied the consolidated table's newest batch
   * (from that table's Delta log), with the definition and both tables' schemas it has now ({@link
   * #shape}). Empty when the logs cannot tell or the answer may be no; then the tables decide
   * ({@link #rebuildReason}).
   */
  /**
   * What {@link #dataset} would do now, without doing it; {@code sourceAction}: what the same run
   * does to its consolidated table first (null: nothing).
   */
  Planned plan(DatasetDef dataset, Planned.Action sourceAction) {
    boolean sourceChanges = sourceAction != null && sourceAction.changes();
    String table = dataset.table();
    String source = "consolidated." + dataset.source();
    if (!sourceChanges && !lake.exists(Zone.CONSOLIDATED, dataset.source())) {
      return new Planned(
          "transform", table, Planned.Action.SKIP, source + " does not exist (nothing ingested)");
    }
    if (!lake.exists(Zone.TRANSFORMED, dataset.name())) {
      return new Planned("transform", table, Planned.Action.REBUILD, "first run");
    }
    if (fullRefresh) {
      return new Planned("transform", table, Planned.Action.REBUILD, "full refresh");
    }
    if (sourceAction == Planned.Action.REINGEST) {
      return new Planned(
          "transform", table, Planned.Action.REBUILD, source + " is re-ingested first");
    }
    if (sourceChanges) {
      return new Planned(
          "transform",
          table,
          Planned.Action.MERGE,
          "the batches this run ingests into "
              + source
              + " (rebuilt instead if they bring new columns or a DMS reload)");
    }
    Optional<Long> unchanged = unchangedSince(dataset);
    if (unchanged.isPresent()) {
      return new Planned(
          "transform",
          table,
          Planned.Action.UP_TO_DATE,
          "no " + source + " rows after ingest batch " + unchanged.get());
    }
    Dataset<Row> all = lake.read(Zone.CONSOLIDATED, dataset.source());
    List<String> extra =
        dataset.onNewColumns() == DatasetDef.NewColumns.ADD ? undeclared(dataset, all) : List.of();
    long batchTo = lastBatch(dataset, all);
    Optional<Long> last = log.lastBatch(dataset.name());
    String rebuild = rebuildReason(dataset, all, extra, last, batchTo);
    if (rebuild != null) {
      return new Planned("transform", table, Planned.Action.REBUILD, rebuild);
    }
    if (last.get() >= batchTo) {
      return new Planned(
          "transform",
          table,
          Planned.Action.UP_TO_DATE,
          "no " + source + " rows after ingest batch " + batchTo);
    }
    return new Planned(
        "transform",
        table,
        Planned.Action.MERGE,
        "ingest batches " + (last.get() + 1) + ".." + batchTo + " of " + source);
  }

  private Optional<Long> unchangedSince(DatasetDef dataset) {
    Optional<TransformLog.Entry> last = log.lastEntry(dataset.name());
    if (last.isEmpty() || last.get().shape() == null) {
      return Optional.empty();
    }
    java.util.OptionalLong batchTo =
        lake.lastAppendOnce(Zone.CONSOLIDATED, dataset.source(), Ingest.appId(dataset.source()));
    if (batchTo.isEmpty()
        || last.get().batch() != batchTo.getAsLong()
        || !last.get().shape().equals(shape(dataset))
        || (dataset.history() == DatasetDef.History.SCD2
            && !lake.exists(Zone.TRANSFORMED, dataset.historyTable()))) {
      return Optional.empty();
    }
    if (!dataset.key().isEmpty()
        && !lake.exists(Zone.SYSTEM, deletedTable(dataset))
        && lake.schemaJson(Zone.CONSOLIDATED, dataset.source())
            .map(s -> s.contains("\"" + Columns.OP + "\""))
            .orElse(true)) {
      return Optional.empty(); // a DMS dataset without its deleted-keys table: rebuilt
    }
    return Optional.of(last.get().batch());
  }

  /**
   * A digest of the dataset's definition and of the consolidated and transformed tables' schemas
   * (from their Delta checksum files); null when a schema is not known that way. Equal digests mean
   * the transformed table still has the schema the definition gives the consolidated table's.
   */
  private String shape(DatasetDef dataset) {
    Optional<String> input = lake.schemaJson(Zone.CONSOLIDATED, dataset.source());
    Optional<String> output = lake.schemaJson(Zone.TRANSFORMED, dataset.name());
    if (input.isEmpty() || output.isEmpty()) {
      return null;
    }
    return dev.dpf.core.ingest.Digests.sha256(dataset + "\n" + input.get() + "\n" + output.get());
  }

  /**
   * The newest ingest batch in the consolidated table: from its Delta log (the batch id each ingest
   * append records), else from its rows.
   */
  private long lastBatch(DatasetDef dataset, Dataset<Row> all) {
    java.util.OptionalLong logged =
        lake.lastAppendOnce(Zone.CONSOLIDATED, dataset.source(), Ingest.appId(dataset.source()));
    if (logged.isPresent()) {
      return logged.getAsLong();
    }
    Row top = all.agg(max(col(Columns.BATCH_ID))).head();
    return top.isNullAt(0) ? 0 : top.getLong(0);
  }

  /** Why the table must be rebuilt from every consolidated row, or null to merge new rows. */
  private String rebuildReason(
      DatasetDef dataset, Dataset<Row> all, List<String> extra, Optional<Long> last, long batchTo) {
    if (!lake.exists(Zone.TRANSFORMED, dataset.name())) {
      return "first run";
    }
    if (last.isEmpty()) {
      return "no transform log";
    }
    if (last.get() > batchTo) {
      return "consolidated." + dataset.source() + " was rebuilt";
    }
    if (batchTo > last.get()) {
      java.util.OptionalLong reingested =
          new dev.dpf.core.storage.IngestLog(spark, lake).lastReingest(dataset.source());
      if (reingested.isPresent() && reingested.getAsLong() > last.get()) {
        return "consolidated." + dataset.source() + " was re-ingested";
      }
    }
    StructType expected = tableSchema(dataset, all, extra);
    StructType actual = lake.read(Zone.TRANSFORMED, dataset.name()).schema();
    if (!sameFields(expected, actual)) {
      return "definition changed";
    }
    if (dataset.history() == DatasetDef.History.SCD2
        && !lake.exists(Zone.TRANSFORMED, dataset.historyTable())) {
      return "no history table";
    }
    boolean dms = Arrays.asList(all.columns()).contains(Columns.OP);
    if (dms && !dataset.key().isEmpty()) {
      if (!lake.exists(Zone.SYSTEM, deletedTable(dataset))) {
        return "no deleted-keys table";
      }
      if (last.get() >= batchTo) {
        return null; // no new batch: no reload among them
      }
      Optional<Changes.Reload> reload =
          Changes.reload(all.filter(col(Columns.BATCH_ID).leq(batchTo)));
      if (reload.isPresent() && reload.get().batch() > last.get()) {
        return "DMS full reload";
      }
    }
    return null;
  }

  private static boolean sameFields(StructType a, StructType b) {
    if (a.fields().length != b.fields().length) {
      return false;
    }
    for (int i = 0; i < a.fields().length; i++) {
      StructField x = a.fields()[i];
      StructField y = b.fields()[i];
      if (!x.name().equals(y.name())
          || !x.dataType().asNullable().sameType(y.dataType().asNullable())) {
        return false;
      }
    }
    return true;
  }

  /** The transformed table's schema for this definition (analysis only, no job runs). */
  /** The schema of an scd2 dataset's history table over {@code consolidated}'s columns. */
  static StructType historySchema(DatasetDef dataset, Dataset<Row> consolidated) {
    return History.versions(
            dataset,
            Conform.selectValid(dataset, Conform.withConformed(dataset, consolidated), List.of()))
        .schema();
  }

  /** The schema of a dataset's table over {@code all}'s columns, with {@code extra} raw ones. */
  static StructType tableSchema(DatasetDef dataset, Dataset<Row> all, List<String> extra) {
    Dataset<Row> valid =
        Conform.selectValid(dataset, Conform.withConformed(dataset, all.limit(0)), extra);
    if (!dataset.key().isEmpty()) {
      valid = Changes.withSequence(dataset, valid);
    }
    return Conform.project(dataset, valid, extra).schema();
  }

  /** Every valid row ranked; the table overwritten with the current state. */
  private Applied rebuild(DatasetDef dataset, Dataset<Row> valid, List<String> extra) {
    Dataset<Row> ranked = Changes.ranked(dataset, valid);
    ranked.persist(Pipeline.WORKING_SET);
    try {
      Dataset<Row> current = Changes.current(ranked);
      long written =
          lake.overwrite(
              Zone.TRANSFORMED,
              dataset.name(),
              Conform.project(dataset, current, extra),
              dataset.partitionBy());
      if (!dataset.key().isEmpty()) {
        lake.enableDeletionVectors(Zone.TRANSFORMED, dataset.name());
      }
      long superseded = Changes.superseded(ranked).count();
      String note = "";
      if (Arrays.asList(valid.columns()).contains(Columns.OP) && !dataset.key().isEmpty()) {
        long deleted =
            lake.overwrite(
                Zone.SYSTEM,
                deletedTable(dataset),
                keysAndSeq(dataset, Changes.latest(ranked).filter(col(Columns.OP).equalTo("D"))),
                List.of());
        note = "; " + deleted + " deleted key(s) remembered";
      }
      return new Applied(written, superseded, written, note);
    } finally {
      ranked.unpersist();
    }
  }

  /** The new rows' changes applied to the table with MERGE; see the class comment. */
  /**
   * Merges valid rows into the table: by key (the latest change of a key wins, null-safe), or
   * appended as the commit {@code (appId, version)} when the dataset has no key (written once).
   */
  private Applied merge(
      DatasetDef dataset,
      Dataset<Row> valid,
      List<String> extra,
      String appId,
      long version,
      long newRows) {
    if (dataset.key().isEmpty()) {
      Dataset<Row> rows = Conform.project(dataset, valid, extra);
      long written =
          lake.appendOnce(
              Zone.TRANSFORMED, dataset.name(), rows, dataset.partitionBy(), appId, version);
      long all = written < 0 ? rows.count() : written;
      return new Applied(all, 0, all, "");
    }
    boolean dms = Arrays.asList(valid.columns()).contains(Columns.OP);
    Dataset<Row> latest = Changes.latest(Changes.ranked(dataset, valid));
    Dataset<Row> decided = decide(dataset, latest, dms, newRows <= FEW_CHANGES);
    Row n =
        decided
            .agg(
                count(lit(1)),
                sum(when(col(APPLY).and(notDelete(dms)), 1).otherwise(0)),
                sum(
                    when(col(APPLY).and(notDelete(dms).unary_$bang()).and(col(LIVE).isNotNull()), 1)
                        .otherwise(0)),
                // Rows the deleted-keys MERGE can change: deletes, and changes of deleted keys.
                sum(when(notDelete(dms).unary_$bang().or(col(TOMB).isNotNull()), 1).otherwise(0)))
            .head();
    long validRows = valid.count();
    // Sums over no rows (every new row quarantined) are null.
    long upserts = n.isNullAt(1) ? 0 : n.getLong(1);
    long deletes = n.isNullAt(2) ? 0 : n.getLong(2);

    long written = 0;
    long deleted = 0;
    if (upserts + deletes > 0) {
      List<String> columns = Conform.tableColumns(dataset, extra);
      Map<String, String> set = new LinkedHashMap<>();
      for (String c : columns) {
        set.put(Conform.quote(c), "s." + Conform.quote(c));
      }
      Lake.Commit commit =
          lake.merge(
                  Zone.TRANSFORMED,
                  dataset.name(),
                  table -> {
                    var merge =
                        table.as("t").merge(decided.filter(col(APPLY)).as("s"), keyMatch(dataset));
                    if (dms) {
                      merge = merge.whenMatched("s._seq > t._seq AND s._op = 'D'").delete();
                    }
                    merge = merge.whenMatched("s._seq > t._seq").updateExpr(set);
                    return dms
                        ? merge.whenNotMatched("s._op IS NULL OR s._op <> 'D'").insertExpr(set)
                        : merge.whenNotMatched().insertExpr(set);
                  })
              .orElseThrow(
                  () ->
                      new DpfException(
                          "MERGE into transformed."
                              + dataset.name()
                              + " changed nothing, but "
                              + (upserts + deletes)
                              + " change(s) were due. Was the table changed by another writer?"
                              + " Re-run the transform"));
      written = commit.metric("numTargetRowsInserted") + commit.metric("numTargetRowsUpdated");
      deleted = commit.metric("numTargetRowsDeleted");
    }
    if (dms && !n.isNullAt(3) && n.getLong(3) > 0) {
      Map<String, String> insert = new LinkedHashMap<>();
      for (String k : dataset.key()) {
        insert.put(Conform.quote(k), "s." + Conform.quote(k));
      }
      insert.put(Changes.SEQ, "s." + Changes.SEQ);
      lake.merge(
          Zone.SYSTEM,
          deletedTable(dataset),
          table ->
              table
                  .as("t")
                  .merge(keysAndSeq(dataset, decided, Columns.OP, APPLY).as("s"), keyMatch(dataset))
                  .whenMatched("s._seq > t._seq AND s._op = 'D'")
                  .updateExpr(Map.of(Changes.SEQ, "s." + Changes.SEQ))
                  .whenMatched("s._seq > t._seq AND (s._op IS NULL OR s._op <> 'D')")
                  .delete()
                  .whenNotMatched("s._op = 'D' AND s." + APPLY)
                  .insertExpr(insert));
    }
    if (written != upserts || deleted != deletes) {
      throw new DpfException(
          "Reconciliation failed for transformed."
              + dataset.name()
              + ": the MERGE should have inserted or updated "
              + upserts
              + " and deleted "
              + deletes
              + " row(s), but Delta reports "
              + written
              + " and "
              + deleted
              + ". Was the table changed by another writer? Re-run the transform");
    }
    return new Applied(
        written,
        validRows - upserts,
        upserts,
        "; " + deletes + " deleted, " + (n.getLong(0) - upserts - deletes) + " late or unchanged");
  }

  /**
   * Each latest change with the sequences the table and the deleted keys hold for its key, and
   * whether it applies: it is later than the key's live row, or (no live row) than its delete.
   * Cached, so the counts and both MERGEs see the state from before them.
   */
  private Dataset<Row> decide(DatasetDef dataset, Dataset<Row> latest, boolean dms, boolean few) {
    // With few changes, the keys to look up are the changes' own (not those of the rows joined so
    // far: the second lookup would read the table of the first again).
    Optional<Dataset<Row>> keys = few ? Optional.of(latest) : Optional.empty();
    Dataset<Row> joined = latest;
    joined = withSeqOf(dataset, joined, lake.read(Zone.TRANSFORMED, dataset.name()), LIVE, keys);
    if (dms) {
      joined =
          withSeqOf(dataset, joined, lake.read(Zone.SYSTEM, deletedTable(dataset)), TOMB, keys);
    } else {
      joined =
          joined.withColumn(TOMB, lit(null).cast(joined.schema().apply(Changes.SEQ).dataType()));
    }
    Column seq = col(Changes.SEQ);
    Column apply =
        when(col(LIVE).isNotNull(), seq.gt(col(LIVE)))
            .otherwise(col(TOMB).isNull().or(seq.gt(col(TOMB))));
    return joined.withColumn(APPLY, apply).localCheckpoint(true);
  }

  /**
   * The rows with the sequence {@code state} holds for their key (null when it has none). Given
   * {@code few} changes, the state's rows of other keys are dropped as it is read, by a broadcast
   * of the changes' keys: a small batch then costs a scan of the table, not a shuffle of it.
   */
  private static Dataset<Row> withSeqOf(
      DatasetDef dataset,
      Dataset<Row> rows,
      Dataset<Row> state,
      String as,
      Optional<Dataset<Row>> few) {
    List<Column> select = new ArrayList<>();
    List<Column> keys = new ArrayList<>();
    Column on = lit(true);
    Column sameKey = lit(true);
    for (String k : dataset.key()) {
      select.add(col(Conform.quote(k)).as("__k_" + k));
      keys.add(col(Conform.quote(k)).as("__n_" + k));
      on = on.and(col(Conform.quote(k)).eqNullSafe(col("__k_" + k)));
      sameKey = sameKey.and(col("__k_" + k).eqNullSafe(col("__n_" + k)));
    }
    select.add(col(Changes.SEQ).as(as));
    Dataset<Row> seqs = state.select(select.toArray(Column[]::new));
    if (few.isPresent()) {
      Dataset<Row> changed = few.get().select(keys.toArray(Column[]::new));
      seqs = seqs.join(org.apache.spark.sql.functions.broadcast(changed), sameKey, "left_semi");
    }
    Dataset<Row> joined = rows.join(seqs, on, "left");
    for (String k : dataset.key()) {
      joined = joined.drop("__k_" + k);
    }
    return joined;
  }

  /** New rows up to this many are few enough to broadcast their keys ({@link #withSeqOf}). */
  private static final long FEW_CHANGES = 200_000;

  private static Column notDelete(boolean dms) {
    return dms ? col(Columns.OP).isNull().or(col(Columns.OP).notEqual("D")) : lit(true);
  }

  private static String keyMatch(DatasetDef dataset) {
    return String.join(
        " AND ",
        dataset.key().stream()
            .map(k -> "t." + Conform.quote(k) + " <=> s." + Conform.quote(k))
            .toList());
  }

  /** The rows' key columns, their change sequence, then {@code more} columns. */
  private static Dataset<Row> keysAndSeq(DatasetDef dataset, Dataset<Row> rows, String... more) {
    List<Column> cols = new ArrayList<>();
    dataset.key().forEach(k -> cols.add(col(Conform.quote(k))));
    cols.add(col(Changes.SEQ));
    for (String m : more) {
      cols.add(col(m));
    }
    return rows.select(cols.toArray(Column[]::new));
  }

  /** The SCD2 history, rebuilt from every valid change of the dataset. */
  private TableResult history(
      DatasetDef dataset, Dataset<Row> allValid, List<String> extra, long batchTo) {
    long start = System.nanoTime();
    if (allValid == null) {
      Dataset<Row> all =
          lake.read(Zone.CONSOLIDATED, dataset.source()).filter(col(Columns.BATCH_ID).leq(batchTo));
      allValid = Conform.selectValid(dataset, Conform.withConformed(dataset, all), extra);
    }
    long changes = allValid.count();
    long versions =
        lake.overwrite(
            Zone.TRANSFORMED,
            dataset.historyTable(),
            History.versions(dataset, allValid),
            List.of());
    return new TableResult(
        "transform",
        Zone.TRANSFORMED.dbName() + "." + dataset.historyTable(),
        TableResult.Status.OK,
        changes,
        versions,
        0,
        changes - versions,
        0,
        Pipeline.seconds(start),
        "SCD2 versions of transformed." + dataset.name() + " (superseded: deletes and repeats)");
  }

  /** Rows read = written + quarantined + superseded, or the run stops with the numbers. */
  static void reconcile(String table, long read, long written, long quarantined, long superseded) {
    if (read != written + quarantined + superseded) {
      throw new DpfException(
          "Reconciliation failed for "
              + table
              + ": read "
              + read
              + " row(s) but wrote "
              + written
              + ", quarantined "
              + quarantined
              + " and superseded "
              + superseded
              + " (difference "
              + (read - written - quarantined - superseded)
              + "). No rows may be lost; report this as a bug");
    }
  }

  private static void reconcile(DatasetDef dataset, long read, Applied applied, long quarantined) {
    reconcile(dataset.table(), read, applied.written(), quarantined, applied.superseded());
  }

  private void tableQuality(DatasetDef dataset) {
    if (dataset.quality().stream().anyMatch(r -> !r.kind().rowLevel())) {
      List<QualityResult> results =
          Quality.tableResults(
              Quality.of(dataset), lake.read(Zone.TRANSFORMED, dataset.name()), startedAt);
      addQuality(dataset, results);
      Quality.failIfAny(Quality.of(dataset), results);
    }
  }

  private Optional<Dataset<Row>> current(String dataset) {
    return lake.exists(Zone.TRANSFORMED, dataset)
        ? Optional.of(lake.read(Zone.TRANSFORMED, dataset))
        : Optional.empty();
  }

  /** {@code _system.deleted_<dataset>}: each deleted key with the sequence of its delete. */
  static String deletedTable(DatasetDef dataset) {
    return "deleted_" + dataset.name();
  }

  /** Raw columns the dataset does not declare; fails under {@code on_new_columns: fail}. */
  private static List<String> undeclared(DatasetDef dataset, Dataset<Row> input) {
    List<String> absent = Conform.missingColumns(dataset, input);
    if (!absent.isEmpty()) {
      LOG.warn(
          "transformed.{}: column(s) {} not in consolidated.{}; read as null",
          dataset.name(),
          absent,
          dataset.source());
    }
    List<String> undeclared = Conform.undeclaredColumns(dataset, input);
    if (!undeclared.isEmpty() && dataset.onNewColumns() == DatasetDef.NewColumns.FAIL) {
      throw new DpfException(
          "consolidated."
              + dataset.source()
              + " has column(s) that datasets."
              + dataset.name()
              + " does not declare: "
              + String.join(", ", undeclared)
              + ". Declare them under datasets."
              + dataset.name()
              + ".columns, or set on_new_columns: add or ignore");
    }
    return undeclared;
  }
}
