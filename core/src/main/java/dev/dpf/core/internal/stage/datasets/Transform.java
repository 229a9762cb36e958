package dev.dpf.core.internal.stage.datasets;

import static org.apache.spark.sql.functions.col;

import dev.dpf.core.api.Planned;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.SystemTables;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.quality.Quality;
import dev.dpf.core.internal.quality.QuarantineLimit;
import dev.dpf.core.internal.quality.TableRules;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.internal.stage.QualityResults;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.stage.TableFailure;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.system.TransformLog;
import dev.dpf.core.internal.transform.Changes;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.internal.transform.Quarantine;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Consolidated to transformed for one dataset: {@link RebuildDecision} says whether to rebuild from
 * every consolidated row or merge the batches added since, {@link KeyedMerge} writes the table,
 * {@link HistoryWriter} the SCD2 history; bad rows go to quarantine. Every run reconciles: rows
 * read = written + quarantined + superseded.
 */
public final class Transform {
  private final Lake lake;
  private final DeltaWriter writer;
  private final String runId;
  private final Instant startedAt;
  private final TransformLog log;
  private final RebuildDecision decision;
  private final KeyedMerge merges;
  private final HistoryWriter history;
  private final QualityResults quality = new QualityResults();

  // Rebuild every dataset from all its consolidated rows, whatever the logs say; allowEmpty: even
  // when that replaces a table that has rows by none (it stops the run otherwise).
  private final boolean fullRefresh;
  private final boolean allowEmpty;

  public Transform(RunContext run) {
    this.lake = run.lake();
    this.writer = run.writer();
    this.runId = run.runId();
    this.startedAt = run.startedAt();
    this.log = new TransformLog(run.spark(), lake, writer);
    this.decision = new RebuildDecision(lake, log, new IngestLog(run.spark(), lake, writer));
    this.merges = new KeyedMerge(lake, writer);
    this.history = new HistoryWriter(lake, writer);
    this.fullRefresh = run.options().fullRefresh();
    this.allowEmpty = run.options().allowEmpty();
  }

  /**
   * What {@link #dataset} would do now, without doing it; {@code sourceAction}: what the same run
   * does to its consolidated table first (null: nothing); {@code fullRefresh}: whether the run
   * rebuilds it whatever the logs say.
   */
  public Planned plan(DatasetDef dataset, Planned.Action sourceAction, boolean fullRefresh) {
    return decision
        .decide(dataset, sourceAction, fullRefresh)
        .planned(Stage.TRANSFORM, dataset.tableName());
  }

  /** Writes the transform log's entries of the datasets transformed so far, as one commit. */
  public void logApplied() {
    log.flush();
  }

  /** The quality results of the datasets transformed so far, in the order of {@code datasets}. */
  public List<QualityResult> quality(List<DatasetDef> datasets) {
    return quality.of(datasets.stream().map(DatasetDef::name).toList());
  }

  /** As {@link #quality}, those to log ({@link QualityResults#toLog}). */
  public List<QualityResult> qualityToLog(List<DatasetDef> datasets) {
    return quality.toLog(datasets.stream().map(DatasetDef::name).toList());
  }

  /**
   * The input conformed to the dataset's types, with its row rules' flags ({@link
   * Quality#withRowChecks}), kept on disk: the caller unpersists it.
   */
  private Dataset<Row> checked(DatasetDef dataset, Dataset<Row> input) {
    Dataset<Row> conformed =
        Quality.withRowChecks(
            Quality.of(dataset), Conform.withConformed(dataset, input), this::current);
    conformed.persist(StageLog.WORKING_SET);
    return conformed;
  }

  /**
   * Adds the row rules' results over {@link #checked} rows to {@code results}; stops at a failed
   * fail rule. Returns them with the rows counted and rejected.
   */
  private static Quality.Judged rowQuality(
      DatasetDef dataset, Dataset<Row> conformed, List<QualityResult> results) {
    Quality.Judged judged = Quality.judgeRows(Quality.of(dataset), conformed);
    results.addAll(judged.results());
    Quality.failIfAny(Quality.of(dataset), judged.results());
    return judged;
  }

