package dev.dpf.core.api;

import dev.dpf.definition.TableName;
import java.util.Objects;

/**
 * What a run would do with one table, and why, as {@code dpf plan} tells it before anything runs.
 *
 * @param stage ingest, transform or curate
 * @param table the table
 * @param action what the run would do
 * @param why its reason, for example {@code 3 new raw file(s), 1,204 bytes}
 */
public record Planned(Stage stage, TableName table, Action action, String why) {
  public Planned {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(why, "why");
  }

  /** What a run would do with a table. */
  public enum Action {
    /** Append the records of new raw files (ingest). */
    INGEST(true),
    /** Read every raw file of the source again, replacing the table ({@code --reingest}). */
    REINGEST(true),
    /** Finish a batch an interrupted run left (ingest). */
    RESUME(true),
    /** Merge new consolidated rows into the dataset. */
    MERGE(true),
    /** Rebuild the table from all its inputs. */
    REBUILD(true),
    /** Recompute an incremental model's partitions or keys that changed rows touch. */
    RECOMPUTE(true),
    /** Nothing: its inputs did not change. */
    UP_TO_DATE(false),
    /** Nothing: an input it needs does not exist. */
    SKIP(false),
    /** Nothing: outside --select and --exclude. */
    NOT_SELECTED(false);

    private final boolean changes;

    Action(boolean changes) {
      this.changes = changes;
    }

    /** Whether the table would be written. */
    public boolean changes() {
      return changes;
    }

    /** As printed: {@code up-to-date}, {@code not selected}, ... */
    public String label() {
      return switch (this) {
        case UP_TO_DATE -> "up-to-date";
        case NOT_SELECTED -> "not selected";
        default -> name().toLowerCase(java.util.Locale.ROOT);
      };
    }
  }

  /** A table outside the run's selection. */
  public static Planned notSelected(Stage stage, TableName table) {
    return new Planned(stage, table, Action.NOT_SELECTED, "outside --select and --exclude");
  }
}
