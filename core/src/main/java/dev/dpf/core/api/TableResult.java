package dev.dpf.core.api;

/**
 * What one stage did to one table.
 *
 * @param stage the stage that reported it
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
 * @param action what the run decided to do with the table, as {@code plan} names it: {@code null}
 *     when no decision stands behind the result ({@code init}, a failure outside a table, a result
 *     read back from the run log)
 */
public record TableResult(
    Stage stage,
    String table,
    Status status,
    long rowsRead,
    long rowsWritten,
    long rowsQuarantined,
    long rowsSuperseded,
    int files,
    double seconds,
    String note,
    Planned.Action action) {

  /** A result with no decision behind it ({@code action} null). */
  public TableResult(
      Stage stage,
      String table,
      Status status,
      long rowsRead,
      long rowsWritten,
      long rowsQuarantined,
      long rowsSuperseded,
      int files,
      double seconds,
      String note) {
    this(
        stage,
        table,
        status,
        rowsRead,
        rowsWritten,
        rowsQuarantined,
        rowsSuperseded,
        files,
        seconds,
        note,
        null);
  }

  /** This result with {@code more} added to its note. */
  public TableResult withNote(String more) {
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
        note.isEmpty() ? more : note + "; " + more,
        action);
  }

  /** Outcome of one table in one stage. */
  public enum Status {
    /** Written. */
    OK,
    /** Nothing new to read since the last run. */
    UP_TO_DATE,
    /** Not run: its input does not exist (reported, not an error). */
    SKIPPED,
    /**
     * Stopped by an error; the note holds its cause. Its counts say what it committed before it
     * stopped: nothing, but for a table rule set to fail, which judges the table once written.
     */
    FAILED,
    /** Outside the run's selection ({@code --select}, {@code --exclude}): not touched. */
    NOT_SELECTED
  }

  /** A result of {@code stage} on {@code table} with {@code status}, its counts set by name. */
  public static Builder of(Stage stage, String table, Status status) {
    return new Builder(stage, table, status);
  }

  /** Builds a {@link TableResult}: counts not set are 0, the note is empty. */
  public static final class Builder {
    private final Stage stage;
    private final String table;
    private final Status status;
    private long read;
    private long written;
    private long quarantined;
    private long superseded;
    private int files;
    private double seconds;
    private String note = "";
    private Planned.Action action;

    private Builder(Stage stage, String table, Status status) {
      this.stage = stage;
      this.table = table;
      this.status = status;
      this.action =
          switch (status) {
            case UP_TO_DATE -> Planned.Action.UP_TO_DATE;
            case SKIPPED -> Planned.Action.SKIP;
            case NOT_SELECTED -> Planned.Action.NOT_SELECTED;
            case OK, FAILED -> null;
          };
    }

    /** What the run decided to do with the table. */
    public Builder action(Planned.Action decided) {
      this.action = decided;
      return this;
    }

    public Builder read(long rows) {
      this.read = rows;
      return this;
    }

    public Builder written(long rows) {
      this.written = rows;
      return this;
    }

    public Builder quarantined(long rows) {
      this.quarantined = rows;
      return this;
    }

    public Builder superseded(long rows) {
      this.superseded = rows;
      return this;
    }

    public Builder files(int count) {
      this.files = count;
      return this;
    }

    public Builder seconds(double wall) {
      this.seconds = wall;
      return this;
    }

    public Builder note(String text) {
      this.note = text;
      return this;
    }

    public TableResult build() {
      return new TableResult(
          stage,
          table,
          status,
          read,
          written,
          quarantined,
          superseded,
          files,
          seconds,
          note,
          action);
    }
  }

  /** A table outside the run's selection. */
  public static TableResult notSelected(Stage stage, String table) {
    return of(stage, table, Status.NOT_SELECTED).note("outside --select and --exclude").build();
  }

  /** What {@code init} did to a table: created it empty, or left it as it was. */
  public static TableResult init(String table, boolean created, double seconds) {
    return of(Stage.INIT, table, created ? Status.OK : Status.UP_TO_DATE)
        .action(null)
        .seconds(seconds)
        .note(created ? "created, empty" : "exists; left alone")
        .build();
  }

  /** A table left as it was: nothing new to read. */
  public static TableResult upToDate(Stage stage, String table, double seconds, String note) {
    return of(stage, table, Status.UP_TO_DATE).seconds(seconds).note(note).build();
  }

  public static TableResult skipped(Stage stage, String table, double seconds, String why) {
    return of(stage, table, Status.SKIPPED).seconds(seconds).note(why).build();
  }
}