  /**
   * Records a dataset's quality results for the run's log: once its table is written, or when its
   * rules stopped it (they say why). A dataset that failed otherwise logs none.
   */
  private void publish(DatasetDef dataset, List<QualityResult> results) {
    quality.add(dataset.name(), results);
  }

  /**
   * Replays the rows the dataset's transform quarantined (as {@code quarantine.records} lists them)
   * with the definition as it is now: the rows that conform and pass its rules now are merged into
   * the table (a change of a key older than the table's is superseded), the others stay quarantined
   * with their reasons as they are now. Each row once: the dataset's quarantine is replaced by what
   * is still quarantined, and a replay repeated after an interruption writes nothing twice. Records
   * whose consolidated row is gone are kept in quarantine as they were.
   */
  public List<TableResult> replay(DatasetDef dataset) {
    long start = System.nanoTime();
    String table = dataset.table();
    if (!lake.exists(SystemTables.QUARANTINE)
        || !lake.exists(dataset.tableName())
        || !lake.exists(dataset.sourceTableName())) {
      return List.of(nothingToReplay(table, start, "nothing quarantined"));
    }
    long version = lake.version(SystemTables.QUARANTINE);
    Dataset<Row> quarantine = lake.read(SystemTables.QUARANTINE);
    Dataset<Row> all = lake.read(dataset.sourceTableName());
    Dataset<Row> input = Quarantine.replayable(all, quarantine, dataset.name());
    long read = input.count();
    Dataset<Row> mine =
        quarantine.filter(
            col("stage")
                .equalTo(Stage.TRANSFORM.label())
                .and(col("dataset").equalTo(dataset.name())));
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
        dataset.onNewColumns() == DatasetDef.NewColumns.ADD
            ? RebuildDecision.undeclared(dataset, all)
            : List.of();
    List<TableResult> out = new ArrayList<>();
    List<QualityResult> results = new ArrayList<>();
    Written w =
        apply(
            dataset,
            input,
            read,
            inputColumns,
            extra,
            replaying(dataset, extra, version, read, orphans, kept),
            Planned.Action.MERGE,
            out,
            results);
    reconcile(dataset, read, w.applied(), w.quarantined());
    TableResult done = replayed(dataset, start, read, w, kept);
    tableQuality(dataset, done, out, results);
    out.add(0, done);
    return out;
  }

  /**
   * How a replay applies: the rows that conform and pass now are merged; the others, and the
   * records whose consolidated row is gone ({@code orphans}), replace the dataset's quarantine.
   */
  private Apply replaying(
      DatasetDef dataset,
      List<String> extra,
      long version,
      long read,
      Dataset<Row> orphans,
      long kept) {
    return new Apply(
        false,
        valid -> merges.merge(dataset, valid, extra, "dpf-replay-" + dataset.name(), version, read),
        still ->
            writer.replaceWhere(
                    SystemTables.QUARANTINE,
                    still.unionByName(orphans, true),
                    Quarantine.PARTITION_BY,
                    Quarantine.partition(Stage.TRANSFORM, dataset.name()))
                - kept,
        valid -> null,
        log.lastBatch(dataset.name()).orElse(0L));
  }

  /** A replay's result: what it read, merged and left quarantined. */
  private static TableResult replayed(
      DatasetDef dataset, long start, long read, Written w, long kept) {
    KeyedMerge.Applied applied = w.applied();
    return TableResult.of(Stage.REPLAY, dataset.table(), TableResult.Status.OK)
        .action(Planned.Action.MERGE)
        .read(read)
        .written(applied.written())
        .quarantined(w.quarantined())
        .superseded(applied.superseded())
        .seconds(StageLog.seconds(start))
        .note(
            "replayed "
                + read
                + " quarantined row(s) of "
                + dataset.sourceTable()
                + " with the definition as it is now"
                + (kept == 0 ? "" : "; " + kept + " record(s) whose consolidated row is gone, kept")
                + applied.note())
        .build();
  }

  private static TableResult nothingToReplay(String table, long start, String why) {
    return TableResult.upToDate(Stage.REPLAY, table, StageLog.seconds(start), why);
  }

