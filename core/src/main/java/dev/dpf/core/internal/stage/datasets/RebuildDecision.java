package dev.dpf.core.internal.stage.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Planned;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.internal.stage.sources.Ingest;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.system.TransformLog;
import dev.dpf.core.internal.transform.Changes;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.internal.transform.Conform;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.DefinitionWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a dataset's transform does: nothing (the logs say it applied the consolidated
 * table's newest batch, with the schemas it has now), merge the batches added since, or rebuild
 * from every consolidated row, and why.
 */
public final class RebuildDecision {
  private static final Logger LOG = LoggerFactory.getLogger(Transform.class);

  private final Lake lake;
  private final TransformLog log;
  private final IngestLog ingested;

  RebuildDecision(Lake lake, TransformLog log, IngestLog ingested) {
    this.lake = lake;
    this.log = log;
    this.ingested = ingested;
  }

  /**
   * What {@link Transform#dataset} does: nothing (the logs say it applied the consolidated table's
   * newest batch with the schemas it has now, or the table has no row after it), merge the batches
   * added since, or rebuild from every consolidated row, and why. {@code sourceAction}: what the
   * same run does to its consolidated table first (null: nothing, or done already); {@code
   * fullRefresh}: whether the run rebuilds it whatever the logs say. Undeclared columns under
   * {@code on_new_columns: fail} stop the run when it reads the table ({@link #undeclared}).
   */
  Decision decide(DatasetDef dataset, Planned.Action sourceAction, boolean fullRefresh) {
    return decide(dataset.sourceTable(), new LakeFacts(dataset), sourceAction, fullRefresh);
  }

  /**
   * What a dataset's decision reads of its tables and logs. Each fact is asked only when the
   * decision needs it, so an implementation reads it then (and once): a dataset the logs say is up
   * to date is decided without reading a table.
   */
  public interface Facts {
    /** Whether the consolidated table exists. */
    boolean hasInput();

    /** Whether the transformed table exists. */
    boolean hasTable();

    /** The last ingest batch, when the logs alone say the table is up to date with it. */
    Optional<Long> unchangedSince();

    /** The last ingest batch the transform log says the table applied; empty: no log. */
    Optional<Long> lastApplied();

    /** The consolidated table's newest ingest batch. */
    long lastBatch();

    /** Why the table must be rebuilt from every consolidated row, or null to merge new rows. */
    String rebuildReason();
  }

  /**
   * The decision, from {@code facts} alone: {@code source} names the consolidated table in its
   * reasons; {@code sourceAction} is what the same run does to it first (null: nothing); {@code
   * fullRefresh} rebuilds whatever the logs say.
   */
  public static Decision decide(
      String source, Facts facts, Planned.Action sourceAction, boolean fullRefresh) {
    boolean pending = sourceAction != null && sourceAction.changes();
    if (!pending && !facts.hasInput()) {
      return new Decision.Skip(source + " does not exist (nothing ingested)");
    }
    if (!facts.hasTable()) {
      return new Decision.Rebuild("first run");
    }
    if (fullRefresh) {
      return new Decision.Rebuild("full refresh");
    }
    if (sourceAction == Planned.Action.REINGEST) {
      return new Decision.Rebuild(source + " is re-ingested first");
    }
    Decision.Merge ingestedNow =
        new Decision.Merge(
            -1,
            -1,
            "the batches this run ingests into "
                + source
                + " (rebuilt instead if they bring new columns or a DMS reload)");
    if (!pending) {
      Optional<Long> unchanged = facts.unchangedSince();
      if (unchanged.isPresent()) {
        return upToDate(source, unchanged.get());
      }
    } else if (!facts.hasInput()) {
      return ingestedNow;
    }
    String rebuild = facts.rebuildReason();
    if (rebuild != null) {
      return new Decision.Rebuild(rebuild);
    }
    if (pending) {
      return ingestedNow;
    }
    long batchTo = facts.lastBatch();
    long last = facts.lastApplied().orElseThrow(); // a table with no log is rebuilt (above)
    if (last >= batchTo) {
      return upToDate(source, batchTo);
    }
    return new Decision.Merge(
        last + 1, batchTo, "ingest batches " + (last + 1) + ".." + batchTo + " of " + source);
  }

  private static Decision upToDate(String source, long batch) {
    return new Decision.UpToDate("no " + source + " rows after ingest batch " + batch);
  }

  /** A dataset's facts as the lake and the logs tell them, each read once when first asked. */
  private final class LakeFacts implements Facts {
    private final DatasetDef dataset;
    private Boolean hasInput;
    private Dataset<Row> all;
    private Long batchTo;
    private Optional<Long> last;

    LakeFacts(DatasetDef dataset) {
      this.dataset = dataset;
    }

    @Override
    public boolean hasInput() {
      if (hasInput == null) {
        hasInput = lake.exists(dataset.sourceTableName());
      }
      return hasInput;
    }

    @Override
    public boolean hasTable() {
      return lake.exists(dataset.tableName());
    }

    @Override
    public Optional<Long> unchangedSince() {
      return RebuildDecision.this.unchangedSince(dataset);
    }

    @Override
    public Optional<Long> lastApplied() {
      if (last == null) {
        last = log.lastBatch(dataset.name());
      }
      return last;
    }

