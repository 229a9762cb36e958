package dev.dpf.core.internal.transform;

/** Column names the pipeline adds, in one place. */
public final class Columns {
  /** Raw file the record came from, relative to the raw root. */
  public static final String SOURCE_FILE = "_source_file";

  /** When the record was ingested (the run's start, UTC). */
  public static final String INGESTED_AT = "_ingested_at";

  /** The run that ingested the record. */
  public static final String RUN_ID = "_run_id";

  /** The ingest batch (per source) that wrote the record. */
  public static final String BATCH_ID = "_batch_id";

  /** The record's position in its file: 1, 2, ... (header rows not counted). */
  public static final String ROW_NUMBER = "_row_number";

  /** Where a quarantined record starts in its raw file: line (1-based), when known. */
  public static final String LINE = "_line";

  /** Where a quarantined record starts in its raw file: byte offset, when known. */
  public static final String BYTE_OFFSET = "_byte_offset";

  /** DMS change type: I, U or D (full-load rows without an Op column: I). */
  public static final String OP = "_op";

  /** DMS commit timestamp column's value, as written. */
  public static final String COMMIT_TS = "_commit_ts";

  /** Row-level conformance errors (transient, never written). */
  public static final String ERRORS = "_errors";

  /** Characters a Delta table's column name may not hold (without column mapping). */
  private static final java.util.regex.Pattern NOT_IN_NAMES =
      java.util.regex.Pattern.compile("[ ,;{}()\\n\\t=]+");

  private Columns() {}

  /**
   * A raw field name as a consolidated column can hold it: without surrounding spaces, each run of
   * the characters Delta refuses in names ({@code " ,;{}()\\n\\t="}) replaced by {@code _}, and
   * {@code unnamed} for an empty name. {@code "Customer ID"} becomes {@code Customer_ID}.
   */
  public static String sanitized(String rawName) {
    String s = NOT_IN_NAMES.matcher(rawName.strip()).replaceAll("_");
    return s.isEmpty() ? "unnamed" : s;
  }

  /**
   * A name as names are compared: {@link #sanitized}, in lower case (Spark and Delta compare column
   * names ignoring case). {@code "Customer ID"}, {@code customer_id} and {@code CUSTOMER_ID} are
   * one.
   */
  public static String folded(String name) {
    return sanitized(name).toLowerCase(java.util.Locale.ROOT);
  }
}