  /**
   * The dataset's table, then (for an SCD2 dataset) its history table, as {@link
   * RebuildDecision#decide} says.
   */
  public List<TableResult> dataset(DatasetDef dataset) {
    long start = System.nanoTime();
    Decision decided = decision.decide(dataset, null, fullRefresh);
    if (decided instanceof Decision.Skip || decided instanceof Decision.UpToDate) {
      return unchanged(dataset, decided, start);
    }
    return write(dataset, decided, start);
  }

  /** The dataset's table (and history) left as they are: skipped, or up to date. */
  private List<TableResult> unchanged(DatasetDef dataset, Decision decided, long start) {
    if (decided instanceof Decision.Skip) {
      return withHistory(
          dataset,
          TableResult.skipped(
              Stage.TRANSFORM, dataset.table(), StageLog.seconds(start), decided.why()));
    }
    TableResult r =
        TableResult.upToDate(
            Stage.TRANSFORM, dataset.table(), StageLog.seconds(start), decided.why());
    quality.rejudgeFreshness(lake, dataset.tableName(), Quality.of(dataset), startedAt, r);
    return withHistory(dataset, r);
  }

  /**
   * The plan of a dataset's table, then (an SCD2 dataset's) of its history table, which goes with
   * it: the same action, and why (but when not selected) it goes with the dataset.
   */
  public static List<Planned> withHistory(DatasetDef dataset, Planned table) {
    if (dataset.history() != DatasetDef.History.SCD2) {
      return List.of(table);
    }
    return List.of(
        table,
        new Planned(
            table.stage(),
            dataset.historyTableName(),
            table.action(),
            table.action() == Planned.Action.NOT_SELECTED ? table.why() : historyWith(dataset)));
  }

  /**
   * The result of a dataset's table left as it was (up to date, skipped, not selected), then (an
   * SCD2 dataset's) its history table's, as {@link #withHistory(DatasetDef, Planned)} plans it.
   */
  public static List<TableResult> withHistory(DatasetDef dataset, TableResult table) {
    if (dataset.history() != DatasetDef.History.SCD2) {
      return List.of(table);
    }
    return List.of(
        table,
        TableResult.of(table.stage(), dataset.qualifiedHistoryTable(), table.status())
            .note(
                table.status() == TableResult.Status.NOT_SELECTED
                    ? table.note()
                    : historyWith(dataset))
            .build());
  }

  private static String historyWith(DatasetDef dataset) {
    return "with " + dataset.table() + ", its versions";
  }

  /** Merges or rebuilds the dataset's table (and history), as {@code decided}. */
  private List<TableResult> write(DatasetDef dataset, Decision decided, long start) {
    String table = dataset.table();
    Dataset<Row> all = lake.read(dataset.sourceTableName());
    List<String> inputColumns = Arrays.asList(all.columns());
    List<String> undeclared = RebuildDecision.undeclared(dataset, all);
    List<String> extra =
        dataset.onNewColumns() == DatasetDef.NewColumns.ADD ? undeclared : List.of();
    boolean full = decided instanceof Decision.Rebuild;
    Decision.Merge merge = full ? null : (Decision.Merge) decided;
    long batchTo = full ? decision.lastBatch(dataset, all) : merge.to();
    Dataset<Row> input = batches(all, full ? Long.MIN_VALUE : merge.from(), batchTo);
    long read = input.count();
    List<TableResult> out = new ArrayList<>();
    List<QualityResult> results = new ArrayList<>();
    Apply how =
        new Apply(
            true,
            valid ->
                full
                    ? merges.rebuild(dataset, valid, extra)
                    : merges.merge(
                        dataset, valid, extra, "dpf-transform-" + dataset.name(), batchTo, read),
            rejected -> quarantine(dataset, rejected, full, batchTo),
            valid -> full ? valid : null,
            batchTo);
    Written w =
        apply(dataset, input, read, inputColumns, extra, how, decided.action(), out, results);
    KeyedMerge.Applied applied = w.applied();
    long quarantined = w.quarantined();
    reconcile(dataset, read, applied, quarantined);
    TableResult done =
        TableResult.of(Stage.TRANSFORM, table, TableResult.Status.OK)
            .action(decided.action())
            .read(read)
            .written(applied.written())
            .quarantined(quarantined)
            .superseded(applied.superseded())
            .seconds(StageLog.seconds(start))
            .note(
                (full ? "rebuilt (" + decided.why() + ")" : "merged batches " + merge.from())
                    + (full ? "" : ".." + batchTo)
                    + " from "
                    + dataset.sourceTable()
                    + applied.note()
                    + columnsNote(undeclared, extra))
            .build();
    tableQuality(dataset, done, out, results);
    log.record(
        dataset.name(),
        runId,
        full ? "full" : "incremental",
        full ? null : merge.from(),
        batchTo,
        decision.shape(dataset));
    out.add(0, done);
    return out;
  }

