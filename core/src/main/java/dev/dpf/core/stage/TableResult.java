package dev.dpf.core.stage;

/**
 * What one stage did to one table.
 *
 * @param stage ingest, transform or curate
 * @param table the table written, {@code <zone>.<name>}
 * @param status what happened
 * @param rowsRead input rows (for ingest: raw records in the new files)
 * @param rowsWritten rows committed to the table
 * @param rowsQuarantined rows sent to quarantine
 * @param rowsSuperseded valid rows the table does not hold because a later change of the same key
 *     won, or the key was deleted (rows read = written + quarantined + superseded)
 * @param files input files (ingest only, else 0)
 * @param seconds wall time
 * @param note why it was skipped, or what it read
 */
public record TableResult(
    String stage,
    String table,
    Status status,
    long rowsRead,
    long rowsWritten,
    long rowsQuarantined,
    long rowsSuperseded,
    int files,
    double seconds,
    String note) {

  /** A result of a step that supersedes nothing. */
  public TableResult(
      String stage,
      String table,
      Status status,
      long rowsRead,
      long rowsWritten,
      long rowsQuarantined,
      int files,
      double seconds,
      String note) {
    this(stage, table, status, rowsRead, rowsWritten, rowsQuarantined, 0, files, seconds, note);
  }

  /** This result with {@code more} added to its note. */
  TableResult withNote(String more) {
    return new TableResult(
        stage,
        table,
        status,
        rowsRead,
        rowsWritten,
        rowsQuarantined,
        rowsSuperseded,
        files,
        seconds,
        note.isEmpty() ? more : note + "; " + more);
  }

  /** Outcome of one table in one stage. */
  public enum Status {
    /** Written. */
    OK,
    /** Nothing new to read since the last run. */
    UP_TO_DATE,
    /** Not run: its input does not exist (reported, not an error). */
    SKIPPED,
    /** Stopped by an error; the note holds its message. Nothing of it was committed. */
    FAILED,
    /** Outside the run's selection ({@code --select}, {@code --exclude}): not touched. */
    NOT_SELECTED
  }

  /** A table outside the run's selection. */
  static TableResult notSelected(String stage, String table) {
    return new TableResult(
        stage, table, Status.NOT_SELECTED, 0, 0, 0, 0, 0.0, "outside --select and --exclude");
  }

  /** What {@code init} did to a table: created it empty, or left it as it was. */
  static TableResult init(String table, boolean created, double seconds) {
    return created
        ? new TableResult("init", table, Status.OK, 0, 0, 0, 0, seconds, "created, empty")
        : new TableResult(
            "init", table, Status.UP_TO_DATE, 0, 0, 0, 0, seconds, "exists; left alone");
  }

  static TableResult skipped(String stage, String table, double seconds, String why) {
    return new TableResult(stage, table, Status.SKIPPED, 0, 0, 0, 0, seconds, why);
  }

  static TableResult failed(String stage, String table, double seconds, Throwable error) {
    String message = error.getMessage() == null ? error.toString() : error.getMessage();
    return new TableResult(stage, table, Status.FAILED, 0, 0, 0, 0, seconds, message);
  }
}
