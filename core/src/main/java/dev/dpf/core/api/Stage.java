package dev.dpf.core.api;

import dev.dpf.core.DpfException;
import java.util.Locale;

/**
 * A stage of the pipeline, as results, plans, logs and the command line name it: {@code init},
 * {@code ingest}, {@code transform}, {@code curate}, {@code replay}, {@code restore}, {@code
 * maintain}, {@code erase}, and {@code run} (all three, or a row about the whole run).
 */
public enum Stage {
  INIT,
  RUN,
  INGEST,
  TRANSFORM,
  CURATE,
  REPLAY,
  /** Every table back to the version a run left. */
  RESTORE,
  /** Compacting tables and removing files no kept run needs. */
  MAINTAIN,
  /** Removing every row of one data subject. */
  ERASE;

  /** As printed and logged: {@code transform}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Its {@link #label}, so that a stage prints as the run log writes it. */
  @Override
  public String toString() {
    return label();
  }

  /**
   * The stage {@code label} names.
   *
   * @throws DpfException for a label that names no stage
   */
  public static Stage of(String label) {
    for (Stage s : values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    throw new DpfException("'" + label + "' is not a stage of dpf");
  }
}