  /** The consolidated rows of ingest batches {@code from} to {@code to}. */
  private static Dataset<Row> batches(Dataset<Row> all, long from, long to) {
    Column batch = col(Columns.BATCH_ID);
    return all.filter(batch.geq(from).and(batch.leq(to)));
  }

  /**
   * How one application of a dataset's rows writes: a run's merge or rebuild of ingest batches, or
   * a replay of its quarantined rows.
   *
   * @param limits whether the quarantine limit and the empty full refresh are judged
   * @param merge writes the valid rows to the table
   * @param quarantine writes the rejected rows; returns how many it quarantined
   * @param historyFrom the rows the history is rebuilt from (null: the table's changes up to {@code
   *     historyBatch})
   */
  private record Apply(
      boolean limits,
      java.util.function.Function<Dataset<Row>, KeyedMerge.Applied> merge,
      java.util.function.ToLongFunction<Dataset<Row>> quarantine,
      java.util.function.UnaryOperator<Dataset<Row>> historyFrom,
      long historyBatch) {}

  /** What an application of rows wrote: the table's counts and the rows quarantined. */
  private record Written(KeyedMerge.Applied applied, long quarantined) {}

  /**
   * The one path of a dataset's rows into its table, for a run and a replay alike: conforms {@code
   * input} ({@code read} rows, with {@code inputColumns}), judges the row rules, writes the valid
   * rows and the rejected ones as {@code how} says, then the SCD2 history ({@code action}: what the
   * run decided). Adds the history's result to {@code out} and the rules' results to {@code
   * results}.
   */
  private Written apply(
      DatasetDef dataset,
      Dataset<Row> input,
      long read,
      List<String> inputColumns,
      List<String> extra,
      Apply how,
      Planned.Action action,
      List<TableResult> out,
      List<QualityResult> results) {
    Dataset<Row> conformed = checked(dataset, input);
    try {
      Quality.Judged judged = rowQuality(dataset, conformed, results);
      if (how.limits()) {
        QuarantineLimit.judge(dataset.table(), Quality.of(dataset), judged, conformed, results);
        if (fullRefresh && !allowEmpty && judged.rejected() == read) {
          refuseEmptyRefresh(dataset, read);
        }
      }
      Dataset<Row> valid = Conform.selectValid(dataset, conformed, extra);
      KeyedMerge.Applied applied = how.merge().apply(valid);
      long quarantined =
          how.quarantine()
              .applyAsLong(Conform.selectRejected(dataset, conformed, inputColumns, runId));
      if (dataset.history() == DatasetDef.History.SCD2) {
        out.add(
            history.write(
                dataset, how.historyFrom().apply(valid), extra, how.historyBatch(), action));
      }
      return new Written(applied, quarantined);
    } catch (Throwable t) {
      publishIfStoppedByRules(dataset, results, t);
      throw t;
    } finally {
      conformed.unpersist();
    }
  }

  /**
   * Stops a full refresh that would replace a table that has rows by none ({@code read} rows read,
   * every one quarantined), unless {@code --allow-empty}.
   */
  private void refuseEmptyRefresh(DatasetDef dataset, long read) {
    long had = lake.exists(dataset.tableName()) ? lake.rows(dataset.tableName()) : 0;
    if (had > 0) {
      throw TableFailure.emptyRefresh(
          dataset.table(),
          had,
          read == 0
              ? dataset.sourceTable() + " holds no row"
              : "all " + read + " row(s) it read were quarantined");
    }
  }