    @Override
    public long lastBatch() {
      if (batchTo == null) {
        batchTo = RebuildDecision.this.lastBatch(dataset, all());
      }
      return batchTo;
    }

    @Override
    public String rebuildReason() {
      List<String> extra =
          dataset.onNewColumns() == DatasetDef.NewColumns.ADD
              ? Conform.undeclaredColumns(dataset, all())
              : List.of();
      return RebuildDecision.this.rebuildReason(dataset, all(), extra, lastApplied(), lastBatch());
    }

    private Dataset<Row> all() {
      if (all == null) {
        all = lake.read(dataset.sourceTableName());
      }
      return all;
    }
  }

  /**
   * The last ingest batch when the dataset is up-to-date by the logs alone: the transform log's
   * latest commit says the dataset's last transform applied the consolidated table's newest batch
   * (from that table's Delta log), with the definition and both tables' schemas it has now ({@link
   * #shape}). Empty when the logs cannot tell or the answer may be no; then the tables decide
   * ({@link #rebuildReason}).
   */
  Optional<Long> unchangedSince(DatasetDef dataset) {
    Optional<TransformLog.Entry> last = log.lastEntry(dataset.name());
    if (last.isEmpty() || last.get().shape() == null) {
      return Optional.empty();
    }
    java.util.OptionalLong batchTo =
        lake.lastAppendOnce(dataset.sourceTableName(), Ingest.appId(dataset.source()));
    if (batchTo.isEmpty()
        || last.get().batch() != batchTo.getAsLong()
        || !shapes(dataset).contains(last.get().shape())
        || (dataset.history() == DatasetDef.History.SCD2
            && !lake.exists(dataset.historyTableName()))) {
      return Optional.empty();
    }
    if (!dataset.key().isEmpty()
        && !lake.exists(KeyedMerge.deletedTable(dataset))
        && lake.schemaJson(dataset.sourceTableName())
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
  String shape(DatasetDef dataset) {
    return shapes(dataset).stream().findFirst().orElse(null);
  }

  /**
   * The digests that say the dataset's shape is unchanged: {@link #shape}, then the one a transform
   * log written before it recorded (of the dataset's {@code toString()}), read but never written;
   * none when a schema is not known from a checksum file. Each schema is read once.
   */
  private List<String> shapes(DatasetDef dataset) {
    Optional<String> input = lake.schemaJson(dataset.sourceTableName());
    Optional<String> output = lake.schemaJson(dataset.tableName());
    if (input.isEmpty() || output.isEmpty()) {
      return List.of();
    }
    return List.of(
        DefinitionWriter.digest(
            DefinitionWriter.dataset(dataset, java.util.Map.of()).toString(),
            input.get(),
            output.get()),
        dev.dpf.core.internal.ingest.Digests.sha256(
            dataset + "\n" + input.get() + "\n" + output.get()));
  }

  /**
   * The newest ingest batch in the consolidated table: from its Delta log (the batch id each ingest
   * append records), else from its rows.
   */
  long lastBatch(DatasetDef dataset, Dataset<Row> all) {
    java.util.OptionalLong logged =
        lake.lastAppendOnce(dataset.sourceTableName(), Ingest.appId(dataset.source()));
    if (logged.isPresent()) {
      return logged.getAsLong();
    }
    Row top = all.agg(max(col(Columns.BATCH_ID))).head();
    return top.isNullAt(0) ? 0 : top.getLong(0);
  }

  /** Why the table must be rebuilt from every consolidated row, or null to merge new rows. */
  String rebuildReason(
      DatasetDef dataset, Dataset<Row> all, List<String> extra, Optional<Long> last, long batchTo) {
    if (!lake.exists(dataset.tableName())) {
      return "first run";
    }
    if (last.isEmpty()) {
      return "no transform log";
    }
    if (last.get() > batchTo) {
      return dataset.sourceTable() + " was rebuilt";
    }
    if (batchTo > last.get()) {
      java.util.OptionalLong reingested = ingested.lastReingest(dataset.source());
      if (reingested.isPresent() && reingested.getAsLong() > last.get()) {
        return dataset.sourceTable() + " was re-ingested";
      }
    }
    StructType expected = Transform.tableSchema(dataset, all, extra);
    StructType actual = lake.read(dataset.tableName()).schema();
    if (!sameFields(expected, actual)) {
      return "definition changed";
    }
    if (dataset.history() == DatasetDef.History.SCD2 && !lake.exists(dataset.historyTableName())) {
      return "no history table";
    }
    boolean dms = Arrays.asList(all.columns()).contains(Columns.OP);
    if (dms && !dataset.key().isEmpty()) {
      if (!lake.exists(KeyedMerge.deletedTable(dataset))) {
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

  /** Raw columns the dataset does not declare; fails under {@code on_new_columns: fail}. */
  static List<String> undeclared(DatasetDef dataset, Dataset<Row> input) {
    List<String> absent = Conform.missingColumns(dataset, input);
    if (!absent.isEmpty()) {
      LOG.warn(
          "{}: column(s) {} not in {}; read as null",
          dataset.table(),
          absent,
          dataset.sourceTable());
    }
    List<String> undeclared = Conform.undeclaredColumns(dataset, input);
    if (!undeclared.isEmpty() && dataset.onNewColumns() == DatasetDef.NewColumns.FAIL) {
      throw new DpfException(
          dataset.sourceTable()
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
