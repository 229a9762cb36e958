package dev.dpf.core.internal.stage;

import dev.dpf.core.DpfErrors;
import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.system.RunLog;
import dev.dpf.core.internal.system.RunManifest;
import dev.dpf.core.storage.DeltaWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run tells as it goes: each table's start and result (to the listener and the log), and
 * each stage's results appended to the run log, {@code _system.runs}.
 */
public final class StageLog {
  // The run's lines are the pipeline's: named so without a reference up to the entry point.
  private static final Logger LOG = LoggerFactory.getLogger("dev.dpf.core.pipeline.Pipeline");

  /**
   * How a stage keeps the rows it reads more than once (parsed records, conformed rows, ranked
   * changes): on local disk, never in the heap. An in-memory cache counts against the heap, and a
   * partition spilled from it is read back whole: 10 million payment events ran out of a 2 GB heap.
   */
  public static final StorageLevel WORKING_SET = StorageLevel.DISK_ONLY();

  /** Rows read = written + quarantined + superseded, or the run stops with the numbers. */
  public static void reconcile(
      String table, long read, long written, long quarantined, long superseded) {
    if (read != written + quarantined + superseded) {
      throw DpfErrors.reconciliation(table, read, written, quarantined, superseded);
    }
  }

  /** Seconds since {@code startNanos} ({@link System#nanoTime}). */
  public static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private final SparkSession spark;
  private final DeltaWriter writer;
  private final dev.dpf.core.storage.Lake lake;
  private final String runId;
  private final java.time.Instant startedAt;
  private final Consumer<TableResult> listener;
  // Reported, not yet in the run log; tables of a stage report from several threads.
  private final List<TableResult> unlogged = Collections.synchronizedList(new ArrayList<>());
  private final Set<Throwable> failedRowKept =
      Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
  private BiConsumer<String, String> starts = (stage, table) -> {};
  private Map<String, String> stale = Map.of();

  public StageLog(RunContext run, Consumer<TableResult> listener) {
    this.spark = run.spark();
    this.writer = run.writer();
    this.lake = run.lake();
    this.runId = run.runId();
    this.startedAt = run.startedAt();
    this.listener = listener;
  }

  /** Tells {@code starts} of each table as its work starts: (stage, table). */
  public void onStart(BiConsumer<String, String> starts) {
    this.starts = starts;
  }

  /** Adds to a table's result the note on its stale inputs, by table. */
  public synchronized void stale(Map<String, String> notes) {
    this.stale = Map.copyOf(notes);
  }

  /**
   * Does the work of one table and reports its results; when it fails, reports a {@code failed}
   * result for the table (what it committed, and why it stopped) and throws the failure as {@link
   * TableFailure#of} tells it.
   */
  public List<TableResult> step(Stage stage, String table, Supplier<List<TableResult>> work) {
    long start = System.nanoTime();
    List<TableResult> result;
    starts.accept(stage.label(), table);
    // The table's Spark jobs form a group named after it, so that progress can be told per table.
    spark.sparkContext().setJobGroup(table, stage + " " + table, false);
    try {
      result = work.get();
    } catch (Exception e) { // Spark's Scala code throws checked exceptions it does not declare
      RuntimeException thrown = TableFailure.of(table, e);
      if (e instanceof TableFailure committed) {
        committed.others().forEach(r -> unlogged.add(report(r)));
      }
      TableResult failed =
          e instanceof TableFailure committed
              ? committed.failed(seconds(start))
              : TableResult.of(stage, table, TableResult.Status.FAILED)
                  .seconds(seconds(start))
                  .note(TableFailure.note(e))
                  .build();
      unlogged.add(report(failed));
      failedRowKept.add(thrown);
      throw thrown;
    } finally {
      spark.sparkContext().clearJobGroup();
    }
    List<TableResult> reported = new ArrayList<>();
    for (TableResult r : result) {
      reported.add(report(r));
    }
    unlogged.addAll(reported);
    return reported;
  }

  /**
   * Runs a stage and appends what it reported to the run log, {@code _system.runs}, whether it
   * succeeds or fails: a failed run's record says what it committed and where it stopped (a failure
   * outside any one table is a {@code failed} row for the stage). A stage in which every table was
   * up-to-date or skipped changed nothing: its rows wait for a later stage that changes something,
   * so a run with nothing new leaves the lake as it found it (a scheduler polling for new data does
   * not grow the run log).
   */
  public List<TableResult> logged(Stage stage, Supplier<List<TableResult>> body) {
    long start = System.nanoTime();
    List<TableResult> results;
    try {
      results = body.get();
    } catch (Exception caught) { // Spark's Scala code throws checked exceptions it does not declare
      RuntimeException e;
      if (failedRowKept.contains(caught)) {
        e = (RuntimeException) caught;
      } else {
        e = TableFailure.of("the " + stage + " stage", caught);
        unlogged.add(
            TableResult.of(stage, "(" + stage + " stage)", TableResult.Status.FAILED)
                .seconds(seconds(start))
                .note(TableFailure.note(caught))
                .build());
      }
      try {
        appendToLogs(stage);
      } catch (RuntimeException logError) {
        e.addSuppressed(logError);
      }
      throw e;
    }
    boolean changed =
        unlogged.stream()
            .anyMatch(
                r ->
                    r.status() != TableResult.Status.UP_TO_DATE
                        && r.status() != TableResult.Status.SKIPPED);
    if (changed) {
      appendToLogs(stage);
    }
    return results;
  }

  /**
   * Appends the results not yet logged to the run log, then the version each table of the lake has
   * now to the manifest ({@link RunManifest}): the state this run left at the end of {@code stage}.
   */
  private void appendToLogs(Stage stage) {
    RunLog.append(spark, writer, runId, unlogged);
    unlogged.clear();
    RunManifest.record(lake, writer, runId, startedAt, stage);
  }

  /** The run log's name for a row about the whole run, not one table. */
  public static final String RUN_ROW = "(run)";

  /**
   * Appends to the run log that the run failed for a reason outside any one table ({@code why}: a
   * warning that fails the run), so the log tells one status with the run's other records: the rows
   * not yet logged (a stage that changed nothing), then the run's {@code failed} row.
   */
  public void runFailed(String why) {
    unlogged.add(TableResult.of(Stage.RUN, RUN_ROW, TableResult.Status.FAILED).note(why).build());
    appendToLogs(Stage.RUN);
  }

  public synchronized TableResult report(TableResult r) {
    if (stale.containsKey(r.table()) && r.status() != TableResult.Status.NOT_SELECTED) {
      r = r.withNote(stale.get(r.table()));
    }
    LOG.info(
        "{} {}: {} read={} written={} quarantined={} in {}s ({})",
        r.stage(),
        r.table(),
        r.status(),
        r.rowsRead(),
        r.rowsWritten(),
        r.rowsQuarantined(),
        String.format("%.1f", r.seconds()),
        r.note());
    listener.accept(r);
    return r;
  }
}
