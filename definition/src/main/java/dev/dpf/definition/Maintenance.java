package dev.dpf.definition;

/**
 * How {@code dpf maintain} keeps the lake: which runs stay readable and restorable, and the size it
 * compacts small files to. A run is kept when it is one of the last {@code keepRuns} runs, or ended
 * within the last {@code keepDays} days; files no kept run needs are removed.
 *
 * @param keepRuns the newest runs kept restorable (at least 1)
 * @param keepDays the days every run stays restorable (0 or more)
 * @param targetFileBytes the size compaction writes files of
 */
public record Maintenance(int keepRuns, int keepDays, long targetFileBytes) {
  /** The last 24 runs and 7 days, files of 128 MB. */
  public static final Maintenance DEFAULT = new Maintenance(24, 7, 128L << 20);

  public Maintenance {
    if (keepRuns < 1) {
      throw new IllegalArgumentException("keepRuns must be at least 1, got " + keepRuns);
    }
    if (keepDays < 0) {
      throw new IllegalArgumentException("keepDays must be 0 or more, got " + keepDays);
    }
    if (targetFileBytes < 1) {
      throw new IllegalArgumentException("targetFileBytes must be positive");
    }
  }
}
