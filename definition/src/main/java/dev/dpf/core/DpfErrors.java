package dev.dpf.core;

import java.util.List;

/**
 * The failures dpf raises in more than one place or that a scheduler acts on, one factory method
 * each, with their {@link DpfException.Kind}: the text of each is written once.
 */
public final class DpfErrors {
  private DpfErrors() {}

  /** Rows read are not rows written, quarantined and superseded: no row may be lost. */
  public static DpfException reconciliation(
      String table, long read, long written, long quarantined, long superseded) {
    return new DpfException(
        DpfException.Kind.RECONCILIATION,
        "Reconciliation failed for "
            + table
            + ": read "
            + read
            + " row(s) but wrote "
            + written
            + ", quarantined "
            + quarantined
            + " and superseded "
            + superseded
            + " (difference "
            + (read - written - quarantined - superseded)
            + "). No rows may be lost; report this as a bug");
  }

  /** Another process ({@code holder}; blank: not known) holds the lake's lock. */
  public static DpfException lakeInUse(String lake, String holder) {
    return new DpfException(
        DpfException.Kind.LAKE_IN_USE,
        "The lake at "
            + lake
            + " is in use by "
            + (holder == null || holder.isBlank() ? "another process" : holder.strip())
            + ". One dpf process at a time may write a lake: wait until it ends, then run again");
  }

  /**
   * The message of models that read each other in a cycle, each {@code name (file)}, the first
   * repeated at the end.
   */
  public static String cycle(List<String> path) {
    return "Models refer to each other in a cycle: "
        + String.join(" -> ", path)
        + ". Break the cycle in one of these SQL files";
  }

  /**
   * A model ({@code label}) reads {@code table}, which the definition does not make; {@code
   * suggestion}: the table it most likely meant, as a sentence, or empty.
   */
  public static DpfException unknownTable(String label, String table, String suggestion) {
    return new DpfException(
        DpfException.Kind.DEFINITION,
        label
            + " reads "
            + table
            + ", which no source, dataset or model of the definition makes."
            + suggestion
            + " Fix the table name in the SQL file");
  }
}
