package dev.dpf.core.internal.stage;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.SqlErrors;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.quality.Quality;
import java.util.List;

/**
 * How a table's failure is told. A {@link DpfException} says problem, cause and fix already and is
 * told as it is; a failure the user's SQL or data caused ({@link SqlErrors#userMessage}) becomes
 * one: {@code curated.broken failed: boom}; any other failure is unexpected and keeps its trace,
 * with the table named. A failure that came after the table was committed (a table rule set to
 * fail) carries what was committed, so the run log counts it.
 */
public final class TableFailure extends DpfException {
  private final TableResult committed;
  private final List<TableResult> others;

  /**
   * @param committed what the table's work committed before {@code cause} stopped it
   * @param others the other tables its work wrote (a dataset's history), as they were written
   */
  public TableFailure(TableResult committed, List<TableResult> others, DpfException cause) {
    super(cause.kind(), cause.getMessage(), cause);
    this.committed = committed;
    this.others = List.copyOf(others);
  }

  /** The other tables the work wrote before it stopped. */
  List<TableResult> others() {
    return others;
  }

  /** The failed result: what was committed, with the failure as its note. */
  TableResult failed(double seconds) {
    return TableResult.of(committed.stage(), committed.table(), TableResult.Status.FAILED)
        .read(committed.rowsRead())
        .written(committed.rowsWritten())
        .quarantined(committed.rowsQuarantined())
        .superseded(committed.rowsSuperseded())
        .files(committed.files())
        .action(committed.action())
        .seconds(seconds)
        .note(getMessage())
        .build();
  }

  /** The exception a failure of {@code table}'s work is thrown on as. */
  static RuntimeException of(String table, Throwable failure) {
    if (failure instanceof DpfException d) {
      return d;
    }
    return SqlErrors.userMessage(failure)
        .<RuntimeException>map(m -> new DpfException(table + " failed: " + m, failure))
        .orElseGet(() -> new IllegalStateException(table + " failed: " + failure, failure));
  }

  /**
   * The failure of a full refresh that would replace {@code table}, which holds {@code had} rows,
   * by none ({@code why}); {@code --allow-empty} lets it.
   */
  public static Quality.RuleFailed emptyRefresh(String table, long had, String why) {
    return new Quality.RuleFailed(
        "--full-refresh would replace "
            + table
            + " ("
            + had
            + " row(s)) by no rows: "
            + why
            + ". Nothing was written. Check what it reads, or pass --allow-empty to replace it"
            + " anyway");
  }

  /** What the run log and the run's line say of the failure: its cause, in one line. */
  static String note(Throwable failure) {
    if (failure instanceof DpfException) {
      return failure.getMessage();
    }
    return SqlErrors.userMessage(failure).orElseGet(() -> SqlErrors.firstLine(failure));
  }
}