  /**
   * Writes the rows the dataset rejects to quarantine: replacing its quarantine ({@code full}), or
   * appended once for the batches up to {@code batchTo}. Returns the rows quarantined.
   */
  private long quarantine(DatasetDef dataset, Dataset<Row> rejected, boolean full, long batchTo) {
    if (full) {
      return writer.replaceWhere(
          SystemTables.QUARANTINE,
          rejected,
          Quarantine.PARTITION_BY,
          Quarantine.partition(Stage.TRANSFORM, dataset.name()));
    }
    long quarantined =
        writer.appendOnce(
            SystemTables.QUARANTINE,
            rejected,
            Quarantine.PARTITION_BY,
            "dpf-transform-" + dataset.name(),
            batchTo);
    // -1: written by an interrupted run of the same batches
    return quarantined < 0 ? rejected.count() : quarantined;
  }

  /** What the run line says of columns the dataset does not declare: ignored, or added. */
  private static String columnsNote(List<String> undeclared, List<String> extra) {
    if (undeclared.isEmpty()) {
      return "";
    }
    return (extra.isEmpty() ? "; undeclared column(s) ignored: " : "; new column(s) added: ")
        + String.join(", ", undeclared);
  }

  /**
   * Creates the dataset's table, and its history table, empty with the schema a run gives them,
   * from {@code consolidated} (empty, with the source's declared fields); a table that exists is
   * left alone.
   */
  public List<TableResult> createEmpty(DatasetDef dataset, Dataset<Row> consolidated) {
    List<TableResult> out = new ArrayList<>();
    long start = System.nanoTime();
    out.add(
        TableResult.init(
            dataset.table(),
            writer.createEmpty(
                dataset.tableName(),
                () -> tableSchema(dataset, consolidated, List.of()),
                dataset.partitionBy()),
            StageLog.seconds(start)));
    if (dataset.history() == DatasetDef.History.SCD2) {
      long historyStart = System.nanoTime();
      out.add(
          TableResult.init(
              dataset.qualifiedHistoryTable(),
              writer.createEmpty(
                  dataset.historyTableName(),
                  () -> HistoryWriter.schema(dataset, consolidated),
                  List.of()),
              StageLog.seconds(historyStart)));
    }
    return out;
  }

  /** The schema of a dataset's table over {@code all}'s columns, with {@code extra} raw ones. */
  public static StructType tableSchema(DatasetDef dataset, Dataset<Row> all, List<String> extra) {
    Dataset<Row> valid =
        Conform.selectValid(dataset, Conform.withConformed(dataset, all.limit(0)), extra);
    if (!dataset.key().isEmpty()) {
      valid = Changes.withSequence(dataset, valid);
    }
    return Conform.project(dataset, valid, extra).schema();
  }

  private static void reconcile(
      DatasetDef dataset, long read, KeyedMerge.Applied applied, long quarantined) {
    StageLog.reconcile(dataset.table(), read, applied.written(), quarantined, applied.superseded());
  }

  private void publishIfStoppedByRules(
      DatasetDef dataset, List<QualityResult> results, Throwable failure) {
    if (failure instanceof Quality.RuleFailed) {
      publish(dataset, results);
    }
  }

  /**
   * The table rules' results over the written table ({@code done}, with {@code others}, its
   * history), after the row rules' ({@code results}); all are recorded, and a failed fail rule
   * stops the run with the tables' counts.
   */
  private void tableQuality(
      DatasetDef dataset, TableResult done, List<TableResult> others, List<QualityResult> results) {
    List<QualityResult> table =
        dataset.quality().stream().anyMatch(r -> r.kind().tableLevel())
            ? TableRules.results(Quality.of(dataset), lake.read(dataset.tableName()), startedAt)
            : List.of();
    publish(dataset, results);
    publish(dataset, table);
    try {
      Quality.failIfAny(Quality.of(dataset), table);
    } catch (Quality.RuleFailed e) {
      throw new TableFailure(done, others, e); // the tables are written: their counts stand
    }
  }

  /** A dataset's table as it is now, by the dataset's name: what {@code references} rules read. */
  private Optional<Dataset<Row>> current(String dataset) {
    TableName table = new TableName(Zone.TRANSFORMED, dataset);
    return lake.exists(table) ? Optional.of(lake.read(table)) : Optional.empty();
  }
}
