package dev.dpf.core.api;

import dev.dpf.definition.QualityRule;
import java.util.List;

/**
 * One quality rule's outcome on one dataset in one run.
 *
 * @param dataset the dataset checked
 * @param rule the rule
 * @param checked rows checked (row rules: the rows conformed this run; table rules: 1 for freshness
 *     and min_rows, the table's rows for unique)
 * @param failed rows (or for table rules: 1 or 0) that failed
 * @param samples a few failing values, sorted
 * @param detail what was measured, for table rules (for example the row count)
 */
public record QualityResult(
    String dataset,
    QualityRule rule,
    long checked,
    long failed,
    List<String> samples,
    String detail) {
  public QualityResult {
    samples = List.copyOf(samples);
  }

  /** Rows (or tables) that passed. */
  public long passed() {
    return checked - failed;
  }

  /** A rule's outcome: it passed, or what failing did. */
  public enum Status {
    PASSED,
    WARNED,
    QUARANTINED,
    FAILED;

    /** As printed and logged: {@code warned}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Its {@link #label}. */
    @Override
    public String toString() {
      return label();
    }
  }

  /** passed, or what failing did: warned, quarantined or failed. */
  public Status status() {
    if (failed == 0) {
      return Status.PASSED;
    }
    return switch (rule.action()) {
      case WARN -> Status.WARNED;
      case QUARANTINE -> Status.QUARANTINED;
      case FAIL -> Status.FAILED;
    };
  }

  /** One line for logs and errors. */
  public String describe() {
    return dataset
        + " "
        + rule.label()
        + ": "
        + failed
        + " of "
        + checked
        + " failed"
        + (samples.isEmpty() ? "" : ", for example " + String.join(", ", samples))
        + (detail.isEmpty() ? "" : " (" + detail + ")");
  }
}
